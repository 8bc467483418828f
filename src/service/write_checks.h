// The checks every conditional write makes, for any versioned resource (tasks, products): one
// implementation of API.md §1's order 428 -> (423, by the caller) -> 412 -> 400 -> 409.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/preconditions.h"
#include "service/task_service.h"

namespace lockstep {

// What the checks need to know of the resource as it is now.
struct VersionedState {
  const char* kind = "resource";  // for messages: "task", "product"
  EntityTag etag;
  Millis updated_at = 0;
  std::int64_t version = 0;
  // Its representation, sent back as `current`: made only for a conflict answer, since most
  // checks pass. Refers to the resource, so it lives no longer than the check it is passed to.
  std::function<std::string()> json;
  // When the change before its last one was made (Representation::earlier_change), asked only
  // when a date condition names the second of the last change; empty: never known.
  std::function<std::optional<Millis>()> earlier_change = nullptr;
};

// A conflict answer carrying the resource as it is now, so the client can rebuild its write
// without another GET.
Error with_current(Error e, const VersionedState& current);

// True when the body names a version (`version` or `expectedVersion`), i.e. is conditional.
bool body_has_version(const Body& body);

// 428 when the server requires preconditions and the write carries none.
Status require_precondition(const WriteContext& ctx, const ConditionalHeaders& headers, const Body& body);

// The header preconditions against the current state: 400 when malformed, else 412 with current.
// With `merge_base` given and a merge asked for, a stale single-ETag If-Match is not refused but
// returned there as the merge base.
Status check_conditions(const WriteContext& ctx, const VersionedState& current, const ConditionalHeaders& headers,
                        std::optional<EntityTag>* merge_base = nullptr);

// The conditions of a GET or HEAD: 400 when malformed, 412 with current when If-Match fails;
// otherwise true when the answer is 304 Not Modified.
Result<bool> check_read_conditions(const VersionedState& current, const ConditionalHeaders& headers);

// A body version that is not the current one: 409 VERSION_CONFLICT with current.
Status check_expected_version(std::optional<std::int64_t> expected, const VersionedState& current);

// The parsed JSON of a body that must be present: 400 VALIDATION_FAILED when absent,
// 400 MALFORMED_JSON when not JSON.
Result<const boost::json::value*> require_json(const Body& body);

}  // namespace lockstep
