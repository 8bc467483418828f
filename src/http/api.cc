#include "http/api.h"

#include <boost/json.hpp>

#include "http/change_stream.h"
#include "http/idempotency.h"
#include "http/openapi.h"
#include "http/problem.h"
#include "http/request_log.h"
#include "http/responses.h"
#include "service/change_service.h"
#include "service/operations_service.h"
#include "service/user_service.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

bool is_safe(std::string_view m) { return m == "GET" || m == "HEAD"; }

// The principal of every request under --insecure-no-auth.
Principal anonymous() { return Principal{"anonymous", Role::kAdmin}; }

// The body of a request whose handler never reads one (GET, HEAD).
const Result<Body>& no_body() {
  static const Result<Body> none{Body{}};
  return none;
}

// 403: an admin-only route refuses everyone else before the body is looked at (API.md §1).
bool forbidden(const Router::Match& match, const Principal& who) {
  return match.access == Access::kAdminOnly && who.role != Role::kAdmin;
}

// API.md §1: request bodies are application/json (PATCH also merge-patch+json); parameters such
// as charset are allowed.
bool acceptable_content_type(const Request& req) {
  auto ct = req.header("content-type");
  if (!ct) return false;
  std::string media(ct->substr(0, ct->find(';')));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json" || (req.method == "PATCH" && media == "application/merge-patch+json");
}

// 415: a body must say it is JSON; a request without one (a lock with the defaults) need not.
bool unsupported_media_type(const Request& req) { return !req.body.empty() && !acceptable_content_type(req); }

// RFC 7240: Prefer carries comma-separated preferences; `conflict=merge` asks for a server-side
// merge of a stale write (API.md §4).
bool prefers_merge(const Request& req) {
  for (const auto& [name, value] : req.headers) {
    if (name != "prefer") continue;
    std::string v;
    for (char c : value) {
      if (c != ' ' && c != '\t' && c != '"') v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::size_t pos = 0;
    while (pos <= v.size()) {
      auto end = v.find_first_of(",;", pos);
      if (end == std::string::npos) end = v.size();
      if (v.compare(pos, end - pos, "conflict=merge") == 0) return true;
      pos = end + 1;
    }
  }
  return false;
}

ConditionalHeaders conditional_headers(const Request& req) {
  return ConditionalHeaders{req.header_string("if-match"), req.header_string("if-none-match"),
                            req.header_string("if-modified-since"), req.header_string("if-unmodified-since")};
}

// 2xx, and not parked: the write's own changes are kept.
bool succeeded(const Response& r) { return r.status >= 200 && r.status < 300 && !r.park_until; }

// What a bug's exception is answered: not retryable (the same request will likely fail the same
// way), and never stored under an Idempotency-Key (a 5xx is not final). Its message goes to the
// request's log line only.
Response internal_error(std::string_view what) {
  Response r = problem(Error(Code::kInternal,
                             "The server failed on this request; nothing of it was applied. It is logged under this "
                             "answer's X-Request-Id."));
  r.log_note = "internal error: ";
  r.log_note += what;
  return r;
}

}  // namespace

Api::Api(Store& store, const Clock& clock, const ApiOptions& options, std::unique_ptr<LocalReads> local_reads)
    : store_(store),
      clock_(clock),
      options_(options),
      rate_limiter_(options.rate, options.burst),
      idempotency_(options.idempotency_ttl_ms),
      web_(options.web_root) {
  if (local_reads && options_.read_cache_bytes > 0) {
    task_cache_ = std::make_unique<TaskCache>(options_.read_cache_bytes);
    local_reads_ = std::move(local_reads);
    local_reads_->on_tasks_written([cache = task_cache_.get()](const std::vector<std::string>& ids, WritePhase phase) {
      cache->forget(ids, phase == WritePhase::kEnded);
    });
  }
  add_all_routes(router_, lock_queue_);
  add_operation_routes();
  // A waiter that leaves a task's queue, however its request ends, lets the next one try at once.
  lock_queue_.on_leave([this](const std::string& task_id) { waits_.notify(task_id); });
  feed_ = std::make_unique<ChangeFeed>(store_, feed_waits_, options_.retention, !options_.insecure_no_auth);
  feed_->notify();  // its first read: from then on it holds what commits add
  // Commits of other nodes wake this node's lock waiters of the tasks they changed, and the feed
  // reads once for all of its followers.
  store_.on_remote_commit([this](const RemoteCommit& commit) {
    if (commit.anything) {
      waits_.notify_all();
    } else {
      for (const auto& id : commit.task_ids) waits_.notify(id);
    }
    feed_->notify();
  });
}

