#include "http/server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <atomic>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <array>
#include <cerrno>
#include <condition_variable>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "core/ids.h"
#include "core/mutex.h"
#include "http/problem.h"
#include "http/request_log.h"
#include "http/request_parse.h"

namespace lockstep::http {
namespace {

// Bytes of an event stream that may wait unsent in the kernel before the server stops writing to
// it (start_stream).
constexpr int kStreamUnsentBytes = 16 << 10;

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;
// Each I/O thread runs its own io_context, and a connection lives on one of them: its handlers
// run on that one thread, in order, without a strand, and no handler wakes another I/O thread.
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using PlainStream = Socket;
using TlsStream = beast::ssl_stream<Socket>;

// Counts requests being handled, so that shutdown can wait for them.
struct Tracker {
  std::atomic<std::size_t> connections{0};
  Mutex mu;
  std::condition_variable idle;
  std::size_t in_flight LOCKSTEP_GUARDED_BY(mu) = 0;
  std::atomic<bool> draining{false};

  void begin() {
    MutexLock lock(mu);
    ++in_flight;
  }
  void end() {
    MutexLock lock(mu);
    if (--in_flight == 0) idle.notify_all();
  }
};

// How long a connection accepted past --max-connections may take to send its request (a /healthz
// probe is answered, never shed) before it is answered 503 and closed: at once, not after the read
// timeout.
constexpr std::chrono::milliseconds kOverLimitGrace{1000};

bool valid_request_id(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

// The Date header's value for now, formatted once a second per thread rather than per answer.
std::string_view http_date_now() {
  thread_local Millis second = -1;
  thread_local std::string text;
  const Millis now = SystemClock::instance().now();
  if (now / 1000 != second) {
    second = now / 1000;
    text = format_http_date(now);
  }
  return text;
}

void append_header(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append("\r\n");
}

// The head of the answer `r` as HTTP/1.1 bytes, appended to `out`: what Beast's serializer wrote
// for the same answer, field for field and in the same order, without building a field map. The
// body goes out beside it (Session::send), not copied in.
void append_head(std::string& out, const Response& r, std::string_view request_id, bool close) {
  const bool no_content = r.status == 204 || r.status == 304;
  char digits[16];
  out.append("HTTP/1.1 ");
  out.append(digits, static_cast<std::size_t>(std::snprintf(digits, sizeof digits, "%d", r.status)));
  out += ' ';
  out.append(bhttp::obsolete_reason(static_cast<bhttp::status>(r.status)));
  out.append("\r\n");
  if (!no_content && (!r.body.empty() || r.status >= 200)) append_header(out, "Content-Type", r.content_type);
  for (const auto& [k, v] : r.headers) append_header(out, k, v);
  append_header(out, "X-Request-Id", request_id);
  append_header(out, "Date", http_date_now());
  if (close) append_header(out, "Connection", "close");
  if (!no_content) {
    out.append("Content-Length: ");
    out.append(digits, static_cast<std::size_t>(std::snprintf(digits, sizeof digits, "%zu", r.body.size())));
    out.append("\r\n");
  }
  out.append("\r\n");
}

// One connection, over plain TCP (PlainStream) or TLS (TlsStream): the one place where every limit
// (header, body, read timeout, connection count) is applied, whichever the stream.
template <class Stream>
class Session : public std::enable_shared_from_this<Session<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, TlsStream>;

 public:
  // `stream_args`: the socket, and for TLS the context.
  template <class... StreamArgs>
  Session(Api& api, const ServerOptions& options, Tracker& tracker, StreamArgs&&... stream_args)
      : stream_(std::forward<StreamArgs>(stream_args)...),
        api_(api),
        options_(options),
        tracker_(tracker),
        buffer_(std::max<std::size_t>(64 << 10, options.max_header * 2)) {
    tracker_.connections.fetch_add(1);
  }
  ~Session() { tracker_.connections.fetch_sub(1); }

  void start() {
    net::dispatch(stream_.get_executor(), [self = this->shared_from_this()] { self->handshake(); });
  }

  // Past the connection limit: reads one request for at most kOverLimitGrace, answers /healthz as
  // usual (it is never shed) and anything else, a request not sent in time too, 503 OVERLOADED
  // with Retry-After; then closes.
  void start_over_limit() {
    over_limit_ = true;
    grace_.expires_after(kOverLimitGrace);
    grace_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // cancelled: the request came in time
      self->grace_over_ = true;
      beast::error_code ignored;
      self->lowest().cancel(ignored);  // on_read answers (on_handshake closes)
    });
    start();
  }

