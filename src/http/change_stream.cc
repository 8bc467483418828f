#include "http/change_stream.h"

#include <atomic>
#include <boost/json.hpp>

#include "service/change_service.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {
std::atomic<std::int64_t> g_open_streams{0};
}  // namespace

std::int64_t ChangeStream::open_streams() { return g_open_streams.load(); }
ChangeStream::~ChangeStream() { g_open_streams.fetch_sub(1); }

json::object change_to_json(const Change& c) {
  json::object o{{"revision", c.revision},
                 {"type", change_type_name(c.type)},
                 {"taskId", c.task_id},
                 {"version", c.version},
                 {"by", c.by},
                 {"at", format_rfc3339(c.at)}};
  o["task"] = c.task_json.empty() ? json::value(nullptr) : json::parse(c.task_json);
  return o;
}

ChangeStream::ChangeStream(Store& store, WaitList& waits, std::function<bool(Tx&)> authorized,
                           Retention retention, std::int64_t after, std::chrono::seconds heartbeat)
    : store_(store), waits_(waits), authorized_(std::move(authorized)), retention_(retention),
      after_(after), heartbeat_(heartbeat) {
  g_open_streams.fetch_add(1);
}

void ChangeStream::next(Emit emit) { poll(std::move(emit), true); }

void ChangeStream::poll(Emit emit, bool may_wait) {
  auto self = shared_from_this();
  auto shared_emit = std::make_shared<Emit>(std::move(emit));
  const auto seen = waits_.generation();  // before the read's snapshot: see Api::submit_read
  store_.read(
      [self, shared_emit, may_wait, seen](Tx& tx) {
        if (!self->authorized_(tx)) return (*shared_emit)("event: error\ndata: {\"code\":\"UNAUTHENTICATED\"}\n\n", true);
        auto page = read_changes(tx, self->after_, 100, self->retention_);
        if (!page) {
          // The follower fell behind the retained feed: say so and end; it lists again.
          return (*shared_emit)("event: error\ndata: {\"code\":\"CURSOR_EXPIRED\"}\n\n", true);
        }
        if (page->changes.empty()) {
          if (!may_wait || self->waits_.stopped()) return (*shared_emit)(":\n\n", self->waits_.stopped());
          self->waits_.park(kFeedKey, seen, WaitList::Clock::now() + self->heartbeat_,
                            [self, shared_emit](bool timed_out) {
                              // A commit: look again. The heartbeat: a comment line, then look again.
                              self->poll(std::move(*shared_emit), !timed_out);
                            });
          return;
        }
        std::string out;
        for (const auto& c : page->changes) {
          out += "id: " + std::to_string(c.revision) + "\nevent: change\ndata: " +
                 json::serialize(change_to_json(c)) + "\n\n";
        }
        self->after_ = page->changes.back().revision;
        (*shared_emit)(std::move(out), false);
      },
      [shared_emit] { (*shared_emit)("", true); });
}

}  // namespace lockstep::http
