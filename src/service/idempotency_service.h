// Idempotent retries (API.md §7), inside the write's own transaction (DESIGN.md): the lookup of
// an Idempotency-Key, the claim of the key while its request runs, and the stored answer, kept
// with the transaction even when the request failed and its own writes are undone. What an answer
// is (an HTTP response) is the caller's: this service stores and returns it as opaque text.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "core/error.h"
#include "core/mutex.h"
#include "store/store.h"

namespace lockstep {

// API.md §6: an Idempotency-Key is 1 to 255 visible ASCII characters.
bool valid_idempotency_key(std::string_view key);

// The keys of requests being handled right now, so that a retry that overtakes its original is
// told 409 IDEMPOTENCY_IN_PROGRESS. Thread-safe.
class KeysInFlight {
 public:
  // A key held while its request runs, from its first run until its answer is released (after
  // the commit that stored it); let go by release() or, whatever happens, the destructor.
  class Claim {
   public:
    Claim(KeysInFlight& keys, std::pair<std::string, std::string> key) : keys_(&keys), key_(std::move(key)) {}
    Claim(Claim&& other) noexcept : keys_(std::exchange(other.keys_, nullptr)), key_(std::move(other.key_)) {}
    Claim(const Claim&) = delete;
    Claim& operator=(const Claim&) = delete;
    Claim& operator=(Claim&&) = delete;
    ~Claim() { release(); }
    void release();

   private:
    KeysInFlight* keys_;                       // null once released
    std::pair<std::string, std::string> key_;  // principal, key
  };

  // The claim of (principal, key), or nullopt while another request holds it.
  std::optional<Claim> claim(const std::string& principal, const std::string& key);

 private:
  Mutex mu_;
  std::set<std::pair<std::string, std::string>> keys_ LOCKSTEP_GUARDED_BY(mu_);
};

// A write sent with an Idempotency-Key: whose key it is, and the request a retry must repeat
// byte for byte to get the stored answer.
struct IdempotentRequest {
  std::string principal;
  std::string key;
  std::string method;
  std::string target;
  std::string body_hash;  // SHA-256 of the body, taken before the job reached the writer
};

// What a write answered, as far as idempotency is concerned.
struct WriteAnswer {
  bool success = false;               // its writes are kept
  std::optional<std::string> stored;  // the answer to store under its key: final answers only
};

// How one run of an idempotent write ended.
struct IdempotentRun {
  std::optional<std::string> replay;  // an earlier run's stored answer: the write did not run
  bool stored = false;                // its answer was stored with the transaction
};

class IdempotentWrites {
 public:
  // Stored answers are replayed for `ttl` after they were stored.
  explicit IdempotentWrites(Millis ttl) : ttl_(ttl) {}

  // Runs `write` inside `tx` as `request`, in the order of API.md §1: a key that is not 1-255
  // visible ASCII characters is 400; a stored answer of the same request is replayed (of another
  // request: 422 IDEMPOTENCY_KEY_REUSED); a key held by a request still running is 409
  // IDEMPOTENCY_IN_PROGRESS. Otherwise `write` runs inside a savepoint, holding the key in
  // `claim` (kept across runs of a parked request): a failed write's own writes are undone, and
  // its answer, when final, is stored all the same. An exception from `write` leaves nothing
  // stored (the caller undoes the job).
  Result<IdempotentRun> run(Tx& tx, const IdempotentRequest& request, Millis now,
                            std::optional<KeysInFlight::Claim>& claim, const std::function<WriteAnswer()>& write);

 private:
  Millis ttl_;
  KeysInFlight keys_;
};

}  // namespace lockstep
