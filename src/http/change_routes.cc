// Routes of the change feed and version history (API.md §8).
#include <boost/json.hpp>

#include "http/change_stream.h"
#include "http/problem.h"
#include "http/responses.h"
#include "http/router.h"
#include "service/change_service.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

Response changes(Tx& tx, const Call& call) {
  auto q = parse_feed_query(call.req.query, false);
  if (!q) return problem(q.error());
  auto page = read_changes(tx, q->since.value_or(0), q->limit, call.ctx.retention);
  if (!page) return problem(page.error());
  const Millis deadline = call.req.received_at + Millis{q->wait} * 1000;
  if (page->changes.empty() && call.may_wait && call.ctx.now < deadline) {
    // Parked: the Api follows the feed for it from the latest revision this read saw.
    Response r;
    r.park_until = deadline;
    r.stream_after = page->last_revision;
    return r;
  }
  std::vector<std::string> out;
  out.reserve(page->changes.size());
  for (const auto& c : page->changes) out.push_back(json::serialize(change_to_json(c)));
  return json_response(200, feed_page_json(out, page->last_revision));
}

Response stream(Tx& tx, const Call& call) {
  auto q = parse_feed_query(call.req.query, true);
  if (!q) return problem(q.error());
  std::optional<std::int64_t> after = q->since;
  if (auto last_id = call.req.header("last-event-id")) {
    after = parse_int(*last_id);
    if (!after || *after < 0) {
      Error e(Code::kValidationFailed, "Last-Event-ID must be a revision this server sent.");
      e.errors.push_back({"Last-Event-ID", "must be an integer of at least 0"});
      return problem(e);
    }
  }
  // With neither, the stream starts at the latest revision: new changes only.
  auto page = read_changes(tx, after.value_or(latest_revision(tx)), 1, call.ctx.retention);
  if (!page) return problem(page.error());
  Response r;
  r.content_type = "text/event-stream";
  r.set("Cache-Control", "no-cache");
  r.stream_after = after.value_or(latest_revision(tx));
  return r;
}

Response versions(Tx& tx, const Call& call) {
  auto found = read_versions(tx, call.params[0], call.ctx.retention);
  if (!found) return problem(found.error());
  json::array out;
  for (const auto& c : *found) {
    out.push_back(json::object{{"version", c.version},
                               {"revision", c.revision},
                               {"at", format_rfc3339(c.at)},
                               {"by", c.by},
                               {"task", json::parse(c.task_json)}});
  }
  return json_response(200, json::object{{"versions", std::move(out)}});
}

}  // namespace

void add_change_routes(Router& router) {
  router.add("GET", "/v1/changes", changes);
  router.add("GET", "/v1/changes/stream", stream);
  router.add("GET", "/v1/tasks/{id}/versions", versions);
}

}  // namespace lockstep::http
