// A blocking HTTP/1.1 connection to a Lockstep server, kept alive across requests, in plain TCP
// or in TLS.
//
// One HttpConnection is one TCP connection: not thread-safe; use one per thread. Failures of the
// connection itself (refused, reset, timed out) throw lockstep::ConnectionError, a TLS handshake
// that fails (untrusted or misnamed certificate) lockstep::TlsError; every HTTP answer, 4xx and
// 5xx included, is returned as an HttpResponse.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "lockstep/http_response.h"

namespace lockstep {

class ConnectionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The TLS handshake failed: trying again would fail the same way.
class TlsError : public ConnectionError {
 public:
  using ConnectionError::ConnectionError;
};

namespace detail {
class TlsTrust;  // what TLS connections trust (the client's private transport.h)
}

class HttpConnection {
 public:
  // Connects lazily, on the first request. `timeout` bounds each request (connect, TLS handshake,
  // send, answer). With `tls` the connection is TLS, the server's certificate checked for `host`.
  HttpConnection(std::string host, unsigned short port, std::chrono::milliseconds timeout = std::chrono::seconds(30),
                 std::shared_ptr<detail::TlsTrust> tls = nullptr);
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends one request and reads its whole answer. A body is sent with `Content-Type:
  // application/json` unless `headers` names another. Reconnects first when the server closed
  // the previous exchange's connection; never resends a request.
  HttpResponse request(std::string_view method, std::string_view target, const HttpHeaders& headers = {},
                       std::string_view body = {});

  // Sends raw bytes and reads one answer: for tests of malformed requests.
  HttpResponse raw(std::string_view bytes);

  // Bounds each later request (connect, send, answer), e.g. longer for a long poll.
  void set_timeout(std::chrono::milliseconds timeout);

  // Whether a connection is open now (it may still have been closed by the server since).
  bool is_open() const;

  void close();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lockstep
