#include "service/user_service.h"

#include "core/crypto.h"

namespace lockstep {

namespace {

Error denied() { return Error(Code::kUnauthenticated, "Send Authorization: Bearer <token> with a valid token."); }

}  // namespace

std::optional<std::string> token_hash_of(std::optional<std::string_view> authorization) {
  if (!authorization) return std::nullopt;
  std::string_view v = *authorization;
  constexpr std::string_view kScheme = "bearer ";
  if (v.size() <= kScheme.size()) return std::nullopt;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(v[i])) != kScheme[i]) return std::nullopt;
  }
  v.remove_prefix(kScheme.size());
  while (!v.empty() && v.front() == ' ') v.remove_prefix(1);
  while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
  if (v.empty() || v.size() > 512) return std::nullopt;
  return sha256_hex(v);
}

Result<Principal> authenticate_hash(Tx& tx, std::string_view hash) {
  auto user = tx.find_user_by_token_hash(hash);
  // The lookup is by hash; the comparison below is the constant-time check of the stored value.
  if (!user || !constant_time_equal(user->token_hash, hash)) {
    Error e = denied();
    e.detail = "The token is not valid (unknown or revoked).";
    return e;
  }
  return Principal{user->name, user->role};
}

Result<Principal> authenticate(Tx& tx, std::optional<std::string_view> authorization) {
  auto hash = token_hash_of(authorization);
  if (!hash) return denied();
  return authenticate_hash(tx, *hash);
}

std::vector<User> list_users(Tx& tx) { return tx.list_users(); }

Result<NewUser> add_user(Tx& tx, std::string_view name, Role role, Millis now) {
  if (!is_valid_user_name(name)) {
    Error e(Code::kValidationFailed, "A user name is 1 to 64 of A-Z a-z 0-9 . _ -");
    e.errors.push_back({"name", "must be 1 to 64 of A-Z a-z 0-9 . _ -"});
    return e;
  }
  auto existing = tx.find_user(name);
  if (existing && !existing->revoked()) {
    return Error(Code::kConflict, "The user '" + std::string(name) + "' exists already.");
  }
  NewUser out;
  out.token = make_token();
  out.user.name = std::string(name);
  out.user.role = role;
  out.user.token_hash = sha256_hex(out.token);
  out.user.created_at = existing ? existing->created_at : now;
  tx.put_user(out.user);
  return out;
}

Result<Ok> revoke_user(Tx& tx, std::string_view name) {
  auto user = tx.find_user(name);
  if (!user) return Error(Code::kNotFound, "No user is named '" + std::string(name) + "'.");
  user->token_hash.clear();
  tx.put_user(*user);
  return Ok{};
}

std::optional<NewUser> bootstrap_admin(Tx& tx, Millis now) {
  if (tx.count_users() > 0) return std::nullopt;
  auto created = add_user(tx, "admin", Role::kAdmin, now);
  if (!created) return std::nullopt;
  return std::move(*created);
}

}  // namespace lockstep
