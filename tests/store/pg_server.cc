#include "pg_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace lockstep::testing {
namespace {

namespace fs = std::filesystem;

// The bin directory of the newest installed server (Debian: /usr/lib/postgresql/VERSION/bin), or
// LOCKSTEP_PG_BIN when set.
std::string find_bin_dir() {
  if (const char* bin = std::getenv("LOCKSTEP_PG_BIN")) return fs::exists(fs::path(bin) / "postgres") ? bin : "";
  std::string best;
  int best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    if (!fs::exists(entry.path() / "bin" / "initdb") || !fs::exists(entry.path() / "bin" / "postgres")) continue;
    int version = std::atoi(name.c_str());
    if (version > best_version) best_version = version, best = (entry.path() / "bin").string();
  }
  return best;
}

unsigned short free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  unsigned short port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  if (fd >= 0) close(fd);
  return port;
}

std::string tail_of(const std::string& path) {
  std::ifstream in(path);
  std::stringstream all;
  all << in.rdbuf();
  std::string s = all.str();
  return s.size() > 1500 ? s.substr(s.size() - 1500) : s;
}

struct ChildSpec {
  std::vector<std::string> args;
  std::string log;  // stdout and stderr go here
  bool switch_user = false;
  uid_t uid = 0;
  gid_t gid = 0;
  bool die_with_parent = false;
};

