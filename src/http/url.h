// Splitting and decoding a request target.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/query_params.h"

namespace lockstep::http {

// Percent-decodes `s` ('+' stays '+'; in a query it is decoded as a space). nullopt when a
// percent escape is malformed.
std::optional<std::string> percent_decode(std::string_view s, bool plus_is_space = false);

// Parses "a=1&b=x%20y" into pairs. nullopt when an escape is malformed.
std::optional<QueryParams> parse_query(std::string_view query);

}  // namespace lockstep::http
