#include "chaos_harness.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <limits>
#include <random>
#include <set>
#include <thread>

namespace lockstep::testing::chaos {
namespace {

std::string code_of(const ApiResponse& r) {
  if (!r.json.is_object()) return "";
  const auto* code = r.json.as_object().if_contains("code");
  return code && code->is_string() ? std::string(code->as_string()) : "";
}

// A client's backoff before retrying a 503 or a 409 IDEMPOTENCY_IN_PROGRESS: what Retry-After
// asks, capped at 50 ms so that the run stays short (a retry pace, not a synchronisation).
void back_off(const ApiResponse& r) {
  const std::string after = r.header("Retry-After");
  const int seconds = after.empty() ? 1 : std::atoi(after.c_str());
  std::this_thread::sleep_for(
      std::min<std::chrono::milliseconds>(std::chrono::seconds(seconds), std::chrono::milliseconds(50)));
}

}  // namespace

std::int64_t now_ns() {
  const auto since_epoch = std::chrono::steady_clock::now().time_since_epoch();
  return std::chrono::duration_cast<std::chrono::nanoseconds>(since_epoch).count();
}

int env_count(const char* name, int fallback, int least) {
  const char* env = std::getenv(name);
  return env ? std::max(least, std::atoi(env)) : fallback;
}

void Recorder::record(const Operation& op, const std::optional<Acked>& ack, int node) {
  std::lock_guard lock(mu_);
  history_.push_back(op);
  if (ack) {
    acked_.push_back(*ack);
    ++acked_by_[node];
  }
  progress_.notify_all();
}

bool Recorder::wait_for_acks(std::size_t more, std::chrono::seconds timeout, int node) {
  std::unique_lock lock(mu_);
  auto count = [&] { return node < 0 ? acked_.size() : acked_by_[node]; };
  const std::size_t target = count() + more;
  return progress_.wait_for(lock, timeout, [&] { return count() >= target; });
}

std::vector<Operation> Recorder::history() const {
  std::lock_guard lock(mu_);
  return history_;
}

std::vector<Acked> Recorder::acked() const {
  std::lock_guard lock(mu_);
  return acked_;
}

void run_client(int id, const std::vector<std::string>& hot, Route& route, Recorder& recorder,
                const std::atomic<bool>& stop, std::chrono::seconds write_deadline) {
  ASSERT_TRUE(id >= 1 && id <= 6) << "client ids are 1 to 6 (their values must fit in warningOffset)";
  std::mt19937 rng(static_cast<unsigned>(id));
  int counter = 0;
  while (!stop) {
    ApiClient* c = route.next();
    if (!c) return;
    const std::string task = hot[rng() % hot.size()];
    Operation read{task, Operation::Kind::kRead, now_ns()};
    ApiResponse r;
    try {
      r = c->get("/v1/tasks/" + task);
    } catch (const ConnectionError&) {
      ++recorder.failovers;
      route.failed();
      continue;
    }
    if (r.status == 503) {
      ++recorder.unavailable;
      back_off(r);
      continue;
    }
    if (r.status != 200) {
      ADD_FAILURE() << "GET " << task << " on node " << route.node() << ": " << r.status << " " << r.raw.body;
      continue;
    }
    read.returned = now_ns();
    read.version = r.num("version");
    read.value = r.num("warningOffset");
    recorder.record(read);

    // Distinct per write (a task's warningOffset is at most 64000): 10000 per client, never 0.
    const std::int64_t value = 1 + static_cast<std::int64_t>(id - 1) * 10000 + (++counter - 1) % 10000;
    Operation w{task, Operation::Kind::kWrite, now_ns(), 0, read.version, 0, value, Operation::Outcome::kUnknown};
    const std::string path = "/v1/tasks/" + task;
    const std::string body = "{\"warningOffset\":" + std::to_string(value) + "}";
    const HttpHeaders headers{{"If-Match", r.header("ETag")},
                              {"Idempotency-Key", "chaos-" + std::to_string(id) + "-" + std::to_string(counter)}};
    // Whether every attempt so far was answered (503), none lost with its connection: then a
    // replayed success means a write answered "not committed" had committed.
    bool only_503 = true;
    std::string answer_503;  // the last 503's body, with the node that gave it
    std::optional<ApiResponse> answer;
    const auto deadline = std::chrono::steady_clock::now() + write_deadline;
    while (!answer && c && std::chrono::steady_clock::now() < deadline) {
      try {
        auto a = c->request("PATCH", path, body, headers);
        if (a.status == 503 || (a.status == 409 && code_of(a) == "IDEMPOTENCY_IN_PROGRESS")) {
          if (a.status == 503) {
            ++recorder.unavailable;
            answer_503 = "node " + std::to_string(route.node()) + ": " + a.raw.body;
          }
          back_off(a);
          continue;
        }
        answer = std::move(a);
      } catch (const ConnectionError&) {
        ++recorder.failovers;
        only_503 = false;
        c = route.failed();  // the answer is lost: retry the very same request on the next server
      }
    }
    if (!answer) {
      recorder.record(w);  // still unknown
      if (c) ++recorder.unsettled;
      continue;
    }
    w.returned = now_ns();
    if (answer->status == 200) {
      w.outcome = Operation::Outcome::kOk;
      w.version = answer->num("version");
      if (only_503 && !answer_503.empty() && answer->header("Idempotent-Replayed") == "true") {
        ++recorder.replays_after_503;
        std::cerr << "chaos: PATCH " << task << " (" << headers[1].second << ") was answered 503 on every attempt ("
                  << answer_503 << "), yet a retry on node " << route.node() << " replays it as committed\n";
      }
      recorder.record(w, Acked{task, w.version, value}, route.node());
    } else if (answer->status == 412) {
      w.outcome = Operation::Outcome::kFailed;
      w.version = answer->num("currentVersion");
      recorder.record(w);
    } else {
      ADD_FAILURE() << "PATCH " << task << " on node " << route.node() << ": " << answer->status << " "
                    << answer->raw.body;
      w.returned = std::numeric_limits<std::int64_t>::max();
      recorder.record(w);
    }
  }
}

Verdict verify(ApiClient& reader, const Recorder& recorder) {
  std::map<std::string, std::vector<std::pair<std::int64_t, std::int64_t>>> log;  // task -> (version, value)
  for (std::int64_t since = 0;;) {
    auto page = reader.get("/v1/changes?since=" + std::to_string(since) + "&limit=1000");
    EXPECT_EQ(page.status, 200) << page.raw.body;
    if (page.status != 200) return {};
    for (const auto& ch : page.json.at("changes").as_array()) {
      log[std::string(ch.at("taskId").as_string())].emplace_back(ch.at("version").as_int64(),
                                                                 ch.at("task").at("warningOffset").as_int64());
    }
    if (page.json.at("changes").as_array().empty()) break;
    since = page.num("lastRevision");
  }
  Verdict v;
  std::size_t gaps = 0;
  for (const auto& [task, entries] : log) {
    std::multiset<std::int64_t> values;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      gaps += entries[i].first != static_cast<std::int64_t>(i + 1);
      values.insert(entries[i].second);
    }
    for (const auto& e : entries) v.duplicated += e.second != 0 && values.count(e.second) > 1;
    v.last_version[task] = entries.empty() ? 0 : entries.back().first;
  }
  const auto acked = recorder.acked();
  for (const auto& a : acked) {
    const auto& entries = log[a.task];
    const bool found = a.version >= 1 && a.version <= static_cast<std::int64_t>(entries.size()) &&
                       entries[static_cast<std::size_t>(a.version - 1)].second == a.value;
    v.lost += !found;
  }
  v.acknowledged = acked.size();
  EXPECT_EQ(v.lost, 0u) << "of " << acked.size() << " acknowledged writes";
  EXPECT_EQ(v.duplicated, 0u);
  EXPECT_EQ(gaps, 0u) << "changes out of the sequence 1, 2, 3... of their task";
  EXPECT_EQ(recorder.unsettled.load(), 0u) << "writes with no final answer within their deadline";

