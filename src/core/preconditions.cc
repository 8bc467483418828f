#include "core/preconditions.h"

#include <algorithm>

namespace lockstep {

Result<Conditions> Conditions::parse(const ConditionalHeaders& h) {
  Conditions c;
  Error err(Code::kValidationFailed, "A conditional request header is malformed.");
  if (h.if_match) {
    c.if_match = parse_entity_tag_list(*h.if_match);
    if (!c.if_match) err.errors.push_back({"If-Match", "must be * or a list of quoted entity-tags"});
  }
  if (h.if_none_match) {
    c.if_none_match = parse_entity_tag_list(*h.if_none_match);
    if (!c.if_none_match) {
      err.errors.push_back({"If-None-Match", "must be * or a list of quoted entity-tags"});
    }
  }
  if (!err.errors.empty()) return err;
  if (h.if_modified_since) c.if_modified_since = parse_http_date(*h.if_modified_since);
  if (h.if_unmodified_since) c.if_unmodified_since = parse_http_date(*h.if_unmodified_since);
  return c;
}

std::optional<EntityTag> Conditions::single_if_match() const {
  if (if_match && !if_match->any && if_match->tags.size() == 1) return if_match->tags[0];
  return std::nullopt;
}

Outcome evaluate(const Conditions& c, const Representation* current, bool safe) {
  // HTTP-dates have one-second resolution; a representation modified within the named second
  // counts as not modified since it.
  auto modified_after = [&](Millis date) {
    return current->last_modified / 1000 > date / 1000;
  };
  // Step 1 / 2: If-Match, else If-Unmodified-Since.
  if (c.if_match) {
    if (!current) return Outcome::kPreconditionFailed;
    if (!c.if_match->any &&
        std::none_of(c.if_match->tags.begin(), c.if_match->tags.end(),
                     [&](const EntityTag& t) { return strong_match(t, current->etag); })) {
      return Outcome::kPreconditionFailed;
    }
  } else if (c.if_unmodified_since && current && modified_after(*c.if_unmodified_since)) {
    return Outcome::kPreconditionFailed;
  }
  // Step 3 / 4: If-None-Match, else If-Modified-Since (GET/HEAD only).
  if (c.if_none_match) {
    bool matches = current && (c.if_none_match->any ||
                               std::any_of(c.if_none_match->tags.begin(), c.if_none_match->tags.end(),
                                           [&](const EntityTag& t) { return weak_match(t, current->etag); }));
    if (matches) return safe ? Outcome::kNotModified : Outcome::kPreconditionFailed;
  } else if (safe && c.if_modified_since && current && !modified_after(*c.if_modified_since)) {
    return Outcome::kNotModified;
  }
  return Outcome::kProceed;
}

}  // namespace lockstep
