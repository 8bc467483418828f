#include "http/known_tokens.h"

#include "core/crypto.h"

namespace lockstep::http {

std::string KnownTokens::key_of(std::string_view authorization) { return sha256_hex(authorization); }

std::optional<Principal> KnownTokens::find(std::string_view authorization) const {
  const std::string key = key_of(authorization);
  MutexLock lock(mu_);
  auto it = principals_.find(key);
  if (it == principals_.end()) return std::nullopt;
  return it->second;
}

void KnownTokens::remember(std::string_view authorization, const Principal& who) {
  std::string key = key_of(authorization);
  MutexLock lock(mu_);
  if (principals_.size() >= capacity_ && !principals_.contains(key)) principals_.clear();
  principals_.insert_or_assign(std::move(key), who);
}

void KnownTokens::forget(std::string_view authorization) {
  const std::string key = key_of(authorization);
  MutexLock lock(mu_);
  principals_.erase(key);
}

std::size_t KnownTokens::size() const {
  MutexLock lock(mu_);
  return principals_.size();
}

}  // namespace lockstep::http
