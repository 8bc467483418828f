// UTF-8 checks for field limits that API.md counts in Unicode code points.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace lockstep {

// The number of code points in `s`, or nullopt when `s` is not valid UTF-8 (overlong forms,
// surrogates and values past U+10FFFF are invalid).
std::optional<std::size_t> utf8_length(std::string_view s);

}  // namespace lockstep
