#include "follow.h"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/json.hpp>
#include <limits>

#include "hot_set.h"
#include "ledgers.h"
#include "workload_ops.h"

namespace lockstep::bench {
namespace {

namespace json = boost::json;

constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);
constexpr auto kWatchInterval = std::chrono::milliseconds(10);

// One event's fields; data lines joined with "\n" as SSE says.
struct Event {
  std::string id;
  std::string type;
  std::string data;
  bool comment = false;
};

Event parse_event(std::string_view block) {
  Event e;
  while (!block.empty()) {
    const auto nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    block = nl == std::string_view::npos ? std::string_view{} : block.substr(nl + 1);
    if (line.starts_with(':')) {
      e.comment = true;
      continue;
    }
    const auto colon = line.find(':');
    std::string_view field = line.substr(0, colon);
    std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
    if (value.starts_with(' ')) value.remove_prefix(1);
    if (field == "id") e.id = std::string(value);
    if (field == "event") e.type = std::string(value);
    if (field == "data") {
      if (!e.data.empty()) e.data += '\n';
      e.data += value;
    }
  }
  return e;
}

}  // namespace

Followers::Followers(const ConnectionConfig& config, int count, std::int64_t since)
    : config_(config),
      since_(since),
      target_("/v1/changes/stream?since=" + std::to_string(since)),
      logs_(static_cast<std::size_t>(count)),
      last_revision_(static_cast<std::size_t>(count), since),
      ended_(static_cast<std::size_t>(count), false),
      scanned_(static_cast<std::size_t>(count), 0),
      matched_(static_cast<std::size_t>(count)) {
  for (int i = 0; i < count; ++i) streams_.push_back(std::make_unique<beast::tcp_stream>(io_));
}

Followers::~Followers() {
  if (thread_.joinable()) finish({}, Clock::now());
}

bool Followers::start(std::chrono::nanoseconds limit, std::string& error) {
  for (std::size_t i = 0; i < streams_.size(); ++i) asio::co_spawn(io_, follow(i), asio::detached);
  asio::co_spawn(io_, watch(), asio::detached);
  thread_ = std::jthread([this] { io_.run(); });
  const auto until = Clock::now() + limit;
  const int count = static_cast<int>(streams_.size());
  // Setup, not the hot path: a plain poll is enough.
  while (connected_.load() + failed_.load() < count && Clock::now() < until) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (connected_.load() == count) return true;
  error = "the change-stream followers could not all connect";
  finish({}, Clock::now());
  for (const auto& log : logs_) {
    if (!log.error.empty()) {
      error += ": " + log.error;
      break;
    }
  }
  return false;
}

void Followers::finish(const std::vector<std::string>& keys, Clock::time_point give_up) {
  if (!expected_ready_.load()) {
    expected_.insert(keys.begin(), keys.end());
    give_up_.store(give_up.time_since_epoch().count());
    expected_ready_.store(true);  // publishes expected_ to the follower thread
  }
  if (thread_.joinable()) thread_.join();
}

bool Followers::has_all(std::size_t i) {
  const auto& received = logs_[i].received;
  for (; scanned_[i] < received.size(); ++scanned_[i]) {
    const std::string& key = received[scanned_[i]].key;
    if (expected_.contains(key)) matched_[i].insert(key);
  }
  return matched_[i].size() == expected_.size();
}

void Followers::end(std::size_t i, std::string error) {
  if (ended_[i]) return;
  ended_[i] = true;
  if (logs_[i].error.empty() && !logs_[i].reached) logs_[i].error = std::move(error);
  beast::error_code ignored;
  streams_[i]->socket().shutdown(tcp::socket::shutdown_both, ignored);
  streams_[i]->close();
}

asio::awaitable<void> Followers::watch() {
  asio::steady_timer timer(io_);
  for (;;) {
    const bool ready = expected_ready_.load();
    const auto give_up = Clock::time_point(Clock::duration(give_up_.load()));
    bool all_ended = true;
    for (std::size_t i = 0; i < streams_.size(); ++i) {
      if (ended_[i]) continue;
      if (ready && has_all(i)) {
        logs_[i].reached = true;
        end(i, {});
      } else if (Clock::now() >= give_up) {
        end(i, "gave up at revision " + std::to_string(last_revision_[i]) + " with " +
                   std::to_string(matched_[i].size()) + " of the " + std::to_string(expected_.size()) +
                   " acknowledged changes");
      } else {
        all_ended = false;
      }
    }
    if (all_ended) co_return;
    timer.expires_after(kWatchInterval);
    co_await timer.async_wait(kAsTuple);
  }
}

