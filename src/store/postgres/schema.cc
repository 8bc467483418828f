#include "store/postgres/schema.h"

#include <iterator>

namespace lockstep::pg {
namespace {

// Ids are compared byte by byte (COLLATE "C"), as SQLite does: list pages come in the same order
// on both stores and do not depend on the database's locale.
constexpr const char* kVersion1 = R"sql(
INSERT INTO meta(key, value) VALUES ('revision', 0), ('feed_pruned_through', 0)
  ON CONFLICT (key) DO NOTHING;

-- Fencing tokens. A sequence never hands out a value twice, even when the transaction that drew it
-- rolls back, and (with the default CACHE 1) hands them out in increasing order across sessions.
CREATE SEQUENCE IF NOT EXISTS lock_tokens;

CREATE TABLE IF NOT EXISTS tasks (
  task_id        TEXT COLLATE "C" PRIMARY KEY,
  user_id        TEXT COLLATE "C" NOT NULL,
  title          TEXT NOT NULL,
  description    TEXT NOT NULL,
  due            BIGINT NOT NULL,
  warning_offset BIGINT NOT NULL,
  status         TEXT NOT NULL,
  version        BIGINT NOT NULL,
  revision       BIGINT NOT NULL,
  created_at     BIGINT NOT NULL,
  updated_at     BIGINT NOT NULL,
  updated_by     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS tasks_by_user ON tasks(user_id, task_id);
CREATE INDEX IF NOT EXISTS tasks_by_status ON tasks(status, task_id);
CREATE INDEX IF NOT EXISTS tasks_by_due ON tasks(due, task_id);

CREATE TABLE IF NOT EXISTS changes (
  revision BIGINT PRIMARY KEY,
  type     TEXT NOT NULL,
  task_id  TEXT COLLATE "C" NOT NULL,
  version  BIGINT NOT NULL,
  task     TEXT,
  actor    TEXT NOT NULL,
  at       BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS changes_by_task ON changes(task_id, revision);

CREATE TABLE IF NOT EXISTS locks (
  task_id     TEXT COLLATE "C" PRIMARY KEY,
  owner       TEXT NOT NULL,
  token       BIGINT NOT NULL,
  acquired_at BIGINT NOT NULL,
  expires_at  BIGINT NOT NULL
);
CREATE INDEX IF NOT EXISTS locks_by_expiry ON locks(expires_at);

CREATE TABLE IF NOT EXISTS products (
  product_id TEXT COLLATE "C" PRIMARY KEY,
  name       TEXT NOT NULL,
  stock      BIGINT NOT NULL CHECK (stock >= 0),
  price      DOUBLE PRECISION NOT NULL,
  version    BIGINT NOT NULL,
  revision   BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);

CREATE TABLE IF NOT EXISTS idempotency (
  principal  TEXT COLLATE "C" NOT NULL,
  key        TEXT COLLATE "C" NOT NULL,
  method     TEXT NOT NULL,
  target     TEXT NOT NULL,
  body_hash  TEXT NOT NULL,
  response   TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (principal, key)
);
CREATE INDEX IF NOT EXISTS idempotency_by_age ON idempotency(created_at);

CREATE TABLE IF NOT EXISTS users (
  name       TEXT COLLATE "C" PRIMARY KEY,
  role       TEXT NOT NULL,
  token_hash TEXT UNIQUE,
  created_at BIGINT NOT NULL
);
)sql";

// Version 2: lists filtered by user and status read one index range in task_id order. Built
// inside the migration's transaction, which holds writes to tasks meanwhile (nodes are stopped
// for a schema change anyway, docs/operations.md).
constexpr const char* kVersion2 = R"sql(
CREATE INDEX IF NOT EXISTS tasks_by_user_status ON tasks(user_id, status, task_id);
)sql";

// Version 3: no copy of a token is kept (API.md §2). An answer to a user creation stored for an
// Idempotency-Key before lockstepd stopped keeping tokens gets "token": null, as its replay now
// says. The body is a JSON string inside the stored answer, so its members appear with escaped
// quotes (\"token\":\"lst_...\"); a text replacement keeps the rest byte for byte (jsonb would
// reorder and re-space it). Only a string-valued token matches: a lock's fencing token is a number.
// The old row versions stay in the table's files until VACUUM FULL (docs/operations.md).
constexpr const char* kVersion3 = R"sql(
UPDATE idempotency
   SET response = regexp_replace(response, '\\"token\\":\\"[A-Za-z0-9_-]*\\"', '\\"token\\":null', 'g')
 WHERE method = 'POST' AND response ~ '\\"token\\":\\"[A-Za-z0-9_-]*\\"';
)sql";

// Step N takes a database from version N-1 to N. A later version appends a step; steps never change.
constexpr const char* kSteps[] = {kVersion1, kVersion2, kVersion3};
static_assert(std::size(kSteps) == kSchemaVersion);

std::int64_t current_version(Connection& conn) {
  Result r = conn.query("SELECT value FROM meta WHERE key = 'schema_version'", Params{});
  return r.rows() ? r.int64(0, 0) : 0;
}

}  // namespace

std::vector<const char*> schema_steps() { return {std::begin(kSteps), std::end(kSteps)}; }

void migrate(Connection& conn) {
  Transaction tx(conn, "BEGIN");
  // Held to the end of the transaction: nodes starting together migrate one after another
  // (concurrent CREATE ... IF NOT EXISTS of one table can otherwise fail). The key spells "Lockstep".
  conn.exec("SELECT pg_advisory_xact_lock(5507730182447064432)");
  conn.exec(kMetaTable);
  const std::int64_t current = current_version(conn);
  if (current > kSchemaVersion) {
    throw StoreError("the database has schema version " + std::to_string(current) + ", newer than this lockstepd (" +
                     std::to_string(kSchemaVersion) + ")");
  }
  if (current == kSchemaVersion) return;  // rolled back: nothing was changed
  for (std::int64_t v = current + 1; v <= kSchemaVersion; ++v) conn.exec(kSteps[v - 1]);
  conn.query(
      "INSERT INTO meta(key, value) VALUES ('schema_version', $1) "
      "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
      Params().int64(kSchemaVersion));
  tx.commit();
}

}  // namespace lockstep::pg
