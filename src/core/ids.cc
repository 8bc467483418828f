#include "core/ids.h"

#include <array>
#include <cstdint>
#include <mutex>

#include "core/crypto.h"

namespace lockstep {

std::string make_ulid(Millis now) {
  static std::mutex mu;
  static Millis last_ms = 0;
  static std::array<std::uint8_t, 10> last_random{};

  std::array<std::uint8_t, 10> random{};
  {
    std::lock_guard lock(mu);
    if (now <= last_ms) {
      // Same (or earlier) millisecond: keep order by incrementing the previous random part.
      now = last_ms;
      random = last_random;
      for (int i = 9; i >= 0 && ++random[static_cast<std::size_t>(i)] == 0; --i) {
      }
    } else {
      random_bytes(random.data(), random.size());
    }
    last_ms = now;
    last_random = random;
  }

  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::string out(26, '0');
  auto ts = static_cast<std::uint64_t>(now);
  for (int i = 9; i >= 0; --i) {
    out[static_cast<std::size_t>(i)] = kAlphabet[ts & 31];
    ts >>= 5;
  }
  // 80 bits -> 16 characters, 5 bits each, most significant first.
  std::size_t bit = 0;
  for (std::size_t i = 10; i < 26; ++i, bit += 5) {
    unsigned v = 0;
    for (std::size_t b = bit; b < bit + 5; ++b) {
      v = (v << 1) | ((random[b / 8] >> (7 - b % 8)) & 1u);
    }
    out[i] = kAlphabet[v];
  }
  return out;
}

bool is_valid_client_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace lockstep
