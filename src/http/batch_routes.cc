// Routes of batches and bulk reassignment (API.md §6).
#include <boost/json.hpp>

#include "http/problem.h"
#include "http/responses.h"
#include "http/router.h"
#include "service/batch_service.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

json::object result_json(std::size_t index, const BatchOpResult& r) {
  json::object o{{"index", index}};
  switch (r.kind) {
    case BatchOpResult::Kind::kApplied:
      o["status"] = r.applied_status;
      if (r.task) o["task"] = json::parse(task_json(*r.task));
      break;
    case BatchOpResult::Kind::kNotApplied:
      o["status"] = 424;
      o["code"] = "NOT_APPLIED";
      break;
    case BatchOpResult::Kind::kFailed: {
      // The operation's own problem, as the single-task route would have answered it.
      json::value p = json::parse(problem(*r.error).body);
      for (const char* k : {"type", "title"}) p.as_object().erase(k);
      for (auto& [k, v] : p.as_object()) o[k] = v;
      break;
    }
  }
  return o;
}

Response batch(Tx& tx, const Call& call) {
  if (!*call.parsed) return problem(call.parsed->error());  // over the limit: refused before it was read whole
  auto r = run_batch(tx, call.ctx, call.body(), call.max_batch);
  if (!r) return problem(r.error());
  json::array results;
  for (std::size_t i = 0; i < r->results.size(); ++i) results.push_back(result_json(i, r->results[i]));
  if (r->aborted) {
    Error e(Code::kBatchAborted, std::to_string(r->failed()) + " of " + std::to_string(r->results.size()) +
                                     " operations failed; none was applied.");
    e.extra_json = json::serialize(json::object{{"results", std::move(results)}});
    return problem(e);
  }
  json::object o{{"results", std::move(results)}};
  if (!r->atomic) {
    o["successful"] = r->successful();
    o["failed"] = r->failed();
    o["allSucceeded"] = r->failed() == 0;
  }
  return json_response(200, o);
}

Response reassign(Tx& tx, const Call& call) {
  auto r = reassign_tasks(tx, call.ctx, call.body());
  if (!r) return problem(r.error());
  json::array ids;
  for (const auto& id : r->task_ids) ids.push_back(json::value(id));
  return json_response(200, json::object{{"reassigned", r->task_ids.size()}, {"taskIds", std::move(ids)}});
}

}  // namespace

void add_batch_routes(Router& router) {
  router.add("POST", "/v1/tasks:batch", batch, Access::kAnyUser, read_batch_body);
  router.add("POST", "/v1/tasks:reassign", reassign);
}

}  // namespace lockstep::http
