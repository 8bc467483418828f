// The HTTP request and response as the API layer sees them: plain values, no Beast types, so
// that handlers compile without Asio and Beast.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/query_params.h"
#include "core/time.h"

namespace lockstep::http {

// The body of a streamed answer (server-sent events): produced piece by piece, on demand, so that
// a slow reader holds at most one piece in memory.
class EventSource {
 public:
  // `data` to send next; `done`: the stream ends after it.
  using Emit = std::function<void(std::string data, bool done)>;
  virtual ~EventSource() = default;
  // Calls `emit` exactly once, from any thread, possibly much later (it may wait for news).
  virtual void next(Emit emit) = 0;
};

struct Request {
  std::string method;                                        // upper case, as sent
  std::string target;                                        // as sent: path and query, undecoded
  std::string path;                                          // percent-decoded, without the query
  QueryParams query;                                         // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;
  Millis received_at = 0;  // wall clock, when the request was read whole

  // The first value of header `name` (lower case), if sent.
  std::optional<std::string_view> header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return std::string_view(v);
    }
    return std::nullopt;
  }
  std::optional<std::string> header_string(std::string_view name) const {
    auto v = header(name);
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string body;  // empty for 204/304 and HEAD
  // What a stored copy of this answer (an idempotent replay) carries instead of `body`, when
  // `body` holds a secret that must not be kept (API.md §2: a new user's token).
  std::optional<std::string> replay_body;
  bool head = false;      // answer to HEAD: send the headers of `body` without it
  bool close = false;     // close the connection after this response
  std::string principal;  // for the request log
  std::string route;      // for the request log: the route template, e.g. /v1/tasks/{id}
  std::string code;       // the problem code of an error answer (for metrics)
  std::string log_note;   // for the request log: e.g. the versions of a conflict

  // Set by a handler that has nothing to answer yet: re-run it after the next commit, or once
  // this wall-clock time has come (then with Call::may_wait false).
  std::optional<Millis> park_until;
  // Set by a handler that answers with an event stream starting after this revision.
  std::optional<std::int64_t> stream_after;
  // The stream itself (set by the Api from stream_after); the headers go first, then its pieces.
  std::shared_ptr<EventSource> events;

  void set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

}  // namespace lockstep::http
