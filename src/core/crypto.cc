#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace lockstep {

void random_bytes(unsigned char* out, std::size_t n) {
  if (RAND_bytes(out, static_cast<int>(n)) != 1) std::abort();
}

std::string make_token() {
  static constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  unsigned char raw[33];
  random_bytes(raw, sizeof raw);
  std::string token = "lst_";
  for (std::size_t i = 0; i < sizeof raw; i += 3) {
    unsigned v = (raw[i] << 16) | (raw[i + 1] << 8) | raw[i + 2];
    for (int s = 18; s >= 0; s -= 6) token += kB64[(v >> s) & 63];
  }
  return token;
}

namespace {

// Given EVP_sha256(), OpenSSL 3 looks the implementation up again (under a lock) on every digest;
// fetched once, it does not. Every authenticated request hashes its token.
const EVP_MD* sha256_md() {
  static EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA2-256", nullptr);
  return fetched ? fetched : EVP_sha256();
}

}  // namespace

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), digest, &len, sha256_md(), nullptr);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(std::size_t{len} * 2, '\0');
  for (unsigned i = 0; i < len; ++i) {
    out[2 * std::size_t{i}] = kHex[digest[i] >> 4];
    out[2 * std::size_t{i} + 1] = kHex[digest[i] & 15];
  }
  return out;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace lockstep
