// lockstepd: the Lockstep server, and its user administration commands (API.md §12).
//
// Every flag can also come from the environment (LOCKSTEP_<FLAG>, e.g. LOCKSTEP_LISTEN) and from a
// TOML config file whose keys are the long flag names; a flag beats the environment, which beats
// the file.
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <regex>
#include <string_view>
#include <thread>

#include "core/json_text.h"
#include "core/time.h"
#include "http/api.h"
#include "http/request_log.h"
#include "http/server.h"
#include "server/layered_args.h"
#include "server/test_clock.h"
#include "service/sweeper.h"
#include "service/user_service.h"
#include "store/open.h"

namespace {

using namespace lockstep;

// Holds `<db>.lock` with flock for as long as the process lives: one server per SQLite file, and
// no restore under a running server. nullopt when another process holds it.
std::optional<int> lock_database(const std::string& db) {
  if (is_postgres_url(db)) return -1;  // several nodes share PostgreSQL by design
  int fd = ::open((db + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return -1;  // an unwritable folder fails later with SQLite's own reason
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return std::nullopt;
  }
  return fd;
}

// The database as shown in logs and messages: every password masked, in each form libpq reads
// (postgresql://USER:PASSWORD@..., ?password=... or &sslpassword=... in the URI's query, and
// password=... or password='...' in a key=value connection string).
std::string shown_db(const std::string& db) {
  std::string shown = db;
  if (auto scheme = shown.find("://"); scheme != std::string::npos) {
    const auto query = shown.find('?', scheme);
    const auto at = shown.rfind('@', query == std::string::npos ? std::string::npos : query);
    const auto colon = shown.find(':', scheme + 3);
    if (at != std::string::npos && at > scheme && colon < at) shown.replace(colon + 1, at - colon - 1, "***");
  }
  static const std::regex kPasswordParameter(
      R"(((?:^|[?&\s])[A-Za-z_]*password[A-Za-z_]*\s*=\s*)('(?:[^'\\]|\\.)*'|[^&\s]*))", std::regex::icase);
  return std::regex_replace(shown, kPasswordParameter, "$1***");
}

// `text` with each mention of the database shown as shown_db does.
std::string without_db_secrets(std::string text, const std::string& db) {
  if (db.empty()) return text;
  const std::string shown = shown_db(db);
  for (auto pos = text.find(db); pos != std::string::npos; pos = text.find(db, pos + shown.size())) {
    text.replace(pos, db.size(), shown);
  }
  return text;
}

struct Config {
  std::string listen = "127.0.0.1:8080";
  std::string db = "./lockstep.db";
  int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  int readers = 0;  // 0: as many as I/O threads, at least 2
  bool require_preconditions = false;
  bool insecure_no_auth = false;
  std::size_t max_body = 1 << 20;
  int read_timeout = 30;
  std::size_t max_connections = 10000;
  std::size_t max_pending_writes = 4096;
  std::int64_t retain_changes = 1'000'000;
  std::int64_t retain_versions = 100;
  std::string rate_limit = "1000/2000";
  std::int64_t idempotency_ttl = 86400;
  std::size_t max_batch = 100;
  std::size_t read_cache_mib = 8;  // 0: off (always off on PostgreSQL)
  std::string web_root;            // empty: the board built into the binary
  std::string tls_cert;
  std::string tls_key;
  std::string config_file;
  bool test_only_movable_clock = false;  // only from the command line: see take_test_only_flag
};

[[noreturn]] void die(const std::string& reason) {
  std::cerr << "lockstepd: " << reason << "\n";
  std::exit(1);
}

// The administration commands work on an existing database: one made by mistake (a typo in --db,
// another folder) would take the change and print a token that works nowhere else. `hint` says
// how to create it when that is what the user meant. A PostgreSQL database exists or the
// connection fails with libpq's reason.
void require_database(const Config& c, std::string_view hint = "") {
  if (is_postgres_url(c.db)) return;
  std::error_code ec;
  if (std::filesystem::exists(c.db, ec)) return;
  die("no database at " + shown_db(c.db) + std::string(hint));
}

std::unique_ptr<Store> open(const Config& c, int readers) {
  try {
    return open_store(StoreOptions{c.db, readers, 512});
  } catch (const std::exception& e) {
    die(without_db_secrets(e.what(), c.db));
  }
}

int serve(const Config& c) {
  auto colon = c.listen.rfind(':');
  if (colon == std::string::npos) die("--listen must be HOST:PORT, not '" + c.listen + "'");
  std::string host = c.listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  try {
    port = std::stoi(c.listen.substr(colon + 1));
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) die("--listen has an invalid port: '" + c.listen + "'");
  if (c.tls_cert.empty() != c.tls_key.empty()) die("--tls-cert and --tls-key go together: give both or neither");

  if (!lock_database(c.db)) die("another lockstepd serves the database " + shown_db(c.db));
  http::init_logging();
  int readers = c.readers > 0 ? c.readers : std::max(2, c.threads);
  auto store = open(c, readers);
  auto rate = http::RateLimiter::parse(c.rate_limit);
  if (!rate)
    die("--rate-limit must be RATE or RATE/BURST (requests a second; 0 turns it off), not '" + c.rate_limit + "'");
  Retention retention{c.retain_changes, c.retain_versions};
  http::ApiOptions api_options;
  api_options.require_preconditions = c.require_preconditions;
  api_options.insecure_no_auth = c.insecure_no_auth;
  api_options.max_pending_writes = c.max_pending_writes;
  api_options.retention = retention;
  api_options.rate = rate->first;
  api_options.burst = rate->second;
  api_options.idempotency_ttl_ms = c.idempotency_ttl * 1000;
  api_options.max_batch = c.max_batch;
  api_options.read_cache_bytes = c.read_cache_mib << 20;
  api_options.web_root = c.web_root;
  // The store's clock (on PostgreSQL the database's), moved ahead by a test when it asks to.
  MovableClock movable(store->clock());
  const Clock& clock = c.test_only_movable_clock ? static_cast<const Clock&>(movable) : store->clock();
  Sweeper sweeper(*store, clock, retention, api_options.idempotency_ttl_ms, std::chrono::seconds(30));
  // Reads from memory: SQLite only (open_local_reads offers nothing on PostgreSQL).
  http::Api api(*store, clock, api_options, c.read_cache_mib > 0 ? open_local_reads(*store) : nullptr);
  std::unique_ptr<ClockControl> clock_control;
  if (c.test_only_movable_clock) {
    http::log_event("warn",
                    "--test-only-movable-clock: standard input moves this server's clock ahead; "
                    "FOR TESTS ONLY, never in production (every lock would expire early)");
    clock_control = std::make_unique<ClockControl>(STDIN_FILENO, movable, [&api] { api.clock_moved(); });
  }
  http::ServerOptions so;
  so.host = host;
  so.port = static_cast<unsigned short>(port);
  so.threads = c.threads;
  so.max_body = c.max_body;
  so.read_timeout = std::chrono::seconds(c.read_timeout);
  so.max_connections = c.max_connections;
  so.tls_cert = c.tls_cert;
  so.tls_key = c.tls_key;
  std::unique_ptr<http::Server> server;
  try {
    server = std::make_unique<http::Server>(api, so);
  } catch (const std::exception& e) {
    store->stop();
    die(e.what());
  }
  // Only once the server could start (port, TLS files): an admin made before a failed start would
  // have its token never shown, and the next start would make none.
  std::optional<NewUser> admin;
  store->write_sync([&](Tx& tx) {
    admin = bootstrap_admin(tx, SystemClock::instance().now());
    return true;
  });
  if (admin) {
    std::fprintf(stderr,
                 "lockstepd: this database had no users, so the admin user 'admin' was created.\n"
                 "lockstepd: its token is shown only this once; keep it safe:\n%s\n",
                 admin->token.c_str());
    std::fflush(stderr);
  }
  if (c.insecure_no_auth) {
    http::log_event("warn", "--insecure-no-auth: every request is served WITHOUT authentication");
  }
  std::string listening;
  JsonObjectWriter(listening)
      .string("address", host + ":" + std::to_string(server->port()))
      .string("db", shown_db(c.db))
      .integer("threads", c.threads)
      .raw("tls", c.tls_cert.empty() ? "false" : "true")
      .close();
  http::log_event("info", "listening", listening);
  server->run();
  clock_control.reset();  // before the logger it logs to stops
  store->stop();
  http::log_event("info", "stopped");
  http::shutdown_logging();
  return 0;
}

int user_add(const Config& c, const std::string& name, bool admin, bool create) {
  if (!create) require_database(c, " (use --create)");
  auto store = open(c, 1);
  Result<NewUser> made = Error(Code::kInternal, "not run");
  bool ok = store->write_sync([&](Tx& tx) {
    made = add_user(tx, name, admin ? Role::kAdmin : Role::kUser, SystemClock::instance().now());
    return made.ok();
  });
  store->stop();
  if (!made) die(made.error().detail);
  if (!ok) die("the user could not be saved");
  std::cout << made->token << "\n";
  return 0;
}

int user_list(const Config& c) {
  require_database(c);
  auto store = open(c, 1);
  std::vector<User> users;
  store->write_sync([&](Tx& tx) {
    users = tx.list_users();
    return false;
  });
  store->stop();
  std::printf("%-24s %-6s %-8s %s\n", "NAME", "ROLE", "STATUS", "CREATED");
  for (const auto& u : users) {
    std::printf("%-24s %-6s %-8s %s\n", u.name.c_str(), role_name(u.role), u.revoked() ? "revoked" : "active",
                format_rfc3339(u.created_at).c_str());
  }
  return 0;
}

int backup(const Config& c, const std::string& file) {
  if (is_postgres_url(c.db)) die("back up PostgreSQL with pg_dump (see docs/operations.md)");
  require_database(c);
  auto store = open(c, 1);
  auto done = store->backup_to(file);
  store->stop();
  if (!done) die(without_db_secrets(done.error().detail, c.db));
  std::cerr << "lockstepd: backed up " << shown_db(c.db) << " to " << file << "\n";
  return 0;
}

int restore(const Config& c, const std::string& file) {
  if (is_postgres_url(c.db)) die("restore PostgreSQL with pg_restore (see docs/operations.md)");
  std::error_code ec;  // else SQLite would make an empty file there, and the message would blame it
  if (!std::filesystem::exists(file, ec)) die("no backup at " + file);
  if (!lock_database(c.db)) die("the database " + shown_db(c.db) + " is in use; stop lockstepd before restoring");
  auto done = restore_store(file, c.db);
  if (!done) die(without_db_secrets(done.error().detail, c.db));
  std::cerr << "lockstepd: restored " << shown_db(c.db) << " from " << file << "\n";
  return 0;
}

int user_revoke(const Config& c, const std::string& name) {
  require_database(c);
  auto store = open(c, 1);
  Result<Ok> done = Error(Code::kInternal, "not run");
  store->write_sync([&](Tx& tx) {
    done = revoke_user(tx, name);
    return done.ok();
  });
  store->stop();
  if (!done) die(done.error().detail);
  std::cerr << "lockstepd: the token of '" << name << "' no longer works\n";
  return 0;
}

// Takes --test-only-movable-clock (src/server/test_clock.h) off `argv` before the flags are
// layered: no LOCKSTEP_ variable or config file key can turn it on by accident, and --help does
// not offer it. Returns argv without it.
std::vector<char*> take_test_only_flag(int argc, char** argv, bool& given) {
  std::vector<char*> rest;
  for (int i = 0; i < argc; ++i) {
    if (i > 0 && std::string_view(argv[i]) == "--test-only-movable-clock") {
      given = true;
    } else {
      rest.push_back(argv[i]);
    }
  }
  rest.push_back(nullptr);
  return rest;
}

}  // namespace

int main(int argc, char** argv) {
  Config c;
  auto argv_rest = take_test_only_flag(argc, argv, c.test_only_movable_clock);
  argc = static_cast<int>(argv_rest.size()) - 1;
  argv = argv_rest.data();
  CLI::App app{
      "lockstepd: the Lockstep task server, where concurrent edits never lose an update.\n"
      "Every flag can also be set as LOCKSTEP_<FLAG> in the environment (e.g. LOCKSTEP_DB)\n"
      "or as a key of the --config TOML file (e.g. listen = \"0.0.0.0:8080\");\n"
      "a flag beats the environment, which beats the file.",
      "lockstepd"};
  app.set_version_flag("--version", "lockstepd 0.1.0");
  app.add_option("--listen", c.listen, "HOST:PORT to serve on (port 0: any free port)")->capture_default_str();
  app.add_option("--db", c.db,
                 "SQLite database file, or postgresql://USER@HOST:PORT/DB for several nodes on one\n"
                 "PostgreSQL (13 or later); the schema is created and migrated on start")
      ->capture_default_str();
  app.add_option("--threads", c.threads, "I/O threads (default: one per core)")
      ->check(CLI::Range(1, 1024))
      ->capture_default_str();
  app.add_option("--readers", c.readers,
                 "store reader threads, one connection each (default: as many as --threads, at least 2);\n"
                 "on PostgreSQL also the connection pool: N readers and max(4, N) writers")
      ->check(CLI::Range(0, 256));
  app.add_flag("--require-preconditions", c.require_preconditions,
               "answer 428 to a PATCH, PUT or DELETE without If-Match, If-Unmodified-Since or a body version");
  app.add_flag("--insecure-no-auth", c.insecure_no_auth,
               "serve every request without authentication (for local experiments only)");
  app.add_option("--max-body", c.max_body, "largest request body in bytes; larger is 413")
      ->check(CLI::Range(std::size_t{1024}, std::size_t{1} << 30))
      ->capture_default_str();
  app.add_option("--read-timeout", c.read_timeout,
                 "seconds a client has to send a whole request (and an idle keep-alive connection lives)")
      ->check(CLI::Range(1, 3600))
      ->capture_default_str();
  app.add_option("--max-connections", c.max_connections, "open connections past which new ones get 503")
      ->capture_default_str();
  app.add_option("--max-pending-writes", c.max_pending_writes,
                 "writes accepted but not yet committed past which new writes get 503")
      ->capture_default_str();
  app.add_option("--retain-changes", c.retain_changes, "revisions the change feed keeps; older cursors get 410")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 40))
      ->capture_default_str();
  app.add_option("--retain-versions", c.retain_versions, "versions kept per task (history, merge bases)")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 30))
      ->capture_default_str();
  app.add_option("--rate-limit", c.rate_limit,
                 "requests a second per user, RATE or RATE/BURST (burst default 2x); 0 turns it off")
      ->capture_default_str();
  app.add_option("--idempotency-ttl", c.idempotency_ttl, "seconds an Idempotency-Key's answer is kept")
      ->check(CLI::Range(std::int64_t{1}, std::int64_t{1} << 32))
      ->capture_default_str();
  app.add_option("--read-cache-mib", c.read_cache_mib,
                 "MiB of current tasks kept in memory for GET /v1/tasks/{id} (SQLite only; 0: off)")
      ->check(CLI::Range(std::size_t{0}, std::size_t{1} << 20))
      ->capture_default_str();
  app.add_option("--max-batch", c.max_batch, "most operations in one batch")
      ->check(CLI::Range(std::size_t{1}, std::size_t{100000}))
      ->capture_default_str();
  app.add_option("--web-root", c.web_root,
                 "folder of the web board's built files, served at / (default: the board built into lockstepd)");
  app.add_option("--tls-cert", c.tls_cert,
                 "PEM certificate (chain) to serve HTTPS with, TLS 1.2 or later;\n"
                 "needs --tls-key; without both the server speaks plain HTTP");
  app.add_option("--tls-key", c.tls_key, "PEM private key (unencrypted) of --tls-cert");
  app.add_option("--config", c.config_file, "TOML file whose keys are the long flag names");
  for (auto* opt : app.get_options()) opt->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);

  app.add_subcommand("serve", "serve the API (the default when no command is given)")->fallthrough();
  auto* user = app.add_subcommand("user", "manage users and their tokens")->require_subcommand(1);
  user->fallthrough();
  std::string name;
  bool admin = false;
  bool create = false;
  auto* add = user->add_subcommand("add", "create a user and print its token, alone, on stdout");
  add->add_option("NAME", name, "user name: 1-64 of A-Z a-z 0-9 . _ -")->required();
  add->add_flag("--admin", admin, "give the user the admin role");
  add->add_flag("--create", create, "create the SQLite database when it does not exist (else: exit 1)");
  add->fallthrough();
  auto* list = user->add_subcommand("list", "list users")->fallthrough();
  auto* revoke = user->add_subcommand("revoke", "revoke a user's token at once");
  revoke->add_option("NAME", name, "user name")->required();
  revoke->fallthrough();
  std::string file;
  auto* backup_cmd = app.add_subcommand("backup", "copy the SQLite database to FILE while the server runs");
  backup_cmd->add_option("FILE", file, "where to write the backup")->required();
  backup_cmd->fallthrough();
  auto* restore_cmd =
      app.add_subcommand("restore", "replace the SQLite database with the backup FILE (server stopped)");
  restore_cmd->add_option("FILE", file, "a backup made by lockstepd backup")->required();
  restore_cmd->fallthrough();
  app.require_subcommand(0, 1);

  std::vector<std::string> args;
  try {
    args = layered_args(app, argc, argv, "LOCKSTEP_");
  } catch (const std::exception& e) {
    die(e.what());
  }
  std::vector<const char*> layered;
  layered.reserve(args.size());
  for (const auto& a : args) layered.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(layered.size()), layered.data());
  } catch (const CLI::ParseError& e) {
    // --help and --version print and succeed; a bad flag is one line and exit status 1.
    if (e.get_exit_code() == 0) return app.exit(e);
    die(std::string(e.what()) + " (see lockstepd --help)");
  }

  if (c.test_only_movable_clock && !app.get_subcommands().empty() && !app.got_subcommand("serve")) {
    die("--test-only-movable-clock is a flag of serve only, for tests");
  }
  if (add->parsed()) return user_add(c, name, admin, create);
  if (list->parsed()) return user_list(c);
  if (revoke->parsed()) return user_revoke(c, name);
  if (backup_cmd->parsed()) return backup(c, file);
  if (restore_cmd->parsed()) return restore(c, file);
  return serve(c);
}
