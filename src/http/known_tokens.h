// Tokens this node has recently seen accepted, so that a write carrying one can go to the writer
// at once instead of first taking a store read to authenticate (docs/architecture.md, "Before the
// writer"). It only decides which writes may skip that read: the writer authenticates every such
// write again inside the write's own transaction, so a token revoked anywhere (another node,
// `lockstepd user revoke`) is refused at the very next write, and is forgotten then. A token it
// does not know is checked on a reader first, so bad tokens never take a place in the writer's
// queue. Thread-safe.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/mutex.h"
#include "domain/user.h"

namespace lockstep::http {

class KnownTokens {
 public:
  explicit KnownTokens(std::size_t capacity = 10000) : capacity_(capacity) {}

  // The principal `authorization` (the header's value) was last accepted for, if any.
  std::optional<Principal> find(std::string_view authorization) const;
  // `authorization` was just accepted for `who`. When full, it starts over (all entries go): the
  // cost is one store read per token on its next write.
  void remember(std::string_view authorization, const Principal& who);
  // `authorization` was just refused.
  void forget(std::string_view authorization);

  std::size_t size() const;

 private:
  // Keyed by a hash of the header, so the cache holds no token in plain text (API.md §2).
  static std::string key_of(std::string_view authorization);

  const std::size_t capacity_;
  mutable Mutex mu_;
  std::unordered_map<std::string, Principal> principals_ LOCKSTEP_GUARDED_BY(mu_);
};

}  // namespace lockstep::http
