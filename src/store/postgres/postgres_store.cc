#include "store/postgres/postgres_store.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <random>

#include "store/postgres/commit_notice.h"
#include "store/postgres/pg.h"
#include "store/postgres/postgres_tx.h"
#include "store/postgres/schema.h"

namespace lockstep {
namespace {

// A short random pause before running a job again, growing with the attempts, so that two
// transactions that deadlocked do not meet again in the same step.
void back_off(int attempt) {
  thread_local std::minstd_rand random(std::random_device{}());
  const int most_ms = std::min(50, 1 << std::min(attempt, 6));
  std::this_thread::sleep_for(std::chrono::milliseconds(1 + static_cast<int>(random() % most_ms)));
}

}  // namespace

class PostgresStore::Slot {
 public:
  Slot(const PostgresStore& store, std::unique_ptr<pg::Connection> conn) : store_(store), conn_(std::move(conn)) {}

  // The connection, opened again if it was lost. Throws PgError when the server is unreachable.
  pg::Connection& get() {
    if (!conn_ || conn_->broken()) conn_ = store_.connect();
    return *conn_;
  }
  void drop() { conn_.reset(); }

 private:
  const PostgresStore& store_;
  std::unique_ptr<pg::Connection> conn_;
};

class PostgresStore::Writer final : public WriteWorker {
 public:
  Writer(PostgresStore& store, std::unique_ptr<pg::Connection> conn) : store_(store), slot_(store, std::move(conn)) {}
  void run(std::span<PendingWrite> group) override {
    for (auto& w : group) store_.run_write(slot_, w);
  }

 private:
  PostgresStore& store_;
  Slot slot_;
};

class PostgresStore::Reader final : public ReadWorker {
 public:
  Reader(PostgresStore& store, std::unique_ptr<pg::Connection> conn) : store_(store), slot_(store, std::move(conn)) {}
  void run(std::span<PendingRead> group) override {
    for (auto& r : group) store_.run_read(slot_, r);
  }

