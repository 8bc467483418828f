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

namespace {

Millis second_of(Millis t) { return t - ((t % 1000) + 1000) % 1000; }

// The date conditions evaluate looks at; the others are ignored (RFC 9110 §13.2.2).
const std::optional<Millis>& if_unmodified_since_used(const Conditions& c) {
  static const std::optional<Millis> kNone;
  return c.if_match ? kNone : c.if_unmodified_since;
}

const std::optional<Millis>& if_modified_since_used(const Conditions& c, bool safe) {
  static const std::optional<Millis> kNone;
  return !safe || c.if_none_match ? kNone : c.if_modified_since;
}

bool in_second_of(Millis date, Millis t) { return second_of(t) == second_of(date); }

// True when the representation is known to be the one current at the end of the second `date`
// names: no change after it, and no two changes within it (RFC 9110 §8.8.2.2 leaves the date's
// precision to the server; API.md §4 makes it never weaker than the ETag it stands for).
bool unmodified_since(const Representation& r, Millis date) {
  const Millis start = second_of(date);
  if (r.last_modified < start) return true;
  if (r.last_modified >= start + 1000) return false;
  return r.earlier_change && *r.earlier_change < start;
}

}  // namespace

bool needs_earlier_change(const Conditions& c, Millis last_modified, bool safe) {
  const auto& ius = if_unmodified_since_used(c);
  const auto& ims = if_modified_since_used(c, safe);
  return (ius && in_second_of(*ius, last_modified)) || (ims && in_second_of(*ims, last_modified));
}

Outcome evaluate(const Conditions& c, const Representation* current, bool safe) {
  // Step 1 / 2: If-Match, else If-Unmodified-Since.
  if (c.if_match) {
    if (!current) return Outcome::kPreconditionFailed;
    if (!c.if_match->any && std::none_of(c.if_match->tags.begin(), c.if_match->tags.end(),
                                         [&](const EntityTag& t) { return strong_match(t, current->etag); })) {
      return Outcome::kPreconditionFailed;
    }
  } else if (const auto& ius = if_unmodified_since_used(c); ius && current && !unmodified_since(*current, *ius)) {
    return Outcome::kPreconditionFailed;
  }
  // Step 3 / 4: If-None-Match, else If-Modified-Since (GET/HEAD only).
  if (c.if_none_match) {
    bool matches = current && (c.if_none_match->any ||
                               std::any_of(c.if_none_match->tags.begin(), c.if_none_match->tags.end(),
                                           [&](const EntityTag& t) { return weak_match(t, current->etag); }));
    if (matches) return safe ? Outcome::kNotModified : Outcome::kPreconditionFailed;
  } else if (const auto& ims = if_modified_since_used(c, safe); ims && current && unmodified_since(*current, *ims)) {
    return Outcome::kNotModified;
  }
  return Outcome::kProceed;
}

}  // namespace lockstep