 private:
  using std::enable_shared_from_this<Session<Stream>>::shared_from_this;

  Socket& lowest() { return beast::get_lowest_layer(stream_); }

  // The connection's one timeout: whatever it waits for (a handshake, a request, the client taking
  // an answer) must be over by then, or the socket is closed and the wait fails. Setting it costs a
  // clock read: the timer is armed only when no wait is pending or the deadline came sooner, and
  // when it fires early (the deadline moved on meanwhile) it waits again for the rest, so that a
  // request on a busy connection re-arms no timer and cancels none.
  void expire_after(std::chrono::steady_clock::duration d) {
    deadline_ = std::chrono::steady_clock::now() + d;
    if (!timer_armed_ || timer_.expiry() > deadline_) arm_timer();
  }
  void expire_never() { deadline_ = std::chrono::steady_clock::time_point::max(); }

  void arm_timer() {
    timer_armed_ = true;
    timer_.expires_at(deadline_);
    timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec) return;  // re-armed (another wait is pending) or closed
      self->on_timer();
    });
  }

  void on_timer() {
    timer_armed_ = false;
    if (closed_) return;
    if (deadline_ == std::chrono::steady_clock::time_point::max()) return;  // armed again when set
    if (std::chrono::steady_clock::now() < deadline_) return arm_timer();
    beast::error_code ignored;
    lowest().close(ignored);  // what waited fails; its handler closes the session
  }

  // TLS first: the handshake must finish within the read timeout like a request, so a client that
  // connects and says nothing (or half a ClientHello) holds its connection no longer than that.
  void handshake() {
    if constexpr (kTls) {
      expire_after(options_.read_timeout);
      stream_.async_handshake(ssl::stream_base::server,
                              beast::bind_front_handler(&Session::on_handshake, shared_from_this()));
    } else {
      read();
    }
  }

  void on_handshake(beast::error_code ec) {
    // Past the connection limit a 503 needs a finished handshake: a client that did not finish it
    // within the grace is only closed.
    if (over_limit_ && grace_over_) return close_socket();
    if (is_plain_http(ec)) return answer_plain_http();
    if (ec) return close_socket();
    handshake_done_ = true;
    read();
  }

  // OpenSSL recognises an HTTP request where a ClientHello should be.
  static bool is_plain_http(const beast::error_code& ec) {
    return ec.category() == net::error::get_ssl_category() &&
           ERR_GET_REASON(static_cast<unsigned long>(ec.value())) == SSL_R_HTTP_REQUEST;
  }

  // A plain HTTP request on the TLS port: answers it in plain HTTP (400, "use https://") rather
  // than only closing, so that a mistyped URL says what is wrong.
  void answer_plain_http() {
    Error e(Code::kValidationFailed, "This port speaks HTTPS: use an https:// URL.");
    Response r = problem(e);
    prepare(r, make_ulid(SystemClock::instance().now()), false, true);
    expire_after(options_.read_timeout);
    net::async_write(lowest(), answer_buffers(),
                     [self = shared_from_this()](beast::error_code, std::size_t) { self->drain(); });
  }

  void read() {
    parser_.emplace();
    limit_parser(*parser_, options_.max_header, options_.max_body);
    expire_after(options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&Session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    auto started = std::chrono::steady_clock::now();
    if (over_limit_) grace_.cancel();
    if (over_limit_ && grace_over_ && ec == net::error::operation_aborted) {
      Response r = problem(Error(Code::kOverloaded, "Too many connections; try again shortly."));
      r.close = true;
      return send(std::move(r), make_ulid(SystemClock::instance().now()), "-", started);
    }
    if (ec == bhttp::error::end_of_stream || ec == net::error::eof || ec == net::error::bad_descriptor ||
        ec == net::error::operation_aborted || ec == net::error::connection_reset ||
        ec == ssl::error::stream_truncated || ec.category() == net::error::get_ssl_category()) {
      return close();  // gone, timed out (the socket closed), or its TLS broke: nothing can be answered
    }
    if (ec) {
      // The request could not be read whole: answer why, then close (the rest is unread).
      Error e(Code::kValidationFailed, "The request is not valid HTTP/1.1: " + ec.message() + ".");
      if (ec == bhttp::error::body_limit) {
        e = Error(Code::kPayloadTooLarge,
                  "The body is larger than the limit of " + std::to_string(options_.max_body) + " bytes.");
      } else if (ec == bhttp::error::header_limit || ec == bhttp::error::buffer_overflow) {
        e = Error(Code::kHeadersTooLarge, "The request headers are larger than the limit of " +
                                              std::to_string(options_.max_header) + " bytes.");
      }
      Response r = problem(e);
      r.close = true;
      drain_after_send_ = true;
      return send(std::move(r), make_ulid(SystemClock::instance().now()), "-", started);
    }
    if (tracker_.draining || (over_limit_ && parser_->get().target() != "/healthz")) {
      Response r = problem(Error(Code::kOverloaded, tracker_.draining ? "The server is shutting down."
                                                                      : "Too many connections; try again shortly."));
      r.close = true;
      return send(std::move(r), make_ulid(SystemClock::instance().now()), std::string(parser_->get().method_string()),
                  started);
    }
    auto msg = parser_->release();
    keep_alive_ = msg.keep_alive();
    auto rid = msg.find("x-request-id");
    std::string request_id = rid != msg.end() && valid_request_id(rid->value())
                                 ? std::string(rid->value())
                                 : make_ulid(SystemClock::instance().now());
    std::string method(msg.method_string());
    auto parsed = to_request(std::move(msg));
    if (!parsed) return send(problem(parsed.error()), request_id, method, started);
    Request req = std::move(*parsed);

    tracker_.begin();
    expire_never();  // the store answers; the write below sets its own timeout
    auto cancel = std::make_shared<Cancellation>();
    in_flight_ = cancel;
    // Watched only once the Api parks the request: a request answered at once costs nothing.
    cancel->set_watcher([weak = this->weak_from_this(), c = std::weak_ptr<Cancellation>(cancel)] {
      auto self = weak.lock();
      if (!self) return;
      net::post(self->stream_.get_executor(), [self, c] {
        auto cancel = c.lock();
        if (cancel && self->in_flight_ == cancel && self->watching_ != cancel) self->watch_hangup(cancel);
      });
    });
    // An answer made at once, on this thread (/healthz, a refusal), is sent at once (dispatch runs
    // it inline); one from a store thread is posted to this connection's thread.
    api_.handle(
        std::move(req),
        [self = shared_from_this(), request_id, method, started](Response r) mutable {  // called once
          net::dispatch(self->stream_.get_executor(), [self, r = std::move(r), request_id = std::move(request_id),
                                                       method = std::move(method), started]() mutable {
            self->stop_watching();
            self->send(std::move(r), request_id, method, started);
            self->tracker_.end();
          });
        },
        cancel);
  }

  // While the Api has the request, tells it when the client hangs up (a parked lock waiter must
  // then not be granted). Waits for the socket to become readable without reading: end of stream
  // or an error means gone; data (a pipelined request) means still there, and the watch ends.
  void watch_hangup(std::shared_ptr<Cancellation> cancel) {
    watching_ = cancel;
    lowest().async_wait(tcp::socket::wait_read, [self = shared_from_this(), cancel](beast::error_code ec) {
      if (self->watching_ != cancel) return;  // answered meanwhile
      if (ec) {
        if (ec != net::error::operation_aborted) cancel->cancel();
        return;
      }
      char byte = 0;
      const ssize_t n = ::recv(self->lowest().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) return cancel->cancel();
      if (n < 0) return self->watch_hangup(cancel);
    });
  }

  void stop_watching() {
    in_flight_.reset();
    if (!watching_) return;
    watching_.reset();
    beast::error_code ignored;
    lowest().cancel(ignored);  // ends the wait; nothing else is pending on the socket now
  }

  void send(Response r, const std::string& request_id, const std::string& method,
            std::chrono::steady_clock::time_point started) {
    if (r.events) return start_stream(std::move(r), request_id, method, started);
    bool close = r.close || !keep_alive_ || tracker_.draining || over_limit_;
    log_request(request_id, method, r,
                std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started));
    prepare(r, request_id, r.head || method == "HEAD", close);
    expire_after(options_.read_timeout);
    net::async_write(stream_, answer_buffers(), [self = shared_from_this(), close](beast::error_code ec, std::size_t) {
      self->on_write(ec, close);
    });
  }

  // Makes `r` the answer to send next: its head in head_ (a buffer reused from answer to answer),
  // its body, unless HEAD (also for answers made before any handler: 401, 404) or 204/304, in
  // body_.
  void prepare(Response& r, std::string_view request_id, bool head, bool close) {
    head_.clear();
    append_head(head_, r, request_id, close);
    body_.clear();
    if (!head && r.status != 204 && r.status != 304) body_ = std::move(r.body);
  }

  std::array<net::const_buffer, 2> answer_buffers() const { return {net::buffer(head_), net::buffer(body_)}; }

  void on_write(beast::error_code ec, bool close) {
    body_ = std::string();  // an idle connection keeps no answer's memory (the next one brings its own)
    if (ec) return this->close();
    if (!close) return read();
    if (drain_after_send_) return drain();
    this->close();
  }

  // An event stream: chunked headers now, then one chunk per piece the source produces. Only one
  // piece is in memory at a time, and a reader too slow to take it within the read timeout is cut
  // off.
  void start_stream(Response r, const std::string& request_id, const std::string& method,
                    std::chrono::steady_clock::time_point started) {
    auto res = std::make_shared<bhttp::response<bhttp::empty_body>>(bhttp::status::ok, 11);
    res->set(bhttp::field::content_type, r.content_type);
    for (auto& [k, v] : r.headers) res->insert(k, v);
    res->set("X-Request-Id", request_id);
    res->chunked(true);
    log_request(request_id, method, r,
                std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started));
    events_ = std::move(r.events);
    // The kernel would otherwise take megabytes of events for a follower that does not read, and
    // copying them costs every other client of the server (docs/performance.md, "event streams
    // open"): the server's own one-piece bound (above) means little if the kernel holds
    // thousands. TCP_NOTSENT_LOWAT bounds only what waits unsent, not what is in flight, so a
    // reading follower on a long path still gets a window as large as its path allows.
    const int unsent = kStreamUnsentBytes;
    ::setsockopt(lowest().native_handle(), IPPROTO_TCP, TCP_NOTSENT_LOWAT, &unsent, sizeof unsent);
    auto sr = std::make_shared<bhttp::response_serializer<bhttp::empty_body>>(*res);
    expire_after(options_.read_timeout);
    bhttp::async_write_header(stream_, *sr, [self = shared_from_this(), res, sr](beast::error_code ec, std::size_t) {
      if (ec) return self->close();
      self->pump();
    });
  }

  void pump() {
    if (tracker_.draining) return finish_stream();
    expire_never();  // waiting for news; the source sends a heartbeat when idle
    events_->next([self = shared_from_this()](std::string data, bool done) {
      net::post(self->stream_.get_executor(),
                [self, data = std::move(data), done]() mutable { self->write_piece(std::move(data), done); });
    });
  }

  void write_piece(std::string data, bool done) {
    if (data.empty()) return done ? finish_stream() : pump();
    auto piece = std::make_shared<std::string>(std::move(data));
    expire_after(options_.read_timeout);
    net::async_write(stream_, bhttp::make_chunk(net::buffer(*piece)),
                     [self = shared_from_this(), piece, done](beast::error_code ec, std::size_t) {
                       if (ec) return self->close();
                       done ? self->finish_stream() : self->pump();
                     });
  }

  void finish_stream() {
    expire_after(std::chrono::seconds(5));
    net::async_write(stream_, bhttp::make_chunk_last(),
                     [self = shared_from_this()](beast::error_code, std::size_t) { self->close(); });
  }

  // After answering a request that was not read whole (413, 431): stop sending, then read and
  // discard what the client still sends for a short while, so that closing does not reset the
  // connection before the client has read the answer.
  // Discards raw bytes, beneath TLS: they need not be decrypted to be thrown away.
  void drain() {
    beast::error_code ignored;
    lowest().shutdown(tcp::socket::shutdown_send, ignored);
    expire_after(std::chrono::seconds(2));
    drain_buffer_.resize(16 << 10);
    read_some_discard();
  }

  void read_some_discard() {
    lowest().async_read_some(net::buffer(drain_buffer_),
                             [self = shared_from_this()](beast::error_code ec, std::size_t n) {
                               self->drained_ += n;
                               if (ec || self->drained_ > (8u << 20)) return self->close_socket();
                               self->read_some_discard();
                             });
  }

  // Over TLS, says close_notify first (waiting at most 2 s for the client's), so that the client
  // can tell the end from a cut connection.
  void close() {
    if constexpr (kTls) {
      if (handshake_done_ && !shutting_down_ && lowest().is_open()) {
        shutting_down_ = true;
        expire_after(std::chrono::seconds(2));
        stream_.async_shutdown([self = shared_from_this()](beast::error_code) { self->close_socket(); });
        return;
      }
    }
    close_socket();
  }

  void close_socket() {
    closed_ = true;
    timer_.cancel();  // its wait holds the session
    beast::error_code ignored;
    lowest().shutdown(tcp::socket::shutdown_both, ignored);
    lowest().close(ignored);
  }

  Stream stream_;
  Api& api_;
  const ServerOptions& options_;
  Tracker& tracker_;
  beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  std::string head_;  // the head of the answer being written
  std::string body_;  // its body
  bool keep_alive_ = true;
  bool drain_after_send_ = false;
  net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor> timer_{
      stream_.get_executor()};
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  bool timer_armed_ = false;  // a wait of timer_ is pending (it fires at or before deadline_)
  bool closed_ = false;
  bool over_limit_ = false;                          // accepted past --max-connections
  net::steady_timer grace_{stream_.get_executor()};  // an over-limit connection's time to send
  bool grace_over_ = false;
  std::vector<char> drain_buffer_;
  std::shared_ptr<EventSource> events_;
  std::shared_ptr<Cancellation> in_flight_;  // the request the Api has
  std::shared_ptr<Cancellation> watching_;   // the same, while its client is watched
  std::size_t drained_ = 0;
  bool handshake_done_ = false;  // TLS only
  bool shutting_down_ = false;   // TLS only: close_notify sent
};

