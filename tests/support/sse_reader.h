// Reads a server-sent event stream (GET /v1/changes/stream) over its own connection, event by
// event, for tests of the change feed.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace lockstep::testing {

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

class SseReader {
 public:
  // Opens the stream at `target` with these extra headers; throws if the answer is not 200.
  SseReader(unsigned short port, const std::string& target, const std::string& token,
            std::vector<std::pair<std::string, std::string>> headers = {});
  ~SseReader();

  // The next event (comments skipped), or nullopt when the stream ends or `timeout` passes.
  std::optional<SseEvent> next(std::chrono::milliseconds timeout);

  // Drops the connection without a goodbye.
  void disconnect();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lockstep::testing
