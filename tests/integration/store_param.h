// ServerTest on either store, for the suites whose promises must hold on both (API.md §11): the
// parameter is "sqlite" (a fresh file) or "postgres" (a fresh database on the PostgreSQL server the
// test process shares; skipped loudly when that server cannot start).
#pragma once

#include <string>

#include "fixture.h"
#include "pg_server.h"

namespace lockstep::testing {

class StoreServerTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "postgres") {
      LOCKSTEP_REQUIRE_POSTGRES();
      set_up(PgServer::shared().create_database());
    } else {
      ServerTest::SetUp();
    }
  }
};

}  // namespace lockstep::testing

// Runs every TEST_P of `suite` on both stores: Stores/Locks.name/sqlite, Stores/Locks.name/postgres.
#define LOCKSTEP_ON_BOTH_STORES(suite)                                             \
  INSTANTIATE_TEST_SUITE_P(Stores, suite, ::testing::Values("sqlite", "postgres"), \
                           [](const ::testing::TestParamInfo<std::string>& info) { return info.param; })