// Connections need a descriptor each, besides those of the store, the log and the listener: raises
// the soft limit toward the hard one so that --max-connections fits, or warns that it does not (then
// connections past the descriptors wait in the listen queue instead of being answered 503).
void fit_descriptor_limit(std::size_t max_connections) {
  constexpr rlim_t kReserve = 256;
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  const rlim_t wanted = static_cast<rlim_t>(max_connections) + kReserve;
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    rlimit raised = limit;
    raised.rlim_cur = limit.rlim_max == RLIM_INFINITY ? wanted : std::min(wanted, limit.rlim_max);
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit = raised;
  }
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < wanted) {
    log_event("warn", "the open-file limit is too low for --max-connections; lower it or raise the limit",
              "{\"openFileLimit\":" + std::to_string(limit.rlim_cur) +
                  ",\"maxConnections\":" + std::to_string(max_connections) + "}");
  }
}

// Why a PEM file cannot be used: OpenSSL's reason for the last failure, or "" when it gave none.
std::string openssl_reason() {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  const char* why = e != 0 ? ERR_reason_error_string(e) : nullptr;
  return why != nullptr ? std::string(": ") + why : std::string();
}

void check_readable(const std::string& what, const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read the TLS " + what + " " + path + ": " + std::strerror(errno));
}

