// A small pool of kept-alive connections to one server, shared by the threads of one Client, with
// what its https:// connections trust.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http_client.h"

namespace lockstep::detail {

class ConnectionPool {
 public:
  // `tls`: connections are TLS, trusting it (null: plain TCP).
  ConnectionPool(std::string host, unsigned short port, std::size_t max_idle, std::shared_ptr<TlsTrust> tls);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection, or a new one (which connects on its first request). Thread-safe.
  std::unique_ptr<HttpConnection> take();
  // Keeps `conn` for a later take() while fewer than max_idle are idle; closes it otherwise.
  // A connection that failed must not be given back. Thread-safe.
  void give_back(std::unique_ptr<HttpConnection> conn);

  // What the connections trust; null for plain TCP.
  const std::shared_ptr<TlsTrust>& tls() const { return tls_; }

 private:
  const std::string host_;
  const unsigned short port_;
  const std::size_t max_idle_;
  const std::shared_ptr<TlsTrust> tls_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpConnection>> idle_;  // guarded by mu_
};

}  // namespace lockstep::detail
