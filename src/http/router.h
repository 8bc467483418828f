// The route table: which handler serves which method on which path. Routes are registered once at
// start-up by each resource's file (task_routes.cc, ...); matching is by path segments, where a
// segment `{name}` matches any one segment without U+0000 and is passed to the handler.
#pragma once

#include <any>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/preconditions.h"
#include "http/message.h"
#include "service/lock_service.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep::http {

// Everything a handler knows about its request.
struct Call {
  const Request& req;
  std::vector<std::string> params;  // the `{name}` segments, in order
  WriteContext ctx;                 // principal, now, options
  ConditionalHeaders cond;
  bool head = false;            // a HEAD request served by the GET handler
  bool may_wait = true;         // false once a parked request's wait is over
  std::size_t max_batch = 100;  // most operations in one batch
  // The write's body, read before the job reached the writer by the route's BodyReader. A route
  // whose reader may refuse a body checks it; every other one reads body().
  const Result<Body>* parsed = nullptr;
  // What the handler keeps from one run of this request to the next (a parked request runs again
  // at each wake-up), e.g. a lock waiter's place in its task's queue. The request owns it, so it
  // is dropped when the request ends, however it ends.
  std::any* kept = nullptr;
  // Set on a GET of one task whose answer the node's read cache may keep (TaskCache::fill): the
  // handler calls it with the task as it read it (live lock attached) and its 200 answer.
  std::function<void(const Task&, const Response&)> read_task = nullptr;

  const Body& body() const { return parsed->value(); }
  // The request's kept T, made on first use.
  template <typename T>
  T& keep() const {
    if (!kept->has_value()) *kept = std::make_shared<T>();
    return *std::any_cast<std::shared_ptr<T>&>(*kept);
  }
};

// Reads a write's body (the text as received) off the writer, on the reader that authenticated
// it: the JSON, or why it is not JSON, or a refusal before it was read whole (a batch over
// `max_batch` operations). The handler reports any of these at the body's place in the order of
// API.md §1. Null in Router::add: Body::parse.
using BodyReader = Result<Body> (*)(std::string_view text, std::size_t max_batch);

// Runs inside one store transaction (a read one for GET/HEAD, the write one otherwise) and
// returns the answer. A write handler's changes are kept only if the answer is 2xx.
using Handler = std::function<Response(Tx& tx, const Call& call)>;

// Answers a request; called exactly once, from any thread.
using Respond = std::function<void(Response)>;
// An operations endpoint outside /v1 (/healthz, /readyz, /metrics, /openapi.json): answers by
// itself, calling `respond` once, reading the store only if it needs to. It takes no rate-limit
// token; one that needs a token checks it itself. Another method on its path is 405 before any
// other check.
using Operation = std::function<void(const Request& req, Respond respond)>;

// Who may call a route. An admin-only route refuses everyone else with 403 before the body is
// looked at (API.md §1: 403 comes before 415).
enum class Access { kAnyUser, kAdminOnly };

class Router {
 public:
  void add(std::string_view method, std::string_view pattern, Handler handler, Access access = Access::kAnyUser,
           BodyReader read_body = nullptr);
  void add_operation(std::string_view method, std::string_view pattern, Operation operation);

  struct Match {
    Handler handler;              // null: no route for this method
    Operation operation;          // or this, for an operations endpoint
    bool operation_path = false;  // the path is an operations endpoint's
    Access access = Access::kAnyUser;
    BodyReader read_body = nullptr;
    std::vector<std::string> params;
    std::string pattern;  // the route template, for logs and metrics
    std::string allow;    // when the path matched but the method did not
    bool path_matched = false;
  };
  // HEAD is served by the GET handler.
  Match match(std::string_view method, std::string_view path) const;

  // Every (method, pattern) registered, in registration order.
  std::vector<std::pair<std::string, std::string>> routes() const;

 private:
  struct Entry {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    Operation operation;
    Access access;
    BodyReader read_body;
  };
  std::vector<Entry> entries_;
};

// Registration of each resource's routes.
// Registers every route of the API (what Api serves under /v1); the lock routes order their
// waiters in `locks`, which must outlive the router and every request.
void add_all_routes(Router& router, LockQueue& locks);
void add_task_routes(Router& router);
void add_change_routes(Router& router);
void add_lock_routes(Router& router, LockQueue& locks);
void add_batch_routes(Router& router);
void add_product_routes(Router& router);
void add_user_routes(Router& router);

}  // namespace lockstep::http
