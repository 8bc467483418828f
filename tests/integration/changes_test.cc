// The change feed (long poll and server-sent events) and version history, API.md §8.
#include <atomic>
#include <barrier>
#include <thread>

#include "fixture.h"
#include "sse_reader.h"
#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

using Changes = ServerTest;

std::vector<std::int64_t> revisions_of(const ApiResponse& r) {
  std::vector<std::int64_t> out;
  for (const auto& c : r.json.at("changes").as_array()) out.push_back(c.at("revision").as_int64());
  return out;
}

TEST_F(Changes, every_write_is_a_change_in_revision_order_with_its_task) {
  auto c = alice();
  auto created = c.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId");
  c.patch(path, {{"taskStatus", "BLOCKED"}});
  c.patch(path, {{"taskStatus", "BLOCKED"}});  // a no-op is no change
  c.del(path);
  auto feed = c.get("/v1/changes?since=0");
  ASSERT_EQ(feed.status, 200) << feed.raw.body;
  auto& changes = feed.json.at("changes").as_array();
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].at("type").as_string(), "created");
  EXPECT_EQ(changes[1].at("type").as_string(), "updated");
  EXPECT_EQ(changes[1].at("task").at("taskStatus").as_string(), "BLOCKED");
  EXPECT_EQ(changes[2].at("type").as_string(), "deleted");
  EXPECT_TRUE(changes[2].at("task").is_null());
  EXPECT_EQ(changes[2].at("version").as_int64(), 3);  // one more than the task's last
  EXPECT_EQ(changes[2].at("by").as_string(), "alice");
  EXPECT_EQ(revisions_of(feed), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(feed.num("lastRevision"), 3);
  auto empty = c.get("/v1/changes?since=3");
  EXPECT_EQ(revisions_of(empty).size(), 0u);
  EXPECT_EQ(empty.num("lastRevision"), 3);
  EXPECT_EQ(c.get("/v1/changes?since=1&limit=1").num("lastRevision"), 2);
  EXPECT_EQ(c.get("/v1/changes?since=99").status, 400);
  EXPECT_EQ(c.get("/v1/changes?wait=61").status, 400);
  EXPECT_EQ(anonymous().get("/v1/changes").status, 401);
}

TEST_F(Changes, a_long_poll_is_answered_as_soon_as_a_write_commits) {
  auto writer = alice();
  auto created = writer.create_task();
  std::atomic<bool> polling{false};
  ApiResponse answer;
  std::thread follower([&] {
    auto f = bob();
    polling = true;
    answer = f.get("/v1/changes?since=1&wait=30");
  });
  while (!polling) std::this_thread::yield();
  auto started = std::chrono::steady_clock::now();
  // Whether the write lands before or after the poll parks, the poll must return it.
  writer.patch("/v1/tasks/" + created.str("taskId"), {{"warningOffset", 1}});
  follower.join();
  auto waited = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(answer.status, 200);
  EXPECT_EQ(revisions_of(answer), (std::vector<std::int64_t>{2}));
  EXPECT_LT(waited, std::chrono::seconds(10));  // far below the 30 s wait
}

// Its wait runs out on the server's clock, which the test moves instead of waiting.
TEST_F(Changes, a_long_poll_with_nothing_new_ends_at_its_wait_with_no_changes) {
  start({"--test-only-movable-clock"});
  auto c = alice();
  ApiResponse r;
  std::thread poll([&] { r = alice().get("/v1/changes?wait=20"); });
  for (int i = 0; i < 2000 && c.metric("lockstep_change_followers") != 1; ++i) std::this_thread::yield();
  EXPECT_EQ(c.metric("lockstep_change_followers"), 1);  // parked: its answer waits for the clock
  server_->advance_clock(std::chrono::seconds(20));
  poll.join();
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(revisions_of(r).size(), 0u);
  EXPECT_EQ(r.num("lastRevision"), 0);
}

// 8 writers while 2 long-poll followers and 1 event-stream follower read: each follower gets every
// revision exactly once, in order, and the feed's final state equals a full list.
// `writers` clients at once, each renaming the tasks of `ids` in turn `each` times: every PATCH is
// a change (no two titles are the same).
void write_concurrently(unsigned short port, const std::string& token, const std::vector<std::string>& ids, int writers,
                        int each) {
  std::barrier go(writers);
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      ApiClient c(port, token);
      go.arrive_and_wait();
      for (int i = 0; i < each; ++i) {
        auto r = c.patch("/v1/tasks/" + ids[static_cast<std::size_t>(w + i) % ids.size()],
                         {{"taskTitle", "w" + std::to_string(w) + "-" + std::to_string(i)}});
        ASSERT_EQ(r.status, 200);
      }
    });
  }
  for (auto& t : threads) t.join();
}

