// Starts the real lockstepd binary for integration tests: on a free loopback port, with its own
// SQLite file, and waits until it says it is listening (a readiness signal, not a sleep).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lockstep::testing {

// A temporary directory removed with everything in it when the object goes.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// Runs `lockstepd ARGS...` to completion; returns its exit status, with stdout and stderr.
struct CommandResult {
  int status = -1;
  std::string out;
  std::string err;
};
CommandResult run_lockstepd(const std::vector<std::string>& args);

// `lockstepd user add NAME --db DB [--admin]`; returns the token. Fails the test on error.
std::string add_user(const std::string& db, const std::string& name, bool admin = false);

class ServerProcess {
 public:
  // Starts `lockstepd serve --listen 127.0.0.1:0 --db DB EXTRA...` and waits (at most 30 s)
  // for its "listening" log line. Throws std::runtime_error if it exits or never listens.
  ServerProcess(std::string db, std::vector<std::string> extra_args = {});
  ~ServerProcess();  // SIGTERM, then SIGKILL if it does not exit in 15 s
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  unsigned short port() const { return port_; }
  pid_t pid() const { return pid_; }

  // The token printed on a database's first start, or "" when none was printed.
  std::string bootstrap_token() const;

  // Sends SIGKILL and reaps the process.
  void kill9();
  // Sends SIGTERM; returns the exit status (or -1 if it had to be killed).
  int terminate();

  // Stops draining the server's stderr, as a stuck log collector would: the pipe fills up.
  void stop_reading_log();

  // Moves the clock of a server started with --test-only-movable-clock ahead by `by` and returns
  // once the server says it did (and has woken its parked requests): a lock expires, a rate-limit
  // bucket refills, without the test waiting for it. Fails the test if the server never says so.
  void advance_clock(std::chrono::milliseconds by);

  // Everything the server wrote to stderr so far.
  std::vector<std::string> log_lines() const;
  // Waits until a stderr line satisfies `pred`; false on timeout.
  bool wait_for_line(const std::function<bool(const std::string&)>& pred, std::chrono::milliseconds timeout) const;

 private:
  int wait_exit(std::chrono::milliseconds timeout);

  pid_t pid_ = -1;
  int stderr_fd_ = -1;
  int stdin_fd_ = -1;                          // the server's standard input: its test-only clock control
  std::chrono::milliseconds clock_offset_{0};  // how far advance_clock moved it
  unsigned short port_ = 0;
  std::thread reader_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::vector<std::string> lines_;  // guarded by mu_
  bool eof_ = false;                // guarded by mu_
  bool paused_ = false;             // guarded by mu_
};

}  // namespace lockstep::testing
