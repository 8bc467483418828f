// A private PostgreSQL server for tests, started by the test itself from Debian's `postgresql`
// package: `initdb` into a temporary directory, then the postmaster as a child process on a free
// loopback port (127.0.0.1 only, its socket in that directory). As root it runs as the `postgres`
// user, since PostgreSQL refuses to run as root. It dies with the test process (parent-death
// signal), so a crashed test leaves no server behind.
//
// Settings favour speed over crash safety of the machine (fsync=off): tests check what the store
// promises on top of PostgreSQL. A crash of the database server alone (restart(), an immediate
// shutdown) loses nothing committed even so: the WAL it wrote is in the operating system's cache.
#pragma once

#include <gtest/gtest.h>
#include <sys/types.h>

#include <memory>
#include <string>

#include "server_process.h"

namespace lockstep::testing {

class PgServer {
 public:
  // Starts a server. When it cannot (no binaries, no `postgres` user, initdb or start failed),
  // running() is false and error() says why.
  PgServer();
  // Immediate shutdown (what `pg_ctl stop -m immediate` does); the directory is removed.
  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  bool running() const { return pid_ > 0; }
  const std::string& error() const { return error_; }
  unsigned short port() const { return port_; }

  // Creates a fresh, empty database; returns its postgresql:// URL. Throws std::runtime_error.
  std::string create_database();
  // The URL of `database` on this server (as the superuser `lockstep`).
  std::string url(const std::string& database) const;
  // Runs `sql` (no parameters) as the superuser on `database`. Throws std::runtime_error.
  void exec(const std::string& database, const std::string& sql) const;
  // Stops the server as a crash would (immediate shutdown: its sessions are cut, no checkpoint,
  // crash recovery on the next start), then starts it again on the same data directory and
  // port and waits until it accepts connections. False, with error(), when it does not come back.
  bool restart();
  // The two halves of restart(), for a test that acts while the server is down.
  void stop_immediately();
  bool start_again();

  // The server every test of this process shares, started on first use, stopped at exit.
  static PgServer& shared();

 private:
  bool init_cluster(const std::string& bin);
  bool start_postmaster();  // on port_
  bool wait_ready();

  std::unique_ptr<TempDir> dir_;
  std::string bin_;
  uid_t uid_ = 0;
  gid_t gid_ = 0;
  bool switch_user_ = false;
  pid_t pid_ = -1;
  unsigned short port_ = 0;
  int databases_ = 0;
  std::string error_;
};

// Says loudly, on stderr, that PostgreSQL tests are skipped and why (GTEST_SKIP alone is easy to
// miss in a long run).
void announce_postgres_skip(const std::string& reason);

}  // namespace lockstep::testing

// In a test or SetUp: skips it, loudly, when no PostgreSQL server could be started.
#define LOCKSTEP_REQUIRE_POSTGRES()                                              \
  do {                                                                           \
    auto& pg_server_ = ::lockstep::testing::PgServer::shared();                  \
    if (!pg_server_.running()) {                                                 \
      ::lockstep::testing::announce_postgres_skip(pg_server_.error());           \
      GTEST_SKIP() << "PostgreSQL could not be started: " << pg_server_.error(); \
    }                                                                            \
  } while (0)
