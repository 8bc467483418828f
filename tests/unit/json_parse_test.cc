#include "core/json_parse.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace lockstep {
namespace {

constexpr std::size_t kDepth = 64;

// API.md §1: an object that repeats a member name is malformed, in every object at any depth.
TEST(JsonParse, an_object_repeating_a_member_name_is_malformed_at_any_depth) {
  const char* cases[] = {
      R"({"taskTitle":"a","userId":"u","taskTitle":"b"})",
      R"({"a":1,"a":1})",
      R"({"a":{"b":1,"b":2}})",
      R"({"operations":[{"op":"update","taskId":"t","patch":{"taskTitle":"x","taskTitle":"y"}}]})",
      R"([{"x":1},{"y":1,"y":null}])",
      R"({"op":"update","op":"delete"})",
      R"({"a":1,"\u0061":2})",  // the same name, escaped
      R"({"ab":1,"a\u0062":2})",
      R"({"":1,"":2})",
  };
  for (const char* text : cases) {
    auto v = parse_json_strict(text, kDepth);
    ASSERT_FALSE(v) << text;
    EXPECT_EQ(v.error().code, Code::kMalformedJson) << text;
    EXPECT_NE(v.error().detail.find("more than once"), std::string::npos) << v.error().detail;
  }
}

TEST(JsonParse, distinct_names_and_the_same_name_in_different_objects_are_fine) {
  const char* cases[] = {
      R"({"a":1,"b":2})",
      R"({"a":{"a":{"a":1}}})",
      R"([{"a":1},{"a":2}])",
      R"({"a":1,"A":2,"a ":3})",
      R"({})",
      R"("text")",
      R"(12)",
  };
  for (const char* text : cases) {
    auto v = parse_json_strict(text, kDepth);
    ASSERT_TRUE(v) << text << ": " << v.error().detail;
    EXPECT_EQ(*v, boost::json::parse(text)) << text;
  }
}

TEST(JsonParse, what_is_not_json_is_malformed) {
  const std::string deep = std::string(65, '[') + std::string(65, ']');
  const char* cases[] = {"", "{", "{\"a\":1} x", "{\"a\":1}{}", "\"\xFF\"", "{'a':1}", "[1,]", "nul"};
  for (const char* text : cases) {
    auto v = parse_json_strict(text, kDepth);
    ASSERT_FALSE(v) << text;
    EXPECT_EQ(v.error().code, Code::kMalformedJson) << text;
  }
  EXPECT_FALSE(parse_json_strict(deep, kDepth));
  EXPECT_TRUE(parse_json_strict(std::string(64, '[') + std::string(64, ']'), kDepth));
}

TEST(JsonParse, a_number_no_double_holds_is_malformed_not_infinity_or_nan) {
  // Boost.JSON alone reads these as Infinity and NaN, and would write them back as non-JSON.
  for (const char* text : {"1e400", "-1e400", "0e121121", "{\"price\":[0e999]}"}) {
    auto v = parse_json_strict(text, kDepth);
    ASSERT_FALSE(v) << text;
    EXPECT_EQ(v.error().code, Code::kMalformedJson) << text;
  }
  EXPECT_TRUE(parse_json_strict("[1e308, 0e10, 1.5e-400]", kDepth));
}

TEST(JsonParse, paths_holding_nul_name_each_member_and_element) {
  auto v =
      parse_json_strict(R"({"taskTitle":"\u0000hidden","ok":"fine","operations":[{"taskId":"x"},{"taskId":"ID\u0000x",)"
                        R"("patch":{"taskDescription":"a\u0000"}}],"tags":["a","\u0000"],"k\u0000":1})",
                        kDepth);
  ASSERT_TRUE(v);
  const std::vector<std::string> expected{"taskTitle", "operations[1].taskId", "operations[1].patch.taskDescription",
                                          "tags[1]", std::string("k\0", 2)};
  EXPECT_EQ(paths_holding_nul(*v), expected);
  EXPECT_TRUE(paths_holding_nul(boost::json::parse(R"({"a":"b","c":[1,"d"]})")).empty());
  EXPECT_EQ(paths_holding_nul(boost::json::parse(R"("\u0000")")), std::vector<std::string>{""});
}

}  // namespace
}  // namespace lockstep
