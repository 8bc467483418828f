// A running lockstepd (fixture.h: alice, bob and the admin root) and lockstep::Clients for it,
// with what the server itself says it served (/metrics), so tests check requests without a mock.
#pragma once

#include <cstdint>
#include <memory>
#include <sstream>
#include <string>

#include "fixture.h"
#include "lockstep/client.h"

namespace lockstep::testing {

inline constexpr const char* kFarFuture = "2099-01-01T00:00:00.000Z";

inline TaskFields sample_task(std::string user = "alice", std::string title = "Ship v1") {
  TaskFields f;
  f.user_id = std::move(user);
  f.title = std::move(title);
  f.due_date = *parse_time(kFarFuture);
  f.warning_offset = 30;
  return f;
}

class ClientTest : public ServerTest {
 protected:
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  std::unique_ptr<Client> client_for(const std::string& token) {
    ClientOptions o;
    o.url = url();
    o.token = token;
    o.max_idle_connections = 16;
    return std::make_unique<Client>(o);
  }
  Client& alice_client() { return lazy(alice_, alice_token_); }
  Client& bob_client() { return lazy(bob_, bob_token_); }
  Client& admin_client() { return lazy(admin_, admin_token_); }

  // Restarts the server on the same database and the same port (a later --listen beats the
  // fixture's), so that clients holding the URL find it again.
  void restart_on_same_port(std::vector<std::string> extra = {}) {
    extra.insert(extra.begin(), {"--listen", "127.0.0.1:" + std::to_string(server_->port())});
    start(std::move(extra));
  }

  // The sum of the server's lockstep_http_requests_total over the series whose labels contain
  // every one of `labels` (e.g. {"route=\"/v1/tasks/{id}\"", "method=\"GET\""}).
  std::int64_t served(const std::vector<std::string>& labels) {
    return metric("lockstep_http_requests_total{", labels);
  }
  // A plain counter of /metrics, e.g. "lockstep_rate_limited_total".
  std::int64_t counter(const std::string& name) { return metric(name + " ", {}); }

  std::int64_t metric(const std::string& prefix, const std::vector<std::string>& labels) {
    auto r = admin().get("/metrics");
    EXPECT_EQ(r.status, 200);
    std::istringstream lines(r.raw.body);
    std::int64_t sum = 0;
    for (std::string line; std::getline(lines, line);) {
      if (!line.starts_with(prefix)) continue;
      bool all = true;
      for (const auto& l : labels) all = all && line.find(l) != std::string::npos;
      if (all) sum += std::stoll(line.substr(line.rfind(' ') + 1));
    }
    return sum;
  }

  // Drops the clients (their connections) before a restart of the server.
  void TearDown() override {
    alice_.reset();
    bob_.reset();
    admin_.reset();
  }

  Client& lazy(std::unique_ptr<Client>& c, const std::string& token) {
    if (!c) c = client_for(token);
    return *c;
  }

  std::unique_ptr<Client> alice_, bob_, admin_;
};

}  // namespace lockstep::testing
