#include "connection_pool.h"

namespace lockstep::detail {

ConnectionPool::ConnectionPool(std::string host, unsigned short port, std::size_t max_idle,
                               std::shared_ptr<TlsTrust> tls)
    : host_(std::move(host)), port_(port), max_idle_(max_idle), tls_(std::move(tls)) {}

std::unique_ptr<HttpConnection> ConnectionPool::take() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto conn = std::move(idle_.back());
      idle_.pop_back();
      return conn;
    }
  }
  return std::make_unique<HttpConnection>(host_, port_, std::chrono::seconds(30), tls_);
}

void ConnectionPool::give_back(std::unique_ptr<HttpConnection> conn) {
  if (!conn->is_open()) return;  // the server closed it: nothing worth keeping
  std::lock_guard lock(mu_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(conn));
}

}  // namespace lockstep::detail
