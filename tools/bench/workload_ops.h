// The operations of the workloads beyond read/create/occ/healthz, one file each, and the helpers
// they share with workloads.cc. Internal to the tool: workloads.h's run_op() is the entry point.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/json/object.hpp>
#include <cstdint>
#include <string_view>

#include "connection.h"
#include "workloads.h"

namespace lockstep::bench {

// occ-merge (merge_workload.cc): set this connection's own field to a unique value with a
// possibly stale If-Match and Prefer: conflict=merge; a 409 MERGE_CONFLICT is retried from its
// `current` until a 200.
asio::awaitable<OpResult> merge_op(OpContext& ctx, Connection& conn);

// lock (lock_workload.cc): acquire a random hot task's lock (a 423 moves on to another task
// after a short pause), GET it, PATCH warningOffset + 1 with Lock-Token and no If-Match, release.
asio::awaitable<OpResult> lock_op(OpContext& ctx, Connection& conn);

// purchase (purchase_workload.cc): one purchase of 1..--max-quantity of the run's product.
asio::awaitable<OpResult> purchase_op(OpContext& ctx, Connection& conn);

// batch (batch_workload.cc): one atomic batch of --batch-size increments of distinct hot tasks
// with ifMatch, resent with refreshed ETags after a 409 BATCH_ABORTED until it applies.
asio::awaitable<OpResult> batch_op(OpContext& ctx, Connection& conn);

// Shared helpers (workloads.cc).
std::size_t random_hot_index(OpContext& ctx);
// The result of an operation cut short by `outcome` (not answered): failed, or abandoned at the
// end of the run (counted).
OpResult failed(const Outcome& outcome, Stats& stats);
// follow: records when the write that made `task` was acknowledged.
void record_ack(OpContext& ctx, const TaskView& task);
// The TaskView of a task object (parse_task without the parsing).
std::optional<TaskView> task_view(const boost::json::object& task);
// o[key] as an int64, or -1 when absent or not an integer.
std::int64_t int_member(const boost::json::object& o, std::string_view key);

}  // namespace lockstep::bench