// Forks and execs `spec.args`; in the child only async-signal-safe calls (the parent has threads).
pid_t spawn(const ChildSpec& spec) {
  std::vector<char*> argv;
  for (const auto& a : spec.args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const std::string exec_failed = "cannot execute " + spec.args.front() + "\n";
  const pid_t parent = getpid();
  pid_t pid = fork();
  if (pid != 0) return pid;
  int log = open(spec.log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  int devnull = open("/dev/null", O_RDONLY);
  if (log < 0 || devnull < 0) _exit(126);
  dup2(devnull, 0);
  dup2(log, 1);
  dup2(log, 2);
  if (spec.switch_user && (setgroups(0, nullptr) != 0 || setgid(spec.gid) != 0 || setuid(spec.uid) != 0)) _exit(126);
  // After setuid, which clears it: the server goes when the test process goes.
  if (spec.die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)) _exit(126);
  execv(argv[0], argv.data());
  if (write(2, exec_failed.data(), exec_failed.size()) < 0) _exit(127);
  _exit(127);
}

int wait_status(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

PgServer::PgServer() {
  bin_ = find_bin_dir();
  if (bin_.empty()) {
    error_ =
        "no PostgreSQL server binaries under /usr/lib/postgresql or $LOCKSTEP_PG_BIN (install Debian's "
        "postgresql package: scripts/setup.sh does)";
    return;
  }
  dir_ = std::make_unique<TempDir>();
  if (geteuid() == 0) {
    const passwd* pw = getpwnam("postgres");
    if (!pw) {
      error_ = "running as root and there is no 'postgres' user to run the server as";
      return;
    }
    switch_user_ = true;
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    if (chown(dir_->path().c_str(), uid_, gid_) != 0) {
      error_ = "cannot hand " + dir_->path().string() + " to the postgres user";
      return;
    }
  }
  if (!init_cluster(bin_)) return;
  for (int tries = 0; tries < 3 && !running(); ++tries) {
    port_ = free_port();
    if (start_postmaster() && !wait_ready()) pid_ = -1;
  }
}

PgServer::~PgServer() { stop_immediately(); }

void PgServer::stop_immediately() {
  if (pid_ > 0) {
    kill(pid_, SIGQUIT);  // immediate shutdown; the postmaster reaps its backends before it exits
    wait_status(pid_);
    pid_ = -1;
  }
}

bool PgServer::restart() {
  stop_immediately();
  return start_again();
}

bool PgServer::start_again() {
  if (bin_.empty() || !dir_ || port_ == 0) return false;
  for (int tries = 0; tries < 3 && !running(); ++tries) {
    if (start_postmaster() && !wait_ready()) pid_ = -1;
  }
  return running();
}

bool PgServer::init_cluster(const std::string& bin) {
  // initdb is most of a start's cost, and every test process starts a server: run it once per
  // installed version into a template that later processes copy. Made aside and renamed into
  // place, so that a process never sees half of one (two first runs may both make it: one wins).
  const fs::path tmpl = fs::temp_directory_path() / ("lockstep-pg-template-" + std::to_string(geteuid()) + "-" +
                                                     std::to_string(std::hash<std::string>{}(bin)));
  std::error_code ec;
  if (!fs::exists(tmpl / "data" / "PG_VERSION", ec)) {
    TempDir fresh;
    if (switch_user_ && chown(fresh.path().c_str(), uid_, gid_) != 0) {
      error_ = "cannot hand " + fresh.path().string() + " to the postgres user";
      return false;
    }
    ChildSpec spec{{bin + "/initdb", "-D", fresh.file("data"), "-U", "lockstep", "--auth=trust", "-E", "UTF8",
                    "--locale=C", "--no-sync"},
                   dir_->file("initdb.log"),
                   switch_user_,
                   uid_,
                   gid_,
                   false};
    if (wait_status(spawn(spec)) != 0) {
      error_ = "initdb failed: " + tail_of(spec.log);
      return false;
    }
    fs::create_directories(tmpl, ec);
    fs::rename(fresh.path() / "data", tmpl / "data", ec);  // fails harmlessly when another won
  }
  fs::copy(tmpl / "data", dir_->path() / "data", fs::copy_options::recursive, ec);
  if (ec) {
    error_ = "cannot copy the cluster template " + tmpl.string() + ": " + ec.message();
    return false;
  }
  if (switch_user_) {
    for (const auto& entry : fs::recursive_directory_iterator(dir_->path())) {
      if (lchown(entry.path().c_str(), uid_, gid_) != 0) {
        error_ = "cannot hand " + entry.path().string() + " to the postgres user";
        return false;
      }
    }
  }
  return true;
}

bool PgServer::start_postmaster() {
  ChildSpec spec{
      {bin_ + "/postgres", "-D", dir_->file("data"), "-p", std::to_string(port_), "-k", dir_->path().string(), "-c",
       "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "max_connections=300", "-c", "deadlock_timeout=100ms"},
      dir_->file("postgres.log"),
      switch_user_,
      uid_,
      gid_,
      true};
  pid_ = spawn(spec);
  return pid_ > 0;
}

bool PgServer::wait_ready() {
  // A readiness probe: the server answers a connection attempt, or its process has ended.
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) + " dbname=postgres user=lockstep";
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (PQping(conninfo.c_str()) == PQPING_OK) {
      error_.clear();
      return true;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      error_ = "the postmaster exited: " + tail_of(dir_->file("postgres.log"));
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error_ = "the postmaster did not answer within 30 s: " + tail_of(dir_->file("postgres.log"));
  kill(pid_, SIGKILL);
  wait_status(pid_);
  return false;
}

std::string PgServer::url(const std::string& database) const {
  return "postgresql://lockstep@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string PgServer::create_database() {
  std::string name = "lockstep_test_" + std::to_string(++databases_);
  exec("postgres", "CREATE DATABASE " + name);  // a name made here, not input
  return url(name);
}

void PgServer::exec(const std::string& database, const std::string& sql) const {
  PGconn* conn = PQconnectdb(url(database).c_str());
  std::string failure;
  if (PQstatus(conn) != CONNECTION_OK) {
    failure = PQerrorMessage(conn);
  } else {
    PGresult* r = PQexec(conn, sql.c_str());
    auto status = PQresultStatus(r);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) failure = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(conn);
  if (!failure.empty()) throw std::runtime_error("PostgreSQL: " + sql + ": " + failure);
}

PgServer& PgServer::shared() {
  static PgServer server;
  return server;
}

void announce_postgres_skip(const std::string& reason) {
  std::cerr << "\n*** SKIPPED: the PostgreSQL tests did not run: " << reason << " ***\n" << std::endl;
}

}  // namespace lockstep::testing
