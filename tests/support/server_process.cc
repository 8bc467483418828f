#include "server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <stdexcept>

#include <gtest/gtest.h>

#ifndef LOCKSTEPD_PATH
#error "LOCKSTEPD_PATH must name the lockstepd binary"
#endif

namespace lockstep::testing {
namespace {

std::vector<char*> make_argv(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  argv.push_back(const_cast<char*>(LOCKSTEPD_PATH));
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  return argv;
}

std::string read_all(int fd) {
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

}  // namespace

TempDir::TempDir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "lockstep-test-XXXXXX").string();
  if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult run_lockstepd(const std::vector<std::string>& args) {
  int out_pipe[2], err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe failed");
  auto argv = make_argv(args);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    close(out_pipe[0]);
    close(err_pipe[0]);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  CommandResult r;
  std::thread err_reader([&] { r.err = read_all(err_pipe[0]); });
  r.out = read_all(out_pipe[0]);
  err_reader.join();
  close(out_pipe[0]);
  close(err_pipe[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string add_user(const std::string& db, const std::string& name, bool admin) {
  // --create: a test's first user makes its database.
  std::vector<std::string> args{"user", "add", name, "--create", "--db", db};
  if (admin) args.push_back("--admin");
  auto r = run_lockstepd(args);
  EXPECT_EQ(r.status, 0) << r.err;
  std::string token = r.out;
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

ServerProcess::ServerProcess(std::string db, std::vector<std::string> extra_args) {
  std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0", "--db", db, "--threads", "2"};
  args.insert(args.end(), extra_args.begin(), extra_args.end());
  // Standard input is a socket, not a pipe: advance_clock sends with MSG_NOSIGNAL, so a server
  // that died fails the test instead of killing it with SIGPIPE.
  int err_pipe[2], in_pipe[2];
  if (pipe2(err_pipe, O_CLOEXEC) != 0 || socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pipe) != 0) {
    throw std::runtime_error("pipe failed");
  }
  auto argv = make_argv(args);
  pid_ = fork();
  if (pid_ == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // a test that dies takes its server with it
    dup2(err_pipe[1], 2);
    dup2(in_pipe[0], 0);
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 1);
    execv(argv[0], argv.data());
    _exit(127);
  }
  close(err_pipe[1]);
  close(in_pipe[0]);
  stderr_fd_ = err_pipe[0];
  stdin_fd_ = in_pipe[1];
  reader_ = std::thread([this] {
    std::string pending;
    char buf[4096];
    for (;;) {
      {
        std::unique_lock lock(mu_);
        cv_.wait(lock, [&] { return !paused_ || pid_ <= 0; });
      }
      ssize_t n = ::read(stderr_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      pending.append(buf, static_cast<std::size_t>(n));
      std::size_t nl;
      std::lock_guard lock(mu_);
      while ((nl = pending.find('\n')) != std::string::npos) {
        lines_.push_back(pending.substr(0, nl));
        pending.erase(0, nl + 1);
      }
      cv_.notify_all();
    }
    std::lock_guard lock(mu_);
    eof_ = true;
    cv_.notify_all();
  });

  std::string address;
  bool listening = wait_for_line(
      [&](const std::string& line) {
        if (line.find("\"msg\":\"listening\"") == std::string::npos) return false;
        address = std::string(boost::json::parse(line).at("address").as_string());
        return true;
      },
      std::chrono::seconds(30));
  if (!listening) {
    std::string log;
    for (const auto& l : log_lines()) log += l + "\n";
    kill9();
    // No destructor runs for a constructor that throws: end the reader here (the killed server's
    // stderr reaches EOF), or the joinable thread's destruction would abort the test program.
    reader_.join();
    close(stderr_fd_);
    throw std::runtime_error("lockstepd did not start listening:\n" + log);
  }
  port_ = static_cast<unsigned short>(std::stoi(address.substr(address.rfind(':') + 1)));
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) terminate();
  if (reader_.joinable()) reader_.join();
  if (stderr_fd_ >= 0) close(stderr_fd_);
  if (stdin_fd_ >= 0) close(stdin_fd_);
}

void ServerProcess::advance_clock(std::chrono::milliseconds by) {
  clock_offset_ += by;
  const std::string line = "advance " + std::to_string(by.count()) + "\n";
  ASSERT_EQ(::send(stdin_fd_, line.data(), line.size(), MSG_NOSIGNAL), static_cast<ssize_t>(line.size()))
      << "lockstepd's standard input is closed";
  const std::string moved = "\"offsetMs\":" + std::to_string(clock_offset_.count()) + "}";
  ASSERT_TRUE(wait_for_line(
      [&](const std::string& l) {
        return l.find("\"msg\":\"test-only clock moved\"") != std::string::npos && l.ends_with(moved);
      },
      std::chrono::seconds(10)))
      << "lockstepd did not move its clock: was it started with --test-only-movable-clock?";
}

void ServerProcess::stop_reading_log() {
  std::lock_guard lock(mu_);
  paused_ = true;
}

std::string ServerProcess::bootstrap_token() const {
  for (const auto& l : log_lines()) {
    if (l.starts_with("lst_")) return l;
  }
  return "";
}

std::vector<std::string> ServerProcess::log_lines() const {
  std::lock_guard lock(mu_);
  return lines_;
}

bool ServerProcess::wait_for_line(const std::function<bool(const std::string&)>& pred,
                                  std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mu_);
  std::size_t seen = 0;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    for (; seen < lines_.size(); ++seen) {
      if (pred(lines_[seen])) return true;
    }
    if (eof_) return false;
    if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && seen == lines_.size()) return false;
  }
}

int ServerProcess::wait_exit(std::chrono::milliseconds timeout) {
  // waitpid has no timeout; the stderr pipe closing says the process is gone.
  bool ended;
  {
    std::unique_lock lock(mu_);
    ended = cv_.wait_for(lock, timeout, [&] { return eof_; });
  }
  if (!ended) ::kill(pid_, SIGKILL);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  return ended && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void ServerProcess::kill9() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  {
    std::lock_guard lock(mu_);
    paused_ = false;
    cv_.notify_all();
  }
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

int ServerProcess::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  {
    std::lock_guard lock(mu_);
    paused_ = false;
    cv_.notify_all();
  }
  return wait_exit(std::chrono::seconds(15));
}

}  // namespace lockstep::testing
