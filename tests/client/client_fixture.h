// A running lockstepd (fixture.h: alice, bob and the admin root) and lockstep::Clients for it.
#pragma once

#include <memory>
#include <string>

#include "fixture.h"
#include "lockstep/client.h"

namespace lockstep::testing {

inline constexpr const char* kFarFuture = "2099-01-01T00:00:00.000Z";

inline TaskFields sample_task(std::string user = "alice", std::string title = "Ship v1") {
  TaskFields f;
  f.user_id = std::move(user);
  f.title = std::move(title);
  f.due_date = kFarFuture;
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
