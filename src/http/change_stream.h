// The change feed as server-sent events (GET /v1/changes/stream): each event's id is its revision
// and its data one change object; a comment line every heartbeat interval keeps proxies from
// closing an idle stream.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <functional>
#include <memory>

#include "http/message.h"
#include "http/waits.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep::http {

// The key under which change-feed followers park in the WaitList (no task id has a colon).
inline constexpr const char* kFeedKey = ":changes";

// The change object of API.md §8.
boost::json::object change_to_json(const Change& change);

class ChangeStream final : public EventSource, public std::enable_shared_from_this<ChangeStream> {
 public:
  // `authorized` is asked inside every read, so that a revoked token ends the stream.
  ChangeStream(Store& store, WaitList& waits, std::function<bool(Tx&)> authorized, Retention retention,
               std::int64_t after, std::chrono::seconds heartbeat);

  ~ChangeStream() override;
  void next(Emit emit) override;
  // How many streams are open in this process.
  static std::int64_t open_streams();

 private:
  void poll(Emit emit, bool may_wait);

  Store& store_;
  WaitList& waits_;
  std::function<bool(Tx&)> authorized_;
  Retention retention_;
  std::int64_t after_;  // the last revision sent; touched by one poll at a time
  std::chrono::seconds heartbeat_;
};

}  // namespace lockstep::http
