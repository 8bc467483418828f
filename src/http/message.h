// The HTTP request and response as the API layer sees them: plain values, no Beast types, so
// that handlers compile without Asio and Beast.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "service/task_service.h"

namespace lockstep::http {

struct Request {
  std::string method;  // upper case, as sent
  std::string path;    // percent-decoded, without the query
  QueryParams query;   // decoded, in order
  std::vector<std::pair<std::string, std::string>> headers;  // names lower case
  std::string body;

  // The first value of header `name` (lower case), if sent.
  std::optional<std::string_view> header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return std::string_view(v);
    }
    return std::nullopt;
  }
  std::optional<std::string> header_string(std::string_view name) const {
    auto v = header(name);
    return v ? std::optional<std::string>(std::string(*v)) : std::nullopt;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string content_type = "application/json";
  std::string body;       // empty for 204/304 and HEAD
  bool head = false;      // answer to HEAD: send the headers of `body` without it
  bool close = false;     // close the connection after this response
  std::string principal;  // for the request log
  std::string route;      // for the request log: the route template, e.g. /v1/tasks/{id}
  std::string log_note;   // for the request log: e.g. the versions of a conflict

  void set(std::string name, std::string value) { headers.emplace_back(std::move(name), std::move(value)); }
};

}  // namespace lockstep::http