// The server's TLS settings from a PEM certificate chain and its PEM private key: TLS 1.2 or later
// only. Throws std::runtime_error with a one-line reason (unreadable, not PEM, key of another
// certificate, encrypted key).
std::unique_ptr<ssl::context> load_tls(const std::string& cert, const std::string& key) {
  check_readable("certificate", cert);
  check_readable("key", key);
  auto ctx = std::make_unique<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 | ssl::context::single_dh_use);
  SSL_CTX* native = ctx->native_handle();
  SSL_CTX_set_min_proto_version(native, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(native, cert.c_str()) != 1) {
    throw std::runtime_error("the TLS certificate " + cert + " is not a PEM certificate" + openssl_reason());
  }
  // Read here rather than by OpenSSL's file loader, which would prompt on the terminal for the
  // passphrase of an encrypted key: a service has no one to answer.
  std::unique_ptr<BIO, decltype(&BIO_free)> in(BIO_new_file(key.c_str(), "r"), &BIO_free);
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> pkey(
      in ? PEM_read_bio_PrivateKey(
               in.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr)
         : nullptr,
      &EVP_PKEY_free);
  if (!pkey) {
    throw std::runtime_error("the TLS key " + key + " is not an unencrypted PEM private key" + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey(native, pkey.get()) != 1 || SSL_CTX_check_private_key(native) != 1) {
    ERR_clear_error();
    throw std::runtime_error("the TLS key " + key + " is not the key of the certificate " + cert);
  }
  return ctx;
}

}  // namespace

