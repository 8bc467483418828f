// What a run counts. Each worker thread owns one Stats and one OccLedger and touches only its own;
// they are merged after the threads are joined. LiveCounters are the few figures the progress line
// reads while the run goes on, so they alone are atomic.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <vector>

#include "histogram.h"
#include "options.h"

namespace lockstep::bench {

struct LiveCounters {
  std::atomic<std::uint64_t> ops{0};
  std::atomic<std::uint64_t> requests{0};
  std::atomic<std::uint64_t> errors{0};
};

struct Stats {
  Histogram request_ns;  // one HTTP exchange: first byte written to last byte read
  Histogram op_ns;       // one whole operation, retries included
  std::uint64_t ops = 0;
  std::uint64_t requests = 0;
  // The contended attempts and, of them, those refused for contention: occ PATCHes and 412s,
  // occ-merge PATCHes and 409 MERGE_CONFLICTs, lock acquires and 423s, purchases and 409
  // OUT_OF_STOCKs, batches sent and 409 BATCH_ABORTEDs (conflict_label() in report.cc).
  std::uint64_t writes = 0;
  std::uint64_t conflicts = 0;
  std::uint64_t merged = 0;     // occ-merge: 200s that carried Preference-Applied: conflict=merge
  Histogram accepted_ns;        // overload: exchanges answered 2xx
  Histogram shed_ns;            // overload: exchanges answered 503 (or 429), not waited out
  std::uint64_t capped = 0;     // occ: the task was at the warningOffset maximum, left alone
  std::uint64_t anomalies = 0;  // a 2xx whose body was not what the contract promises
  std::uint64_t transport_errors = 0;
  std::uint64_t timeouts = 0;  // the subset of transport_errors that were timeouts
  std::uint64_t reconnects = 0;
  std::uint64_t throttled = 0;  // 429/503 answers waited out as their Retry-After asked
  std::uint64_t abandoned = 0;  // operations cut off at the end of the drain period
  std::map<unsigned, std::uint64_t> statuses;

  void merge(const Stats& other);
};

// The statuses a workload's requests are meant to get; 429 and 503 are the server's legitimate
// back-pressure and are waited out (overload counts them instead), anything else is a failure of
// the run. Contention answers are expected where the workload provokes them: 412 (occ, mixed,
// follow), 409 (occ-merge MERGE_CONFLICT, purchase OUT_OF_STOCK, batch BATCH_ABORTED), 423
// (lock acquire); and 204 for a lock release.
bool is_expected_status(Workload w, unsigned status);

// Per hot task, the increments the server acknowledged (200) and those whose answer was lost in
// a transport failure after the request was sent (applied or not: the tool cannot know).
struct OccLedger {
  std::vector<std::uint64_t> acked;
  std::vector<std::uint64_t> in_doubt;

  explicit OccLedger(std::size_t tasks = 0) : acked(tasks, 0), in_doubt(tasks, 0) {}
  void merge(const OccLedger& other);
};

}  // namespace lockstep::bench
