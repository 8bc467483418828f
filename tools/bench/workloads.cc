#include "workloads.h"

#include <boost/json.hpp>

namespace lockstep::bench {
namespace {

namespace json = boost::json;

const std::string& random_hot_target(OpContext& ctx) {
  const auto& targets = ctx.plan->hot_targets;
  std::uniform_int_distribution<std::size_t> pick(0, targets.size() - 1);
  return targets[pick(ctx.rng)];
}

std::size_t random_hot_index(OpContext& ctx) {
  std::uniform_int_distribution<std::size_t> pick(0, ctx.plan->hot_targets.size() - 1);
  return pick(ctx.rng);
}

OpResult failed(const Outcome& outcome, Stats& stats) {
  if (outcome.failure != Failure::kDeadline) return OpResult::kFailed;
  ++stats.abandoned;
  return OpResult::kAbandoned;
}

// One GET or POST whose only check is its status.
asio::awaitable<OpResult> single_request(OpContext& ctx, Connection& conn, const Call& call,
                                         unsigned expected) {
  Outcome outcome = co_await conn.call(call, ctx.plan->hard_deadline);
  if (!outcome.answered()) co_return failed(outcome, *ctx.stats);
  co_return outcome.status == expected ? OpResult::kDone : OpResult::kFailed;
}

asio::awaitable<OpResult> read_op(OpContext& ctx, Connection& conn) {
  co_return co_await single_request(ctx, conn, Call::get(random_hot_target(ctx)), 200);
}

asio::awaitable<OpResult> healthz_op(OpContext& ctx, Connection& conn) {
  co_return co_await single_request(ctx, conn, Call::unauthenticated_get("/healthz"), 200);
}

asio::awaitable<OpResult> create_op(OpContext& ctx, Connection& conn) {
  const std::string body = create_body(ctx.create_prefix + std::to_string(++ctx.created));
  co_return co_await single_request(ctx, conn, Call::post("/v1/tasks", body), 201);
}

// The PATCH loop of one occ operation, starting from a task read at `seen` with ETag `etag`.
asio::awaitable<OpResult> increment(OpContext& ctx, Connection& conn, std::size_t index,
                                    TaskView seen, std::string etag) {
  const std::string& target = ctx.plan->hot_targets[index];
  for (;;) {
    if (seen.warning_offset >= kMaxWarningOffset) {
      ++ctx.stats->capped;
      co_return OpResult::kDone;
    }
    const std::int64_t wanted = seen.warning_offset + 1;
    const std::string body = "{\"warningOffset\":" + std::to_string(wanted) + "}";
    ++ctx.stats->writes;
    Outcome outcome =
        co_await conn.call(Call::patch(target, body, etag), ctx.plan->hard_deadline);
    if (!outcome.answered()) {
      if (outcome.maybe_delivered) ++ctx.ledger->in_doubt[index];
      co_return failed(outcome, *ctx.stats);
    }
    if (outcome.status == 200) {
      ++ctx.ledger->acked[index];
      auto applied = parse_task(outcome.body);
      if (!applied || applied->warning_offset != wanted || outcome.etag.empty()) {
        ++ctx.stats->anomalies;
      }
      co_return OpResult::kDone;
    }
    if (outcome.status != 412) co_return OpResult::kFailed;
    ++ctx.stats->conflicts;
    auto current = parse_task(outcome.body, "current");
    if (!current || outcome.etag.empty()) {
      ++ctx.stats->anomalies;
      co_return OpResult::kFailed;
    }
    seen = *current;
    etag = std::move(outcome.etag);
  }
}

asio::awaitable<OpResult> occ_op(OpContext& ctx, Connection& conn) {
  const std::size_t index = random_hot_index(ctx);
  Outcome read =
      co_await conn.call(Call::get(ctx.plan->hot_targets[index]), ctx.plan->hard_deadline);
  if (!read.answered()) co_return failed(read, *ctx.stats);
  if (read.status != 200) co_return OpResult::kFailed;
  auto seen = parse_task(read.body);
  if (!seen || read.etag.empty()) {
    ++ctx.stats->anomalies;
    co_return OpResult::kFailed;
  }
  co_return co_await increment(ctx, conn, index, *seen, std::move(read.etag));
}

std::int64_t int_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : -1;
}

}  // namespace

asio::awaitable<OpResult> run_op(OpContext& ctx, Connection& conn) {
  switch (ctx.plan->options->workload) {
    case Workload::kRead: co_return co_await read_op(ctx, conn);
    case Workload::kCreate: co_return co_await create_op(ctx, conn);
    case Workload::kOcc: co_return co_await occ_op(ctx, conn);
    case Workload::kHealthz: co_return co_await healthz_op(ctx, conn);
  }
  co_return OpResult::kFailed;
}

std::optional<TaskView> parse_task(std::string_view body, std::string_view member) {
  std::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  const json::object* task = &parsed.get_object();
  if (!member.empty()) {
    const json::value* inner = task->if_contains(member);
    if (!inner || !inner->is_object()) return std::nullopt;
    task = &inner->get_object();
  }
  TaskView view;
  if (const json::value* id = task->if_contains("taskId"); id && id->is_string()) {
    view.task_id = std::string(id->get_string());
  }
  view.warning_offset = int_member(*task, "warningOffset");
  view.version = int_member(*task, "version");
  if (view.task_id.empty() || view.warning_offset < 0 || view.version < 0) return std::nullopt;
  return view;
}

std::string create_body(std::string_view suffix) {
  return std::string(R"({"userId":"bench","taskTitle":"bench task )") + std::string(suffix) +
         R"(","dueDate":"2099-01-01T00:00:00.000Z","warningOffset":0})";
}

}  // namespace lockstep::bench
