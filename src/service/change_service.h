// The change feed and version history (API.md §8). Retention is exact for answers: whatever lies
// outside the window is treated as gone, whenever the sweep actually deletes it.
#pragma once

#include <cstdint>
#include <vector>

#include "core/error.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep {

struct ChangePage {
  std::vector<Change> changes;
  std::int64_t last_revision = 0;  // the `since` of the next request
};

// The store's latest committed revision (where an event stream with no cursor starts).
std::int64_t latest_revision(Tx& tx);

// The oldest revision answers may still return.
std::int64_t oldest_retained_revision(Tx& tx, const Retention& retention);

// Changes after `since` (at most `limit`), or 410 CURSOR_EXPIRED (with `oldestRevision`) when
// `since` is older than the retained feed, or 400 when it is beyond the latest revision.
Result<ChangePage> read_changes(Tx& tx, std::int64_t since, int limit, const Retention& retention);

// The retained versions of a task's current life, newest first; 404 when the task does not exist.
Result<std::vector<Change>> read_versions(Tx& tx, std::string_view task_id, const Retention& retention);

// What the change feed shared by this node's followers reads after a commit: the latest revision,
// how far the feed was pruned, and, when `with_changes` and there are any, up to `limit` changes
// after `from`.
struct FeedRead {
  std::int64_t latest = 0;
  std::int64_t pruned = 0;
  std::vector<Change> changes;
};
FeedRead read_feed(Tx& tx, std::int64_t from, int limit, bool with_changes);

// One step of the background sweep: deletes what retention no longer lets answers return, among
// the stored changes after `after`. Returns the revision to continue after (0: start over).
std::int64_t sweep_changes(Tx& tx, std::int64_t after, const Retention& retention);

}  // namespace lockstep
