#include "core/utf8.h"

namespace lockstep {
namespace {

// The length of the valid UTF-8 sequence that starts at s[i], or 0 when none does.
std::size_t sequence_at(std::string_view s, std::size_t i) {
  auto c = static_cast<unsigned char>(s[i]);
  std::size_t n;
  char32_t cp;
  if (c < 0x80) {
    return 1;
  } else if ((c & 0xE0) == 0xC0) {
    n = 2, cp = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3, cp = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0) {
    n = 4, cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  static constexpr char32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0;
  return n;
}

}  // namespace

std::optional<std::size_t> utf8_length(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    const std::size_t n = sequence_at(s, i);
    if (n == 0) return std::nullopt;
    i += n;
  }
  return count;
}

std::string to_valid_utf8(std::string s) {
  // Almost always valid already (every answer that quotes no client bytes): returned as it is.
  std::size_t valid = 0;
  while (valid < s.size()) {
    if (static_cast<unsigned char>(s[valid]) < 0x80) {
      ++valid;
      continue;
    }
    const std::size_t n = sequence_at(s, valid);
    if (n == 0) break;
    valid += n;
  }
  if (valid == s.size()) return s;
  std::string out(s, 0, valid);
  out.reserve(s.size() + 8);
  for (std::size_t i = valid; i < s.size();) {
    const std::size_t n = sequence_at(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(s, i, n);
      i += n;
    }
  }
  return out;
}

}  // namespace lockstep