  auto result = check_linearizable(recorder.history(), 1, 0);
  std::string window;
  for (const auto& op : result.window) window += describe(op) + "\n";
  EXPECT_TRUE(result.linearizable) << "key " << result.key << ":\n" << window;
  v.history = result.operations;
  v.linearizable = result.linearizable;
  return v;
}

void report(const std::string& what, const Verdict& v, const Recorder& recorder) {
  std::cerr << what << ", " << v.acknowledged << " acknowledged writes checked, " << v.lost << " lost, " << v.duplicated
            << " doubled; history of " << v.history << " operations "
            << (v.linearizable ? "linearizable" : "NOT linearizable") << "; " << recorder.failovers.load()
            << " lost connections retried on the next server, " << recorder.unavailable.load() << " answers 503, "
            << recorder.replays_after_503.load() << " writes answered 503 yet replayed as committed\n";
  ::testing::Test::RecordProperty("acknowledged", static_cast<int>(v.acknowledged));
  ::testing::Test::RecordProperty("history", static_cast<int>(v.history));
  ::testing::Test::RecordProperty("failovers", static_cast<int>(recorder.failovers.load()));
  ::testing::Test::RecordProperty("unavailable", static_cast<int>(recorder.unavailable.load()));
  ::testing::Test::RecordProperty("replays_after_503", static_cast<int>(recorder.replays_after_503.load()));
}

}  // namespace lockstep::testing::chaos