// Parked requests are answered while everything they refer to is still here.
Api::~Api() { shutdown(); }

struct Api::Exchange {
  Exchange(Request r, Router::Match m, Respond f, std::shared_ptr<Cancellation> c)
      : req(std::move(r)), match(std::move(m)), respond(std::move(f)), cancel(std::move(c)) {}
  ~Exchange() {
    if (cancel) cancel->on_cancel(nullptr);
  }

  Request req;
  Router::Match match;
  Respond respond;
  Response response;
  std::uint64_t seen = 0;                // the wait list's generation before the last run
  std::shared_ptr<Cancellation> cancel;  // cancelled when the client goes away; may be null
  bool waited = false;                   // a write that has been parked (a lock request waiting its turn)
  // What its handler keeps from one run to the next (Call::kept): a lock waiter's place in its
  // task's queue, from its first wait until it ends, however.
  std::any kept;
  // A long poll's token, counted in while it follows the change feed.
  std::optional<ChangeFeed::Follower> follower;
  std::optional<KeysInFlight::Claim> key_claim;  // the Idempotency-Key it holds in flight
  bool stored = false;                           // its answer was stored with the transaction
  // The rate-limit verdict of its one token (taken on the first run, not again when a parked
  // request re-runs); every answer to it describes it (API.md §7).
  std::optional<RateLimiter::Verdict> rate;
  std::optional<Principal> who;           // once authenticated (again at each run)
  std::optional<Result<Body>> body;       // a write's body, read once, before it first reaches the writer
  std::string body_hash;                  // of a write with an Idempotency-Key, taken with its body
  std::string token_hash;                 // of a write's bearer token, taken once (empty: none)
  bool recheck = false;                   // admitted on a known token: the writer authenticates it (submit_write)
  std::optional<TaskCache::Ticket> fill;  // a GET of a task the read cache missed: its store read may fill it

  // A waiting request whose client has gone away: it is answered without being served.
  bool client_gone() const { return waited && cancel && cancel->cancelled(); }

  // Answers, first letting go of the Idempotency-Key (after the commit that stored the answer).
  void finish(Response r) {
    key_claim.reset();
    respond(std::move(r));
  }
};

template <typename Run>
Response Api::guarded(Exchange& ex, Run&& run) {
  try {
    return run();
  } catch (const StoreError&) {
    throw;  // the store's own failure: its outcome answers (503, nothing was committed)
  } catch (const std::exception& e) {
    ex.stored = false;
    return described(ex, internal_error(e.what()));
  } catch (...) {
    ex.stored = false;
    return described(ex, internal_error("an exception that is not a std::exception"));
  }
}

