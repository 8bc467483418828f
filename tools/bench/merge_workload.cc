// occ-merge: the occ cycle with Prefer: conflict=merge on disjoint fields (API.md §4).
//
// Connection k sets field k % kMergeFields (taskTitle, taskDescription or userId) of a random hot
// task to a value no one else ever writes ("w<k>-<n>"), never a value computed from what it read
// (merging one of those loses updates: docs/client.md). The PATCH carries the ETag of a GET made
// just before; when a writer of another field got in between, the server merges (200 with
// Preference-Applied); when a writer of the same field did, it is 409 MERGE_CONFLICT and the next
// attempt starts from the problem's `current`. Every 200 makes exactly one new version, so the
// final check is the occ one on versions, plus: each field holds the value of its acknowledged
// write with the highest resulting version (merge_field_check in checks.h).
#include <boost/json.hpp>

#include "workload_ops.h"

namespace lockstep::bench {
namespace {

namespace json = boost::json;

constexpr std::string_view kPrefer = "conflict=merge";

// The value of `field` in a task body, or nullopt when it is not a string there.
std::optional<std::string> string_field(std::string_view body, std::string_view field) {
  std::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::value* v = parsed.get_object().if_contains(field);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

}  // namespace

asio::awaitable<OpResult> merge_op(OpContext& ctx, Connection& conn) {
  const std::size_t index = random_hot_index(ctx);
  const std::size_t field = conn.index() % kMergeFields;
  const std::string& target = ctx.plan->hot_targets[index];
  Outcome read = co_await conn.call(Call::get(target), ctx.plan->hard_deadline);
  if (!read.answered()) co_return failed(read, *ctx.stats);
  if (read.status != 200) co_return OpResult::kFailed;
  auto seen = parse_task(read.body);
  if (!seen || read.etag.empty()) {
    ++ctx.stats->anomalies;
    co_return OpResult::kFailed;
  }
  std::string etag = std::move(read.etag);
  const std::string value = "w" + std::to_string(conn.index()) + "-" + std::to_string(++ctx.written);
  const std::string body = json::serialize(json::object{{kMergeFieldNames[field], value}});
  for (;;) {
    Call call = Call::patch(target, body, etag);
    call.prefer = kPrefer;
    ++ctx.stats->writes;
    Outcome outcome = co_await conn.call(call, ctx.plan->hard_deadline);
    if (!outcome.answered()) {
      if (outcome.maybe_delivered) {
        ++ctx.ledger->in_doubt[index];
        ++ctx.run->merge_writes.in_doubt[index][field];
      }
      co_return failed(outcome, *ctx.stats);
    }
    if (outcome.status == 200) {
      ++ctx.ledger->acked[index];
      if (outcome.merged) ++ctx.stats->merged;
      auto applied = parse_task(outcome.body);
      const auto written = string_field(outcome.body, kMergeFieldNames[field]);
      // A plain 200 applies on the version read; a merged one on a later version.
      const bool version_ok =
          applied && (outcome.merged ? applied->version > seen->version + 1 : applied->version == seen->version + 1);
      if (!applied || !written || *written != value || !version_ok || outcome.etag.empty()) {
        ++ctx.stats->anomalies;
      }
      if (applied) {
        FieldWrite& last = ctx.run->merge_writes.last[index][field];
        if (applied->version > last.version) last = FieldWrite{applied->version, value};
      }
      co_return OpResult::kDone;
    }
    if (outcome.status != 409) co_return OpResult::kFailed;
    ++ctx.stats->conflicts;
    auto current = parse_task(outcome.body, "current");
    if (!current || current->etag.empty()) {
      ++ctx.stats->anomalies;
      co_return OpResult::kFailed;
    }
    seen = *current;
    etag = current->etag;
  }
}

}  // namespace lockstep::bench