struct Server::Impl {
  // Sessions refer to api, options and tracker until their io_context destroys them: those are
  // declared first, so that they are destroyed last.
  Api& api;
  ServerOptions options;
  std::unique_ptr<ssl::context> tls;  // null: plain HTTP
  Tracker tracker;
  // One per I/O thread (see Executor); the first also runs the acceptor and the signal wait.
  std::vector<std::unique_ptr<net::io_context>> contexts;
  std::size_t next_context = 0;  // where the next connection goes (round robin)
  tcp::acceptor acceptor;
  net::steady_timer accept_retry;               // on the acceptor's thread, as is accept_backoff
  std::chrono::milliseconds accept_backoff{0};  // 0: accepting works
  net::signal_set signals;
  std::thread shutdown_waiter;

  static std::vector<std::unique_ptr<net::io_context>> make_contexts(int threads) {
    std::vector<std::unique_ptr<net::io_context>> v;
    for (int i = 0; i < std::max(1, threads); ++i) v.push_back(std::make_unique<net::io_context>(1));
    return v;
  }

  Impl(Api& a, ServerOptions o)
      : api(a),
        options(std::move(o)),
        contexts(make_contexts(options.threads)),
        acceptor(*contexts[0]),
        accept_retry(*contexts[0]),
        signals(*contexts[0], SIGINT, SIGTERM) {}

