// A small pool of kept-alive connections to one server, shared by the threads of one Client.
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
  ConnectionPool(std::string host, unsigned short port, std::size_t max_idle);
  ConnectionPool(const ConnectionPool&) = delete;
  ConnectionPool& operator=(const ConnectionPool&) = delete;

  // An idle connection, or a new one (which connects on its first request). Thread-safe.
  std::unique_ptr<HttpConnection> take();
  // Keeps `conn` for a later take() while fewer than max_idle are idle; closes it otherwise.
  // A connection that failed must not be given back. Thread-safe.
  void give_back(std::unique_ptr<HttpConnection> conn);

 private:
  const std::string host_;
  const unsigned short port_;
  const std::size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<HttpConnection>> idle_;  // guarded by mu_
};

}  // namespace lockstep::detail
