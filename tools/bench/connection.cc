#include "connection.h"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <charconv>

namespace lockstep::bench {
namespace {

// Errors come back as values: a refused or reset connection is an expected event under load.
constexpr auto kAsTuple = asio::as_tuple(asio::use_awaitable);

bool is_throttle(unsigned status) { return status == 429 || status == 503; }

}  // namespace

Connection::Connection(asio::any_io_executor executor, const ConnectionConfig& config, Stats& stats, LiveCounters& live,
                       std::size_t index)
    : config_(config),
      authorization_(config.authorizations[index % config.authorizations.size()]),
      index_(index),
      stats_(stats),
      live_(live),
      stream_(executor),
      timer_(executor) {
  request_.version(11);
  request_.set(http::field::host, config_.host_header);
  request_.set(http::field::user_agent, "lockstep-bench");
}

asio::awaitable<Outcome> Connection::call(const Call& call, Clock::time_point hard_deadline) {
  for (;;) {
    if (Clock::now() >= hard_deadline) co_return Outcome::failed(Failure::kDeadline, false);
    Outcome outcome = co_await exchange(call, hard_deadline);
    if (!outcome.answered() || !is_throttle(outcome.status) || !call.wait_throttled) {
      co_return outcome;
    }
    ++stats_.throttled;
    co_await pause(std::min<Clock::duration>(retry_after(), hard_deadline - Clock::now()));
  }
}

void Connection::close() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.close();
  open_ = false;
}

asio::awaitable<bool> Connection::ensure_open(Clock::time_point hard_deadline) {
  if (open_) co_return true;
  if (consecutive_failures_ > 0) {
    // 50 ms doubling up to 800 ms: a server that is down is retried, not flooded with SYNs.
    const auto backoff = std::chrono::milliseconds(50 << std::min(consecutive_failures_ - 1, 4));
    co_await pause(std::min<Clock::duration>(backoff, hard_deadline - Clock::now()));
    if (Clock::now() >= hard_deadline) co_return false;
  }
  expire_by(hard_deadline);
  auto [ec, endpoint] = co_await stream_.async_connect(config_.endpoints, kAsTuple);
  if (ec) {
    if (Clock::now() < hard_deadline) {
      transport_failure(ec, false);
    } else {
      close();
    }
    co_return false;
  }
  beast::error_code ignored;
  stream_.socket().set_option(tcp::no_delay(true), ignored);
  if (ever_opened_) ++stats_.reconnects;
  ever_opened_ = true;
  open_ = true;
  buffer_.clear();
  co_return true;
}

asio::awaitable<Outcome> Connection::exchange(const Call& call, Clock::time_point hard_deadline) {
  if (!co_await ensure_open(hard_deadline)) {
    const bool late = Clock::now() >= hard_deadline;
    co_return Outcome::failed(late ? Failure::kDeadline : Failure::kTransport, false);
  }
  prepare(call);
  expire_by(hard_deadline);
  const auto start = Clock::now();
  auto [write_ec, written] = co_await http::async_write(stream_, request_, kAsTuple);
  if (write_ec) co_return failure(write_ec, hard_deadline);
  response_ = {};
  auto [read_ec, read] = co_await http::async_read(stream_, buffer_, response_, kAsTuple);
  if (read_ec) co_return failure(read_ec, hard_deadline);
  const auto elapsed = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - start);

  consecutive_failures_ = 0;
  stats_.request_ns.record(static_cast<std::uint64_t>(elapsed.count()));
  ++stats_.requests;
  live_.requests.fetch_add(1, std::memory_order_relaxed);
  const unsigned status = response_.result_int();
  ++stats_.statuses[status];
  if (!is_throttle(status) && !is_expected_status(config_.workload, status)) {
    live_.errors.fetch_add(1, std::memory_order_relaxed);
  }
  Outcome outcome;
  outcome.status = status;
  outcome.elapsed = elapsed;
  outcome.merged = response_["Preference-Applied"] == "conflict=merge";
  outcome.etag = std::string(response_[http::field::etag]);
  outcome.body = std::move(response_.body());
  if (!response_.keep_alive()) close();
  co_return outcome;
}

asio::awaitable<void> Connection::pause(Clock::duration d) {
  if (d <= Clock::duration::zero()) co_return;
  timer_.expires_after(d);
  co_await timer_.async_wait(kAsTuple);
}

void Connection::prepare(const Call& call) {
  request_.method(call.method);
  request_.target(call.target);
  if (call.authenticated) {
    request_.set(http::field::authorization, authorization_);
  } else {
    request_.erase(http::field::authorization);
  }
  if (call.if_match.empty()) {
    request_.erase(http::field::if_match);
  } else {
    request_.set(http::field::if_match, call.if_match);
  }
  auto set_or_erase = [this](std::string_view name, std::string_view value) {
    if (value.empty()) {
      request_.erase(name);
    } else {
      request_.set(name, value);
    }
  };
  set_or_erase("Prefer", call.prefer);
  set_or_erase("Lock-Token", call.lock_token);
  if (call.body.empty()) {
    request_.erase(http::field::content_type);
  } else {
    request_.set(http::field::content_type, "application/json");
  }
  request_.body().assign(call.body);
  request_.prepare_payload();
}

void Connection::expire_by(Clock::time_point hard_deadline) {
  const auto left = std::max<Clock::duration>(hard_deadline - Clock::now(), Clock::duration(1));
  stream_.expires_after(std::min<Clock::duration>(config_.timeout, left));
}

Outcome Connection::failure(beast::error_code ec, Clock::time_point hard_deadline) {
  if (Clock::now() < hard_deadline) return transport_failure(ec, true);
  // Cut off by the end of the run, not by the server: an abandoned operation, not an error.
  close();
  return Outcome::failed(Failure::kDeadline, true);
}

Outcome Connection::transport_failure(beast::error_code ec, bool maybe_delivered) {
  close();
  ++consecutive_failures_;
  ++stats_.transport_errors;
  if (ec == beast::error::timeout) ++stats_.timeouts;
  live_.errors.fetch_add(1, std::memory_order_relaxed);
  return Outcome::failed(Failure::kTransport, maybe_delivered);
}

Clock::duration Connection::retry_after() const {
  // Only the delta-seconds form: an HTTP-date would need the server's clock, and 1 s is a safe
  // reading of anything this tool does not understand.
  const auto value = response_[http::field::retry_after];
  unsigned seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc{} || end != value.data() + value.size()) seconds = 1;
  return std::chrono::seconds(std::min(seconds, 60u));
}

}  // namespace lockstep::bench
