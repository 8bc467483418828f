// A running lockstepd on a fresh SQLite file (or on the database set_up names), with two users
// (alice, bob) and an admin.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "api_client.h"
#include "server_process.h"

namespace lockstep::testing {

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { set_up(dir_.file("lockstep.db")); }

  // The users, then a started server, on `db`: a SQLite file or a postgresql:// URL.
  void set_up(std::string db) {
    db_ = std::move(db);
    alice_token_ = add_user(db_, "alice");
    bob_token_ = add_user(db_, "bob");
    admin_token_ = add_user(db_, "root", true);
    start(first_start_args_);
  }

  // (Re)starts the server on the same database.
  void start(std::vector<std::string> extra = {}) {
    server_.reset();
    server_ = std::make_unique<ServerProcess>(db_, std::move(extra));
  }

  ApiClient alice() { return ApiClient(server_->port(), alice_token_); }
  ApiClient bob() { return ApiClient(server_->port(), bob_token_); }
  ApiClient admin() { return ApiClient(server_->port(), admin_token_); }
  ApiClient anonymous() { return ApiClient(server_->port(), ""); }

  // Flags of the server set_up starts: a fixture that needs them in every test (e.g.
  // --test-only-movable-clock) sets them in its constructor rather than starting a second server.
  std::vector<std::string> first_start_args_;
  TempDir dir_;
  std::string db_;
  std::string alice_token_, bob_token_, admin_token_;
  std::unique_ptr<ServerProcess> server_;
};

}  // namespace lockstep::testing
