// Entity tags (RFC 9110 §8.8.3) and the lists of them that If-Match / If-None-Match carry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lockstep {

struct EntityTag {
  std::string opaque;  // the quoted string, quotes included: "\"3-17\""
  bool weak = false;

  std::string to_string() const { return weak ? "W/" + opaque : opaque; }
  friend bool operator==(const EntityTag&, const EntityTag&) = default;
};

// An If-Match or If-None-Match field value: `*` or a list of entity tags.
struct EntityTagList {
  bool any = false;  // `*`
  std::vector<EntityTag> tags;
};

// The strong ETag of one version of a resource. `revision` is unique across the whole store and
// never reused, so an ETag never repeats for a URL, not even after delete and re-create.
EntityTag make_etag(std::int64_t version, std::int64_t revision);

// Parses one entity-tag; nullopt if `text` is not exactly one.
std::optional<EntityTag> parse_entity_tag(std::string_view text);

// Parses `*` or a comma-separated list (empty elements allowed, as in RFC 9110 §5.6.1).
// nullopt when the value is not valid syntax, or is empty.
std::optional<EntityTagList> parse_entity_tag_list(std::string_view text);

// RFC 9110 §8.8.3.2: strong comparison needs both tags strong; weak ignores the W/ prefix.
bool strong_match(const EntityTag& a, const EntityTag& b);
bool weak_match(const EntityTag& a, const EntityTag& b);

}  // namespace lockstep
