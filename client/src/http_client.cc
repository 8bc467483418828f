#include "http_client.h"

#include <strings.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "transport.h"

namespace lockstep {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return std::nullopt;
}

struct HttpConnection::Impl {
  std::string host;
  unsigned short port;
  std::chrono::milliseconds timeout;
  std::shared_ptr<detail::TlsTrust> tls;
  net::io_context ioc;
  std::optional<detail::Transport> stream;
  beast::flat_buffer buffer;

  // Runs the queued asynchronous operation to completion; throws on its error.
  void run(beast::error_code& ec, const char* what) {
    ioc.restart();
    ioc.run();
    if (ec) {
      stream.reset();
      const std::string why = ec == beast::error::timeout
                                  ? "timed out after " + std::to_string(timeout.count()) + " ms (the client's timeout)"
                                  : ec.message();
      throw ConnectionError(std::string(what) + " " + host + ":" + std::to_string(port) + ": " + why);
    }
  }

  // An address literal is used as it is; a name is looked up (the first address wins).
  tcp::endpoint resolve() {
    beast::error_code ec;
    auto address = net::ip::make_address(host == "localhost" ? "127.0.0.1" : host, ec);
    if (!ec) return {address, port};
    tcp::resolver resolver(ioc);
    auto found = resolver.resolve(host, std::to_string(port), ec);
    if (ec || found.empty()) {
      stream.reset();
      throw ConnectionError("cannot resolve " + host + ": " + (ec ? ec.message() : "no address"));
    }
    return found.begin()->endpoint();
  }

  void connect() {
    if (stream) return;
    stream.emplace(ioc, tls);
    buffer.clear();
    beast::error_code ec;
    tcp::endpoint endpoint = resolve();
    stream->tcp().expires_after(timeout);
    stream->async_open(endpoint, host, [&](beast::error_code e) { ec = e; });
    ioc.restart();
    ioc.run();
    if (std::string why = stream->tls_failure(ec); !why.empty()) {
      stream.reset();
      throw TlsError("cannot connect to " + host + ":" + std::to_string(port) + ": " + why);
    }
    run(ec, "cannot connect to");
  }

  // `head`: the answer to a HEAD request, whose Content-Length describes a body never sent.
  HttpResponse read_response(bool head = false) {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.skip(head);
    parser.body_limit(64u << 20);
    beast::error_code ec;
    stream->tcp().expires_after(timeout);
    stream->visit(
        [&](auto& s) { bhttp::async_read(s, buffer, parser, [&](beast::error_code e, std::size_t) { ec = e; }); });
    run(ec, "no answer from");
    auto msg = parser.release();
    HttpResponse out;
    out.status = static_cast<int>(msg.result_int());
    for (const auto& f : msg) out.headers.emplace_back(std::string(f.name_string()), std::string(f.value()));
    out.body = std::move(msg.body());
    if (!msg.keep_alive()) stream.reset();
    return out;
  }
};

HttpConnection::HttpConnection(std::string host, unsigned short port, std::chrono::milliseconds timeout,
                               std::shared_ptr<detail::TlsTrust> tls)
    : impl_(std::make_unique<Impl>()) {
  impl_->host = std::move(host);
  impl_->port = port;
  impl_->timeout = timeout;
  impl_->tls = std::move(tls);
}

HttpConnection::~HttpConnection() = default;

void HttpConnection::close() { impl_->stream.reset(); }

void HttpConnection::set_timeout(std::chrono::milliseconds timeout) { impl_->timeout = timeout; }

bool HttpConnection::is_open() const { return impl_->stream.has_value(); }

HttpResponse HttpConnection::request(std::string_view method, std::string_view target, const HttpHeaders& headers,
                                     std::string_view body) {
  impl_->connect();
  bhttp::request<bhttp::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(bhttp::field::host, impl_->host + ":" + std::to_string(impl_->port));
  bool has_type = false;
  for (const auto& [k, v] : headers) {
    req.insert(k, v);
    if (strcasecmp(k.c_str(), "content-type") == 0) has_type = true;
  }
  if (!body.empty() && !has_type) req.set(bhttp::field::content_type, "application/json");
  req.body() = std::string(body);
  req.prepare_payload();
  beast::error_code ec;
  impl_->stream->tcp().expires_after(impl_->timeout);
  impl_->stream->visit([&](auto& s) { bhttp::async_write(s, req, [&](beast::error_code e, std::size_t) { ec = e; }); });
  impl_->run(ec, "cannot send to");
  return impl_->read_response(method == "HEAD");
}

HttpResponse HttpConnection::raw(std::string_view bytes) {
  impl_->connect();
  beast::error_code ec;
  impl_->stream->tcp().expires_after(impl_->timeout);
  impl_->stream->visit([&](auto& s) {
    net::async_write(s, net::buffer(bytes.data(), bytes.size()), [&](beast::error_code e, std::size_t) { ec = e; });
  });
  impl_->run(ec, "cannot send to");
  return impl_->read_response();
}

}  // namespace lockstep