TEST_F(Changes, followers_receive_every_revision_exactly_once_in_order) {
  constexpr int kWriters = 8, kWritesEach = 15;
  std::vector<std::string> ids;
  {
    auto c = alice();
    for (int i = 0; i < 4; ++i) ids.push_back(c.create_task().str("taskId"));
  }
  const std::int64_t start_revision = 4, end_revision = 4 + kWriters * kWritesEach;
  auto follow_poll = [&](std::vector<std::int64_t>& got, std::map<std::string, json::value>& state) {
    ApiClient f(server_->port(), bob_token_);
    std::int64_t since = start_revision;
    while (since < end_revision) {
      auto r = f.get("/v1/changes?since=" + std::to_string(since) + "&wait=20&limit=7");
      ASSERT_EQ(r.status, 200);
      for (const auto& c : r.json.at("changes").as_array()) {
        got.push_back(c.at("revision").as_int64());
        state[std::string(c.at("taskId").as_string())] = c.at("task");
      }
      since = r.num("lastRevision");
    }
  };
  std::vector<std::int64_t> got1, got2, got_sse;
  std::map<std::string, json::value> state1, state2;
  SseReader sse(server_->port(), "/v1/changes/stream?since=" + std::to_string(start_revision), bob_token_);
  std::thread p1([&] { follow_poll(got1, state1); });
  std::thread p2([&] { follow_poll(got2, state2); });
  std::thread s([&] {
    while (got_sse.size() < static_cast<std::size_t>(kWriters * kWritesEach)) {
      auto e = sse.next(std::chrono::seconds(20));
      if (!e) return;
      EXPECT_EQ(e->event, "change");
      got_sse.push_back(std::stoll(e->id));
    }
  });
  write_concurrently(server_->port(), alice_token_, ids, kWriters, kWritesEach);
  p1.join();
  p2.join();
  s.join();
  std::vector<std::int64_t> expected;
  for (std::int64_t r = start_revision + 1; r <= end_revision; ++r) expected.push_back(r);
  EXPECT_EQ(got1, expected);
  EXPECT_EQ(got2, expected);
  EXPECT_EQ(got_sse, expected);
  auto c = alice();
  for (const auto& id : ids) EXPECT_EQ(state1[id], c.get("/v1/tasks/" + id).json) << id;
}

TEST_F(Changes, event_stream_resumes_from_last_event_id_without_loss) {
  auto c = alice();
  auto created = c.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId");
  std::string last_id;
  {
    SseReader sse(server_->port(), "/v1/changes/stream?since=0", alice_token_);
    auto e = sse.next(std::chrono::seconds(10));
    ASSERT_TRUE(e);
    EXPECT_EQ(e->id, "1");
    last_id = e->id;
    sse.disconnect();
  }
  for (int i = 1; i <= 3; ++i) c.patch(path, {{"warningOffset", i}});
  // Last-Event-ID beats since.
  SseReader resumed(server_->port(), "/v1/changes/stream?since=0", alice_token_, {{"Last-Event-ID", last_id}});
  std::vector<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    auto e = resumed.next(std::chrono::seconds(10));
    ASSERT_TRUE(e);
    ids.push_back(e->id);
    EXPECT_EQ(json::parse(e->data).at("version").as_int64(), i + 2);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"2", "3", "4"}));
}

TEST_F(Changes, an_event_stream_without_a_cursor_starts_with_new_changes_only) {
  auto c = alice();
  c.create_task();
  SseReader sse(server_->port(), "/v1/changes/stream", alice_token_);
  c.create_task();
  auto e = sse.next(std::chrono::seconds(10));
  ASSERT_TRUE(e);
  EXPECT_EQ(e->id, "2");
}

TEST_F(Changes, a_cursor_older_than_retention_is_410_and_list_then_follow_recovers) {
  start({"--retain-changes", "5"});
  auto c = alice();
  auto created = c.create_task();
  for (int i = 1; i <= 9; ++i) c.patch("/v1/tasks/" + created.str("taskId"), {{"warningOffset", i}});
  auto gone = c.get("/v1/changes?since=0");
  ASSERT_EQ(gone.status, 410);
  EXPECT_EQ(gone.str("code"), "CURSOR_EXPIRED");
  EXPECT_EQ(gone.num("oldestRevision"), 6);
  EXPECT_EQ(c.get("/v1/changes?since=5").status, 200);  // valid down to oldestRevision - 1
  auto list = c.get("/v1/tasks");
  auto follow = c.get("/v1/changes?since=" + std::to_string(list.num("revision")));
  EXPECT_EQ(follow.status, 200);
  EXPECT_EQ(revisions_of(follow).size(), 0u);
}

