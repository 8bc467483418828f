// A blocking HTTP/1.1 connection to a Lockstep server, kept alive across requests.
//
// One HttpConnection is one TCP connection: not thread-safe; use one per thread. Failures of the
// connection itself (refused, reset, timed out) throw lockstep::ConnectionError; every HTTP answer,
// 4xx and 5xx included, is returned as an HttpResponse.
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

class HttpConnection {
 public:
  // Connects lazily, on the first request. `timeout` bounds each request (connect, send, answer).
  HttpConnection(std::string host, unsigned short port,
                 std::chrono::milliseconds timeout = std::chrono::seconds(30));
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends one request and reads its whole answer. A body is sent with `Content-Type:
  // application/json` unless `headers` names another. Reconnects first when the server closed
  // the previous exchange's connection; never resends a request.
  HttpResponse request(std::string_view method, std::string_view target,
                       const HttpHeaders& headers = {}, std::string_view body = {});

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
