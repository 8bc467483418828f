// A test's view of the API: authenticated JSON requests over one kept-alive connection.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>

#include "http_client.h"  // the client library's private header (lockstep_client_internal)

namespace lockstep::testing {

struct ApiResponse {
  int status = 0;
  HttpResponse raw;
  boost::json::value json;  // the parsed body, or null when it is empty or not JSON

  std::string header(std::string_view name) const { return raw.header(name).value_or(""); }
  // json[key] as a string / integer (test helpers: they fail loudly when absent).
  std::string str(std::string_view key) const { return std::string(json.at(key).as_string()); }
  std::int64_t num(std::string_view key) const { return json.at(key).to_number<std::int64_t>(); }
};

class ApiClient {
 public:
  ApiClient(unsigned short port, std::string token) : conn_("127.0.0.1", port), token_(std::move(token)) {}

  ApiResponse request(std::string_view method, std::string_view target, std::string_view body = {},
                      HttpHeaders headers = {});
  ApiResponse get(std::string_view target, HttpHeaders headers = {}) {
    return request("GET", target, {}, std::move(headers));
  }
  ApiResponse post(std::string_view target, const boost::json::value& body, HttpHeaders headers = {}) {
    return request("POST", target, boost::json::serialize(body), std::move(headers));
  }
  ApiResponse patch(std::string_view target, const boost::json::value& body, HttpHeaders headers = {}) {
    return request("PATCH", target, boost::json::serialize(body), std::move(headers));
  }
  ApiResponse put(std::string_view target, const boost::json::value& body, HttpHeaders headers = {}) {
    return request("PUT", target, boost::json::serialize(body), std::move(headers));
  }
  ApiResponse del(std::string_view target, HttpHeaders headers = {}) {
    return request("DELETE", target, {}, std::move(headers));
  }

  // A series without labels of GET /metrics (a counter or a gauge), or -1 when it is absent.
  std::int64_t metric(std::string_view name);

  // Creates a task for `user` due far in the future; returns the 201 answer.
  ApiResponse create_task(std::string_view user = "alice", std::string_view title = "Ship v1");

  HttpConnection& connection() { return conn_; }

 private:
  HttpConnection conn_;
  std::string token_;
};

}  // namespace lockstep::testing
