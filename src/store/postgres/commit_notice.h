// The payload of `NOTIFY lockstep_commit`: what one node's commit concerned, for the lock
// waiters of every other node (Store::on_remote_commit). Text, at most about 4 KB (PostgreSQL
// allows 8000 bytes): "v2 REVISION" then either the ids of the tasks whose row or lock changed,
// each after a space, or " *" for "anything" (a user changed, expired locks swept, more tasks than
// fit). Task ids are [A-Za-z0-9_-]{1,64}, so a space separates them safely.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace lockstep::pg {

// More tasks than this in one commit are notified as "anything".
inline constexpr std::size_t kMaxNotifiedTasks = 64;

std::string commit_payload(std::int64_t revision, bool anything, const std::vector<std::string>& task_ids);

// Adds what `payload` says to `into`. One it does not understand (an older node's, which was
// just the revision) counts as "anything".
void add_commit_payload(std::string_view payload, RemoteCommit& into);

}  // namespace lockstep::pg