 private:
  PostgresStore& store_;
  Slot slot_;
};

void PostgresStore::DatabaseClock::measure(pg::Connection& conn) {
  const Millis sent = local_.now();
  pg::Result r = conn.exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
  const Millis received = local_.now();
  offset_.store(r.int64(0, 0) - (sent + received) / 2, std::memory_order_relaxed);
}

PostgresStore::PostgresStore(const StoreOptions& options)
    : options_(options), clock_(options.clock ? *options.clock : SystemClock::instance()) {
  // Every connection is opened here, on the calling thread, so that an unreachable server or a
  // newer schema fails start-up with its reason.
  auto first = connect();
  if (first->server_version() < 130000) {
    throw StoreError("lockstepd needs PostgreSQL 13 or later; the server is version " +
                     std::to_string(first->server_version() / 10000));
  }
  pg::migrate(*first);
  clock_.measure(*first);
  const int readers = std::max(1, options_.readers);
  const int writers = std::max(4, readers);
  std::vector<std::unique_ptr<WriteWorker>> pool_writers;
  std::vector<std::unique_ptr<ReadWorker>> pool_readers;
  pool_writers.reserve(static_cast<std::size_t>(writers));
  pool_readers.reserve(static_cast<std::size_t>(readers));
  pool_writers.push_back(std::make_unique<Writer>(*this, std::move(first)));
  for (int i = 1; i < writers; ++i) pool_writers.push_back(std::make_unique<Writer>(*this, connect()));
  for (int i = 0; i < readers; ++i) pool_readers.push_back(std::make_unique<Reader>(*this, connect()));
  queue_.start(std::move(pool_writers), std::move(pool_readers));
}

PostgresStore::~PostgresStore() { stop(); }

std::unique_ptr<pg::Connection> PostgresStore::connect() const { return pg::open_session(options_.url); }

void PostgresStore::stop() {
  queue_.stop();
  if (listener_.joinable()) listener_.join();
}

void PostgresStore::on_remote_commit(std::function<void(const RemoteCommit&)> wake) {
  listener_ = std::thread([this, wake = std::move(wake)] { listen_loop(wake); });
}

void PostgresStore::listen_loop(const std::function<void(const RemoteCommit&)>& wake) {
  std::unique_ptr<pg::Connection> conn;
  auto measured = std::chrono::steady_clock::now();
  while (!queue_.stopping()) {
    if (conn && !conn->broken() && std::chrono::steady_clock::now() - measured >= std::chrono::seconds(1)) {
      measured = std::chrono::steady_clock::now();
      try {
        clock_.measure(*conn);
      } catch (const std::exception&) {
        // The connection is gone: opened again below; the last offset holds meanwhile.
      }
    }
    if (!conn || conn->broken()) {
      try {
        conn = connect();
        conn->exec("LISTEN lockstep_commit");
      } catch (const std::exception&) {
        conn.reset();  // the database is away: the once-a-second wake below still re-checks
      }
    }
    RemoteCommit seen{.anything = false, .task_ids = {}};
    bool notified = false;
    if (conn) {
      auto drain = [&] {
        while (PGnotify* n = PQnotifies(conn->raw())) {
          pg::add_commit_payload(n->extra ? n->extra : "", seen);
          PQfreemem(n);
          notified = true;
        }
        return notified;
      };
      // A notification that arrived during the clock's query is already read in: poll() would
      // not see it.
      pollfd pfd{PQsocket(conn->raw()), POLLIN, 0};
      if (!drain() && ::poll(&pfd, 1, 1000) > 0 && PQconsumeInput(conn->raw()) == 1) drain();
    } else {
      // Not on the readers' condition variable: waiting there once took the notify_one() of a new
      // read, and with the database back the readers slept on with that read in their queue.
      queue_.wait_for_stop(std::chrono::seconds(1));
    }
    // Without a notification (a second passed, or the database is away) one may have been
    // missed: everything looks again.
    if (!notified) seen = RemoteCommit{};
    wake(seen);
  }
}

bool PostgresStore::healthy() {
  auto answer = std::make_shared<std::promise<bool>>();
  auto result = answer->get_future();
  read(
      [answer](Tx& tx) {
        tx.latest_revision();
        answer->set_value(true);
      },
      [answer] { answer->set_value(false); });
  return result.wait_for(std::chrono::seconds(5)) == std::future_status::ready && result.get();
}

Status PostgresStore::backup_to(const std::string&) {
  return Error(Code::kStoreUnavailable,
               "lockstepd backs up SQLite files only; back up PostgreSQL with pg_dump (see docs/operations.md)");
}

void PostgresStore::run_write(Slot& slot, PendingWrite& w) {
  Outcome outcome = Outcome::kFailed;
  bool restarted = false;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    outcome = attempt_write(slot, w.job);
    if (outcome == Outcome::kRetry) {
      back_off(attempt);
      continue;
    }
    // A job whose BEGIN failed never ran: once, it may try a fresh connection (the server may
    // have restarted since this connection was last used).
    if (outcome == Outcome::kNotStarted && !restarted) {
      restarted = true;
      continue;
    }
    break;
  }
  // A job that asked to undo its writes was carried out all the same (as in a group commit).
  w.done(outcome == Outcome::kCommitted || outcome == Outcome::kUndone ? WriteOutcome::kCommitted
         : outcome == Outcome::kUnknown                                ? WriteOutcome::kUnknown
                                                                       : WriteOutcome::kFailed);
}

