#include "http/known_tokens.h"

namespace lockstep::http {

std::optional<Principal> KnownTokens::find(const std::string& token_hash) const {
  if (token_hash.empty()) return std::nullopt;
  MutexLock lock(mu_);
  auto it = principals_.find(token_hash);
  if (it == principals_.end()) return std::nullopt;
  return it->second;
}

void KnownTokens::remember(const std::string& token_hash, const Principal& who) {
  if (token_hash.empty()) return;
  MutexLock lock(mu_);
  if (principals_.size() >= capacity_ && !principals_.contains(token_hash)) principals_.clear();
  principals_.insert_or_assign(token_hash, who);
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
