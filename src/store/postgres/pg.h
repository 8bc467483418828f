// A thin RAII layer over libpq: a connection, a result, statement parameters and a transaction
// guard. Values only ever travel as parameters ($1, $2...), never inside SQL text. Every failure
// throws PgError, which carries PostgreSQL's SQLSTATE.
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "store/store.h"

namespace lockstep::pg {

// A failure reported by PostgreSQL or by libpq.
class PgError : public StoreError {
 public:
  PgError(const std::string& what, std::string sqlstate, bool connection_lost)
      : StoreError(what), sqlstate_(std::move(sqlstate)), connection_lost_(connection_lost) {}

  // The five-character SQLSTATE, or "" when libpq failed on its own (a lost connection).
  const std::string& sqlstate() const { return sqlstate_; }
  // The connection is unusable: drop it and open a new one.
  bool connection_lost() const { return connection_lost_; }
  // Running the whole transaction again may succeed: a serialization failure, a deadlock, or a
  // unique violation lost to a concurrent insert of the same key (the re-run sees the winner).
  bool retryable() const { return sqlstate_ == "40001" || sqlstate_ == "40P01" || sqlstate_ == "23505"; }
  // The failed statement was one sent by Connection::defer(), reported by a later call: whoever
  // made that call may not be the one who sent it.
  bool deferred() const { return deferred_; }
  void set_deferred() { deferred_ = true; }

 private:
  std::string sqlstate_;
  bool connection_lost_ = false;
  bool deferred_ = false;
};

// The rows (or command status) of one statement. Values are read in PostgreSQL's text format.
class Result {
 public:
  explicit Result(PGresult* r) : r_(r, &PQclear) {}

  int rows() const { return PQntuples(r_.get()); }
  bool is_null(int row, int col) const { return PQgetisnull(r_.get(), row, col) != 0; }
  std::string text(int row, int col) const;
  std::int64_t int64(int row, int col) const;
  double real(int row, int col) const;
  // How many rows an INSERT/UPDATE/DELETE touched.
  std::int64_t affected() const;
  // The command tag, e.g. "COMMIT" (or "ROLLBACK" when a COMMIT found the transaction failed).
  std::string_view command() const { return PQcmdStatus(r_.get()); }

 private:
  std::unique_ptr<PGresult, void (*)(PGresult*)> r_;
};

// The parameters of one statement, $1 first, each in text form (PostgreSQL infers the types from
// the statement; casts in the SQL say where it cannot).
class Params {
 public:
  Params& int64(std::int64_t v);
  Params& text(std::string_view v);
  Params& real(double v);
  Params& null();
  // `v` as text, or NULL when it is empty (columns where "" means absent).
  Params& text_or_null(std::string_view v) { return v.empty() ? null() : text(v); }

  int size() const { return static_cast<int>(values_.size()); }
  // Pointers for libpq, valid while this object lives and is not changed.
  std::vector<const char*> pointers() const;

 private:
  std::vector<std::string> values_;
  std::vector<bool> null_;
};

// One connection to the server. Not thread-safe: it belongs to one store thread at a time.
class Connection {
 public:
  // Connects to `url` (a postgresql:// URL or key=value string). Throws PgError with libpq's
  // reason when it cannot.
  explicit Connection(const std::string& url);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs fixed SQL without parameters (transaction control, schema): one or more statements.
  // Statements deferred before it are settled first (below); it runs whether or not they failed.
  Result exec(const char* sql);
  // Runs `sql` with `params`. `sql` must have static storage (a literal or a constant): it is
  // prepared once per connection, keyed by its address, and executed from then on.
  Result query(const char* sql, const Params& params);
  // Runs `sql` planned afresh for these parameter values: for a statement whose best plan depends
  // on which parameters are NULL (a prepared statement's generic plan could not use the index).
  Result query_once(const char* sql, const Params& params);

  // Sends a statement (as query() would) without waiting for its answer, in libpq's pipeline mode:
  // deferred statements travel with the next one that waits (query, query_once, exec), which
  // first reads their answers and throws the first failure among them, marked deferred(). For
  // statements whose result nobody reads (a row written, a savepoint): a job's writes then cost no
  // round trip of their own. After a failure the server skips what was sent after it.
  void defer(const char* sql, const Params& params);
  // The same for one fixed statement without parameters (a savepoint command).
  void defer_fixed(const std::string& sql);

  bool broken() const { return lost_ || PQstatus(conn_) == CONNECTION_BAD; }
  // The libpq handle, for LISTEN: its socket and notifications.
  PGconn* raw() { return conn_; }
  // The server's version as a number, e.g. 150008 for 15.8.
  int server_version() const { return PQserverVersion(conn_); }

 private:
  Result check(PGresult* r, const char* what);
  // The name `sql` is prepared under, sending its preparation (deferred) the first time.
  const std::string& prepared_name(const char* sql);
  void enter_pipeline();
  // Checks what a PQsend... call returned: on failure the connection is marked lost and it throws.
  void sent(int ok, const char* what);
  // Sends a sync and reads every answer up to it, then leaves pipeline mode. Returns the answer to
  // the last statement sent, and throws the first failure (deferred() unless it was that last one).
  Result settle(const char* what);

  PGconn* conn_ = nullptr;
  int unread_ = 0;  // statements sent in pipeline mode whose answers are not read yet
  // Statements prepared in the pipeline not yet answered: forgotten again if their preparation
  // did not happen (a failure before it makes the server skip it).
  std::vector<const char*> preparing_;
  bool lost_ = false;  // a pipeline that could not be brought back to idle: the connection is unusable
  int statements_named_ = 0;
  std::unordered_map<const char*, std::string> prepared_;  // SQL address -> statement name
};

// A connection set up as every session of the store is: a COMMIT returns only once its WAL is
// flushed (synchronous_commit is raised to "on" where the defaults say "off"), and a session idle
// inside a transaction for a minute is ended by the server. Throws PgError.
std::unique_ptr<Connection> open_session(const std::string& url);

// A transaction on a connection: rolled back when it goes out of scope unless committed.
class Transaction {
 public:
  // Runs `begin` (e.g. "BEGIN ISOLATION LEVEL READ COMMITTED").
  Transaction(Connection& conn, const char* begin);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  // Commits; throws PgError when the server did not (a failed transaction answers ROLLBACK).
  void commit();

 private:
  Connection& conn_;
  bool open_ = true;
};

}  // namespace lockstep::pg
