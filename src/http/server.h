// The HTTP/1.1 server: a listener that accepts, and one session per connection that reads a
// request (with header and body limits and a read timeout), hands it to the Api, and writes the
// answer. With a certificate and key it speaks HTTPS only (TLS 1.2 or later), under the same limits. I/O runs on
// `threads` threads of one io_context; nothing here waits on the store.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>

#include "http/api.h"

namespace lockstep::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  unsigned short port = 8080;  // 0: any free port (see Server::port)
  int threads = 1;
  std::size_t max_body = 1 << 20;           // larger bodies are 413
  std::size_t max_header = 16 << 10;        // larger headers are 431
  std::chrono::seconds read_timeout{30};    // a request (or an idle keep-alive wait) must finish
  std::chrono::seconds shutdown_grace{10};  // how long in-flight requests may finish on SIGTERM
  std::size_t max_connections = 10000;      // more are answered 503 and closed
  std::string tls_cert;                     // PEM certificate chain; with tls_key (both or neither) HTTPS only
  std::string tls_key;                      // PEM private key of tls_cert, unencrypted
};

class Server {
 public:
  // Loads the TLS certificate and key, if any, binds and listens. Throws std::runtime_error with a
  // one-line reason (e.g. port in use, an unreadable certificate, a key of another certificate).
  Server(Api& api, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful with port 0).
  unsigned short port() const;

  // Serves until SIGINT or SIGTERM (or stop()): then stops accepting, lets in-flight requests
  // finish (at most shutdown_grace) and returns.
  void run();
  // Asks run() to shut down as on SIGTERM. Thread-safe.
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace lockstep::http
