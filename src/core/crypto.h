// The few cryptographic primitives the server needs, on OpenSSL: secure random bytes, SHA-256 and a
// constant-time comparison.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace lockstep {

// Fills `out` with cryptographically secure random bytes; aborts if the system has none.
void random_bytes(unsigned char* out, std::size_t n);

// A fresh bearer token: "lst_" followed by 44 base64url characters (264 random bits).
std::string make_token();

// Lower-case hex SHA-256 of `data`: how tokens are stored.
std::string sha256_hex(std::string_view data);

// Compares without an early exit, so the time taken says nothing about where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace lockstep
