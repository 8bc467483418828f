// The end-of-run checks beyond the hot set's (hot_set.h): each compares what the workers
// acknowledged (ledgers.h) with what the server holds or sent, and says PASS or FAIL with the
// first few failures. They run after the timed phase, on their own connections.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <string>
#include <vector>

#include "connection.h"
#include "follow.h"
#include "hot_set.h"
#include "ledgers.h"
#include "options.h"

namespace lockstep::bench {

struct CheckResult {
  std::string name;
  bool pass = true;
  std::string summary;  // one line, for PASS and FAIL alike
  std::uint64_t failed = 0;
  std::vector<std::string> first_failures;  // a few, for the report
  boost::json::object details;              // the check's own figures, for --json

  void fail(std::string line);
};

// occ-merge, per hot task read back: every field holds the value of its acknowledged write with
// the highest resulting version (or the hot task's initial value when none was acknowledged); a
// field with a write in doubt is not judged.
TaskCheck merge_field_check(const MergeLedger& ledger);

// lock: no fencing token was granted twice on a task; no two locked increments of a task read the
// same warningOffset (two holders at once); ordered by the value they read (the order the locks
// were held in), their tokens strictly increase.
CheckResult lock_fencing_check(const LockLedger& ledger);

// purchase: reads the product back. Sold (acknowledged) <= initial stock; final stock =
// initial - sold - (some of the in-doubt quantity); never below 0 in any answer; every 200 left a
// different stock; no OUT_OF_STOCK while the stock covered the quantity.
CheckResult purchase_check(const Options& options, const ConnectionConfig& config, const std::string& product_target,
                           const PurchaseLedger& ledger);

// overload: every task whose create was answered 201 exists (all of them up to 20,000, else an
// evenly spread sample of 20,000).
CheckResult overload_check(const Options& options, const ConnectionConfig& config,
                           const std::vector<std::string>& created);

// follow: each follower received every acknowledged write's change exactly once, in strictly
// increasing revision order, reached the final revision, and saw no malformed event. Also
// measures delivery latency: arrival at the follower minus the writer's answer (0 when the event
// came first), over every follower and acknowledged write.
CheckResult follow_check(const std::vector<Ack>& acks, const Followers& followers);

}  // namespace lockstep::bench