void Followers::take_events(std::size_t i, std::string& pending) {
  FollowerLog& log = logs_[i];
  for (;;) {
    const auto end_of_event = pending.find("\n\n");
    if (end_of_event == std::string::npos) return;
    const Event e = parse_event(std::string_view(pending).substr(0, end_of_event));
    pending.erase(0, end_of_event + 2);
    if (e.comment && e.data.empty()) {
      ++log.heartbeats;
      continue;
    }
    if (e.type == "error") {
      end(i, "the server ended the stream: " + e.data);
      return;
    }
    std::error_code ec;
    json::value change = json::parse(e.data, ec);
    const json::object* o = ec ? nullptr : change.if_object();
    const json::value* task_id = o ? o->if_contains("taskId") : nullptr;
    const std::int64_t revision = o ? int_member(*o, "revision") : -1;
    const std::int64_t version = o ? int_member(*o, "version") : -1;
    if (!task_id || !task_id->is_string() || revision < 0 || version < 0 || e.id != std::to_string(revision)) {
      ++log.malformed;
      continue;
    }
    log.received.push_back(Received{revision, change_key(task_id->get_string(), version), Clock::now()});
    last_revision_[i] = std::max(last_revision_[i], revision);
  }
}

asio::awaitable<void> Followers::follow(std::size_t i) {
  beast::tcp_stream& stream = *streams_[i];
  stream.expires_after(config_.timeout);
  auto [connect_ec, endpoint] = co_await stream.async_connect(config_.endpoints, kAsTuple);
  if (connect_ec) {
    end(i, "connect: " + connect_ec.message());
    ++failed_;
    co_return;
  }
  http::request<http::empty_body> request{http::verb::get, target_, 11};
  request.set(http::field::host, config_.host_header);
  request.set(http::field::user_agent, "lockstep-bench");
  request.set(http::field::authorization, config_.authorizations[i % config_.authorizations.size()]);
  request.set(http::field::accept, "text/event-stream");
  auto [write_ec, written] = co_await http::async_write(stream, request, kAsTuple);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  std::string pending;
  // The parser keeps a reference to the callback: it must outlive the reads.
  auto on_chunk = [&pending](std::uint64_t, beast::string_view body, beast::error_code&) {
    for (char c : body) {
      if (c != '\r') pending += c;
    }
    return body.size();
  };
  parser.on_chunk_body(on_chunk);
  beast::error_code ec = write_ec;
  if (!ec) std::tie(ec, std::ignore) = co_await http::async_read_header(stream, buffer, parser, kAsTuple);
  if (ec || parser.get().result_int() != 200) {
    end(i, ec ? "opening the stream: " + ec.message()
              : "the stream answered " + std::to_string(parser.get().result_int()));
    ++failed_;
    co_return;
  }
  ++connected_;
  stream.expires_never();  // the server sends heartbeats; watch() ends the stream
  while (!ended_[i]) {
    auto [read_ec, n] = co_await http::async_read_some(stream, buffer, parser, kAsTuple);
    take_events(i, pending);
    if (read_ec) {
      end(i, "reading the stream: " + read_ec.message());
      co_return;
    }
    if (parser.is_done()) {
      end(i, "the server ended the stream");
      co_return;
    }
  }
}

std::optional<std::int64_t> latest_revision(const ConnectionConfig& config, std::string& error) {
  std::optional<std::int64_t> revision;
  const auto deadline = Clock::now() + kPhaseLimit;
  auto step = [&](Connection& conn, std::size_t) -> asio::awaitable<bool> {
    Outcome outcome = co_await call_with_retries(conn, Call::get("/v1/tasks?limit=1"), deadline);
    std::error_code ec;
    json::value list = outcome.answered() && outcome.status == 200 ? json::parse(outcome.body, ec) : json::value();
    const json::object* o = list.if_object();
    const std::int64_t r = o ? int_member(*o, "revision") : -1;
    if (r < 0) {
      error = "reading the store's revision: " + describe(outcome);
      co_return false;
    }
    revision = r;
    co_return true;
  };
  if (!for_each_index(config, 1, 1, step)) return std::nullopt;
  return revision;
}

}  // namespace lockstep::bench
