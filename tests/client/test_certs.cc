#include "test_certs.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <atomic>
#include <cstdio>
#include <stdexcept>

namespace lockstep::testing {

namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using Cert = std::unique_ptr<X509, decltype(&X509_free)>;

void require(bool ok, const char* what) {
  if (!ok) throw std::runtime_error(std::string("making a test certificate failed: ") + what);
}

Key new_key() {
  Key key(EVP_EC_gen("P-256"), &EVP_PKEY_free);
  require(key != nullptr, "EC key");
  return key;
}

void add_extension(X509* cert, X509V3_CTX& ctx, int nid, const std::string& value) {
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
  require(ext != nullptr, "extension");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

// A certificate of `key` named `cn`, signed by `issuer` (itself when null, with `key`).
Cert make_cert(EVP_PKEY* key, const std::string& cn, X509* issuer, EVP_PKEY* issuer_key, const std::string& alt_names) {
  static std::atomic<long> serial{1};
  Cert cert(X509_new(), &X509_free);
  X509* c = cert.get();
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial++);
  X509_gmtime_adj(X509_getm_notBefore(c), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c), 86400);
  X509_set_pubkey(c, key);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(c, issuer != nullptr ? X509_get_subject_name(issuer) : name);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer != nullptr ? issuer : c, c, nullptr, nullptr, 0);
  add_extension(c, ctx, NID_subject_key_identifier, "hash");
  add_extension(c, ctx, NID_authority_key_identifier, "keyid:always");
  if (issuer == nullptr) {
    add_extension(c, ctx, NID_basic_constraints, "critical,CA:TRUE");
    add_extension(c, ctx, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add_extension(c, ctx, NID_basic_constraints, "critical,CA:FALSE");
    add_extension(c, ctx, NID_key_usage, "critical,digitalSignature");
    add_extension(c, ctx, NID_ext_key_usage, "serverAuth");
    add_extension(c, ctx, NID_subject_alt_name, alt_names);
  }
  require(X509_sign(c, issuer_key != nullptr ? issuer_key : key, EVP_sha256()) > 0, "signing");
  return cert;
}

void write_pem(const std::string& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<FILE, decltype(&std::fclose)> f(std::fopen(path.c_str(), "w"), &std::fclose);
  require(f != nullptr, "opening the PEM file");
  bool ok = cert != nullptr ? PEM_write_X509(f.get(), cert) == 1
                            : PEM_write_PrivateKey(f.get(), key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  require(ok, "writing the PEM file");
}

}  // namespace

struct TestCa::Impl {
  Key key = new_key();
  Cert cert{nullptr, &X509_free};
};

TestCa::TestCa(const std::string& name) : impl_(std::make_unique<Impl>()) {
  impl_->cert = make_cert(impl_->key.get(), name, nullptr, nullptr, "");
}

TestCa::~TestCa() = default;

void TestCa::write_cert(const std::string& path) const { write_pem(path, impl_->cert.get(), nullptr); }

void TestCa::write_key(const std::string& path) const { write_pem(path, nullptr, impl_->key.get()); }

void TestCa::issue(const std::string& alt_names, const std::string& cert_path, const std::string& key_path) const {
  Key key = new_key();
  Cert cert = make_cert(key.get(), "lockstep test server", impl_->cert.get(), impl_->key.get(), alt_names);
  write_pem(cert_path, cert.get(), nullptr);
  write_pem(key_path, nullptr, key.get());
}

}  // namespace lockstep::testing
