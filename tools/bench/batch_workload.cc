// batch: atomic batches of occ increments (API.md §6).
//
// An operation picks --batch-size distinct hot tasks and sends one atomic POST /v1/tasks:batch
// whose every operation is {"op":"update","ifMatch":<ETag>,"patch":{"warningOffset":seen + 1}}.
// ETags and values come from the worker's cache (the answers of earlier batches; a GET for a task
// not cached yet). A 409 BATCH_ABORTED is a conflict: the failed operations' `current` refresh the
// cache (a failure without one drops the entry, so it is read again), the NOT_APPLIED ones keep
// theirs, and the same tasks are sent again until the batch applies. The operation then counts
// as --batch-size ops (updates applied); its increments feed the occ check.
#include <algorithm>
#include <boost/json.hpp>

#include "workload_ops.h"

namespace lockstep::bench {
namespace {

namespace json = boost::json;

std::vector<std::size_t> distinct_indices(OpContext& ctx, std::size_t n) {
  std::vector<std::size_t> picked;
  while (picked.size() < n) {
    const std::size_t i = random_hot_index(ctx);
    if (std::find(picked.begin(), picked.end(), i) == picked.end()) picked.push_back(i);
  }
  return picked;
}

void remember(OpContext& ctx, std::size_t index, const TaskView& task) {
  ctx.cache[index] = CachedTask{task.etag, task.warning_offset};
}

// GETs every picked task that is not cached; false (with `result` set) when one fails.
asio::awaitable<bool> fill_cache(OpContext& ctx, Connection& conn, const std::vector<std::size_t>& picked,
                                 OpResult& result) {
  for (std::size_t index : picked) {
    if (!ctx.cache[index].etag.empty()) continue;
    Outcome read = co_await conn.call(Call::get(ctx.plan->hot_targets[index]), ctx.plan->hard_deadline);
    result = read.answered() ? OpResult::kFailed : failed(read, *ctx.stats);
    if (!read.answered() || read.status != 200) co_return false;
    auto task = parse_task(read.body);
    if (!task || task->etag.empty()) {
      ++ctx.stats->anomalies;
      co_return false;
    }
    remember(ctx, index, *task);
  }
  co_return true;
}

// The batch, and in `wanted` the warningOffset each operation sets (the cache may change while
// the batch is in flight: other connections of the worker share it).
std::string batch_body(const OpContext& ctx, const std::vector<std::size_t>& picked,
                       std::vector<std::int64_t>& wanted) {
  json::array operations;
  wanted.clear();
  for (std::size_t index : picked) {
    const CachedTask& c = ctx.cache[index];
    wanted.push_back(c.warning_offset + 1);
    operations.push_back(json::object{{"op", "update"},
                                      {"taskId", task_id_of(ctx.plan->hot_targets[index])},
                                      {"ifMatch", c.etag},
                                      {"patch", json::object{{"warningOffset", wanted.back()}}}});
  }
  return json::serialize(json::object{{"atomic", true}, {"operations", std::move(operations)}});
}

const json::array* results_of(const json::value& answer) {
  if (!answer.is_object()) return nullptr;
  const json::value* results = answer.get_object().if_contains("results");
  return results && results->is_array() ? &results->get_array() : nullptr;
}

// A 200: every operation applied; counts them and refreshes the cache from their tasks.
void applied(OpContext& ctx, const std::vector<std::size_t>& picked, const std::vector<std::int64_t>& wanted,
             const json::array* results) {
  for (std::size_t k = 0; k < picked.size(); ++k) {
    const std::size_t index = picked[k];
    ++ctx.ledger->acked[index];
    const json::value* r = results && k < results->size() ? &(*results)[k] : nullptr;
    const json::value* task = r && r->is_object() ? r->get_object().if_contains("task") : nullptr;
    auto view = task && task->is_object() ? task_view(task->get_object()) : std::nullopt;
    if (!view || view->warning_offset != wanted[k] || view->etag.empty()) {
      ++ctx.stats->anomalies;
      ctx.cache[index] = {};
      continue;
    }
    remember(ctx, index, *view);
  }
}

// A 409 BATCH_ABORTED: refreshes the cache of the failed operations; false when the answer is
// not such an abort.
bool aborted(OpContext& ctx, const std::vector<std::size_t>& picked, const json::value& answer) {
  const json::array* results = results_of(answer);
  if (!results || results->size() != picked.size()) return false;
  bool any_failed = false;
  for (std::size_t k = 0; k < picked.size(); ++k) {
    const json::object* r = (*results)[k].if_object();
    if (!r) return false;
    const std::int64_t status = int_member(*r, "status");
    if (status == 424) continue;
    any_failed = true;
    const json::value* current = r->if_contains("current");
    auto view = current && current->is_object() ? task_view(current->get_object()) : std::nullopt;
    if (view && !view->etag.empty()) {
      remember(ctx, picked[k], *view);
    } else {
      ctx.cache[picked[k]] = {};
    }
  }
  return any_failed;
}

}  // namespace

asio::awaitable<OpResult> batch_op(OpContext& ctx, Connection& conn) {
  if (ctx.cache.size() != ctx.plan->hot_targets.size()) ctx.cache.resize(ctx.plan->hot_targets.size());
  std::vector<std::size_t> picked = distinct_indices(ctx, static_cast<std::size_t>(ctx.plan->options->batch_size));
  for (;;) {
    OpResult result = OpResult::kFailed;
    if (!co_await fill_cache(ctx, conn, picked, result)) co_return result;
    const auto capped = std::remove_if(picked.begin(), picked.end(),
                                       [&](std::size_t i) { return ctx.cache[i].warning_offset >= kMaxWarningOffset; });
    ctx.stats->capped += static_cast<std::uint64_t>(picked.end() - capped);
    picked.erase(capped, picked.end());
    if (picked.empty()) co_return OpResult::kDone;
    std::vector<std::int64_t> wanted;
    const std::string body = batch_body(ctx, picked, wanted);
    ++ctx.stats->writes;
    Outcome outcome = co_await conn.call(Call::post("/v1/tasks:batch", body), ctx.plan->hard_deadline);
    if (!outcome.answered()) {
      for (std::size_t index : picked) {
        if (outcome.maybe_delivered) ++ctx.ledger->in_doubt[index];
        ctx.cache[index] = {};
      }
      co_return failed(outcome, *ctx.stats);
    }
    std::error_code ec;
    const json::value answer = json::parse(outcome.body, ec);
    if (outcome.status == 200) {
      applied(ctx, picked, wanted, ec ? nullptr : results_of(answer));
      ctx.op_units = picked.size();
      co_return OpResult::kDone;
    }
    if (outcome.status != 409) co_return OpResult::kFailed;
    ++ctx.stats->conflicts;
    if (ec || !aborted(ctx, picked, answer)) {
      ++ctx.stats->anomalies;
      for (std::size_t index : picked) ctx.cache[index] = {};
    }
  }
}

}  // namespace lockstep::bench
