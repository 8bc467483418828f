// lockstep::Client: typed calls for every route of the Lockstep HTTP contract (API.md), with the
// client-side strategies built in: retries with backoff, optimistic update loops, following the
// change feed. LockGuard (lock_guard.h) adds pessimistic locking on top.
//
// Thread-safety: a Client may be shared by any number of threads; each call borrows a kept-alive
// connection from a small pool (or opens one) and returns it afterwards.
// Failures are values: every call returns Result<T> (error.h); nothing throws on an HTTP error or
// a dropped connection. `https://` URLs speak TLS (1.2 or later) and check the server's
// certificate: from a CA of the system's (or of ClientOptions::ca_file), for the URL's host.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stop_token>
#include <string>
#include <string_view>
#include <vector>

#include "lockstep/error.h"
#include "lockstep/types.h"

namespace lockstep {

// Retries of one call. Used for every call: a request answered 429 or 503, 409
// IDEMPOTENCY_IN_PROGRESS, or lost to a refused/dropped/timed-out connection is sent again after
// an exponential backoff with full jitter (a random wait in [0, min(max_delay, base_delay *
// 2^attempt)]), never sooner than the answer's Retry-After. Writes carry an Idempotency-Key made
// by the client, the same on every retry of that call, so a write whose answer was lost is never
// applied twice. Conflicts (409/412), 423 and other 4xx are final answers and are not retried.
struct RetryPolicy {
  int max_attempts = 6;  // the first try included; 1 turns retries off
  std::chrono::milliseconds base_delay{100};
  std::chrono::milliseconds max_delay{5000};  // cap of one backoff wait
  std::chrono::milliseconds budget{15000};    // a call gives up rather than wait past this
  // Called before each retry's wait with its number (1 for the first) and what failed, e.g. to
  // show progress; called on the calling thread.
  std::function<void(int retry, const Error& why)> on_retry;
};

struct ClientOptions {
  std::string url = "http://127.0.0.1:8080";  // the server's base, without /v1
  std::string token;                          // bearer token of the principal
  std::chrono::milliseconds timeout{30000};   // each attempt: connect, send, whole answer
  RetryPolicy retry;
  std::size_t max_idle_connections = 8;  // kept alive between calls
  std::string ca_file;                   // https://: PEM file of the CAs to trust instead of the system's
};

// Preconditions and extras of one write. With neither `if_match` nor `expected_version` a write
// is unconditional: use that only for writes that may safely overwrite whatever is there.
struct WriteOptions {
  std::optional<std::string> if_match;           // an ETag as read; quotes are added when missing
  std::optional<std::int64_t> expected_version;  // sent as the body member expectedVersion
  bool merge = false;                            // Prefer: conflict=merge (server-side merge, §4)
  std::optional<std::int64_t> lock_token;        // Lock-Token of the lock the caller holds (§5)
  std::optional<std::string> idempotency_key;    // default: a new key for this call
};

// update(): read-modify-write until it wins.
struct UpdateOptions {
  // How long update() keeps redoing a lost write; then the last conflict is returned. A write
  // already sent is never cut off: the bound applies between tries.
  std::chrono::milliseconds deadline{15000};
  bool merge = false;                      // also send Prefer: conflict=merge
  std::optional<std::int64_t> lock_token;  // when the caller holds the task's lock
};

struct FollowOptions {
  std::chrono::seconds wait{30};  // long-poll hold of each request (1-60)
  int limit = 100;                // changes per request (1-1000)
  // After 410 CURSOR_EXPIRED the client lists every task again and calls this with the snapshot
  // and the revision it was taken at (following resumes from there); return false to stop.
  // When unset, each listed task is passed to the change handler as a Change of type "snapshot".
  std::function<bool(const std::vector<Task>& tasks, std::int64_t revision)> on_resync;
  std::stop_token stop;  // checked between requests, so stopping takes up to `wait`
};

struct Endpoint {
  std::string host;
  unsigned short port = 80;  // 443 for https://
  bool tls = false;          // https://
};

class Client {
 public:
  // REQUIRES: options.url is a valid http:// or https:// URL (see parse_url), and for https:// a
  // readable options.ca_file when one is given; throws std::invalid_argument if not.
  explicit Client(ClientOptions options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  // A moved-from Client may only be destroyed or assigned to.
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // "http://host[:port][/]" or "https://host[:port][/]" -> its host, port and scheme; nullopt for
  // anything else.
  static std::optional<Endpoint> parse_url(std::string_view url);

  const ClientOptions& options() const;

  // --- Tasks (API.md §3) ---
  Result<Task> create_task(const TaskFields& task, const WriteOptions& options = {});
  Result<Task> get_task(const std::string& id);
  // HEAD: the task's current ETag without its body.
  Result<std::string> task_etag(const std::string& id);
  Result<TaskPage> list_tasks(const TaskQuery& query = {});
  // Every task matching `query`, page after page (each page its own snapshot).
  Result<std::vector<Task>> list_all_tasks(TaskQuery query = {});
  Result<Task> patch_task(const std::string& id, const TaskPatch& patch, const WriteOptions& options = {});
  // PUT: replaces every writable field; creates the task with this id when it is missing.
  Result<Task> replace_task(const std::string& id, const TaskFields& task, const WriteOptions& options = {});
  // PUT with If-None-Match: *: creates with the caller's id, 412 if the id exists.
  Result<Task> create_task_with_id(const std::string& id, const TaskFields& task, const WriteOptions& options = {});
  Result<Done> delete_task(const std::string& id, const WriteOptions& options = {});

  // Optimistic read-modify-write. When to use: a short change computed from the current state
  // (increment a counter, append to a description) that must not overwrite a concurrent one.
  // GETs the task, runs `fn` on a copy and PATCHes the fields `fn` changed with If-Match. On 412
  // (or 409 VERSION_CONFLICT/MERGE_CONFLICT) it takes `current` from the answer (no extra GET) and
  // runs `fn` again and writes at once; only after a second loss in a row does it pause first (a
  // short random wait, 1 ms doubling up to 50 ms, so that writers of one hot task spread out). It
  // keeps trying until options.deadline has passed. `fn` may run several times, so it must
  // only compute from its argument. If `fn` changes nothing, nothing is written; if it throws,
  // the exception propagates and nothing more is written.
  Result<Task> update(const std::string& id, const std::function<void(Task&)>& fn, const UpdateOptions& options = {});

  // --- Locks (API.md §5); see LockGuard for the usual way to hold one ---
  // Acquires, or renews when the caller holds it. `wait` (0-30 s) waits for a held lock.
  Result<Lock> acquire_lock(const std::string& task_id, std::chrono::seconds ttl = std::chrono::seconds(60),
                            std::chrono::seconds wait = std::chrono::seconds(0));
  Result<Lock> get_lock(const std::string& task_id);
  // `force`: an admin breaks someone else's lock.
  Result<Done> release_lock(const std::string& task_id, bool force = false);

  // --- Batches (API.md §6) ---
  // One request for many writes. With `atomic` all apply or none (409 BATCH_ABORTED, whose
  // per-operation results are error.results).
  Result<BatchResult> batch(const std::vector<BatchOperation>& operations, bool atomic = true, bool merge = false);
  // The same with the whole body built by the caller as JSON text (e.g. read from a file), sent byte for byte: the
  // server judges what the caller wrote, a repeated member name included, which parsing it here would silently collapse
  // to the last one.
  Result<BatchResult> batch_text(std::string body);
  Result<Reassignment> reassign(const std::string& from_user, const std::string& to_user);

  // --- Changes and history (API.md §8) ---
  // One page of the feed after `since`; `wait` > 0 holds the request until a change arrives.
  Result<ChangePage> changes(std::int64_t since, int limit = 100, std::chrono::seconds wait = std::chrono::seconds(0));
  Result<std::vector<TaskVersion>> versions(const std::string& task_id);

  // Follows the change feed from `since`, calling `on_change` for each change in revision order,
  // none missed or repeated, until it returns false, options.stop is requested, or a call fails
  // for good (returned). When to use: keeping a cache, an index or a UI in step with the store.
  // `since` is advanced past every delivered change, so calling follow() again with it resumes.
  // A position older than the retained feed (410) is handled by listing again (see on_resync).
  Result<Done> follow(std::int64_t& since, const std::function<bool(const Change&)>& on_change,
                      const FollowOptions& options = {});

  // The change feed as server-sent events (GET /v1/changes/stream): one long-lived connection,
  // each change pushed as it commits; the same order and no-gap guarantee as follow(). `since`
  // absent: new changes only. A dropped connection is reopened (per the retry policy) with
  // Last-Event-ID, so no change is missed or repeated. Ends when `on_change` returns false or
  // `stop` is requested (at once), or fails for good: a position out of the retained feed is
  // 410 CURSOR_EXPIRED (list again, as follow() does for you). When to use: a UI or a process
  // that wants changes the moment they commit; follow() is simpler and pages through a backlog.
  Result<Done> stream_changes(std::optional<std::int64_t> since, const std::function<bool(const Change&)>& on_change,
                              std::stop_token stop = {});

  // --- Products (API.md §9) ---
  Result<Product> create_product(const ProductFields& product, const WriteOptions& options = {});
  Result<Product> get_product(const std::string& id);
  Result<ProductPage> list_products(std::optional<int> limit = std::nullopt,
                                    std::optional<std::string> page_token = std::nullopt);
  Result<Product> patch_product(const std::string& id, const ProductPatch& patch, const WriteOptions& options = {});
  Result<Done> delete_product(const std::string& id, const WriteOptions& options = {});
  // Sets the stock if the product is still at `version` (409 VERSION_CONFLICT otherwise).
  Result<Product> set_stock(const std::string& id, std::int64_t stock, std::int64_t version);
  // Takes `quantity` if that many are in stock, atomically in the store (409 OUT_OF_STOCK with
  // `available` otherwise). When to use: any "take N if there are N"; never read-modify-write.
  Result<Purchase> purchase(const std::string& id, std::int64_t quantity, const WriteOptions& options = {});

  // --- Users (admins only) ---
  Result<std::vector<User>> list_users();
  Result<User> create_user(const std::string& name, const std::string& role = "user");
  Result<Done> revoke_user(const std::string& name);
  // GET /v1/me: the caller's own name and role (any user).
  Result<User> me();

  // --- Operations ---
  Result<Done> healthz();
  Result<Done> readyz();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace lockstep
