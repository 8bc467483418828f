// Client::stream_changes: the change feed as server-sent events (GET /v1/changes/stream, API.md
// §8) on a connection of its own, reopened with Last-Event-ID when it drops.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/json/parse.hpp>
#include <thread>
#include <variant>

#include "client_impl.h"
#include "json_fields.h"
#include "json_mapping.h"
#include "retry.h"
#include "transport.h"

namespace lockstep {

namespace {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct SseEvent {
  std::string id;
  std::string event;
  std::string data;
};

// Cuts the received text into events: blocks separated by a blank line; comments skipped.
class SseSplitter {
 public:
  void append(std::string_view text) { pending_.append(text); }

  std::optional<SseEvent> next() {
    for (auto end = pending_.find("\n\n"); end != std::string::npos; end = pending_.find("\n\n")) {
      std::string block = pending_.substr(0, end + 1);
      pending_.erase(0, end + 2);
      SseEvent e;
      for (std::size_t pos = 0, nl; (nl = block.find('\n', pos)) != std::string::npos; pos = nl + 1) {
        std::string line = block.substr(pos, nl - pos);
        auto colon = line.find(':');
        if (line.empty() || colon == 0) continue;
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (value.starts_with(' ')) value.erase(0, 1);
        const std::string field = line.substr(0, colon);
        if (field == "id") e.id = value;
        if (field == "event") e.event = value;
        if (field == "data") e.data += value;
      }
      if (!e.data.empty() || !e.event.empty()) return e;
    }
    return std::nullopt;
  }

 private:
  std::string pending_;
};

// How one connection to the stream ended, when it did not fail with an Error.
enum class StreamEnd { kStopped, kDropped };

class StreamSession {
 public:
  StreamSession(const Endpoint& endpoint, const ClientOptions& options, const std::shared_ptr<detail::TlsTrust>& tls,
                std::stop_token stop)
      : endpoint_(endpoint), options_(options), stop_(std::move(stop)), stream_(ioc_, tls), on_stop_(stop_, [this] {
          net::post(ioc_, [this] { stream_.tcp().cancel(); });
        }) {}

  // Opens the stream after `last_id` (or at `since`, or at the latest revision), delivers events
  // until the callback says stop; an answer other than 200, or an error event, is an Error.
  std::variant<StreamEnd, Error> run(const std::string& target, const std::optional<std::int64_t>& last_id,
                                     const std::function<bool(const Change&)>& on_change, std::int64_t& delivered) {
    beast::error_code ec;
    auto address = resolve(ec);
    if (ec) return Error::make(0, kConnectionFailed, "cannot resolve " + endpoint_.host + ": " + ec.message(), true);
    stream_.tcp().expires_after(options_.timeout);
    stream_.async_open(address, endpoint_.host, [&](beast::error_code e) { ec = e; });
    if (!wait(ec)) {
      std::string tls_failure = stream_.tls_failure(ec);  // would fail the same way again
      if (!tls_failure.empty()) return stopped_or(Error::make(0, kConnectionFailed, "cannot connect: " + tls_failure));
      return stopped_or(Error::make(0, kConnectionFailed, "cannot connect: " + ec.message(), true));
    }
    bhttp::request<bhttp::empty_body> req(bhttp::verb::get, target, 11);
    req.set(bhttp::field::host, endpoint_.host + ":" + std::to_string(endpoint_.port));
    if (!options_.token.empty()) req.set(bhttp::field::authorization, "Bearer " + options_.token);
    if (last_id) req.set("Last-Event-ID", std::to_string(*last_id));
    stream_.visit([&](auto& s) { bhttp::async_write(s, req, [&](beast::error_code e, std::size_t) { ec = e; }); });
    if (!wait(ec)) return stopped_or(Error::make(0, kConnectionFailed, "cannot send: " + ec.message(), true));
    parser_.body_limit(boost::none);
    parser_.on_chunk_body(on_chunk_);
    stream_.visit([&](auto& s) {
      bhttp::async_read_header(s, buffer_, parser_, [&](beast::error_code e, std::size_t) { ec = e; });
    });
    if (!wait(ec)) return stopped_or(Error::make(0, kConnectionFailed, "no answer: " + ec.message(), true));
    if (parser_.get().result_int() != 200) return refused();
    return read_events(on_change, delivered);
  }

 private:
  tcp::endpoint resolve(beast::error_code& ec) {
    auto address = net::ip::make_address(endpoint_.host == "localhost" ? "127.0.0.1" : endpoint_.host, ec);
    if (!ec) return {address, endpoint_.port};
    auto found = tcp::resolver(ioc_).resolve(endpoint_.host, std::to_string(endpoint_.port), ec);
    return ec || found.empty() ? tcp::endpoint() : found.begin()->endpoint();
  }