void Api::handle(Request req, Respond respond, std::shared_ptr<Cancellation> cancel) {
  if (req.received_at == 0) req.received_at = clock_.now();
  // Every answer is observed once, on its way out.
  respond = [this, inner = std::move(respond), method = req.method,
             started = std::chrono::steady_clock::now()](Response r) {
    metrics_.observe(r, method, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    inner(std::move(r));
  };
  auto match = router_.match(req.method, req.path);
  if (match.operation_path) return operate(req, match, std::move(respond));
  if (auto file = web_.serve(req)) return respond(std::move(*file));
  if (!match.path_matched && !(req.path == "/v1" || req.path.starts_with("/v1/"))) {
    return respond(problem(Error(Code::kNotFound, "No such resource: " + req.path)));
  }
  if (match.pattern.empty()) match.pattern = "/v1/*";
  auto ex = std::make_shared<Exchange>(std::move(req), std::move(match), std::move(respond), std::move(cancel));
  if (is_safe(ex->req.method)) {
    if (answered_from_memory(*ex)) return;
    return submit_read(std::move(ex), true);
  }
  admit(std::move(ex), true);
}

bool Api::answered_from_memory(Exchange& ex) {
  if (!task_cache_ || !ex.match.handler || ex.match.pattern != "/v1/tasks/{id}") return false;
  // The entry, found after the request arrived, was current then: the writer forgets a task before
  // committing it.
  TaskCache::Ticket ticket = 0;
  auto entry = task_cache_->find(ex.match.params[0], ticket);
  if (!entry) {
    ex.fill = ticket;
    return false;
  }
  try {
    ex.who = principal_in_memory(ex.req);
  } catch (const StoreError&) {
    return false;  // the store's readers answer, or say it is unavailable
  }
  if (!ex.who) return false;
  if (auto limited = limit(ex)) {
    ex.respond(described(ex, std::move(*limited)));
    return true;
  }
  auto r = answer_from_memory(*entry, conditional_headers(ex.req));
  if (!r) return false;
  r->head = ex.req.method == "HEAD";
  ex.respond(described(ex, std::move(*r)));
  return true;
}

std::optional<Principal> Api::principal_in_memory(const Request& req) {
  if (options_.insecure_no_auth) return anonymous();
  auto hash = token_hash_of(req.header("authorization"));
  if (!hash) return std::nullopt;
  const std::uint64_t version = local_reads_->data_version();  // before the check, which sees at least this state
  if (auto who = known_tokens_.find_checked(*hash, version)) return who;
  std::optional<Principal> who;
  local_reads_->read_here([&](Tx& tx) {
    if (auto accepted = authenticate_hash(tx, *hash)) who = std::move(*accepted);
  });
  if (who) {
    known_tokens_.remember(*hash, *who, version);
  } else {
    known_tokens_.forget(*hash);
  }
  return who;
}

void Api::admit(std::shared_ptr<Exchange> ex, bool may_wait) {
  if (options_.insecure_no_auth) {
    ex->who = anonymous();
    return admitted(std::move(ex), may_wait);
  }
  // A token this node has accepted before goes to the writer at once; the writer authenticates
  // it again in the write's own transaction (submit_write).
  ex->recheck = false;
  if (ex->token_hash.empty()) ex->token_hash = token_hash_of(ex->req.header("authorization")).value_or("");
  if (auto known = known_tokens_.find(ex->token_hash)) {
    ex->who = std::move(*known);
    ex->recheck = true;
    return admitted(std::move(ex), may_wait);
  }
  // Any other: a fresh read, whose snapshot is taken after this call, so it sees every revocation
  // acknowledged before now, by this node, another node, or `lockstepd user revoke`.
  store_.read(
      [this, ex, may_wait](Tx& tx) {
        auto who = ex->token_hash.empty() ? authenticate(tx, std::nullopt) : authenticate_hash(tx, ex->token_hash);
        if (!who) {
          ex->who.reset();  // a parked write's token, revoked while it waited
          return refuse(*ex, problem(who.error()));
        }
        known_tokens_.remember(ex->token_hash, *who);
        ex->who = std::move(*who);
        admitted(ex, may_wait);
      },
      [this, ex] { refuse(*ex, problem(Error(Code::kStoreUnavailable, "The store is not reachable; try again."))); });
}

void Api::admitted(std::shared_ptr<Exchange> ex, bool may_wait) {
  if (auto limited = limit(*ex)) return refuse(*ex, std::move(*limited));
  if (!ex->body) {  // its first run, not a parked lock request's next one
    if (store_.pending_writes() >= options_.max_pending_writes) {
      return refuse(*ex, problem(Error(Code::kOverloaded, "Too many writes are waiting; try again shortly.")));
    }
    ex->body = read_body(*ex);
    if (ex->req.header("idempotency-key")) ex->body_hash = body_hash(ex->req);
  }
  submit_write(std::move(ex), may_wait);
}

Result<Body> Api::read_body(const Exchange& ex) const {
  const Router::Match& match = ex.match;
  // Not read at all when the handler will not run (API.md §1: 403, 415 and 404 come first).
  if (!match.handler || forbidden(match, *ex.who) || unsupported_media_type(ex.req)) return Body{};
  if (match.read_body) return match.read_body(ex.req.body, options_.max_batch);
  return Body::parse(ex.req.body);
}

void Api::refuse(Exchange& ex, Response r) { ex.finish(described(ex, std::move(r))); }

void Api::submit_read(std::shared_ptr<Exchange> ex, bool may_wait) {
  // Before the read's snapshot, which the store may take any time after this call (reads queued
  // together share one): see WaitList::generation.
  ex->seen = feed_waits_.generation();
  store_.read(
      [this, ex, may_wait](Tx& tx) {
        Response r = guarded(*ex, [&] { return run(tx, *ex, may_wait); });
        if (r.park_until) {  // a long poll of the change feed, the one read that parks
          ex->response.principal = r.principal;
          return follow(ex, r.stream_after.value_or(0), *r.park_until, ex->seen);
        }
        if (r.stream_after) attach_stream(r, ex->req);
        ex->respond(std::move(r));
      },
      [ex] {
        Response r = problem(Error(Code::kStoreUnavailable, "The store is not reachable; try again."));
        r.route = ex->match.pattern;
        ex->respond(std::move(r));
      });
}

void Api::submit_write(std::shared_ptr<Exchange> ex, bool may_wait) {
  store_.write(
      [this, ex, may_wait](Tx& tx) {
        ex->seen = waits_.generation();
        ex->stored = false;
        if (ex->client_gone()) {
          // API.md §5: a waiter whose client hung up is never granted the lock.
          ex->response =
              described(*ex, problem(Error(Code::kLocked, "The client went away while waiting; nothing was granted.")));
          return false;
        }
        if (ex->recheck && !recheck_token(tx, *ex)) return false;
        ex->response = guarded(*ex, [&] { return run_authorized(tx, *ex, may_wait); });
        return ex->stored || succeeded(ex->response);
      },
      [this, ex](Store::WriteOutcome outcome) {
        if (outcome != Store::WriteOutcome::kCommitted) {
          const std::string principal = ex->response.principal;
          ex->response = problem(
              Error(Code::kStoreUnavailable,
                    outcome == Store::WriteOutcome::kFailed
                        ? "The write was not committed; it is safe to retry."
                        : "The database became unreachable while committing, so whether the write was applied is "
                          "not known: retry it with the same Idempotency-Key, or read before writing again."));
          ex->response.principal = principal;
          describe_rate(*ex, ex->response);
        } else if (ex->response.park_until) {
          return park(ex, ex->seen, *ex->response.park_until);
        } else if (ex->response.status >= 200 && ex->response.status < 300) {
          wake_after(*ex);
          if (ex->waited) metrics_.observe_lock_wait(static_cast<double>(clock_.now() - ex->req.received_at) / 1000);
        }
        ex->finish(std::move(ex->response));
      });
}

bool Api::recheck_token(Tx& tx, Exchange& ex) {
  auto who = authenticate_hash(tx, ex.token_hash);
  if (!who) {
    known_tokens_.forget(ex.token_hash);
    ex.who.reset();
    ex.response = described(ex, problem(who.error()));
    return false;
  }
  ex.who = std::move(*who);  // the same principal: a token's user and role never change, only its validity
  return true;
}

void Api::wake_after(const Exchange& ex) {
  const std::string& route = ex.match.pattern;
  if (route.starts_with("/v1/products")) return;        // no task, no lock, no change of the feed
  if (route != "/v1/tasks/{id}/lock") feed_->notify();  // a task's change, or a token's end
  // Lock waiters: those of the task the route names (its lock released, the task deleted), or all
  // of them after a write that may touch any task or token (a batch, a revoked user).
  if (route.starts_with("/v1/tasks/{id}")) {
    waits_.notify(ex.match.params[0]);
  } else if (!(route == "/v1/tasks" && ex.req.method == "POST")) {
    waits_.notify_all();
  }
}

void Api::park(std::shared_ptr<Exchange> ex, std::uint64_t seen, Millis until) {
  auto wait = std::chrono::milliseconds(std::max<Millis>(0, until - clock_.now()));
  // A lock request waits on its task; a client that goes away wakes its request, which leaves.
  ex->waited = true;
  std::string key = ex->match.params.at(0);
  if (ex->cancel) {
    ex->cancel->on_cancel([this, key] { waits_.notify(key); });
    ex->cancel->watch();
  }
  waits_.park(std::move(key), seen, WaitList::Clock::now() + wait, [this, ex](bool) {
    // It decides itself from its own deadline whether to wait on, after authenticating again (a
    // token revoked meanwhile is refused). Once stopping, nothing waits.
    lock_wait_runs_.fetch_add(1);
    admit(ex, !waits_.stopped());
  });
}

void Api::follow(std::shared_ptr<Exchange> ex, std::int64_t after, Millis until, std::uint64_t seen) {
  if (!ex->follower) {
    std::optional<std::string> authorization;
    if (!options_.insecure_no_auth) authorization = ex->req.header_string("authorization");
    ex->follower.emplace(*feed_, std::move(authorization), after);
  }
  auto wait = std::chrono::milliseconds(std::max<Millis>(0, until - clock_.now()));
  metrics_.follower_parked(+1);
  feed_waits_.park(kFeedKey, seen, WaitList::Clock::now() + wait, [this, ex, after, until](bool timed_out) {
    metrics_.follower_parked(-1);
    // Its time is up (or the server stops): the store answers what there is.
    if (timed_out) return submit_read(ex, false);
    look_for(ex, after, until);
  });
}

void Api::look_for(std::shared_ptr<Exchange> ex, std::int64_t after, Millis until) {
  const auto seen = feed_waits_.generation();                 // before the look: see WaitList::generation
  const auto query = parse_feed_query(ex->req.query, false);  // the handler accepted it
  FeedEntries got;
  switch (feed_->look(*ex->follower, after, static_cast<std::size_t>(query ? query->limit : 1), got)) {
    case ChangeFeed::Look::kChanges: {
      std::vector<std::string> changes;
      changes.reserve(got.size());
      for (const auto& e : got) changes.push_back(e->json);
      Response r = json_response(200, feed_page_json(changes, got.back()->revision));
      r.principal = ex->response.principal;
      r.head = ex->req.method == "HEAD";
      describe_rate(*ex, r);
      return ex->respond(std::move(r));
    }
    case ChangeFeed::Look::kNothingYet:
      return follow(std::move(ex), after, until, seen);
    case ChangeFeed::Look::kUnauthenticated:
    case ChangeFeed::Look::kAskStore:
      return submit_read(std::move(ex), !feed_waits_.stopped());  // the store answers: 401, 410 or changes
  }
}

void Api::attach_stream(Response& r, const Request& req) {
  std::function<bool(Tx&)> authorized = [](Tx&) { return true; };
  if (!options_.insecure_no_auth) {
    authorized = [authorization = req.header_string("authorization")](Tx& tx) {
      return authenticate(tx, authorization).ok();
    };
  }
  std::optional<std::string> authorization;
  if (!options_.insecure_no_auth) authorization = req.header_string("authorization");
  r.events =
      std::make_shared<ChangeStream>(store_, feed_waits_, *feed_, std::move(authorized), std::move(authorization),
                                     options_.retention, *r.stream_after, options_.heartbeat);
}

void Api::add_operation_routes() {
  router_.add_operation("GET", "/healthz", [](const Request&, const Respond& respond) {
    respond(json_response(200, json::object{{"status", "ok"}}));  // never touches the store
  });
  router_.add_operation("GET", "/readyz", [this](const Request&, Respond respond) { ready(std::move(respond)); });
  router_.add_operation("GET", "/metrics",
                        [this](const Request& req, Respond respond) { metrics(req, std::move(respond)); });
  router_.add_operation("GET", "/openapi.json", [](const Request& req, const Respond& respond) {
    Response r;
    r.body = std::string(openapi_document());
    r.head = req.method == "HEAD";
    respond(std::move(r));
  });
}

void Api::operate(const Request& req, const Router::Match& match, Respond respond) {
  Respond named = [route = match.pattern, respond = std::move(respond)](Response r) {
    r.route = route;
    respond(std::move(r));
  };
  if (match.operation) return match.operation(req, std::move(named));
  Response r = problem(Error(Code::kMethodNotAllowed, "Allowed methods: " + match.allow + "."));
  r.set("Allow", match.allow);
  named(std::move(r));
}

void Api::ready(Respond respond) {
  if (store_.pending_writes() >= options_.max_pending_writes) {
    return respond(problem(Error(Code::kOverloaded, "Shedding writes: the write queue is full.")));
  }
  auto shared = std::make_shared<Respond>(std::move(respond));
  store_.read(
      [shared](Tx& tx) {
        (*shared)(json_response(200, json::object{{"status", "ready"}, {"revision", latest_revision(tx)}}));
      },
      [shared] { (*shared)(problem(Error(Code::kStoreUnavailable, "The store is not reachable."))); });
}

void Api::metrics(const Request& req, Respond respond) {
  auto shared = std::make_shared<Respond>(std::move(respond));
  store_.read(
      [this, shared, authorization = req.header_string("authorization")](Tx& tx) {
        auto who = principal_of(tx, authorization);
        Response r = who ? Response{} : problem(who.error());
        if (who) {
          r.content_type = "text/plain; version=0.0.4";
          r.body = metrics_text(tx);
          r.principal = who->name;
        }
        (*shared)(std::move(r));
      },
      [shared] { (*shared)(problem(Error(Code::kStoreUnavailable, "The store is not reachable."))); });
}

std::string Api::metrics_text(Tx& tx) const {
  const StoreGauges stored = read_store_gauges(tx, clock_.now(), options_.retention);
  Gauges g;
  g.pending_writes = store_.pending_writes();
  g.parked_requests = waits_.parked() + feed_waits_.parked();
  g.feed_reads = feed_->reads();
  g.stream_reads = ChangeStream::store_reads();
  g.lock_waiters = lock_queue_.waiting();
  g.lock_wait_runs = lock_wait_runs_.load();
  g.locks_held = stored.locks_held;
  g.event_streams = ChangeStream::open_streams();
  g.dropped_log_lines = dropped_log_lines();
  g.oldest_revision = stored.oldest_revision;
  if (task_cache_) {
    const TaskCache::Usage u = task_cache_->usage();
    g.read_cache = ReadCacheGauges{u.entries, u.bytes, task_cache_->max_bytes(), u.hits, u.misses};
  }
  return metrics_.render(g, store_.commit_seconds(), store_.group_size());
}

Result<Principal> Api::principal_of(Tx& tx, std::optional<std::string_view> authorization) const {
  if (options_.insecure_no_auth) return anonymous();
  return authenticate(tx, authorization);
}

std::optional<Response> Api::limit(Exchange& ex) {
  if (!ex.rate && rate_limiter_.enabled()) ex.rate = rate_limiter_.take(ex.who->name, clock_.now());
  if (!ex.rate || ex.rate->allowed) return std::nullopt;
  Error e(Code::kRateLimited, "Too many requests; slow down.");
  e.retry_after_seconds = static_cast<int>(ex.rate->retry_after);
  return problem(e);
}

Response Api::run(Tx& tx, Exchange& ex, bool may_wait) {
  auto who = principal_of(tx, ex.req.header("authorization"));
  if (!who) {
    ex.who.reset();
    return described(ex, problem(who.error()));
  }
  ex.who = std::move(*who);
  if (auto limited = limit(ex)) return described(ex, std::move(*limited));
  return run_authorized(tx, ex, may_wait);
}

Response Api::run_authorized(Tx& tx, Exchange& ex, bool may_wait) {
  return described(ex, run_authenticated(tx, ex, *ex.who, may_wait));
}

Response Api::described(const Exchange& ex, Response r) const {
  if (ex.who) r.principal = ex.who->name;
  describe_rate(ex, r);
  return r;
}

void Api::describe_rate(const Exchange& ex, Response& r) const {
  r.route = ex.match.pattern;
  if (ex.rate) rate_limiter_.describe(*ex.rate, r);
}

Response Api::run_authenticated(Tx& tx, Exchange& ex, const Principal& who, bool may_wait) {
  const Request& req = ex.req;
  auto key = req.header("idempotency-key");
  if (is_safe(req.method) || !key) return dispatch(tx, ex, who, may_wait);
  Response r;
  auto run =
      idempotency_.run(tx, IdempotentRequest{who.name, std::string(*key), req.method, req.target, ex.body_hash},
                       clock_.now(), ex.key_claim, [&] {
                         r = dispatch(tx, ex, who, may_wait);
                         return WriteAnswer{succeeded(r), storable(r) ? std::optional(stored_answer(r)) : std::nullopt};
                       });
  if (!run) return problem(run.error());
  if (run->replay) return replayed(*run->replay);
  ex.stored = run->stored;
  return r;
}

Response Api::dispatch(Tx& tx, Exchange& ex, const Principal& who, bool may_wait) {
  const Request& req = ex.req;
  const Router::Match& match = ex.match;
  if (!match.handler && match.path_matched) {
    Response r = problem(Error(Code::kMethodNotAllowed, "Allowed methods: " + match.allow + "."));
    r.set("Allow", match.allow);
    return r;
  }
  if (!match.handler) return problem(Error(Code::kNotFound, "No such resource: " + req.path));
  if (forbidden(match, who)) {
    return problem(Error(Code::kForbidden, "Only admins may " + req.method + " " + match.pattern + "."));
  }
  if (unsupported_media_type(req)) {
    return problem(Error(Code::kUnsupportedMediaType,
                         req.method == "PATCH" ? "Send the body as application/json or application/merge-patch+json."
                                               : "Send the body as application/json."));
  }
  WriteContext ctx{who,
                   clock_.now(),
                   options_.require_preconditions,
                   prefers_merge(req),
                   options_.retention,
                   req.header_string("lock-token")};
  Call call{req,      match.params,      std::move(ctx), conditional_headers(req), req.method == "HEAD",
            may_wait, options_.max_batch};
  call.parsed = ex.body ? &*ex.body : &no_body();
  call.kept = &ex.kept;
  if (ex.fill) {
    call.read_task = [cache = task_cache_.get(), ticket = *ex.fill](const Task& t, const Response& ok) {
      cache->fill(t, ok, ticket);
    };
  }
  Response r = match.handler(tx, call);
  r.head = call.head;
  return r;
}

}  // namespace lockstep::http