PostgresStore::Outcome PostgresStore::attempt_write(Slot& slot, const WriteJob& job) {
  // Outcome and whether the connection was lost; the slot drops a lost connection only after the
  // transaction guard that refers to it has gone.
  bool lost = false;
  Outcome outcome = [&] {
    const auto started = std::chrono::steady_clock::now();
    pg::Connection* conn = nullptr;
    std::optional<pg::Transaction> transaction;
    try {
      conn = &slot.get();
      transaction.emplace(*conn, "BEGIN ISOLATION LEVEL READ COMMITTED");
    } catch (const pg::PgError& e) {
      lost = e.connection_lost();
      return Outcome::kNotStarted;
    }
    pg::PgTx tx(*conn, true);
    bool keep = false;
    bool threw = false;
    try {
      keep = job(tx);
    } catch (const std::exception&) {
      threw = true;
    }
    auto settle = [&](const pg::PgError& e) {
      lost = e.connection_lost();
      return e.retryable() && !lost ? Outcome::kRetry : Outcome::kFailed;
    };
    if (const pg::PgError* failure = tx.failure()) return settle(*failure);
    if (threw) return Outcome::kFailed;
    if (!keep) return Outcome::kUndone;  // the guard rolls back
    std::int64_t xid = 0;
    try {
      if (tx.wrote()) xid = tx.notify_commit();
      transaction->commit();
    } catch (const pg::PgError& e) {
      if (xid != 0 && e.connection_lost()) {
        lost = true;
        return resolve_commit(xid);
      }
      return settle(e);
    }
    queue_.stats().observe(started, 1);
    return Outcome::kCommitted;
  }();
  if (lost) slot.drop();
  return outcome;
}

PostgresStore::Outcome PostgresStore::resolve_commit(std::int64_t xid) const {
  // The COMMIT went out but its answer was lost with the connection. The server finishes (or
  // abandons) the commit on its own; fresh connections ask which. This happens when the database
  // goes away, so "cannot connect" and "still in progress" mean "ask again", for as long as a
  // database restart takes: answering "not committed" for a write that did commit would make a
  // client without an Idempotency-Key apply it twice. Only "aborted" or a transaction the server
  // no longer knows is "not committed"; still unknown at the end is kUnknown.
  const auto deadline = std::chrono::steady_clock::now() + kCommitOutcomeWait;
  for (int attempt = 1;; ++attempt) {
    try {
      auto conn = connect();
      pg::Result r = conn->query("SELECT txid_status($1)", pg::Params().int64(xid));
      const std::string status = r.is_null(0, 0) ? "" : r.text(0, 0);
      if (status == "committed") return Outcome::kCommitted;
      if (status != "in progress") return Outcome::kFailed;
    } catch (const pg::PgError&) {
      // Not reachable yet: ask again below.
    }
    if (std::chrono::steady_clock::now() >= deadline) return Outcome::kUnknown;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(500, 25 * attempt)));
  }
}

void PostgresStore::run_read(Slot& slot, PendingRead& r) {
  Outcome outcome = attempt_read(slot, r.job);
  if (outcome == Outcome::kNotStarted) outcome = attempt_read(slot, r.job);  // once, on a fresh connection
  if (outcome != Outcome::kCommitted) r.failed();
}

PostgresStore::Outcome PostgresStore::attempt_read(Slot& slot, const ReadJob& job) {
  bool lost = false;
  Outcome outcome = [&] {
    pg::Connection* conn = nullptr;
    std::optional<pg::Transaction> transaction;
    try {
      conn = &slot.get();
      transaction.emplace(*conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    } catch (const pg::PgError& e) {
      lost = e.connection_lost();
      return Outcome::kNotStarted;
    }
    pg::PgTx tx(*conn, false);
    try {
      job(tx);
    } catch (const std::exception&) {
      lost = tx.failure() && tx.failure()->connection_lost();
      return Outcome::kFailed;
    }
    try {
      transaction->commit();
    } catch (const pg::PgError& e) {
      lost = e.connection_lost();  // the job has run and answered; only the connection matters now
    }
    return Outcome::kCommitted;
  }();
  if (lost) slot.drop();
  return outcome;
}

}  // namespace lockstep
