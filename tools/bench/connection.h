// One keep-alive HTTP/1.1 connection to the server, driven by coroutines on one io_context.
//
// A Connection connects lazily and reconnects after a failure (with a short growing back-off, so
// that a dead server is not hammered), waits out 429/503 answers as their Retry-After asks, and
// records every exchange in the owning worker's Stats. Transport failures are returned as values:
// what to do with an operation whose request may or may not have reached the server is the
// workload's business, not the connection's.
//
// Not thread-safe: a Connection lives on its worker's single-threaded io_context.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/verb.hpp>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "options.h"
#include "stats.h"

namespace lockstep::bench {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Call {
  http::verb method = http::verb::get;
  std::string_view target;
  std::string_view body;        // sent as application/json when not empty
  std::string_view if_match;    // sent as If-Match when not empty
  std::string_view prefer;      // sent as Prefer when not empty
  std::string_view lock_token;  // sent as Lock-Token when not empty
  bool authenticated = true;
  bool wait_throttled = true;  // false: a 429/503 is returned like any answer, not waited out

  static Call make(http::verb method, std::string_view target, std::string_view body = {}) {
    Call c;
    c.method = method;
    c.target = target;
    c.body = body;
    return c;
  }
  static Call get(std::string_view target) { return make(http::verb::get, target); }
  static Call post(std::string_view target, std::string_view body) { return make(http::verb::post, target, body); }
  static Call patch(std::string_view target, std::string_view body, std::string_view if_match) {
    Call c = make(http::verb::patch, target, body);
    c.if_match = if_match;
    return c;
  }
  static Call unauthenticated_get(std::string_view target) {
    Call c = make(http::verb::get, target);
    c.authenticated = false;
    return c;
  }
};

enum class Failure {
  kNone,
  kTransport,  // connect, send or receive failed (timeouts included)
  kDeadline,   // the run's hard deadline came before an answer
};

struct Outcome {
  Failure failure = Failure::kNone;
  bool maybe_delivered = false;  // on failure: the request may have reached the server
  unsigned status = 0;
  bool merged = false;                 // the answer carried Preference-Applied: conflict=merge
  std::chrono::nanoseconds elapsed{};  // of the last exchange: first byte written to last read
  std::string etag;
  std::string body;

  bool answered() const { return failure == Failure::kNone; }
  static Outcome failed(Failure why, bool maybe_delivered) {
    Outcome o;
    o.failure = why;
    o.maybe_delivered = maybe_delivered;
    return o;
  }
};

// What every connection of a run shares, read-only once the run starts.
struct ConnectionConfig {
  std::vector<tcp::endpoint> endpoints;
  std::string host_header;
  std::vector<std::string> authorizations;  // "Bearer <token>"; connection i uses [i % size]
  std::chrono::nanoseconds timeout{};
  Workload workload = Workload::kRead;  // which statuses count as errors on the progress line
};

class Connection {
 public:
  // `index` numbers the connection within its run: it picks the token (and so the principal).
  Connection(asio::any_io_executor executor, const ConnectionConfig& config, Stats& stats, LiveCounters& live,
             std::size_t index = 0);
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Sends `call` and returns its final answer (never a 429/503 unless call.wait_throttled is
  // false: those are waited out and resent until hard_deadline). The Outcome's body and etag are moved out of the
  // connection.
  asio::awaitable<Outcome> call(const Call& call, Clock::time_point hard_deadline);

  void close();
  std::size_t index() const { return index_; }

 private:
  asio::awaitable<bool> ensure_open(Clock::time_point hard_deadline);
  asio::awaitable<Outcome> exchange(const Call& call, Clock::time_point hard_deadline);
  asio::awaitable<void> pause(Clock::duration d);
  void prepare(const Call& call);
  void expire_by(Clock::time_point hard_deadline);
  Outcome failure(beast::error_code ec, Clock::time_point hard_deadline);
  Outcome transport_failure(beast::error_code ec, bool maybe_delivered);
  Clock::duration retry_after() const;

  const ConnectionConfig& config_;
  const std::string& authorization_;
  std::size_t index_;
  Stats& stats_;
  LiveCounters& live_;
  beast::tcp_stream stream_;
  asio::steady_timer timer_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  bool open_ = false;
  bool ever_opened_ = false;
  int consecutive_failures_ = 0;
};

}  // namespace lockstep::bench
