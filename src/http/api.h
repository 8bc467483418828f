// The API: routes a Request to its handler, runs the handler on the store's threads inside one
// transaction, and answers. The I/O thread that calls handle() never waits: reads go to the
// store's readers, writes to its writer.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <optional>
#include <string>

#include "core/time.h"
#include "http/known_tokens.h"
#include "http/message.h"
#include "http/metrics.h"
#include "http/rate_limit.h"
#include "http/router.h"
#include "http/static_files.h"
#include "http/task_cache.h"
#include "http/waits.h"
#include "service/idempotency_service.h"
#include "store/local_reads.h"
#include "store/store.h"

namespace lockstep::http {

class ChangeFeed;

struct ApiOptions {
  bool require_preconditions = false;
  bool insecure_no_auth = false;
  std::size_t max_pending_writes = 4096;
  Retention retention;
  std::chrono::seconds heartbeat{15};  // event streams send a comment line this often when idle
  double rate = 1000;                  // requests a second per principal; 0: no limit
  double burst = 2000;
  Millis idempotency_ttl_ms = Millis{24} * 3600 * 1000;
  std::size_t max_batch = 100;
  std::string web_root;  // a folder of the web board's built files; empty: the board built in
  // The most the node keeps in memory of current tasks (TaskCache), when the store offers reads
  // from memory (the Api's `local_reads`).
  std::size_t read_cache_bytes = std::size_t{8} << 20;
};

class Api {
 public:
  using Respond = http::Respond;

  // `store` and `clock` must outlive the Api. With `local_reads` (SQLite only: store/open.h),
  // GET /v1/tasks/{id} is answered on the calling I/O thread from memory when it can be
  // (docs/architecture.md, "Reads from memory").
  Api(Store& store, const Clock& clock, const ApiOptions& options, std::unique_ptr<LocalReads> local_reads = nullptr);
  ~Api();

  // Answers `req` by calling `respond` exactly once, possibly on another thread, possibly before
  // handle() returns. `cancel`, if given, is cancelled by the server when the client goes away
  // before the answer. Thread-safe.
  void handle(Request req, Respond respond, std::shared_ptr<Cancellation> cancel = nullptr);

  // The clock given to the constructor jumped (only a test's clock does, see
  // src/server/test_clock.h): every parked request looks at its lock and its deadline again.
  void clock_moved() {
    waits_.notify_all();
    feed_waits_.notify_all();
  }

  // Answers every parked request now (server shutdown). Idempotent.
  void shutdown() {
    waits_.stop();
    feed_waits_.stop();
  }

