// A client connection's byte stream: plain TCP for http://, TLS over TCP for https:// with the
// server's certificate and name checked. Shared by HttpConnection and the change stream, so that
// both speak TLS the same way.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <functional>
#include <memory>
#include <string>
#include <variant>

namespace lockstep::detail {

// What https:// connections trust: the CAs of a PEM file, or the system's. Made once per Client
// and shared by its connections (loading the system's CAs is not free).
class TlsTrust {
 public:
  // Throws std::invalid_argument with a one-line reason when `ca_file` cannot be read or holds no
  // certificate.
  explicit TlsTrust(const std::string& ca_file);
  boost::asio::ssl::context& context() { return context_; }

 private:
  boost::asio::ssl::context context_;
};

class Transport {
 public:
  using Plain = boost::beast::tcp_stream;
  using Tls = boost::beast::ssl_stream<boost::beast::tcp_stream>;

  // `tls` null: plain TCP.
  Transport(boost::asio::io_context& ioc, const std::shared_ptr<TlsTrust>& tls);

  // The TCP stream beneath: its timeout (expires_after) bounds every operation, the handshake too.
  boost::beast::tcp_stream& tcp();

  // Connects to `endpoint`, then for TLS handshakes as `host`: SNI for a name, and the
  // certificate must be valid, from a trusted CA, and for `host` (name or IP address).
  void async_open(const boost::asio::ip::tcp::endpoint& endpoint, const std::string& host,
                  std::function<void(boost::beast::error_code)> done);

  // Why async_open failed in TLS (an untrusted or misnamed certificate, a server that does not
  // speak TLS), or "" for a failure of the connection itself, which may be worth a retry.
  std::string tls_failure(const boost::beast::error_code& ec);

  // Runs `f` on the stream (a Beast/Asio stream either way).
  template <class F>
  decltype(auto) visit(F&& f) {
    return std::visit(std::forward<F>(f), stream_);
  }

 private:
  std::variant<Plain, Tls> stream_;
};

}  // namespace lockstep::detail
