// Conditional headers, ETag lists and dates: four header values separated by newlines.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/preconditions.h"
#include "core/time.h"
#include "core/utf8.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  std::string in(reinterpret_cast<const char*>(data), size);
  std::optional<std::string> parts[4];
  std::size_t pos = 0;
  for (auto& part : parts) {
    if (pos > in.size()) break;
    auto nl = in.find('\n', pos);
    if (nl == std::string::npos) nl = in.size();
    part = in.substr(pos, nl - pos);
    pos = nl + 1;
  }
  ConditionalHeaders h{parts[0], parts[1], parts[2], parts[3]};
  if (auto c = Conditions::parse(h)) {
    Representation rep{make_etag(2, 9), 1'700'000'000'500};
    const std::optional<Millis> earlier[] = {std::nullopt, kNoEarlierChange, 1'699'999'999'999, 1'700'000'000'000};
    for (bool safe : {true, false}) {
      (void)needs_earlier_change(*c, rep.last_modified, safe);
      for (auto e : earlier) {
        rep.earlier_change = e;
        (void)evaluate(*c, &rep, safe);
      }
      (void)evaluate(*c, nullptr, safe);
    }
    (void)c->single_if_match();
  }
  (void)parse_entity_tag_list(in);
  (void)parse_entity_tag(in);
  if (auto t = parse_rfc3339(in)) (void)format_rfc3339(*t);
  if (auto t = parse_http_date(in)) (void)format_http_date(*t);
  (void)utf8_length(in);
  return 0;
}
