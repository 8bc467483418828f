#include "core/merge.h"

namespace lockstep {

MergeOutcome merge_fields(const std::vector<FieldEdit>& edits, const ConflictResolver& resolve) {
  MergeOutcome out;
  for (const auto& e : edits) {
    if (e.theirs == e.base) {
      out.apply.emplace_back(e.field, e.yours);
    } else if (e.theirs == e.yours) {
      // Both sides made the same change: nothing to write, nothing to report.
    } else if (auto settled = resolve ? resolve(e) : std::nullopt) {
      out.apply.emplace_back(e.field, *settled);
    } else {
      out.conflicts.push_back(e);
    }
  }
  return out;
}

}  // namespace lockstep
