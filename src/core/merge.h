// Three-way merge of fields, for `Prefer: conflict=merge` (API.md §4). Pure.
#pragma once

#include <boost/json/value.hpp>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace lockstep {

// One field the request sets: its value in the base version (the one the writer saw), in the
// current version (theirs), and in the request (yours).
struct FieldEdit {
  std::string field;
  boost::json::value base;
  boost::json::value theirs;
  boost::json::value yours;
};

// A domain rule that resolves what would be a conflict; nullopt leaves it a conflict.
using ConflictResolver = std::function<std::optional<boost::json::value>(const FieldEdit&)>;

struct MergeOutcome {
  // Fields to write on top of the current version (yours, or a resolved value).
  std::vector<std::pair<std::string, boost::json::value>> apply;
  std::vector<FieldEdit> conflicts;  // empty: the merge succeeds
};

// For each edit: unchanged since the base (theirs == base) -> yours applies; both sides set the
// same value -> nothing to do; otherwise `resolve` may settle it, else it is a conflict.
MergeOutcome merge_fields(const std::vector<FieldEdit>& edits, const ConflictResolver& resolve);

}  // namespace lockstep