TEST_F(Changes, versions_lists_the_retained_versions_newest_first) {
  start({"--retain-versions", "3"});
  auto c = alice();
  auto created = c.create_task();
  std::string path = "/v1/tasks/" + created.str("taskId");
  for (int i = 1; i <= 4; ++i) c.patch(path, {{"warningOffset", i}});
  auto v = c.get(path + "/versions");
  ASSERT_EQ(v.status, 200);
  auto& versions = v.json.at("versions").as_array();
  ASSERT_EQ(versions.size(), 3u);
  EXPECT_EQ(versions[0].at("version").as_int64(), 5);
  EXPECT_EQ(versions[2].at("version").as_int64(), 3);
  EXPECT_EQ(versions[0].at("task").at("warningOffset").as_int64(), 4);
  EXPECT_EQ(versions[0].at("by").as_string(), "alice");
  EXPECT_EQ(c.get("/v1/tasks/nope/versions").status, 404);
}

// The feed's followers on both stores: served from one store read per commit (per notification on
// PostgreSQL) for all of them, not a read per follower per commit.
class Feed : public StoreServerTest {};
LOCKSTEP_ON_BOTH_STORES(Feed);

TEST_P(Feed, many_followers_get_every_change_once_in_order_from_one_store_read_per_commit) {
  constexpr int kStreams = 16, kPolls = 4, kWriters = 2, kWritesEach = 20;
  constexpr int kWrites = kWriters * kWritesEach;
  auto a = alice();
  std::vector<std::string> ids;
  for (int i = 0; i < 4; ++i) ids.push_back(a.create_task().str("taskId"));
  const std::int64_t start = a.get("/v1/changes?since=0").num("lastRevision");
  std::vector<std::unique_ptr<SseReader>> streams;
  for (int i = 0; i < kStreams; ++i) {
    streams.push_back(
        std::make_unique<SseReader>(server_->port(), "/v1/changes/stream?since=" + std::to_string(start), bob_token_));
  }
  const std::int64_t feed_reads = a.metric("lockstep_feed_reads_total");
  const std::int64_t stream_reads = a.metric("lockstep_stream_store_reads_total");
  ASSERT_GE(feed_reads, 0);
  ASSERT_GE(stream_reads, 0);
  std::vector<std::vector<std::int64_t>> got(kStreams + kPolls);
  std::vector<std::thread> followers;
  for (int i = 0; i < kStreams; ++i) {
    followers.emplace_back([&, i] {
      auto& mine = got[static_cast<std::size_t>(i)];
      while (mine.size() < static_cast<std::size_t>(kWrites)) {
        auto e = streams[static_cast<std::size_t>(i)]->next(std::chrono::seconds(20));
        if (!e) return;
        EXPECT_EQ(e->event, "change");
        mine.push_back(std::stoll(e->id));
      }
    });
  }
  for (int i = 0; i < kPolls; ++i) {
    followers.emplace_back([&, i] {
      auto& mine = got[static_cast<std::size_t>(kStreams + i)];
      ApiClient f(server_->port(), bob_token_);
      std::int64_t since = start;
      while (since < start + kWrites) {
        auto r = f.get("/v1/changes?since=" + std::to_string(since) + "&wait=20&limit=3");
        ASSERT_EQ(r.status, 200) << r.raw.body;
        for (const auto& c : r.json.at("changes").as_array()) mine.push_back(c.at("revision").as_int64());
        since = r.num("lastRevision");
      }
    });
  }
  write_concurrently(server_->port(), alice_token_, ids, kWriters, kWritesEach);
  for (auto& t : followers) t.join();
  std::vector<std::int64_t> expected;
  for (std::int64_t r = start + 1; r <= start + kWrites; ++r) expected.push_back(r);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], expected) << "follower " << i;
  // One read per commit (on PostgreSQL per notification, this node's own commits included, and
  // one a second in case one was lost), whatever the number of followers: 20 followers reading
  // on every commit would have made some 800.
  EXPECT_LE(a.metric("lockstep_feed_reads_total") - feed_reads, 2 * kWrites + 10);
  EXPECT_LE(a.metric("lockstep_stream_store_reads_total") - stream_reads, kStreams);
}

TEST_P(Feed, a_revoked_tokens_stream_ends_before_any_later_change) {
  auto root = admin();
  auto made = root.post("/v1/users", {{"name", "dora"}});
  ASSERT_EQ(made.status, 201) << made.raw.body;
  auto a = alice();
  auto task = a.create_task();
  const std::string path = "/v1/tasks/" + task.str("taskId");
  SseReader dora(server_->port(), "/v1/changes/stream", made.str("token"));
  ASSERT_EQ(a.patch(path, {{"warningOffset", 1}}).status, 200);
  auto first = dora.next(std::chrono::seconds(20));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->event, "change");
  ASSERT_EQ(root.del("/v1/users/dora").status, 204);
  ASSERT_EQ(a.patch(path, {{"warningOffset", 2}}).status, 200);
  auto next = dora.next(std::chrono::seconds(20));
  ASSERT_TRUE(next);
  EXPECT_EQ(next->event, "error");
  EXPECT_NE(next->data.find("UNAUTHENTICATED"), std::string::npos) << next->data;
  EXPECT_FALSE(dora.next(std::chrono::seconds(20)));  // and it ended
}

}  // namespace
}  // namespace lockstep::testing
