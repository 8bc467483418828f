// The OpenAPI document describes every route the router has, and nothing it lacks.
#include "http/openapi.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <set>

#include "http/router.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApi, documents_exactly_the_routes_the_router_serves) {
  json::value doc = json::parse(openapi_document());
  Router router;
  LockQueue locks;
  add_all_routes(router, locks);
  std::set<std::pair<std::string, std::string>> served;
  for (const auto& [method, pattern] : router.routes()) served.insert({lower(method), pattern});
  // The operations routes are the Api's own (they read its state).
  for (const char* ops : {"/healthz", "/readyz", "/metrics", "/openapi.json"}) served.insert({"get", ops});

  std::set<std::pair<std::string, std::string>> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      if (method != "parameters") documented.insert({std::string(method), std::string(path)});
    }
  }
  for (const auto& route : served)
    EXPECT_TRUE(documented.count(route)) << "undocumented: " << route.first << " " << route.second;
  for (const auto& route : documented)
    EXPECT_TRUE(served.count(route)) << "not served: " << route.first << " " << route.second;
}

TEST(OpenApi, every_problem_code_is_listed) {
  json::value doc = json::parse(openapi_document());
  const auto& codes =
      doc.at("components").at("schemas").at("Problem").at("properties").at("code").at("enum").as_array();
  for (int c = 0; c <= static_cast<int>(Code::kInternal); ++c) {
    json::value name(code_name(static_cast<Code>(c)));
    EXPECT_NE(std::find(codes.begin(), codes.end(), name), codes.end()) << name;
  }
}

}  // namespace
}  // namespace lockstep::http
