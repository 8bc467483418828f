// Client::update (optimistic read-modify-write) and Client::follow (the change feed, §8): the two
// strategies built from the plain calls.
#include <algorithm>
#include <chrono>
#include <thread>

#include "client_impl.h"
#include "retry.h"

namespace lockstep {

namespace {

// A refusal that `current` lets us rebuild from: the write is worth redoing on the new state.
bool is_stale_write(const Error& e) {
  return (e.status == 412 && e.code == "PRECONDITION_FAILED") ||
         (e.status == 409 && (e.code == "VERSION_CONFLICT" || e.code == "MERGE_CONFLICT"));
}

// After the second and later losses in a row: a short random wait (full jitter, 1 ms doubling up
// to 50 ms), so that many writers on one hot task spread out instead of colliding again. The first
// loss is redone at once: the refusal carried the current state, and waiting would only let the
// other writers move it on again. The wait is never taken past `deadline`: false then.
bool back_off_after_loss(int losses, std::chrono::steady_clock::time_point deadline) {
  if (losses < 2) return std::chrono::steady_clock::now() < deadline;
  RetryPolicy p;
  p.base_delay = std::chrono::milliseconds(1);
  p.max_delay = std::chrono::milliseconds(50);
  const auto delay = detail::backoff_delay(p, losses - 2, std::chrono::milliseconds(0));
  if (std::chrono::steady_clock::now() + delay >= deadline) return false;
  std::this_thread::sleep_for(delay);
  return true;
}

}  // namespace

Result<Task> Client::update(const std::string& id, const std::function<void(Task&)>& fn, const UpdateOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.deadline;
  Result<Task> last = get_task(id);
  if (!last) return last;
  Task base = last.value();
  for (int losses = 1;; ++losses) {
    Task mine = base;
    fn(mine);
    TaskPatch patch = TaskPatch::diff(base, mine);
    if (patch.empty()) return Result<Task>(std::move(base), last.reply());
    WriteOptions write;
    write.if_match = base.etag;
    write.merge = options.merge;
    write.lock_token = options.lock_token;
    last = patch_task(id, patch, write);
    if (last.ok() || !is_stale_write(last.error())) return last;
    if (!last.error().current) return last;
    base = *last.error().current;
    if (!back_off_after_loss(losses, deadline)) return last;
  }
}

namespace {

Change snapshot_change(const Task& t, std::int64_t revision) {
  Change c;
  c.revision = revision;
  c.type = "snapshot";
  c.task_id = t.task_id;
  c.version = t.version;
  c.task = t;
  return c;
}

// After 410 CURSOR_EXPIRED: list every task again. Pages are separate snapshots, so following
// resumes from the first page's revision: a change made while paging may then be delivered
// although a later page already showed it, but none is missed.
Result<std::int64_t> resync(Client& client, const std::function<bool(const Change&)>& on_change,
                            const FollowOptions& options, bool& keep_going) {
  TaskQuery query;
  query.limit = 500;
  std::vector<Task> tasks;
  std::int64_t revision = -1;  // the first page's
  for (;;) {
    auto page = client.list_tasks(query);
    if (!page) return Result<std::int64_t>(page.error(), page.reply());
    if (revision < 0) revision = page->revision;
    for (auto& t : page->tasks) tasks.push_back(std::move(t));
    if (!page->next_page_token) break;
    query.page_token = page->next_page_token;
  }
  if (options.on_resync) {
    keep_going = options.on_resync(tasks, revision);
    return revision;
  }
  for (const auto& t : tasks) {
    if (!(keep_going = on_change(snapshot_change(t, revision)))) break;
  }
  return revision;
}

}  // namespace

Result<Done> Client::follow(std::int64_t& since, const std::function<bool(const Change&)>& on_change,
                            const FollowOptions& options) {
  while (!options.stop.stop_requested()) {
    auto page = changes(since, options.limit, options.wait);
    if (!page && page.error().status == 410) {
      bool keep_going = true;
      auto restart = resync(*this, on_change, options, keep_going);
      if (!restart) return Result<Done>(restart.error(), restart.reply());
      since = *restart;
      if (!keep_going) break;
      continue;
    }
    if (!page) return Result<Done>(page.error(), page.reply());
    for (const auto& c : page->changes) {
      since = c.revision;
      if (!on_change(c)) return Done{};
    }
    since = std::max(since, page->last_revision);
  }
  return Done{};
}

}  // namespace lockstep