  net::io_context& main_context() { return *contexts[0]; }

  void accept() {
    net::io_context& home = *contexts[next_context];
    next_context = (next_context + 1) % contexts.size();
    acceptor.async_accept(home, [this](beast::error_code ec, Socket socket) {
      if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
      if (ec && ec != net::error::connection_aborted) return accept_later(ec);
      if (accept_backoff.count() > 0) log_event("info", "accepting connections again");
      accept_backoff = {};
      if (!ec) admit(std::move(socket));
      accept();
    });
  }

  // Accepting failed for want of a resource (EMFILE, ENFILE, ENOBUFS, ENOMEM): the connection stays
  // queued, so an accept at once would fail at once, again and again, at a full core. Waits (10 ms,
  // doubling to 1 s) and tries again: connections that close meanwhile give their descriptors back,
  // and the queued ones are served then.
  void accept_later(beast::error_code ec) {
    if (accept_backoff.count() == 0) {
      log_event("warn", "cannot accept connections: " + ec.message() + "; retrying until it works",
                "{\"connections\":" + std::to_string(tracker.connections.load()) + "}");
    }
    accept_backoff = std::clamp(accept_backoff * 2, std::chrono::milliseconds(10), std::chrono::milliseconds(1000));
    accept_retry.expires_after(accept_backoff);
    accept_retry.async_wait([this](beast::error_code wait_ec) {
      if (!wait_ec && acceptor.is_open()) accept();
    });
  }

