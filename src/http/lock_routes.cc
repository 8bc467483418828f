// Routes of task locks (API.md §5).
#include "http/problem.h"
#include "http/responses.h"
#include "http/router.h"
#include "service/lock_service.h"

namespace lockstep::http {
namespace {

Response lock_response(const Lock& l) {
  Response r = json_response(200, lock_json(l));
  r.set("Lock-Token", std::to_string(l.token));
  return r;
}

// `locks`: the order of this process's lock waiters; the request keeps its place among them
// (once it waits) from one run to the next.
Response acquire(LockQueue& locks, Tx& tx, const Call& call) {
  LockWait wait{locks, call.keep<std::optional<LockQueue::Place>>(), call.req.received_at, call.may_wait};
  auto r = acquire_lock(tx, call.ctx, call.params[0], call.body(), wait);
  if (!r) return problem(r.error());
  if (r->park_until) {
    Response parked;
    parked.park_until = r->park_until;
    return parked;
  }
  return lock_response(r->lock);
}

Response show(Tx& tx, const Call& call) {
  auto r = read_lock(tx, call.params[0], call.ctx.now);
  return r ? lock_response(*r) : problem(r.error());
}

Response release(Tx& tx, const Call& call) {
  bool force = false;
  for (const auto& [k, v] : call.req.query) {
    if (k == "force") force = v == "true" || v == "1";
  }
  auto r = release_lock(tx, call.ctx, call.params[0], force);
  if (!r) return problem(r.error());
  Response resp;
  resp.status = 204;
  return resp;
}

}  // namespace

void add_lock_routes(Router& router, LockQueue& locks) {
  router.add("POST", "/v1/tasks/{id}/lock", [&locks](Tx& tx, const Call& call) { return acquire(locks, tx, call); });
  router.add("GET", "/v1/tasks/{id}/lock", show);
  router.add("DELETE", "/v1/tasks/{id}/lock", release);
}

}  // namespace lockstep::http
