#include "store/postgres/postgres_store.h"

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <optional>
#include <system_error>
#include <thread>

#include "store/group_commit.h"
#include "store/postgres/commit_notice.h"
#include "store/postgres/pg.h"
#include "store/postgres/postgres_tx.h"
#include "store/postgres/schema.h"

namespace lockstep {
namespace {

// Most reads that share one read transaction (JobQueue::take_reads), as on SQLite.
constexpr std::size_t kMaxReadGroup = 32;
// Most writes in one transaction: each writing job's savepoint is a subtransaction with an id of
// its own, and past 64 of them PostgreSQL's snapshots of every session must look them up on disk
// (the subtransaction cache overflows); notifications past 64 tasks say "anything".
constexpr int kMaxWriteGroup = 64;

}  // namespace

// A store thread's connection as the shared transaction loops drive it (store/group_commit.h):
// opened again when it was lost, a PgTx per transaction, and PostgreSQL's meaning of a failed
// COMMIT. A writer's transaction takes the revision counter first (PgTx::take_counter).
class PostgresStore::PgSession final : public Session {
 public:
  PgSession(const PostgresStore& store, std::unique_ptr<pg::Connection> conn, bool write)
      : store_(store), conn_(std::move(conn)), write_(write) {}

  Tx& tx() override { return *tx_; }

  void begin() override {
    began_ = false;
    lost_commit_ = 0;
    const char* begin =
        write_ ? "BEGIN ISOLATION LEVEL READ COMMITTED" : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY";
    try {
      open().exec(begin);
    } catch (const pg::PgError& e) {
      // Nothing has run: once, a fresh connection may (the server may have restarted since this
      // one was last used).
      if (!e.connection_lost()) throw;
      conn_.reset();
      open().exec(begin);
    }
    began_ = true;
    tx_.emplace(*conn_, write_);
    try {
      if (write_) tx_->take_counter();
    } catch (...) {
      rollback();
      throw;
    }
  }

  void commit() override {
    std::int64_t xid = 0;
    try {
      if (write_) {
        if (const pg::PgError* failure = tx_->failure()) throw *failure;
        xid = tx_->finish();
      }
      pg::Result r = conn_->exec("COMMIT");
      end_transaction();
      if (r.command() != "COMMIT")
        throw pg::PgError("PostgreSQL: the transaction failed and was rolled back", "", false);
    } catch (const pg::PgError& e) {
      // The COMMIT went out but its answer was lost with the connection: whoever answers the
      // group asks the database what became of it (lost_commit()).
      if (xid != 0 && e.connection_lost()) {
        end_transaction();
        conn_.reset();  // whatever libpq says of it, its session's state is not known
        lost_commit_ = xid;
      }
      throw;
    }
  }

  void rollback() noexcept override {
    if (!tx_) return;
    bool ended = false;
    if (!conn_->broken()) {
      try {
        conn_->exec("ROLLBACK");
        ended = true;
      } catch (const std::exception&) {
        // Dropped below: closing the connection makes the server roll the transaction back, and
        // let go of the revision counter, which every node's writer waits for.
      }
    }
    end_transaction();
    if (!ended) conn_.reset();
  }

  void savepoint() override { tx_->savepoint(kJob); }
  void rollback_to_savepoint() override { tx_->recover_to(kJob); }
  void release_savepoint() override {
    // A job that caught a failed statement and asked to keep its writes cannot: the group goes.
    if (const pg::PgError* failure = tx_->failure()) throw *failure;
    tx_->release(kJob);
    if (const pg::PgError* failure = tx_->failure()) throw *failure;
  }

  // The last transaction got past BEGIN (otherwise nothing of it ran).
  bool began() const { return began_; }
  // The id of the last transaction if its COMMIT was sent and its answer lost, or 0.
  std::int64_t lost_commit() const { return lost_commit_; }

 private:
  static constexpr const char* kJob = "lockstep_job";

  pg::Connection& open() {
    if (!conn_ || conn_->broken()) conn_ = store_.connect();
    return *conn_;
  }
  // The transaction is over; a lost connection is dropped, to be opened again by the next begin().
  void end_transaction() {
    tx_.reset();
    if (conn_ && conn_->broken()) conn_.reset();
  }

  const PostgresStore& store_;
  std::unique_ptr<pg::Connection> conn_;
  const bool write_;
  std::optional<pg::PgTx> tx_;
  bool began_ = false;
  std::int64_t lost_commit_ = 0;
};

// The node's one writer: group commit (store/group_commit.h) on its connection.
class PostgresStore::Writer final : public WriteWorker {
 public:
  Writer(PostgresStore& store, std::unique_ptr<pg::Connection> conn)
      : store_(store), session_(store, std::move(conn), true) {}

