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
  for (const char* bad :
       {"https://h:1", "h:1", "http://", "http://h:1/v1", "http://h:0", "http://h:65536", "http://h:x", "http://:80"}) {
    EXPECT_FALSE(parse_url(bad)) << bad;
  }
}

TEST(BenchWorkload, names_round_trip) {
  for (const char* name :
       {"read", "create", "occ", "healthz", "occ-merge", "lock", "purchase", "batch", "mixed", "overload", "follow"}) {
    auto w = parse_workload(name);
    ASSERT_TRUE(w) << name;
    EXPECT_EQ(to_string(*w), name);
  }
  EXPECT_FALSE(parse_workload("write"));
  EXPECT_FALSE(parse_workload("occ_merge"));
  for (Workload w : kAllWorkloads) EXPECT_EQ(parse_workload(to_string(w)), w);
}

TEST(BenchMix, parses_three_percentages_summing_to_100) {
  auto m = parse_mix("80/15/5");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->read, 80);
  EXPECT_EQ(m->update, 15);
  EXPECT_EQ(m->create, 5);
  auto all_updates = parse_mix("0/100/0");
  ASSERT_TRUE(all_updates);
  EXPECT_EQ(all_updates->update, 100);
  for (const char* bad : {"", "80/15", "80/15/4", "80/15/5/0", "80/-5/25", "a/b/c", "80//20", "80/15/5/", "100/0/0x"}) {
    EXPECT_FALSE(parse_mix(bad)) << bad;
  }
}

TEST(BenchTokens, splits_a_comma_separated_list) {
  EXPECT_EQ(split_tokens("a"), std::vector<std::string>{"a"});
  EXPECT_EQ(split_tokens("a,b,,c,"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(split_tokens("").empty());
}

}  // namespace
}  // namespace lockstep::bench
