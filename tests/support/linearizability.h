// A linearizability checker (Wing & Gong's search with Lowe's memoisation, as in Porcupine) for
// histories of reads and conditional writes on versioned registers: the model of a task under
// If-Match. A history is linearizable when its operations can be put in one order that respects
// real time (an operation that returned before another was invoked comes first) and in which
// every answer is what a single, sequential store would have given.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace lockstep::testing {

// One operation on one register (key), as a client saw it.
struct Operation {
  enum class Kind { kRead, kWrite };
  enum class Outcome { kOk, kFailed, kUnknown };  // kFailed: 412; kUnknown: the answer was lost

  std::string key;
  Kind kind = Kind::kRead;
  std::int64_t invoked = 0;  // any clock shared by all clients, e.g. steady_clock nanoseconds
  std::int64_t returned = std::numeric_limits<std::int64_t>::max();  // unknown: never
  // Read: the (version, value) seen. Write: `expected` version and the `value` written; on
  // success `version` is the new version (expected + 1); on a 412 `version` is the current one.
  std::int64_t expected = 0;
  std::int64_t version = 0;
  std::int64_t value = 0;
  Outcome outcome = Outcome::kOk;
};

struct CheckResult {
  bool linearizable = true;
  std::string key;                // the key whose history is not
  std::vector<Operation> window;  // the operations around the point the search could not pass
  std::size_t operations = 0;     // how many were checked
};

// Checks every key's history on its own (linearizability is compositional). `initial` is the
// (version, value) every register starts with.
CheckResult check_linearizable(const std::vector<Operation>& history, std::int64_t initial_version,
                               std::int64_t initial_value);

// A readable line per operation, for failure reports.
std::string describe(const Operation& op);

}  // namespace lockstep::testing