  void run(std::span<PendingWrite> group) override {
    const GroupOutcome outcome = commit_group(session_, group, store_.queue_.stats());
    if (session_.lost_commit() == 0) return outcome.answer(group);
    // Finding out may take as long as a database restart: not on this thread, which goes on with
    // the next group (it reads whatever the database did, and its own answers do not depend on
    // this group's).
    std::vector<Store::WriteDone> ran;
    for (std::size_t i = 0; i < group.size(); ++i) {
      if (outcome.ran[i]) {
        ran.push_back(std::move(group[i].done));
      } else {
        group[i].done(WriteOutcome::kFailed);
      }
    }
    store_.answer_lost_commit(session_.lost_commit(), std::move(ran));
  }

 private:
  PostgresStore& store_;
  PgSession session_;
};

class PostgresStore::Reader final : public ReadWorker {
 public:
  Reader(const PostgresStore& store, std::unique_ptr<pg::Connection> conn) : session_(store, std::move(conn), false) {}
  void run(std::span<PendingRead> group) override { read_group(session_, group); }

 private:
  PgSession session_;
};

void PostgresStore::DatabaseClock::measure(pg::Connection& conn) {
  const Millis sent = local_.now();
  pg::Result r = conn.exec("SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint");
  const Millis received = local_.now();
  offset_.store(r.int64(0, 0) - (sent + received) / 2, std::memory_order_relaxed);
}

PostgresStore::PostgresStore(const StoreOptions& options)
    : options_(options),
      clock_(options.clock ? *options.clock : SystemClock::instance()),
      queue_({static_cast<std::size_t>(std::clamp(options.max_group, 1, kMaxWriteGroup)), kMaxReadGroup}) {
  // Every connection is opened here, on the calling thread, so that an unreachable server or a
  // newer schema fails start-up with its reason.
  auto first = connect();
  if (first->server_version() < 130000) {
    throw StoreError("lockstepd needs PostgreSQL 13 or later; the server is version " +
                     std::to_string(first->server_version() / 10000));
  }
  pg::migrate(*first);
  clock_.measure(*first);
  std::vector<std::unique_ptr<WriteWorker>> writers;
  writers.push_back(std::make_unique<Writer>(*this, std::move(first)));
  std::vector<std::unique_ptr<ReadWorker>> readers;
  for (int i = 0; i < std::max(1, options_.readers); ++i) readers.push_back(std::make_unique<Reader>(*this, connect()));
  queue_.start(std::move(writers), std::move(readers));
}

PostgresStore::~PostgresStore() { stop(); }

std::unique_ptr<pg::Connection> PostgresStore::connect() const { return pg::open_session(options_.url); }

void PostgresStore::stop() {
  queue_.stop();
  if (listener_.joinable()) listener_.join();
  std::vector<std::future<void>> resolving;
  {
    MutexLock lock(resolving_mu_);
    resolving.swap(resolving_);
  }
  for (auto& r : resolving) r.wait();
}

void PostgresStore::answer_lost_commit(std::int64_t xid, std::vector<WriteDone> jobs) {
  MutexLock lock(resolving_mu_);
  std::erase_if(resolving_, [](const std::future<void>& r) {
    return r.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  });
  auto answer = [this, xid, jobs = std::move(jobs)] {
    const CommitStatus status = resolve_commit(xid);
    const WriteOutcome outcome = status == CommitStatus::kCommitted ? WriteOutcome::kCommitted
                                 : status == CommitStatus::kUnknown ? WriteOutcome::kUnknown
                                                                    : WriteOutcome::kFailed;
    for (const auto& done : jobs) done(outcome);
  };
  try {
    resolving_.push_back(std::async(std::launch::async, answer));
  } catch (const std::system_error&) {
    answer();  // no thread to be had: here, then, however long it takes
  }
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

PostgresStore::CommitStatus PostgresStore::resolve_commit(std::int64_t xid) const {
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
      // Committed only once visible too: with synchronous standbys the commit is recorded before
      // the standby's answer, and a write is acknowledged only once every new snapshot sees it.
      pg::Result r = conn->query(
          "SELECT CASE WHEN txid_status($1) = 'committed' AND NOT txid_visible_in_snapshot($1, "
          "txid_current_snapshot()) "
          "THEN 'in progress' ELSE txid_status($1) END",
          pg::Params().int64(xid));
      const std::string status = r.is_null(0, 0) ? "" : r.text(0, 0);
      if (status == "committed") return CommitStatus::kCommitted;
      if (status != "in progress") return CommitStatus::kAborted;
    } catch (const pg::PgError&) {
      // Not reachable yet: ask again below.
    }
    if (std::chrono::steady_clock::now() >= deadline) return CommitStatus::kUnknown;
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(500, 25 * attempt)));
  }
}

}  // namespace lockstep
