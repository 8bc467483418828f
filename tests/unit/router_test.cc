// The route table (src/http/router.*): segment matching, `{name}` parameters, HEAD served by GET,
// the Allow list of a 405, and that every route of the API is reachable.
#include "http/router.h"

#include <gtest/gtest.h>

#include <set>

namespace lockstep::http {
namespace {

Response get_task(Tx&, const Call&) { return Response{}; }
Response patch_task(Tx&, const Call&) { return Response{}; }
Response delete_task(Tx&, const Call&) { return Response{}; }
Response lock_task(Tx&, const Call&) { return Response{}; }
Response add_user(Tx&, const Call&) { return Response{}; }
Result<Body> read_nothing(std::string_view, std::size_t) { return Body{}; }

// Whether a matched handler is `f` (handlers are std::function: compared by what they hold).
bool runs(const Handler& h, Response (*f)(Tx&, const Call&)) {
  auto* held = h.target<Response (*)(Tx&, const Call&)>();
  return held && *held == f;
}

Router tasks() {
  Router r;
  r.add("GET", "/v1/tasks/{id}", get_task);
  r.add("PATCH", "/v1/tasks/{id}", patch_task);
  r.add("DELETE", "/v1/tasks/{id}", delete_task);
  r.add("POST", "/v1/tasks/{id}/lock", lock_task);
  r.add("POST", "/v1/users", add_user, Access::kAdminOnly, read_nothing);
  return r;
}

TEST(Router, a_parameter_segment_is_passed_to_the_handler) {
  auto m = tasks().match("PATCH", "/v1/tasks/t-1");
  EXPECT_TRUE(runs(m.handler, &patch_task));
  EXPECT_TRUE(m.path_matched);
  EXPECT_EQ(m.pattern, "/v1/tasks/{id}");
  EXPECT_EQ(m.params, std::vector<std::string>{"t-1"});
  EXPECT_EQ(m.allow, "");
  auto lock = tasks().match("POST", "/v1/tasks/t-2/lock");
  EXPECT_TRUE(runs(lock.handler, &lock_task));
  EXPECT_EQ(lock.params, std::vector<std::string>{"t-2"});
}

TEST(Router, head_is_served_by_the_get_handler) {
  auto m = tasks().match("HEAD", "/v1/tasks/t-1");
  EXPECT_TRUE(runs(m.handler, &get_task));
  EXPECT_EQ(m.params, std::vector<std::string>{"t-1"});
}

TEST(Router, a_known_path_with_another_method_lists_the_allowed_ones_in_order) {
  auto m = tasks().match("PUT", "/v1/tasks/t-1");
  EXPECT_FALSE(m.handler);
  EXPECT_TRUE(m.path_matched);
  EXPECT_EQ(m.allow, "GET, HEAD, PATCH, DELETE");
  EXPECT_EQ(m.pattern, "/v1/tasks/{id}");
  auto lock = tasks().match("GET", "/v1/tasks/t-1/lock");
  EXPECT_FALSE(lock.handler);
  EXPECT_EQ(lock.allow, "POST");
}

TEST(Router, access_and_body_reader_come_with_the_match) {
  auto m = tasks().match("POST", "/v1/users");
  EXPECT_EQ(m.access, Access::kAdminOnly);
  EXPECT_EQ(m.read_body, &read_nothing);
  EXPECT_EQ(tasks().match("GET", "/v1/tasks/x").access, Access::kAnyUser);
  EXPECT_EQ(tasks().match("GET", "/v1/tasks/x").read_body, nullptr);
}

TEST(Router, paths_that_name_no_route_match_nothing) {
  const std::string with_nul("/v1/tasks/a\0b", 13);
  for (const std::string& path :
       {std::string("/v1/tasks/"),  // an empty id
        with_nul,                   // U+0000 names nothing (API.md §1)
        std::string("/v1/tasks/a/b"), std::string("/v1/tasks/a/lock/"), std::string("/v1/Tasks/a"),
        std::string("v1/tasks/a"), std::string(""), std::string("/")}) {
    auto m = tasks().match("GET", path);
    EXPECT_FALSE(m.handler) << path;
    EXPECT_FALSE(m.path_matched) << path;
    EXPECT_EQ(m.allow, "") << path;
  }
}

TEST(Router, every_route_of_the_api_is_registered_once_and_reachable) {
  Router r;
  LockQueue locks;
  add_all_routes(r, locks);
  const auto routes = r.routes();
  ASSERT_GE(routes.size(), 10u);
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto& [method, pattern] : routes) {
    EXPECT_TRUE(seen.insert({method, pattern}).second) << method << " " << pattern << " twice";
    std::string path;  // the pattern with each {name} filled in
    for (std::size_t i = 0; i < pattern.size(); ++i) {
      if (pattern[i] == '{') {
        i = pattern.find('}', i);
        path += "p1";
      } else {
        path += pattern[i];
      }
    }
    auto m = r.match(method, path);
    EXPECT_TRUE(m.handler) << method << " " << path;
    EXPECT_EQ(m.pattern, pattern) << method << " " << path << ": shadowed by an earlier route";
  }
}

}  // namespace
}  // namespace lockstep::http
