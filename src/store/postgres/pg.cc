#include "store/postgres/pg.h"

#include <charconv>
#include <optional>

namespace lockstep::pg {
namespace {

// libpq prints server notices ("relation already exists, skipping") on stderr, which would break
// the server's one-JSON-line-per-event log. They carry nothing the store acts on.
void ignore_notice(void*, const char*) {}

// The first line of a libpq message (they end with a newline and may add DETAIL lines).
std::string first_line(const char* message) {
  std::string s = message ? message : "";
  auto nl = s.find('\n');
  if (nl != std::string::npos) s.resize(nl);
  return s.empty() ? "unknown error" : s;
}

bool means_connection_lost(const std::string& sqlstate) {
  // Class 08: connection exception; 57P01-03: the server is shutting down or terminated us.
  return sqlstate.starts_with("08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03";
}

}  // namespace

std::string Result::text(int row, int col) const {
  return std::string(PQgetvalue(r_.get(), row, col), static_cast<std::size_t>(PQgetlength(r_.get(), row, col)));
}

std::int64_t Result::int64(int row, int col) const {
  const char* p = PQgetvalue(r_.get(), row, col);
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(p, p + PQgetlength(r_.get(), row, col), v);
  if (ec != std::errc()) throw StoreError(std::string("PostgreSQL: not an integer: ") + p);
  return v;
}

double Result::real(int row, int col) const {
  const char* p = PQgetvalue(r_.get(), row, col);
  double v = 0;
  auto [end, ec] = std::from_chars(p, p + PQgetlength(r_.get(), row, col), v);
  if (ec != std::errc()) throw StoreError(std::string("PostgreSQL: not a number: ") + p);
  return v;
}

std::int64_t Result::affected() const {
  const char* n = PQcmdTuples(r_.get());
  return n && *n ? std::stoll(n) : 0;
}

Params& Params::int64(std::int64_t v) {
  values_.push_back(std::to_string(v));
  null_.push_back(false);
  return *this;
}

Params& Params::text(std::string_view v) {
  // libpq reads parameters as C strings, so U+0000 would cut the value short without a word. The
  // API refuses it at the edge (API.md §1); failing here keeps any path that slips through loud.
  if (v.find('\0') != std::string_view::npos) throw StoreError("a text parameter holds U+0000");
  values_.emplace_back(v);
  null_.push_back(false);
  return *this;
}

Params& Params::real(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest form that reads back exactly
  values_.emplace_back(buf, ec == std::errc() ? end : buf);
  null_.push_back(false);
  return *this;
}

Params& Params::null() {
  values_.emplace_back();
  null_.push_back(true);
  return *this;
}

std::vector<const char*> Params::pointers() const {
  std::vector<const char*> out;
  out.reserve(values_.size());
  for (std::size_t i = 0; i < values_.size(); ++i) out.push_back(null_[i] ? nullptr : values_[i].c_str());
  return out;
}

Connection::Connection(const std::string& url) {
  // Later keywords override earlier ones, so the URL's own settings beat these defaults.
  // TCP keepalives: a server that vanished without a reset (a partition) is noticed within about
  // 25 s instead of the system's hours, so that no store thread waits on it forever.
  const char* keys[] = {"connect_timeout",
                        "application_name",
                        "keepalives_idle",
                        "keepalives_interval",
                        "keepalives_count",
                        "dbname",
                        nullptr};
  const char* values[] = {"5", "lockstepd", "10", "5", "3", url.c_str(), nullptr};
  conn_ = PQconnectdbParams(keys, values, 1);
  if (!conn_) throw PgError("PostgreSQL: out of memory", "", true);
  if (PQstatus(conn_) != CONNECTION_OK) {
    std::string msg = first_line(PQerrorMessage(conn_));
    PQfinish(conn_);
    conn_ = nullptr;
    throw PgError("cannot connect to PostgreSQL: " + msg, "", true);
  }
  PQsetNoticeProcessor(conn_, &ignore_notice, nullptr);
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

Result Connection::check(PGresult* r, const char* what) {
  Result result(r);
  auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  if (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) return result;
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  std::string sqlstate = state ? state : "";
  const char* primary = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  std::string msg = primary ? primary : first_line(PQerrorMessage(conn_));
  // A FATAL error ends the session: the server closes the connection after it.
  const char* severity = r ? PQresultErrorField(r, PG_DIAG_SEVERITY_NONLOCALIZED) : nullptr;
  const bool fatal = severity && (std::string_view(severity) == "FATAL" || std::string_view(severity) == "PANIC");
  bool lost = broken() || fatal || means_connection_lost(sqlstate);
  throw PgError(std::string("PostgreSQL ") + what + ": " + msg + (sqlstate.empty() ? "" : " (" + sqlstate + ")"),
                sqlstate, lost);
}

Result Connection::exec(const char* sql) {
  if (unread_ > 0) {
    try {
      settle("exec");
    } catch (PgError& e) {
      // None of those statements was this one: the failure is reported as deferred, and in
      // preference to what this statement meets in the transaction it left aborted. The statement
      // still runs (a ROLLBACK must).
      e.set_deferred();
      PQclear(PQexec(conn_, sql));
      throw;
    }
  }
  return check(PQexec(conn_, sql), "exec");
}

void Connection::sent(int ok, const char* what) {
  if (ok) return;
  lost_ = true;  // pipeline mode stays on with answers owed: nothing more can run on this connection
  check(nullptr, what);
}

const std::string& Connection::prepared_name(const char* sql) {
  auto it = prepared_.find(sql);
  if (it != prepared_.end()) return it->second;
  std::string name = "lockstep_" + std::to_string(++statements_named_);
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_ON) {
    sent(PQsendPrepare(conn_, name.c_str(), sql, 0, nullptr), "prepare");
    ++unread_;
    preparing_.push_back(sql);
  } else {
    check(PQprepare(conn_, name.c_str(), sql, 0, nullptr), "prepare");
  }
  return prepared_.emplace(sql, std::move(name)).first->second;
}

Result Connection::query(const char* sql, const Params& params) {
  if (unread_ > 0) {
    defer(sql, params);
    return settle("query");
  }
  const std::string& name = prepared_name(sql);
  auto values = params.pointers();
  return check(PQexecPrepared(conn_, name.c_str(), params.size(), values.data(), nullptr, nullptr, 0), "query");
}

Result Connection::query_once(const char* sql, const Params& params) {
  auto values = params.pointers();
  if (unread_ > 0) {
    sent(PQsendQueryParams(conn_, sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0), "query");
    ++unread_;
    return settle("query");
  }
  return check(PQexecParams(conn_, sql, params.size(), nullptr, values.data(), nullptr, nullptr, 0), "query");
}

void Connection::enter_pipeline() {
  if (PQpipelineStatus(conn_) == PQ_PIPELINE_OFF) sent(PQenterPipelineMode(conn_), "pipeline");
}

void Connection::defer(const char* sql, const Params& params) {
  enter_pipeline();
  const std::string& name = prepared_name(sql);
  auto values = params.pointers();
  sent(PQsendQueryPrepared(conn_, name.c_str(), params.size(), values.data(), nullptr, nullptr, 0), "query");
  ++unread_;
}

void Connection::defer_fixed(const std::string& sql) {
  enter_pipeline();
  sent(PQsendQueryParams(conn_, sql.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0), "exec");
  ++unread_;
}

Result Connection::settle(const char* what) {
  const int owed = unread_;
  unread_ = 0;
  std::vector<const char*> preparing;
  preparing.swap(preparing_);
  sent(PQpipelineSync(conn_), what);
  std::optional<PgError> failure;
  Result last(nullptr);
  for (int i = 0; i < owed; ++i) {
    PGresult* r = PQgetResult(conn_);
    if (!r) {  // no answer where one is due: the connection is gone
      failure = failure.value_or(PgError("PostgreSQL: the connection was lost", "", true));
      break;
    }
    const auto status = PQresultStatus(r);
    const bool answered = status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK || status == PGRES_PIPELINE_ABORTED;
    if (!answered && !failure) {
      try {
        check(r, what);
      } catch (PgError& e) {
        if (i + 1 < owed) e.set_deferred();
        failure = e;
      }
    } else if (i + 1 == owed && status != PGRES_PIPELINE_ABORTED) {
      last = Result(r);
    } else {
      PQclear(r);
    }
    while (PGresult* more = PQgetResult(conn_)) PQclear(more);  // each answer ends with a null
  }
  if (!failure || !failure->connection_lost()) {
    PGresult* sync = PQgetResult(conn_);  // the sync's own answer
    const bool synced = sync && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
    PQclear(sync);
    if (!synced || !PQexitPipelineMode(conn_)) {
      lost_ = true;
      failure = failure.value_or(
          PgError("PostgreSQL: the pipeline was not answered: " + first_line(PQerrorMessage(conn_)), "", true));
    }
  } else {
    lost_ = true;
  }
  if (lost_ && failure && !failure->connection_lost()) {
    // The statement's own failure, but the pipeline could not be brought back: the connection is.
    PgError lost(failure->what(), failure->sqlstate(), true);
    if (failure->deferred()) lost.set_deferred();
    failure = lost;
  }
  if (failure) {
    // Whether a preparation sent in this pipeline happened is not known: prepared again next time.
    // (A name is never reused: names count up.)
    for (const char* sql : preparing) prepared_.erase(sql);
    throw *failure;
  }
  return last;
}

std::unique_ptr<Connection> open_session(const std::string& url) {
  auto conn = std::make_unique<Connection>(url);
  // A node that stops in the middle of a transaction (frozen, not dead: a dead one's connection
  // closes) would hold its row locks, the revision counter among them, for every node. Jobs never
  // pause inside a transaction, so a minute idle in one means the node is gone.
  // A 2xx promises that the write is on disk: a COMMIT must not return before its WAL is flushed,
  // whatever the database, the role or the URL's options set as the default. Stronger settings
  // (remote_write, remote_apply: waiting for standbys too) are kept; "local" flushes here too.
  conn->exec(
      "SET idle_in_transaction_session_timeout = '60s'; "
      "SELECT set_config('synchronous_commit', 'on', false) WHERE current_setting('synchronous_commit') = 'off'");
  return conn;
}

Transaction::Transaction(Connection& conn, const char* begin) : conn_(conn) { conn_.exec(begin); }

Transaction::~Transaction() {
  if (!open_ || conn_.broken()) return;
  try {
    conn_.exec("ROLLBACK");
  } catch (const std::exception&) {
    // The connection failed on the way out; the server rolls the transaction back itself.
  }
}

void Transaction::commit() {
  open_ = false;  // whatever COMMIT answers, the transaction is over
  Result r = conn_.exec("COMMIT");
  if (r.command() != "COMMIT") throw PgError("PostgreSQL: the transaction failed and was rolled back", "", false);
}

}  // namespace lockstep::pg
