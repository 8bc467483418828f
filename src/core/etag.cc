#include "core/etag.h"

namespace lockstep {
namespace {

bool is_etagc(unsigned char c) { return c == 0x21 || (c >= 0x23 && c <= 0x7e) || c >= 0x80; }
bool is_ows(char c) { return c == ' ' || c == '\t'; }

// Reads an entity-tag starting at `pos`, advancing it; nullopt on bad syntax.
std::optional<EntityTag> read_tag(std::string_view s, std::size_t& pos) {
  EntityTag tag;
  if (s.substr(pos, 2) == "W/") {
    tag.weak = true;
    pos += 2;
  }
  if (pos >= s.size() || s[pos] != '"') return std::nullopt;
  std::size_t start = pos++;
  while (pos < s.size() && s[pos] != '"') {
    if (!is_etagc(static_cast<unsigned char>(s[pos]))) return std::nullopt;
    ++pos;
  }
  if (pos >= s.size()) return std::nullopt;
  ++pos;
  tag.opaque = std::string(s.substr(start, pos - start));
  return tag;
}

}  // namespace

EntityTag make_etag(std::int64_t version, std::int64_t revision) {
  // Appended rather than `"\"" + std::to_string(...)`: GCC 12 at -O3 warns falsely (-Wrestrict)
  // about that operator+ (GCC bug 105329), which broke plain Release builds.
  std::string opaque = "\"";
  opaque += std::to_string(version);
  opaque += '-';
  opaque += std::to_string(revision);
  opaque += '"';
  return EntityTag{std::move(opaque), false};
}

std::optional<EntityTag> parse_entity_tag(std::string_view s) {
  std::size_t pos = 0;
  auto tag = read_tag(s, pos);
  if (!tag || pos != s.size()) return std::nullopt;
  return tag;
}

std::optional<EntityTagList> parse_entity_tag_list(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && is_ows(s[b])) ++b;
  while (e > b && is_ows(s[e - 1])) --e;
  s = s.substr(b, e - b);
  if (s == "*") return EntityTagList{true, {}};
  EntityTagList list;
  std::size_t pos = 0;
  while (pos < s.size()) {
    if (s[pos] == ',' || is_ows(s[pos])) {
      ++pos;
      continue;
    }
    auto tag = read_tag(s, pos);
    if (!tag) return std::nullopt;
    list.tags.push_back(std::move(*tag));
    while (pos < s.size() && is_ows(s[pos])) ++pos;
    if (pos < s.size() && s[pos] != ',') return std::nullopt;
  }
  if (list.tags.empty()) return std::nullopt;
  return list;
}

bool strong_match(const EntityTag& a, const EntityTag& b) { return !a.weak && !b.weak && a.opaque == b.opaque; }

bool weak_match(const EntityTag& a, const EntityTag& b) { return a.opaque == b.opaque; }

}  // namespace lockstep