 private:
  struct Exchange;
  // /healthz, /readyz, /metrics and /openapi.json, as routes.
  void add_operation_routes();
  // An operations endpoint's answer (or 405), named by its route.
  void operate(const Request& req, const Router::Match& match, Respond respond);
  void ready(Respond respond);
  void metrics(const Request& req, Respond respond);
  std::string metrics_text(Tx& tx) const;
  // A GET of a task answered on this thread from the read cache when it holds the task:
  // authenticated by principal_in_memory, its rate-limit token taken, then answered. False when
  // the store must answer (on a miss, with the ticket its store read may fill the cache with).
  bool answered_from_memory(Exchange& ex);
  // A read's principal, checked against the store as it is now without a hand-off: from
  // known_tokens_ while no connection has committed since the token was checked, else by a point
  // read on this thread. nullopt when the token is not valid (the store answers the 401). Throws
  // StoreError.
  std::optional<Principal> principal_in_memory(const Request& req);
  void submit_read(std::shared_ptr<Exchange> ex, bool may_wait);
  // A write, before it reaches the writer (API.md §1 order: 401, then 429): a token of
  // known_tokens_ goes on at once (the writer authenticates it again: recheck_token); any other is
  // authenticated in a fresh read on a store reader, then admitted(). Parked writes come back here
  // at each wake-up, so a token revoked meanwhile is refused too.
  void admit(std::shared_ptr<Exchange> ex, bool may_wait);
  // After authentication (on that reader or the I/O thread): 429; on its first run 503 when the
  // writer's queue is full, then its body read (read_body); then submit_write. So only writes with
  // a token accepted before and within their rate ever count against --max-pending-writes, and
  // the writer parses nothing.
  void admitted(std::shared_ptr<Exchange> ex, bool may_wait);
  // The body the handler will read, by its route's BodyReader.
  Result<Body> read_body(const Exchange& ex) const;
  // Answers a write refused before the writer.
  void refuse(Exchange& ex, Response r);
  void submit_write(std::shared_ptr<Exchange> ex, bool may_wait);
  // On the writer, for a write admitted on a known token: authenticates it in the write's
  // transaction; false (the 401 set as its response, the token forgotten) when it is no longer valid.
  bool recheck_token(Tx& tx, Exchange& ex);
  // Re-runs a parked lock request after the next commit that concerns its task, or at its
  // deadline (then without waiting).
  void park(std::shared_ptr<Exchange> ex, std::uint64_t seen, Millis until);
  // A long poll of the change feed with nothing after `after` yet: waits for the feed's next
  // read, then answers from it (or at its deadline, from the store).
  void follow(std::shared_ptr<Exchange> ex, std::int64_t after, Millis until, std::uint64_t seen);
  void look_for(std::shared_ptr<Exchange> ex, std::int64_t after, Millis until);
  // Wakes the parked requests a committed write may concern.
  void wake_after(const Exchange& ex);
  // A read: authenticates, takes its rate-limit token, then run_authorized, inside `tx`.
  Response run(Tx& tx, Exchange& ex, bool may_wait);
  // The token's principal (anonymous under --insecure-no-auth), or 401.
  Result<Principal> principal_of(Tx& tx, std::optional<std::string_view> authorization) const;
  // Takes the exchange's one rate-limit token (on its first run only); the 429 when there was none.
  std::optional<Response> limit(Exchange& ex);
  // After authentication and the rate limit: run_authenticated, described.
  Response run_authorized(Tx& tx, Exchange& ex, bool may_wait);
  // Names the principal, the route and the rate-limit headers of `r`.
  Response described(const Exchange& ex, Response r) const;
  // Runs `run` (a read's or write's whole handling); an exception other than the store's own is a
  // bug: 500 INTERNAL, not retryable, never stored, named in the request's log line.
  template <typename Run>
  Response guarded(Exchange& ex, Run&& run);
  // After authentication: a write with an Idempotency-Key through the idempotency service
  // (replay, 422, 409, or dispatch with its answer stored), anything else straight to dispatch.
  Response run_authenticated(Tx& tx, Exchange& ex, const Principal& who, bool may_wait);
  // 405/404/415, then the handler.
  Response dispatch(Tx& tx, Exchange& ex, const Principal& who, bool may_wait);
  // Names the route of `r` and adds the RateLimit headers of the exchange's token, if it took one.
  void describe_rate(const Exchange& ex, Response& r) const;
  // Turns a handler's "stream after revision R" into the event stream itself.
  void attach_stream(Response& r, const Request& req);

  Store& store_;
  const Clock& clock_;
  ApiOptions options_;
  Router router_;
  LockQueue lock_queue_;  // before waits_: a parked request's place in it must not outlive it
  WaitList waits_;        // lock waiters, keyed by task id
  WaitList feed_waits_;   // change-feed followers (long polls, event streams)
  std::unique_ptr<ChangeFeed> feed_;
  std::atomic<std::uint64_t> lock_wait_runs_{0};  // parked lock requests re-run (for metrics)
  RateLimiter rate_limiter_;
  IdempotentWrites idempotency_;
  KnownTokens known_tokens_;
  std::unique_ptr<TaskCache> task_cache_;    // with local_reads_ only
  std::unique_ptr<LocalReads> local_reads_;  // after task_cache_: it stops telling it before it goes
  StaticFiles web_;
  Metrics metrics_;
};

}  // namespace lockstep::http
