// The transcript matcher on answers made up here: what it accepts and, above all, that every kind
// of expectation it reads can fail, with a message that says where.
#include "transcript.h"

#include <gtest/gtest.h>

namespace lockstep::testing::http {
namespace {

const std::string kText = R"(# @server --require-preconditions
# what this shows

### Create
# @known-difference not yet
POST /v1/tasks
Authorization: Bearer {{alice}}

{"taskTitle": "{{title}}"}
<<<
HTTP/1.1 201 Created
ETag: {{etag}}
!Preference-Applied

{"taskId": "{{id}}", "version": {{v}}, "tags": ["a", ...], ...}

### Delete
DELETE /v1/tasks/{{id}}
<<<
204
)";

HttpResponse answer(int status, HttpHeaders headers, std::string body) {
  return {status, std::move(headers), std::move(body)};
}

TEST(TranscriptMatcher, parses_steps_headers_bodies_and_directives) {
  const Transcript t = parse_transcript(kText, "x/demo.http");
  EXPECT_EQ(t.name, "demo");
  EXPECT_EQ(t.server_flags, std::vector<std::string>{"--require-preconditions"});
  ASSERT_EQ(t.steps.size(), 2u);
  const Step& s = t.steps[0];
  EXPECT_EQ(s.title, "Create");
  EXPECT_EQ(s.line, 4);
  EXPECT_EQ(s.known_difference, "not yet");
  EXPECT_EQ(s.method, "POST");
  EXPECT_EQ(s.target, "/v1/tasks");
  ASSERT_EQ(s.headers.size(), 1u);
  EXPECT_EQ(s.headers[0].second, "Bearer {{alice}}");
  EXPECT_EQ(s.body, R"({"taskTitle": "{{title}}"})");
  EXPECT_EQ(s.status, 201);
  ASSERT_EQ(s.expected_headers.size(), 2u);
  EXPECT_TRUE(s.expected_headers[1].absent);
  EXPECT_EQ(t.steps[1].status, 204);
  EXPECT_EQ(t.steps[1].expected_body, "");
}

TEST(TranscriptMatcher, a_step_without_its_status_line_is_a_syntax_error_naming_the_line) {
  try {
    parse_transcript("### one\nGET /v1/me\n", "bad.http");
    FAIL() << "parsed";
  } catch (const std::runtime_error& e) {
    EXPECT_STREQ(e.what(), "bad.http:1: step `one` has no `<<<` and status line");
  }
}

TEST(TranscriptMatcher, captures_placeholders_ignores_member_order_and_allows_what_dots_allow) {
  const Step s = parse_transcript(kText, "demo.http").steps[0];
  Bindings b;
  const auto wrong = check_response(
      s, answer(201, {{"ETag", "\"1-7\""}}, R"({"version": 1, "extra": true, "tags": ["a", "b"], "taskId": "01K"})"),
      b);
  EXPECT_FALSE(wrong) << *wrong;
  EXPECT_EQ(b["etag"], "\"1-7\"");
  EXPECT_EQ(b["id"], "01K");
  EXPECT_EQ(b["v"], "1");
}

TEST(TranscriptMatcher, reports_each_mismatch_with_where_it_is) {
  const Step s = parse_transcript(kText, "demo.http").steps[0];
  Bindings b{{"id", "01K"}};
  const auto wrong = check_response(s,
                                    answer(201, {{"ETag", "\"1-7\""}, {"Preference-Applied", "conflict=merge"}},
                                           R"({"taskId": "01J", "version": "1", "tags": []})"),
                                    b);
  ASSERT_TRUE(wrong);
  EXPECT_EQ(*wrong, "  header Preference-Applied: expected none, got `conflict=merge`\n");
  const auto body =
      check_response(s, answer(201, {{"ETag", "\"1-7\""}}, R"({"taskId": "01J", "version": "1", "tags": []})"), b);
  ASSERT_TRUE(body);
  EXPECT_EQ(*body,
            "  body $.taskId: expected `{{id}}` = 01K, got \"01J\"\n"
            "  body $.version: expected {{v}} (a non-string value), got \"1\"\n"
            "  body $.tags: expected 1 or more elements, got 0\n");
}

TEST(TranscriptMatcher, without_dots_an_object_is_exact_and_a_status_is_exact) {
  Step s;
  s.status = 200;
  s.expected_body = R"({"a": 1, "b": *})";
  Bindings b;
  EXPECT_EQ(*check_response(s, answer(200, {}, R"({"a": 1, "b": null, "c": 2})"), b),
            "  body $.c: unexpected member 2\n");
  EXPECT_EQ(*check_response(s, answer(200, {}, R"({"a": 2})"), b),
            "  body $.a: expected 1, got 2\n  body $.b: missing (expected *)\n");
  EXPECT_EQ(*check_response(s, answer(404, {}, "{}"), b), "  status: expected 200, got 404\n");
  s.expected_body = "";
  EXPECT_EQ(*check_response(s, answer(200, {}, "x"), b), "  body: expected none, got 1 bytes\n");
}

TEST(TranscriptMatcher, substitutes_bound_values_escaped_inside_json) {
  const Bindings b{{"etag", "\"1-7\""}, {"v", "3"}};
  EXPECT_EQ(substitute(R"({"ifMatch": "{{etag}}", "expectedVersion": {{v}}})", b, true),
            R"({"ifMatch": "\"1-7\"", "expectedVersion": 3})");
  EXPECT_EQ(substitute("If-Match: {{etag}}", b, false), "If-Match: \"1-7\"");
  EXPECT_THROW(substitute("{{nope}}", b, false), std::runtime_error);
}

}  // namespace
}  // namespace lockstep::testing::http
