#include "workloads.h"

#include <boost/json.hpp>

#include "workload_ops.h"

namespace lockstep::bench {

std::size_t random_hot_index(OpContext& ctx) {
  std::uniform_int_distribution<std::size_t> pick(0, ctx.plan->hot_targets.size() - 1);
  return pick(ctx.rng);
}

OpResult failed(const Outcome& outcome, Stats& stats) {
  if (outcome.failure != Failure::kDeadline) return OpResult::kFailed;
  ++stats.abandoned;
  return OpResult::kAbandoned;
}

void record_ack(OpContext& ctx, const TaskView& task) {
  if (ctx.plan->options->workload != Workload::kFollow) return;
  ctx.run->acks.push_back(Ack{change_key(task.task_id, task.version), Clock::now()});
}

namespace {

namespace json = boost::json;

const std::string& random_hot_target(OpContext& ctx) { return ctx.plan->hot_targets[random_hot_index(ctx)]; }

// One GET or POST whose only check is its status.
asio::awaitable<OpResult> single_request(OpContext& ctx, Connection& conn, const Call& call, unsigned expected) {
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
  if (ctx.plan->options->workload != Workload::kFollow) {
    co_return co_await single_request(ctx, conn, Call::post("/v1/tasks", body), 201);
  }
  Outcome outcome = co_await conn.call(Call::post("/v1/tasks", body), ctx.plan->hard_deadline);
  if (!outcome.answered()) co_return failed(outcome, *ctx.stats);
  if (outcome.status != 201) co_return OpResult::kFailed;
  auto task = parse_task(outcome.body);
  if (!task) {
    ++ctx.stats->anomalies;
    co_return OpResult::kFailed;
  }
  record_ack(ctx, *task);
  co_return OpResult::kDone;
}

// overload: one create, its 503 answered rather than waited out; both kinds are operations.
asio::awaitable<OpResult> overload_op(OpContext& ctx, Connection& conn) {
  const std::string body = create_body(ctx.create_prefix + std::to_string(++ctx.created));
  Call call = Call::post("/v1/tasks", body);
  call.wait_throttled = false;
  Outcome outcome = co_await conn.call(call, ctx.plan->hard_deadline);
  if (!outcome.answered()) co_return failed(outcome, *ctx.stats);
  const auto ns = static_cast<std::uint64_t>(outcome.elapsed.count());
  if (outcome.status == 503 || outcome.status == 429) {
    ctx.stats->shed_ns.record(ns);
    co_return OpResult::kDone;
  }
  if (outcome.status != 201) co_return OpResult::kFailed;
  ctx.stats->accepted_ns.record(ns);
  auto task = parse_task(outcome.body);
  if (!task) {
    ++ctx.stats->anomalies;
    co_return OpResult::kFailed;
  }
  ctx.run->created.push_back("/v1/tasks/" + task->task_id);
  co_return OpResult::kDone;
}

// The PATCH loop of one occ operation, starting from a task read at `seen` with ETag `etag`.
asio::awaitable<OpResult> increment(OpContext& ctx, Connection& conn, std::size_t index, TaskView seen,
                                    std::string etag) {
  const std::string& target = ctx.plan->hot_targets[index];
  for (;;) {
    if (seen.warning_offset >= kMaxWarningOffset) {
      ++ctx.stats->capped;
      co_return OpResult::kDone;
    }
    const std::int64_t wanted = seen.warning_offset + 1;
    const std::string body = "{\"warningOffset\":" + std::to_string(wanted) + "}";
    ++ctx.stats->writes;
    Outcome outcome = co_await conn.call(Call::patch(target, body, etag), ctx.plan->hard_deadline);
    if (!outcome.answered()) {
      if (outcome.maybe_delivered) ++ctx.ledger->in_doubt[index];
      co_return failed(outcome, *ctx.stats);
    }
    if (outcome.status == 200) {
      ++ctx.ledger->acked[index];
      auto applied = parse_task(outcome.body);
      if (!applied || applied->warning_offset != wanted || outcome.etag.empty()) {
        ++ctx.stats->anomalies;
      } else {
        record_ack(ctx, *applied);
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
  Outcome read = co_await conn.call(Call::get(ctx.plan->hot_targets[index]), ctx.plan->hard_deadline);
  if (!read.answered()) co_return failed(read, *ctx.stats);
  if (read.status != 200) co_return OpResult::kFailed;
  auto seen = parse_task(read.body);
  if (!seen || read.etag.empty()) {
    ++ctx.stats->anomalies;
    co_return OpResult::kFailed;
  }
  co_return co_await increment(ctx, conn, index, *seen, std::move(read.etag));
}

// mixed: a read, an occ update or a create, drawn with the --mix shares.
asio::awaitable<OpResult> mixed_op(OpContext& ctx, Connection& conn) {
  const Mix& mix = ctx.plan->options->mix;
  std::uniform_int_distribution<int> percent(0, 99);
  const int draw = percent(ctx.rng);
  if (draw < mix.read) co_return co_await read_op(ctx, conn);
  if (draw < mix.read + mix.update) co_return co_await occ_op(ctx, conn);
  co_return co_await create_op(ctx, conn);
}

// follow's writers: half creates, half occ increments of a hot task.
asio::awaitable<OpResult> follow_write_op(OpContext& ctx, Connection& conn) {
  std::bernoulli_distribution create(0.5);
  if (create(ctx.rng)) co_return co_await create_op(ctx, conn);
  co_return co_await occ_op(ctx, conn);
}

}  // namespace

std::int64_t int_member(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_int64() ? v->get_int64() : -1;
}

asio::awaitable<OpResult> run_op(OpContext& ctx, Connection& conn) {
  ctx.op_units = 1;
  switch (ctx.plan->options->workload) {
    case Workload::kRead:
      co_return co_await read_op(ctx, conn);
    case Workload::kCreate:
      co_return co_await create_op(ctx, conn);
    case Workload::kOcc:
      co_return co_await occ_op(ctx, conn);
    case Workload::kHealthz:
      co_return co_await healthz_op(ctx, conn);
    case Workload::kOccMerge:
      co_return co_await merge_op(ctx, conn);
    case Workload::kLock:
      co_return co_await lock_op(ctx, conn);
    case Workload::kPurchase:
      co_return co_await purchase_op(ctx, conn);
    case Workload::kBatch:
      co_return co_await batch_op(ctx, conn);
    case Workload::kMixed:
      co_return co_await mixed_op(ctx, conn);
    case Workload::kOverload:
      co_return co_await overload_op(ctx, conn);
    case Workload::kFollow:
      co_return co_await follow_write_op(ctx, conn);
  }
  co_return OpResult::kFailed;
}

std::optional<TaskView> task_view(const json::object& task) {
  TaskView view;
  if (const json::value* id = task.if_contains("taskId"); id && id->is_string()) {
    view.task_id = std::string(id->get_string());
  }
  if (const json::value* etag = task.if_contains("eTag"); etag && etag->is_string()) {
    view.etag = std::string(etag->get_string());
  }
  view.warning_offset = int_member(task, "warningOffset");
  view.version = int_member(task, "version");
  if (view.task_id.empty() || view.warning_offset < 0 || view.version < 0) return std::nullopt;
  return view;
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
  return task_view(*task);
}

std::string_view task_id_of(std::string_view target) {
  const auto slash = target.rfind('/');
  return slash == std::string_view::npos ? target : target.substr(slash + 1);
}

std::string create_body(std::string_view suffix) {
  return std::string(R"({"userId":"bench","taskTitle":"bench task )") + std::string(suffix) +
         R"(","dueDate":"2099-01-01T00:00:00.000Z","warningOffset":0})";
}

}  // namespace lockstep::bench
