#include "options.h"

#include <gtest/gtest.h>

namespace lockstep::bench {
namespace {

TEST(BenchParseUrl, accepts_host_and_port_with_an_optional_slash) {
  auto a = parse_url("http://127.0.0.1:8080/");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, "8080");
  EXPECT_EQ(a->host_header, "127.0.0.1:8080");
}

TEST(BenchParseUrl, defaults_to_port_80_and_unbrackets_ipv6) {
  auto plain = parse_url("http://localhost");
  ASSERT_TRUE(plain);
  EXPECT_EQ(plain->port, "80");
  auto v6 = parse_url("http://[::1]:9000");
  ASSERT_TRUE(v6);
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, "9000");
  auto v6_no_port = parse_url("http://[::1]");
  ASSERT_TRUE(v6_no_port);
  EXPECT_EQ(v6_no_port->host, "::1");
}

TEST(BenchParseUrl, rejects_other_schemes_paths_and_bad_ports) {
  for (const char* bad : {"https://h:1", "h:1", "http://", "http://h:1/v1", "http://h:0",
                          "http://h:65536", "http://h:x", "http://:80"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
}

TEST(BenchWorkload, names_round_trip) {
  for (const char* name : {"read", "create", "occ", "healthz"}) {
    auto w = parse_workload(name);
    ASSERT_TRUE(w) << name;
    EXPECT_EQ(to_string(*w), name);
  }
  EXPECT_FALSE(parse_workload("write"));
}

}  // namespace
}  // namespace lockstep::bench
