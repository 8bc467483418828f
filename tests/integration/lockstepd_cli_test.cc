// The lockstepd command line (API.md §2, §12): users, bootstrap admin, flags, environment, config.
#include <algorithm>
#include <boost/asio/ip/tcp.hpp>
#include <cstdlib>
#include <fstream>

#include "fixture.h"

namespace lockstep::testing {
namespace {

TEST(LockstepdCli, first_serve_on_an_empty_database_prints_an_admin_token_once) {
  TempDir dir;
  std::string token;
  {
    ServerProcess server(dir.file("a.db"));
    token = server.bootstrap_token();
    ASSERT_TRUE(token.starts_with("lst_"));
    ApiClient c(server.port(), token);
    EXPECT_EQ(c.get("/v1/tasks").status, 200);
  }
  ServerProcess again(dir.file("a.db"));
  EXPECT_EQ(again.bootstrap_token(), "");
  EXPECT_EQ(ApiClient(again.port(), token).get("/v1/tasks").status, 200);
}

TEST(LockstepdCli, a_database_with_users_gets_no_bootstrap_admin) {
  TempDir dir;
  add_user(dir.file("b.db"), "alice");
  ServerProcess server(dir.file("b.db"));
  EXPECT_EQ(server.bootstrap_token(), "");
}

TEST(LockstepdCli, user_add_prints_only_the_token_list_shows_and_revoke_stops_it_at_once) {
  TempDir dir;
  std::string db = dir.file("u.db");
  auto add = run_lockstepd({"user", "add", "carol", "--create", "--db", db});
  ASSERT_EQ(add.status, 0) << add.err;
  std::string token = add.out.substr(0, add.out.find('\n'));
  EXPECT_EQ(add.out, token + "\n");
  EXPECT_TRUE(token.starts_with("lst_"));
  EXPECT_NE(run_lockstepd({"user", "add", "carol", "--db", db}).status, 0);  // exists
  EXPECT_NE(run_lockstepd({"user", "add", "bad name", "--db", db}).status, 0);
  add_user(db, "dave", true);
  auto list = run_lockstepd({"user", "list", "--db", db});
  EXPECT_NE(list.out.find("carol"), std::string::npos);
  EXPECT_NE(list.out.find("admin"), std::string::npos);
  EXPECT_EQ(list.out.find(token), std::string::npos);  // tokens are never shown again

  ServerProcess server(db);
  ApiClient c(server.port(), token);
  EXPECT_EQ(c.get("/v1/tasks").status, 200);
  ASSERT_EQ(run_lockstepd({"user", "revoke", "carol", "--db", db}).status, 0);
  EXPECT_EQ(c.get("/v1/tasks").status, 401);  // while the server runs, no restart
  EXPECT_NE(run_lockstepd({"user", "revoke", "nobody", "--db", db}).status, 0);
}

// A typo in --db, or the wrong folder, must not make a second database that takes the change and
// prints a token that works nowhere else (issue 20).
TEST(LockstepdCli, administration_commands_on_a_missing_database_exit_1_and_create_nothing) {
  TempDir dir;
  const std::string db = dir.file("missing.db");
  const std::vector<std::vector<std::string>> commands = {{"user", "add", "carol", "--db", db},
                                                          {"user", "list", "--db", db},
                                                          {"user", "revoke", "carol", "--db", db},
                                                          {"backup", dir.file("copy.db"), "--db", db}};
  for (const auto& args : commands) {
    auto r = run_lockstepd(args);
    EXPECT_EQ(r.status, 1) << args[0] << " " << args[1];
    EXPECT_TRUE(r.err.starts_with("lockstepd: no database at " + db)) << r.err;
    EXPECT_EQ(r.out, "");
  }
  EXPECT_NE(run_lockstepd(commands[0]).err.find("(use --create)"), std::string::npos);
  auto restore = run_lockstepd({"restore", dir.file("no-backup.db"), "--db", db});
  EXPECT_EQ(restore.status, 1);
  EXPECT_EQ(restore.err, "lockstepd: no backup at " + dir.file("no-backup.db") + "\n");
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) ADD_FAILURE() << "made " << entry.path();

