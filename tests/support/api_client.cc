#include "api_client.h"

namespace lockstep::testing {

ApiResponse ApiClient::request(std::string_view method, std::string_view target, std::string_view body,
                               HttpHeaders headers) {
  if (!token_.empty()) headers.emplace_back("Authorization", "Bearer " + token_);
  ApiResponse r;
  r.raw = conn_.request(method, target, headers, body);
  r.status = r.raw.status;
  if (!r.raw.body.empty()) {
    std::error_code ec;
    auto v = boost::json::parse(r.raw.body, ec);
    if (!ec) r.json = std::move(v);
  }
  return r;
}

std::int64_t ApiClient::metric(std::string_view name) {
  const std::string body = get("/metrics").raw.body;
  const std::string line = "\n" + std::string(name) + " ";
  auto pos = body.find(line);
  if (pos == std::string::npos) return -1;
  return std::stoll(body.substr(pos + line.size()));
}

ApiResponse ApiClient::create_task(std::string_view user, std::string_view title) {
  return post("/v1/tasks",
              {{"userId", user}, {"taskTitle", title}, {"dueDate", "2099-12-01T17:00:00.000Z"}, {"warningOffset", 0}});
}

}  // namespace lockstep::testing
