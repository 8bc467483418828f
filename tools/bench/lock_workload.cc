// lock: pessimistic increments under a task lock (API.md §5).
//
// An operation takes the lock of a random hot task (POST .../lock {"ttlSeconds":30}); a 423 is
// contention, counted as a conflict, and after a 0.5 ms pause another random task is tried. With
// the lock held it GETs the task and PATCHes warningOffset = read + 1 carrying Lock-Token and no
// If-Match: the lock is the only thing that keeps two increments from reading the same value.
// Then it releases the lock (DELETE, 204). Locks belong to principals, not connections, so the
// run needs one token per connection (main.cc refuses to start otherwise). Every grant and every
// locked increment, with the value it read and its fencing token, goes to the LockLedger for
// lock_fencing_check (checks.h); the increments also feed the occ check.
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>

#include "workload_ops.h"

namespace lockstep::bench {
namespace {

namespace json = boost::json;

constexpr std::string_view kAcquireBody = R"({"ttlSeconds":30})";
constexpr auto kContentionPause = std::chrono::microseconds(500);

std::int64_t lock_token_of(std::string_view body) {
  std::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return -1;
  return int_member(parsed.get_object(), "token");
}

// Best effort: after a failure the lock may be held; a held lock would block the task for its
// TTL. The release is counted like any request.
asio::awaitable<void> release(OpContext& ctx, Connection& conn, const std::string& lock_target) {
  Outcome outcome = co_await conn.call(Call::make(http::verb::delete_, lock_target), ctx.plan->hard_deadline);
  if (outcome.answered() && outcome.status != 204) ++ctx.stats->anomalies;
}

// The GET and PATCH made while holding the lock with fencing token `token`.
asio::awaitable<OpResult> locked_increment(OpContext& ctx, Connection& conn, std::size_t index, std::int64_t token) {
  const std::string& target = ctx.plan->hot_targets[index];
  Outcome read = co_await conn.call(Call::get(target), ctx.plan->hard_deadline);
  if (!read.answered()) co_return failed(read, *ctx.stats);
  if (read.status != 200) co_return OpResult::kFailed;
  auto seen = parse_task(read.body);
  if (!seen) {
    ++ctx.stats->anomalies;
    co_return OpResult::kFailed;
  }
  if (seen->warning_offset >= kMaxWarningOffset) {
    ++ctx.stats->capped;
    co_return OpResult::kDone;
  }
  const std::int64_t wanted = seen->warning_offset + 1;
  const std::string body = "{\"warningOffset\":" + std::to_string(wanted) + "}";
  const std::string token_text = std::to_string(token);
  Call call = Call::patch(target, body, {});
  call.lock_token = token_text;
  Outcome outcome = co_await conn.call(call, ctx.plan->hard_deadline);
  if (!outcome.answered()) {
    if (outcome.maybe_delivered) ++ctx.ledger->in_doubt[index];
    co_return failed(outcome, *ctx.stats);
  }
  if (outcome.status != 200) {
    // A 423 here fences off a holder whose lock is live: the server broke its own promise.
    if (outcome.status == 423) ++ctx.stats->anomalies;
    co_return OpResult::kFailed;
  }
  ++ctx.ledger->acked[index];
  ctx.run->lock.increments.push_back(LockedIncrement{index, seen->warning_offset, token});
  auto applied = parse_task(outcome.body);
  if (!applied || applied->warning_offset != wanted) ++ctx.stats->anomalies;
  co_return OpResult::kDone;
}

}  // namespace

asio::awaitable<OpResult> lock_op(OpContext& ctx, Connection& conn) {
  asio::steady_timer pause(co_await asio::this_coro::executor);
  for (;;) {
    const std::size_t index = random_hot_index(ctx);
    const std::string lock_target = ctx.plan->hot_targets[index] + "/lock";
    ++ctx.stats->writes;
    Outcome acquired = co_await conn.call(Call::post(lock_target, kAcquireBody), ctx.plan->hard_deadline);
    if (!acquired.answered()) {
      if (acquired.maybe_delivered && acquired.failure == Failure::kTransport) {
        co_await release(ctx, conn, lock_target);
      }
      co_return failed(acquired, *ctx.stats);
    }
    if (acquired.status == 423) {
      ++ctx.stats->conflicts;
      if (Clock::now() >= ctx.plan->deadline) co_return OpResult::kFailed;
      pause.expires_after(kContentionPause);
      co_await pause.async_wait(asio::as_tuple(asio::use_awaitable));
      continue;
    }
    if (acquired.status != 200) co_return OpResult::kFailed;
    const std::int64_t token = lock_token_of(acquired.body);
    if (token < 0) {
      ++ctx.stats->anomalies;
      co_await release(ctx, conn, lock_target);
      co_return OpResult::kFailed;
    }
    ctx.run->lock.grants.push_back(Grant{index, token});
    const OpResult result = co_await locked_increment(ctx, conn, index, token);
    if (result == OpResult::kAbandoned) co_return result;
    Outcome released = co_await conn.call(Call::make(http::verb::delete_, lock_target), ctx.plan->hard_deadline);
    if (!released.answered()) co_return failed(released, *ctx.stats);
    if (released.status != 204) co_return OpResult::kFailed;
    co_return result;
  }
}

}  // namespace lockstep::bench
