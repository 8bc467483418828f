#include "http/known_tokens.h"

namespace lockstep::http {

std::optional<Principal> KnownTokens::find(const std::string& token_hash) const {
  if (token_hash.empty()) return std::nullopt;
  MutexLock lock(mu_);
  auto it = principals_.find(token_hash);
  if (it == principals_.end()) return std::nullopt;
  return it->second.who;
}

std::optional<Principal> KnownTokens::find_checked(const std::string& token_hash, std::uint64_t version) const {
  if (token_hash.empty()) return std::nullopt;
  MutexLock lock(mu_);
  auto it = principals_.find(token_hash);
  if (it == principals_.end() || it->second.checked_at != version) return std::nullopt;
  return it->second.who;
}

void KnownTokens::remember(const std::string& token_hash, const Principal& who,
                           std::optional<std::uint64_t> checked_at) {
  if (token_hash.empty()) return;
  MutexLock lock(mu_);
  if (principals_.size() >= capacity_ && !principals_.contains(token_hash)) principals_.clear();
  principals_.insert_or_assign(token_hash, Known{who, checked_at});
}

void KnownTokens::forget(const std::string& token_hash) {
  MutexLock lock(mu_);
  principals_.erase(token_hash);
}

std::size_t KnownTokens::size() const {
  MutexLock lock(mu_);
  return principals_.size();
}

}  // namespace lockstep::http
