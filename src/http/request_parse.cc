#include "http/request_parse.h"

#include "http/url.h"

namespace lockstep::http {
namespace {

// API.md §1: no query parameter may hold U+0000 (a store reading it as a C string would see less).
std::optional<Error> query_with_nul(const QueryParams& query) {
  Error e(Code::kValidationFailed, "The query may not contain U+0000.");
  for (const auto& [key, value] : query) {
    if (key.find('\0') != std::string::npos || value.find('\0') != std::string::npos) {
      e.errors.push_back({key, "must not contain U+0000"});
    }
  }
  if (e.errors.empty()) return std::nullopt;
  return e;
}

}  // namespace

void limit_parser(RequestParser& parser, std::size_t max_header, std::size_t max_body) {
  parser.header_limit(static_cast<std::uint32_t>(max_header));
  parser.body_limit(max_body);
}

Result<Request> to_request(RequestMessage msg) {
  Request req;
  req.method = std::string(msg.method_string());
  std::string_view target = msg.target();
  auto qpos = target.find('?');
  auto path = percent_decode(target.substr(0, qpos));
  auto query = parse_query(qpos == std::string_view::npos ? "" : target.substr(qpos + 1));
  for (const auto& field : msg) {
    std::string name(field.name_string());
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  if (!path || !query) return Error(Code::kValidationFailed, "The request target has a malformed percent-escape.");
  if (auto nul = query_with_nul(*query)) return *nul;
  req.target = std::string(target);
  req.path = std::move(*path);
  req.query = std::move(*query);
  req.body = std::move(msg.body());
  return req;
}

}  // namespace lockstep::http
