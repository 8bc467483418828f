// Reading request bodies as JSON by API.md §1's rules, which are stricter than Boost.JSON's
// defaults: an object may not repeat a member name (Boost.JSON keeps the last one, so two readers
// of one body could see two different writes), and text may not hold U+0000 (libpq takes C
// strings, so a store would keep less than was acknowledged).
#pragma once

#include <boost/json/value.hpp>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace lockstep {

// Parses `text` as one JSON document nested at most `max_depth` deep, in one pass. Fails with
// MALFORMED_JSON, whose detail says why, when it is not JSON (invalid UTF-8 included) or when any
// object in it, at any depth, names a member twice.
Result<boost::json::value> parse_json_strict(std::string_view text, std::size_t max_depth);

// Where `v` holds U+0000, in a string or a member name: one path each, `a.b` for a member and
// `a[2]` for an element (`""` for `v` itself), in document order.
std::vector<std::string> paths_holding_nul(const boost::json::value& v);

}  // namespace lockstep
