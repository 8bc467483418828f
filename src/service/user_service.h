// Users and authentication (API.md §2): bearer tokens checked against stored SHA-256 hashes.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "domain/user.h"
#include "store/store.h"

namespace lockstep {

// Resolves an `Authorization` header value to its principal, or 401.
Result<Principal> authenticate(Tx& tx, std::optional<std::string_view> authorization);

// The stored form (SHA-256, hex) of the bearer token an `Authorization` header carries, or nullopt
// when it carries none; authenticate() is token_hash_of() then authenticate_hash().
std::optional<std::string> token_hash_of(std::optional<std::string_view> authorization);
// The principal of the token whose hash is `hash`, or 401.
Result<Principal> authenticate_hash(Tx& tx, std::string_view hash);

// Every user, revoked ones included, in name order.
std::vector<User> list_users(Tx& tx);

// A user and the token to hand over (shown once; only its hash is kept).
struct NewUser {
  User user;
  std::string token;
};

// Creates `name`, or gives a revoked user a new token. 409 CONFLICT when an active user has the
// name, 400 when the name is invalid.
Result<NewUser> add_user(Tx& tx, std::string_view name, Role role, Millis now);

// Removes a user's token, so that it stops working at once. 404 when no such user.
Result<Ok> revoke_user(Tx& tx, std::string_view name);

// On a database without users: creates `admin` (role admin) and returns it with its token.
std::optional<NewUser> bootstrap_admin(Tx& tx, Millis now);

}  // namespace lockstep