  void admit(Socket socket) {
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    if (tls) {
      start(std::make_shared<Session<TlsStream>>(api, options, tracker, std::move(socket), *tls));
    } else {
      start(std::make_shared<Session<PlainStream>>(api, options, tracker, std::move(socket)));
    }
  }

  template <class S>
  void start(const std::shared_ptr<S>& session) {
    if (tracker.connections.load() > options.max_connections) {
      session->start_over_limit();
    } else {
      session->start();
    }
  }

  void begin_shutdown() {
    if (tracker.draining.exchange(true)) return;
    net::post(main_context(), [this] {
      beast::error_code ignored;
      acceptor.close(ignored);
      accept_retry.cancel();
    });
    log_event("info", "shutting down: no new connections, finishing requests in flight");
    api.shutdown();  // parked long polls and event streams answer now
    // Waits off the I/O threads for in-flight requests, then stops the I/O.
    shutdown_waiter = std::thread([this] {
      {
        const auto until = std::chrono::steady_clock::now() + options.shutdown_grace;
        MutexLock lock(tracker.mu);
        while (tracker.in_flight != 0 && lock.wait_until(tracker.idle, until) == std::cv_status::no_timeout) {
        }
      }
      for (auto& c : contexts) c->stop();
    });
  }
};

Server::Server(Api& api, ServerOptions options) : impl_(std::make_unique<Impl>(api, std::move(options))) {
  if (!impl_->options.tls_cert.empty() || !impl_->options.tls_key.empty()) {
    impl_->tls = load_tls(impl_->options.tls_cert, impl_->options.tls_key);
  }
  beast::error_code ec;
  auto address = net::ip::make_address(impl_->options.host, ec);
  if (ec) throw std::runtime_error("invalid listen address '" + impl_->options.host + "'");
  tcp::endpoint endpoint(address, impl_->options.port);
  auto& a = impl_->acceptor;
  a.open(endpoint.protocol(), ec);
  if (!ec) a.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) a.bind(endpoint, ec);
  if (!ec) a.listen(net::socket_base::max_listen_connections, ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + impl_->options.host + ":" + std::to_string(impl_->options.port) +
                             ": " + ec.message());
  }
  fit_descriptor_limit(impl_->options.max_connections);
}

Server::~Server() = default;

unsigned short Server::port() const { return impl_->acceptor.local_endpoint().port(); }

void Server::run() {
  impl_->signals.async_wait([this](beast::error_code ec, int) {
    if (!ec) impl_->begin_shutdown();
  });
  impl_->accept();
  // Parked requests (long polls, lock waits) are no Asio operations: once shutdown has closed
  // the acceptor and the signal wait, nothing else might keep run() going, and the answers they
  // post would never be sent. The shutdown waiter ends the run with stop().
  std::vector<net::executor_work_guard<Executor>> keep_running;
  for (auto& c : impl_->contexts) keep_running.push_back(net::make_work_guard(*c));
  std::vector<std::thread> threads;
  for (std::size_t i = 1; i < impl_->contexts.size(); ++i) {
    threads.emplace_back([c = impl_->contexts[i].get()] { c->run(); });
  }
  impl_->main_context().run();
  for (auto& t : threads) t.join();
  if (impl_->shutdown_waiter.joinable()) impl_->shutdown_waiter.join();
}

void Server::stop() {
  net::post(impl_->main_context(), [this] { impl_->begin_shutdown(); });
}

}  // namespace lockstep::http
