// A thin RAII layer over the SQLite C API: a connection, prepared statements, and a cache of them.
// Every failure throws StoreError with SQLite's message.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>

#include "store/store.h"

namespace lockstep::sqlite {

class Stmt;

class Db {
 public:
  // Opens (creating if needed) the database file at `path`.
  explicit Db(const std::string& path);
  ~Db();
  Db(const Db&) = delete;
  Db& operator=(const Db&) = delete;

  // Runs one or more statements that return no rows.
  void exec(const char* sql);
  // Runs one statement that returns no rows, prepared once: for the statements run on every
  // request (BEGIN, COMMIT, SAVEPOINT). `sql` must be a string literal, as for prepare().
  void run(const char* sql);
  // Ends the open transaction, if any, undoing it; never throws (for destructors and error paths:
  // SQLite may have ended the transaction already, on a full disk or an I/O error).
  void rollback_if_open();
  // A cached prepared statement for `sql`, which must be a string literal (the cache is keyed by
  // its address). The statement is reset and its bindings cleared.
  Stmt& prepare(const char* sql);
  sqlite3* handle() { return db_; }
  [[noreturn]] void fail(const char* what);

 private:
  sqlite3* db_ = nullptr;
  std::unordered_map<const char*, Stmt> cache_;
};

class Stmt {
 public:
  Stmt(Db& db, const char* sql);
  ~Stmt();
  Stmt(Stmt&& other) noexcept : db_(other.db_), stmt_(other.stmt_) { other.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;

  Stmt& bind(int index, std::int64_t v);
  Stmt& bind(int index, std::string_view v);
  Stmt& bind(int index, double v);
  Stmt& bind_null(int index);
  // Advances; true while a row is available.
  bool step();
  // Runs a statement that returns no rows.
  void run() {
    step();
    reset();
  }
  void reset();

  std::int64_t int64(int col) { return sqlite3_column_int64(stmt_, col); }
  std::string text(int col);
  double real(int col) { return sqlite3_column_double(stmt_, col); }
  bool is_null(int col) { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }

 private:
  Db* db_;
  sqlite3_stmt* stmt_ = nullptr;
};

// A transaction on a connection: rolled back when the scope ends without commit() (an exception,
// a return) or when commit() fails. The rollback never throws, so it never replaces the error
// that is leaving the scope.
class Transaction {
 public:
  // Runs `begin` ("BEGIN IMMEDIATE" for a writer), a string literal as for Db::run.
  Transaction(Db& db, const char* begin) : db_(db) { db_.run(begin); }
  ~Transaction() {
    if (open_) db_.rollback_if_open();
  }
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;

  void commit() {
    db_.run("COMMIT");
    open_ = false;
  }

 private:
  Db& db_;
  bool open_ = true;
};

// Resets a cached statement when a scope ends, so that it releases its read snapshot.
class StmtScope {
 public:
  explicit StmtScope(Stmt& s) : s_(s) {}
  ~StmtScope() { s_.reset(); }
  StmtScope(const StmtScope&) = delete;
  StmtScope& operator=(const StmtScope&) = delete;
  Stmt* operator->() { return &s_; }

 private:
  Stmt& s_;
};

}  // namespace lockstep::sqlite
