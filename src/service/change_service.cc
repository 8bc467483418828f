#include "service/change_service.h"

#include <algorithm>
#include <boost/json.hpp>

namespace json = boost::json;

namespace lockstep {

std::int64_t latest_revision(Tx& tx) { return tx.latest_revision(); }

std::int64_t oldest_retained_revision(Tx& tx, const Retention& retention) {
  // The window is exact for answers; the watermark covers a window that grew after pruning.
  const std::int64_t window = tx.latest_revision() - retention.changes + 1;
  return std::max({tx.feed_pruned_through() + 1, window, std::int64_t{1}});
}

Result<ChangePage> read_changes(Tx& tx, std::int64_t since, int limit, const Retention& retention) {
  const std::int64_t latest = tx.latest_revision();
  if (since > latest) {
    Error e(Code::kValidationFailed, "since is beyond the latest revision (" + std::to_string(latest) + ").");
    e.errors.push_back({"since", "must be at most the latest revision"});
    return e;
  }
  const std::int64_t oldest = oldest_retained_revision(tx, retention);
  if (since < oldest - 1) {
    Error e(Code::kCursorExpired, "Changes after revision " + std::to_string(since) +
                                      " are no longer retained; list the tasks "
                                      "again and follow from the list's revision.");
    e.extra_json = json::serialize(json::object{{"oldestRevision", oldest}});
    return e;
  }
  ChangePage page;
  page.changes = tx.list_changes(since, limit);
  page.last_revision = page.changes.empty() ? latest : page.changes.back().revision;
  return page;
}

Result<std::vector<Change>> read_versions(Tx& tx, std::string_view task_id, const Retention& retention) {
  if (!tx.get_task(task_id)) return Error(Code::kNotFound, "No task has the id '" + std::string(task_id) + "'.");
  return tx.task_history(task_id, static_cast<int>(std::min<std::int64_t>(retention.versions, 100000)));
}

FeedRead read_feed(Tx& tx, std::int64_t from, int limit, bool with_changes) {
  FeedRead read{tx.latest_revision(), tx.feed_pruned_through(), {}};
  if (with_changes && read.latest > from) read.changes = tx.list_changes(from, limit);
  return read;
}

std::int64_t sweep_changes(Tx& tx, std::int64_t after, const Retention& retention) {
  const std::int64_t below = tx.latest_revision() - retention.changes;
  if (below <= after) return 0;
  return tx.prune_changes(after, below, retention.versions, 1000);
}

}  // namespace lockstep
