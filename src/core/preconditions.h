// RFC 9110 §13.2.2: evaluating the conditional request headers against the current state of a
// resource. Pure; the one place these rules live.
#pragma once

#include <limits>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/etag.h"
#include "core/time.h"

namespace lockstep {

// The conditional headers of one request, as sent (absent = nullopt).
struct ConditionalHeaders {
  std::optional<std::string> if_match = std::nullopt;
  std::optional<std::string> if_none_match = std::nullopt;
  std::optional<std::string> if_modified_since = std::nullopt;
  std::optional<std::string> if_unmodified_since = std::nullopt;

  // True when any header that makes a write conditional is present (used for 428).
  bool conditions_write() const {
    return if_match || if_none_match || (if_unmodified_since && parse_http_date(*if_unmodified_since));
  }
};

// The time of the change before the last one, for a representation whose last change created it.
inline constexpr Millis kNoEarlierChange = std::numeric_limits<Millis>::min();

// The current representation the conditions are evaluated against.
struct Representation {
  EntityTag etag;
  Millis last_modified = 0;  // the time of its last change
  // When the change before the last one was made (kNoEarlierChange: the last change created it);
  // nullopt when not known. Only a date naming the second of the last change needs it (see
  // needs_earlier_change), so callers fetch it only then.
  std::optional<Millis> earlier_change = std::nullopt;
};

enum class Outcome {
  kProceed,             // perform the method
  kPreconditionFailed,  // 412
  kNotModified,         // 304 (GET/HEAD only)
};

// Parsed, validated conditional headers. Parsing fails (400) only on an unparseable If-Match or
// If-None-Match: a malformed condition must never let a write through. Invalid dates are ignored,
// as RFC 9110 §13.1.3/§13.1.4 require.
struct Conditions {
  std::optional<EntityTagList> if_match;
  std::optional<EntityTagList> if_none_match;
  std::optional<Millis> if_modified_since;
  std::optional<Millis> if_unmodified_since;

  static Result<Conditions> parse(const ConditionalHeaders& headers);

  // The ETag named by an If-Match with exactly one tag (a merge base), else nullopt.
  std::optional<EntityTag> single_if_match() const;
};

// Evaluates `c` in the order of RFC 9110 §13.2.2. `current` is null when the resource does not
// exist. `safe` is true for GET and HEAD.
// An HTTP date has whole seconds, the store milliseconds (API.md §4): a date stands for the current
// representation only when its last change was before the named second, or within it while the
// change before it was not. Otherwise (an earlier change within the same second, or not known) the
// date is older than the representation: If-Unmodified-Since fails, If-Modified-Since proceeds.
Outcome evaluate(const Conditions& c, const Representation* current, bool safe);

// True when evaluating `c` (for a method that is `safe` or not) against a representation last
// changed at `last_modified` depends on Representation::earlier_change: a date that evaluate
// uses names the second of that change.
bool needs_earlier_change(const Conditions& c, Millis last_modified, bool safe);

}  // namespace lockstep
