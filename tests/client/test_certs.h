// Certificates made at test time with the OpenSSL API: a CA, and server certificates it signs,
// written as PEM files. EC P-256 keys, so that making them takes microseconds, not a key
// generation's seconds.
#pragma once

#include <memory>
#include <string>

namespace lockstep::testing {

class TestCa {
 public:
  // A self-signed CA named `name`, valid from an hour ago for a day.
  explicit TestCa(const std::string& name);
  ~TestCa();
  TestCa(const TestCa&) = delete;
  TestCa& operator=(const TestCa&) = delete;

  // Writes the CA's certificate (what a client trusts) to `path`.
  void write_cert(const std::string& path) const;
  // Writes the CA's own private key to `path` (a key that belongs to no server certificate).
  void write_key(const std::string& path) const;

  // Issues a server certificate for `alt_names` (a subjectAltName value, e.g.
  // "DNS:localhost,IP:127.0.0.1") and writes it and its new key as PEM files.
  void issue(const std::string& alt_names, const std::string& cert_path, const std::string& key_path) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lockstep::testing