  auto made = run_lockstepd({"user", "add", "carol", "--db", db, "--create"});
  ASSERT_EQ(made.status, 0) << made.err;
  auto again = run_lockstepd({"user", "add", "dave", "--db", db});  // it exists now
  ASSERT_EQ(again.status, 0) << again.err;
  ServerProcess server(db);
  EXPECT_EQ(server.bootstrap_token(), "");
  EXPECT_EQ(ApiClient(server.port(), made.out.substr(0, made.out.find('\n'))).get("/v1/tasks").status, 200);
}

TEST(LockstepdCli, insecure_no_auth_serves_without_a_token_and_warns) {
  TempDir dir;
  ServerProcess server(dir.file("i.db"), {"--insecure-no-auth"});
  EXPECT_EQ(ApiClient(server.port(), "").get("/v1/tasks").status, 200);
  EXPECT_TRUE(server.wait_for_line([](const std::string& l) { return l.find("insecure-no-auth") != std::string::npos; },
                                   std::chrono::seconds(5)));
}

TEST(LockstepdCli, bad_flag_and_port_in_use_exit_non_zero_with_one_line) {
  auto bad = run_lockstepd({"--no-such-flag"});
  EXPECT_EQ(bad.status, 1);
  EXPECT_TRUE(bad.err.starts_with("lockstepd: ")) << bad.err;
  EXPECT_NE(bad.err.find("--no-such-flag"), std::string::npos) << bad.err;
  EXPECT_EQ(std::count(bad.err.begin(), bad.err.end(), '\n'), 1) << bad.err;
  auto out_of_range = run_lockstepd({"--threads", "0"});
  EXPECT_EQ(out_of_range.status, 1);
  EXPECT_EQ(std::count(out_of_range.err.begin(), out_of_range.err.end(), '\n'), 1) << out_of_range.err;

  TempDir dir;
  ServerProcess first(dir.file("p.db"));
  auto busy =
      run_lockstepd({"serve", "--listen", "127.0.0.1:" + std::to_string(first.port()), "--db", dir.file("q.db")});
  EXPECT_EQ(busy.status, 1);
  EXPECT_NE(busy.err.find("cannot listen"), std::string::npos) << busy.err;

  auto bad_db = run_lockstepd({"serve", "--listen", "127.0.0.1:0", "--db", "/nonexistent/dir/x.db"});
  EXPECT_EQ(bad_db.status, 1);
  EXPECT_NE(bad_db.err.find("cannot open"), std::string::npos) << bad_db.err;
}

TEST(LockstepdCli, help_documents_every_flag) {
  auto help = run_lockstepd({"--help"});
  EXPECT_EQ(help.status, 0);
  for (const char* flag : {"--listen", "--db", "--threads", "--require-preconditions", "--insecure-no-auth", "--config",
                           "--max-body", "--max-connections", "--max-pending-writes", "LOCKSTEP_"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
}

TEST(LockstepdCli, flag_beats_environment_beats_config_file) {
  TempDir dir;
  std::string file_db = dir.file("from-file.db"), env_db = dir.file("from-env.db"), flag_db = dir.file("from-flag.db");
  std::ofstream(dir.file("lockstep.toml")) << "db = \"" << file_db << "\"\n";
  std::string config = dir.file("lockstep.toml");

  EXPECT_EQ(run_lockstepd({"user", "add", "f", "--create", "--config", config}).status, 0);
  EXPECT_TRUE(std::filesystem::exists(file_db));

  setenv("LOCKSTEP_DB", env_db.c_str(), 1);
  EXPECT_EQ(run_lockstepd({"user", "add", "e", "--create", "--config", config}).status, 0);
  EXPECT_TRUE(std::filesystem::exists(env_db));

  EXPECT_EQ(run_lockstepd({"user", "add", "g", "--create", "--config", config, "--db", flag_db}).status, 0);
  unsetenv("LOCKSTEP_DB");
  EXPECT_TRUE(std::filesystem::exists(flag_db));

  std::ofstream(dir.file("bad.toml")) << "colour = \"blue\"\n";
  auto bad = run_lockstepd({"user", "list", "--config", dir.file("bad.toml")});
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("colour"), std::string::npos);
}

// docs/operations.md: --test-only-movable-clock is for tests. Only serve's command line turns it
// on (no environment variable, no config file key), --help does not offer it, and serve warns.
TEST(LockstepdCli, the_test_only_movable_clock_is_only_a_flag_of_serve_and_warns) {
  TempDir dir;
  const std::string db = dir.file("clock.db");
  add_user(db, "alice");
  auto other = run_lockstepd({"user", "list", "--db", db, "--test-only-movable-clock"});
  EXPECT_EQ(other.status, 1);
  EXPECT_NE(other.err.find("serve only"), std::string::npos) << other.err;
  std::ofstream(dir.file("clock.toml")) << "test-only-movable-clock = true\n";
  auto from_file = run_lockstepd({"user", "list", "--db", db, "--config", dir.file("clock.toml")});
  EXPECT_EQ(from_file.status, 1);
  EXPECT_NE(from_file.err.find("test-only-movable-clock"), std::string::npos) << from_file.err;
  EXPECT_EQ(run_lockstepd({"--help"}).out.find("test-only"), std::string::npos);
  auto warned = [](const ServerProcess& s) {
    for (const auto& l : s.log_lines()) {
      if (l.find("\"level\":\"warn\"") != std::string::npos && l.find("FOR TESTS ONLY") != std::string::npos)
        return true;
    }
    return false;
  };
  {
    setenv("LOCKSTEP_TEST_ONLY_MOVABLE_CLOCK", "true", 1);
    ServerProcess from_env(db);
    unsetenv("LOCKSTEP_TEST_ONLY_MOVABLE_CLOCK");
    EXPECT_FALSE(warned(from_env));  // its warning would have come before "listening"
  }
  ServerProcess server(db, {"--test-only-movable-clock"});
  EXPECT_TRUE(warned(server));
  server.advance_clock(std::chrono::seconds(1));
}

}  // namespace
}  // namespace lockstep::testing
