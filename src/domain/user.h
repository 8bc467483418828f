// Users and their roles (API.md §2). A user's token is never stored, only its SHA-256.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/time.h"

namespace lockstep {

enum class Role { kUser, kAdmin };

inline const char* role_name(Role r) { return r == Role::kAdmin ? "admin" : "user"; }
inline std::optional<Role> parse_role(std::string_view s) {
  if (s == "admin") return Role::kAdmin;
  if (s == "user") return Role::kUser;
  return std::nullopt;
}

struct User {
  std::string name;
  Role role = Role::kUser;
  std::string token_hash;  // empty once revoked
  Millis created_at = 0;
  bool revoked() const { return token_hash.empty(); }
};

// The authenticated caller of one request: the actor of its writes.
struct Principal {
  std::string name;
  Role role = Role::kUser;
};

// User names follow the userId rule: 1-64 of [A-Za-z0-9._-].
bool is_valid_user_name(std::string_view name);

}  // namespace lockstep