  bool wait(const beast::error_code& ec) {
    ioc_.restart();
    ioc_.run();
    return !ec && !stop_.stop_requested();
  }

  std::variant<StreamEnd, Error> stopped_or(Error e) {
    if (stop_.stop_requested()) return StreamEnd::kStopped;
    return e;
  }

  // A non-200 answer: read its (problem) body and make it an Error.
  Error refused() {
    beast::error_code ec;
    stream_.visit(
        [&](auto& s) { bhttp::async_read(s, buffer_, parser_, [&](beast::error_code e, std::size_t) { ec = e; }); });
    wait(ec);
    HttpResponse r;
    r.status = static_cast<int>(parser_.get().result_int());
    for (const auto& f : parser_.get()) r.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    r.body = parser_.get().body();
    return Error::from_response(r);
  }

  std::variant<StreamEnd, Error> read_events(const std::function<bool(const Change&)>& on_change,
                                             std::int64_t& delivered) {
    for (;;) {
      while (auto e = splitter_.next()) {
        boost::json::error_code jec;
        auto data = boost::json::parse(e->data, jec);
        if (jec || !data.is_object()) continue;
        if (e->event == "error") return stream_error(data.get_object());
        Change c = detail::change_from_json(data.get_object());
        delivered = c.revision;
        if (!on_change(c)) return StreamEnd::kStopped;
      }
      if (parser_.is_done()) return StreamEnd::kDropped;
      beast::error_code ec;
      stream_.tcp().expires_after(options_.timeout);  // the server sends a heartbeat every 15 s
      stream_.visit([&](auto& s) {
        bhttp::async_read_some(s, buffer_, parser_, [&](beast::error_code e, std::size_t) { ec = e; });
      });
      if (!wait(ec)) return stop_.stop_requested() ? StreamEnd::kStopped : StreamEnd::kDropped;
    }
  }

  static Error stream_error(const boost::json::object& data) {
    std::string code = detail::str(data, "code");
    int status = code == "CURSOR_EXPIRED" ? 410 : code == "UNAUTHENTICATED" ? 401 : 500;
    return Error::make(status, code, "the server ended the change stream: " + code);
  }

  const Endpoint& endpoint_;
  const ClientOptions& options_;
  std::stop_token stop_;
  net::io_context ioc_;
  detail::Transport stream_;
  beast::flat_buffer buffer_;
  bhttp::response_parser<bhttp::string_body> parser_;
  SseSplitter splitter_;
  std::function<std::size_t(std::uint64_t, std::string_view, beast::error_code&)> on_chunk_ =
      [this](std::uint64_t, std::string_view body, beast::error_code&) {
        splitter_.append(body);
        return body.size();
      };
  std::stop_callback<std::function<void()>> on_stop_;  // last: it may post to the members above
};

}  // namespace

Result<Done> Client::stream_changes(std::optional<std::int64_t> since,
                                    const std::function<bool(const Change&)>& on_change, std::stop_token stop) {
  const std::string target = "/v1/changes/stream" + (since ? "?since=" + std::to_string(*since) : std::string());
  std::optional<std::int64_t> last_id;  // once an event arrived, reconnects resume after it
  int attempt = 0;
  auto give_up = std::chrono::steady_clock::now() + impl_->options.retry.budget;
  for (;;) {
    std::int64_t delivered = -1;
    auto end = StreamSession(impl_->endpoint, impl_->options, impl_->pool.tls(), stop)
                   .run(target, last_id, on_change, delivered);
    if (delivered >= 0) {
      last_id = delivered;
      attempt = 0;
      give_up = std::chrono::steady_clock::now() + impl_->options.retry.budget;
    }
    if (std::holds_alternative<StreamEnd>(end) && std::get<StreamEnd>(end) == StreamEnd::kStopped) return Done{};
    auto* error = std::get_if<Error>(&end);
    if (error && !error->retryable) return *error;
    auto at_least =
        error && error->retry_after ? std::chrono::milliseconds(*error->retry_after) : std::chrono::milliseconds(0);
    auto delay = detail::backoff_delay(impl_->options.retry, attempt++, at_least);
    if (attempt >= impl_->options.retry.max_attempts || std::chrono::steady_clock::now() + delay > give_up) {
      return error ? *error : Error::make(0, kConnectionFailed, "the change stream kept dropping", true);
    }
    if (impl_->options.retry.on_retry) {
      impl_->options.retry.on_retry(
          attempt, error ? *error : Error::make(0, kConnectionFailed, "the change stream dropped", true));
    }
    std::this_thread::sleep_for(delay);
  }
}

}  // namespace lockstep
