// UTF-8 checks for field limits that API.md counts in Unicode code points, and for text that must
// be valid UTF-8 whatever bytes it was made of.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace lockstep {

// The number of code points in `s`, or nullopt when `s` is not valid UTF-8 (overlong forms,
// surrogates and values past U+10FFFF are invalid).
std::optional<std::size_t> utf8_length(std::string_view s);

// `s` with every byte that does not begin a valid UTF-8 sequence replaced by U+FFFD, so that text
// quoting a client's bytes (a path, a header, a query key) is always valid UTF-8. Valid text comes
// back unchanged.
std::string to_valid_utf8(std::string s);

}  // namespace lockstep
