// An HTTP answer as the client received it: every Result (error.h) keeps the one that produced
// it, so a caller can read the API's JSON exactly as sent, and any header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lockstep {

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;
  HttpHeaders headers;
  std::string body;

  // The value of header `name` (compared case-insensitively), if present.
  std::optional<std::string> header(std::string_view name) const;
};

}  // namespace lockstep
