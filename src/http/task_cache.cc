#include "http/task_cache.h"

#include "http/problem.h"
#include "http/responses.h"
#include "service/task_service.h"

namespace lockstep::http {

TaskCache::TaskCache(std::size_t max_bytes)
    : max_bytes_(max_bytes), forgotten_at_(kStripes, 0), missed_(kDoorkeeperBits, false) {}

std::size_t TaskCache::bytes_of(const std::string& id, const Response& ok, const EntityTag& etag) {
  // Heap blocks are counted whole, plus 16 bytes of allocator header each.
  constexpr std::size_t kBlock = 16;
  auto text = [](const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 + kBlock : 0; };
  std::size_t n = sizeof(Entry) + 2 * sizeof(void*) + kBlock;                // the Entry and shared_ptr's control block
  n += sizeof(std::pair<const std::string, Slot>) + sizeof(void*) + kBlock;  // the map's node and bucket
  n += 3 * sizeof(void*) + kBlock;                                           // the list's node
  n += text(id) + text(etag.opaque);
  n += text(ok.body) + text(ok.content_type) + ok.headers.capacity() * sizeof(ok.headers[0]) + kBlock;
  for (const auto& [name, value] : ok.headers) n += text(name) + text(value);
  return n;
}

std::shared_ptr<const TaskCache::Entry> TaskCache::find(std::string_view id, Ticket& ticket) {
  MutexLock lock(mu_);
  auto it = slots_.find(id);
  if (it == slots_.end()) {
    misses_.fetch_add(1, std::memory_order_relaxed);
    ticket = forgets_;
    return nullptr;
  }
  used_.splice(used_.begin(), used_, it->second.used);
  hits_.fetch_add(1, std::memory_order_relaxed);
  return it->second.entry;
}

TaskCache::Ticket TaskCache::ticket() const {
  MutexLock lock(mu_);
  return forgets_;
}

bool TaskCache::admits(std::string_view id, std::size_t bytes, Ticket ticket) {
  if (forgotten_at_[stripe_of(id)] > ticket) return false;  // written since the read (or now): maybe stale
  return bytes_ + bytes <= max_bytes_ || slots_.contains(id) || missed_before(id);
}

void TaskCache::fill(const Task& task, const Response& ok, Ticket ticket) {
  if (task.lock) return;
  EntityTag etag = task.etag();
  const std::size_t bytes = bytes_of(task.id, ok, etag);
  if (bytes > max_bytes_) return;
  {  // before copying anything: most fills of a full cache are refused
    MutexLock lock(mu_);
    if (!admits(task.id, bytes, ticket)) return;
  }
  auto entry = std::make_shared<Entry>(Entry{ok, std::move(etag), task.updated_at, task.version});
  std::vector<std::shared_ptr<const Entry>> dropped;  // freed after the lock is released
  MutexLock lock(mu_);
  if (forgotten_at_[stripe_of(task.id)] > ticket) return;  // written since the first look
  if (auto it = slots_.find(task.id); it != slots_.end()) dropped.push_back(erase(it));
  while (bytes_ + bytes > max_bytes_) dropped.push_back(erase(slots_.find(*used_.back())));
  auto [it, inserted] = slots_.try_emplace(task.id);
  used_.push_front(&it->first);
  it->second = Slot{std::move(entry), used_.begin(), bytes};
  bytes_ += bytes;
}

void TaskCache::forget(const std::vector<std::string>& task_ids, bool ended) {
  std::vector<std::shared_ptr<const Entry>> dropped;  // freed after the lock is released
  MutexLock lock(mu_);
  ++forgets_;
  for (const auto& id : task_ids) {
    forgotten_at_[stripe_of(id)] = ended ? forgets_ : kCommitting;
    if (auto it = slots_.find(id); it != slots_.end()) dropped.push_back(erase(it));
  }
}

std::shared_ptr<const TaskCache::Entry> TaskCache::erase(
    std::unordered_map<std::string, Slot, Hash, std::equal_to<>>::iterator it) {
  std::shared_ptr<const Entry> entry = std::move(it->second.entry);
  bytes_ -= it->second.bytes;
  used_.erase(it->second.used);
  slots_.erase(it);
  return entry;
}

bool TaskCache::missed_before(std::string_view id) {
  const std::size_t bit = (Hash{}(id) / kStripes) % kDoorkeeperBits;
  if (missed_[bit]) return true;
  if (++missed_count_ > kDoorkeeperWindow) {
    missed_.assign(kDoorkeeperBits, false);
    missed_count_ = 1;
  }
  missed_[bit] = true;
  return false;
}

TaskCache::Usage TaskCache::usage() const {
  MutexLock lock(mu_);
  return Usage{slots_.size(), bytes_, hits_.load(std::memory_order_relaxed), misses_.load(std::memory_order_relaxed)};
}

namespace {

Response task_not_modified(const EntityTag& etag, Millis updated_at) {
  Response r = not_modified(etag);
  r.set("Last-Modified", format_http_date(updated_at));
  return r;
}

}  // namespace

Response task_read_answer(const Task& task, bool not_modified) {
  return not_modified ? task_not_modified(task.etag(), task.updated_at) : task_response(200, task);
}

std::optional<Response> answer_from_memory(const TaskCache::Entry& entry, const ConditionalHeaders& headers) {
  auto checked = check_read_in_memory(entry.etag, entry.updated_at, entry.version, entry.ok.body, headers);
  if (!checked) return std::nullopt;
  if (!*checked) return problem(checked->error());
  if (**checked) return task_not_modified(entry.etag, entry.updated_at);
  return entry.ok;
}

}  // namespace lockstep::http
