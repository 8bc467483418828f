// Tokens this node has recently seen accepted, so that a write carrying one can go to the writer
// at once instead of first taking a store read to authenticate (docs/architecture.md, "Before the
// writer"). It only decides which writes may skip that read: the writer authenticates every such
// write again inside the write's own transaction, so a token revoked anywhere (another node,
// `lockstepd user revoke`) is refused at the very next write, and is forgotten then. A token it
// does not know is checked on a reader first, so bad tokens never take a place in the writer's
// queue.
//
// Reads answered from memory (SQLite only) use an entry only while the store is still in the
// state it was checked at (find_checked): a state that no connection of any process has committed
// anything after (LocalReads::data_version), so a revocation anywhere ends the entry's use at the
// very next request. Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
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

  // Tokens are named by their stored form (token_hash_of), so the cache holds none in plain text
  // (API.md §2). An empty hash (no token) is never known.
  // The principal the token was last accepted for, if any.
  std::optional<Principal> find(const std::string& token_hash) const;
  // The same, only if it was accepted at the store state `version` (a LocalReads::data_version).
  std::optional<Principal> find_checked(const std::string& token_hash, std::uint64_t version) const;
  // The token was just accepted for `who`, by a read that began at state `checked_at` when known.
  // When full, it starts over (all entries go): the cost is one store read per token on its next
  // request.
  void remember(const std::string& token_hash, const Principal& who,
                std::optional<std::uint64_t> checked_at = std::nullopt);
  // The token was just refused.
  void forget(const std::string& token_hash);

  std::size_t size() const;

 private:
  const std::size_t capacity_;
  mutable Mutex mu_;
  struct Known {
    Principal who;
    std::optional<std::uint64_t> checked_at;
  };
  std::unordered_map<std::string, Known> principals_ LOCKSTEP_GUARDED_BY(mu_);
};

}  // namespace lockstep::http
