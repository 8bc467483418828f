#include "linearizability.h"

#include <gtest/gtest.h>

namespace lockstep::testing {
namespace {

using K = Operation::Kind;
using O = Operation::Outcome;

Operation read(std::int64_t a, std::int64_t b, std::int64_t version, std::int64_t value, const char* key = "t") {
  return {key, K::kRead, a, b, 0, version, value, O::kOk};
}
Operation write(std::int64_t a, std::int64_t b, std::int64_t expected, std::int64_t value, O outcome,
                std::int64_t version, const char* key = "t") {
  return {key, K::kWrite, a, b, expected, version, value, outcome};
}
constexpr std::int64_t kNever = std::numeric_limits<std::int64_t>::max();

TEST(Linearizability, concurrent_conditional_writes_one_wins_is_linearizable) {
  std::vector<Operation> h{write(0, 10, 1, 7, O::kOk, 2), write(1, 11, 1, 8, O::kFailed, 2), read(12, 13, 2, 7)};
  EXPECT_TRUE(check_linearizable(h, 1, 0).linearizable);
}

TEST(Linearizability, two_winners_from_one_version_is_a_lost_update) {
  std::vector<Operation> h{write(0, 10, 1, 7, O::kOk, 2), write(1, 11, 1, 8, O::kOk, 2)};
  auto r = check_linearizable(h, 1, 0);
  EXPECT_FALSE(r.linearizable);
  EXPECT_EQ(r.key, "t");
  EXPECT_FALSE(r.window.empty());
}

TEST(Linearizability, a_stale_read_after_an_acknowledged_write_is_not_linearizable) {
  std::vector<Operation> h{write(0, 5, 1, 7, O::kOk, 2), read(6, 8, 1, 0)};
  EXPECT_FALSE(check_linearizable(h, 1, 0).linearizable);
  // Overlapping, the same read may see either.
  std::vector<Operation> overlap{write(0, 5, 1, 7, O::kOk, 2), read(4, 8, 1, 0)};
  EXPECT_TRUE(check_linearizable(overlap, 1, 0).linearizable);
}

TEST(Linearizability, a_write_whose_answer_was_lost_may_or_may_not_have_happened) {
  std::vector<Operation> applied{write(0, kNever, 1, 7, O::kUnknown, 0), read(5, 6, 2, 7)};
  EXPECT_TRUE(check_linearizable(applied, 1, 0).linearizable);
  std::vector<Operation> not_applied{write(0, kNever, 1, 7, O::kUnknown, 0), read(5, 6, 1, 0)};
  EXPECT_TRUE(check_linearizable(not_applied, 1, 0).linearizable);
  // But once it is seen applied, it cannot be unseen.
  std::vector<Operation> flicker{write(0, kNever, 1, 7, O::kUnknown, 0), read(5, 6, 2, 7), read(7, 8, 1, 0)};
  EXPECT_FALSE(check_linearizable(flicker, 1, 0).linearizable);
}

TEST(Linearizability, a_412_must_report_a_version_that_existed) {
  std::vector<Operation> h{write(0, 5, 1, 7, O::kOk, 2), write(6, 8, 1, 9, O::kFailed, 3)};
  EXPECT_FALSE(check_linearizable(h, 1, 0).linearizable);
}

TEST(Linearizability, keys_are_checked_independently_and_long_histories_finish) {
  std::vector<Operation> h;
  std::int64_t t = 0;
  for (int i = 1; i <= 300; ++i) {
    // Three clients race each round from the same version: one wins, two get 412.
    h.push_back(write(t, t + 3, i, i * 10, O::kOk, i + 1, "a"));
    h.push_back(write(t + 1, t + 4, i, i * 10 + 1, O::kFailed, i + 1, "a"));
    h.push_back(write(t + 2, t + 5, i, i * 10 + 2, O::kFailed, i + 1, "a"));
    h.push_back(read(t + 1, t + 6, i, i == 1 ? 0 : (i - 1) * 10, "b"));
    t += 10;
  }
  // Key "b" is never written: every read must see the initial state.
  auto r = check_linearizable(h, 1, 0);
  EXPECT_FALSE(r.linearizable);
  EXPECT_EQ(r.key, "b");
  std::erase_if(h, [](const Operation& op) { return op.key == "b"; });
  EXPECT_TRUE(check_linearizable(h, 1, 0).linearizable);
}

}  // namespace
}  // namespace lockstep::testing
