// The end-of-run report: a human table and one machine-readable JSON object.
#pragma once

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "checks.h"
#include "hot_set.h"
#include "options.h"
#include "stats.h"

namespace lockstep::bench {

struct CpuTimes {
  double user_s = 0;
  double system_s = 0;
};

// This process's CPU time so far, all threads together (getrusage RUSAGE_SELF).
CpuTimes process_cpu();

struct Summary {
  const Options* options = nullptr;
  Stats stats;
  double elapsed_s = 0;                      // from the first operation to the end of the last one
  CpuTimes cpu;                              // spent over elapsed_s
  std::optional<Verification> verification;  // the hot set's (occ, occ-merge, lock, batch, ...)
  std::vector<CheckResult> checks;           // the workload's own (checks.h)

  bool checks_pass() const;
};

// The statuses outside the workload's expected set, as "404 x3, 500 x1"; empty when none.
std::string unexpected_statuses(const Summary& s);

void print_table(std::FILE* out, const Summary& s);
std::string to_json(const Summary& s);

}  // namespace lockstep::bench
