#include "http/problem.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "core/utf8.h"

namespace lockstep::http {
namespace {

// API.md §1: every problem body is valid JSON, even when it quotes bytes of the request that are
// not valid UTF-8 (a path id, a query key, a header).
TEST(Problem, body_is_valid_json_whatever_bytes_it_quotes) {
  const std::string hostile[] = {"\xFF\xFE", "ok\xC3", std::string("a\0b", 3), "\"}\\", "\xED\xA0\x80",
                                 "\x01\x1F\x7F", "caf\xC3\xA9"};
  for (const auto& bytes : hostile) {
    Error e(Code::kNotFound, "No task has the id '" + bytes + "'.");
    e.errors.push_back({bytes, "is not a parameter of this list: " + bytes});
    Response r = problem(e);
    ASSERT_TRUE(utf8_length(r.body)) << r.body;
    boost::system::error_code ec;
    auto v = boost::json::parse(r.body, ec);
    ASSERT_FALSE(ec) << r.body;
    const std::string detail(v.at("detail").as_string());
    EXPECT_EQ(detail, "No task has the id '" + to_valid_utf8(bytes) + "'.");
    EXPECT_EQ(std::string(v.at("errors").at(0).at("field").as_string()), to_valid_utf8(bytes));
  }
}

}  // namespace
}  // namespace lockstep::http
