// The change feed's followers: long polls of GET /v1/changes and event streams (GET
// /v1/changes/stream: each event's id is its revision and its data one change object; a comment
// line every heartbeat interval keeps proxies from closing an idle stream). They are served from
// the ChangeFeed, which reads the store once per commit for all of them.
#pragma once

#include <boost/json/object.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/mutex.h"
#include "http/message.h"
#include "http/waits.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep::http {

// The key under which change-feed followers park in the WaitList (no task id has a colon).
inline constexpr const char* kFeedKey = ":changes";

// The change object of API.md §8.
boost::json::object change_to_json(const Change& change);

// The parameters of GET /v1/changes (`stream`: of GET /v1/changes/stream, which takes `since`
// only). 400 for anything else.
struct FeedQuery {
  std::optional<std::int64_t> since;
  int limit = 100;
  int wait = 0;
};
Result<FeedQuery> parse_feed_query(const QueryParams& params, bool stream);
// A decimal integer, the whole of `s`.
std::optional<std::int64_t> parse_int(std::string_view s);

// One change of the feed, its change object serialised once for every follower.
struct FeedEntry {
  std::int64_t revision = 0;
  std::string json;
  std::string event;  // the same change as an event stream sends it, made once for all streams
};
using FeedEntries = std::vector<std::shared_ptr<const FeedEntry>>;

// The body of GET /v1/changes: {"changes":[...],"lastRevision":N}.
std::string feed_page_json(const std::vector<std::string>& change_json, std::int64_t last_revision);

// The newest changes as this process's followers see them. After a commit (here, or on another
// node: on PostgreSQL once per notification) one store read brings them up to date and checks
// every follower's token, for all followers together; each change is serialised once. A follower
// whose cursor lies before what it holds (or may have left the retained feed) reads the store
// itself, as every follower did on every commit before. Thread-safe.
class ChangeFeed {
 public:
  // `waits` is where followers park (under kFeedKey); each read ends by waking them. Without
  // `check_tokens` (--insecure-no-auth) tokens are not looked at.
  ChangeFeed(Store& store, WaitList& waits, Retention retention, bool check_tokens);

  // Something was committed that may be a change or a token's end: reads once, while anybody
  // follows. At most one read runs at a time; notifications meanwhile make one more after it.
  void notify();
  // Store reads made so far (for metrics).
  std::uint64_t reads() const;

  // A follower's token, checked by every read while the Follower lives.
  class Follower {
   public:
    // `verified_through`: the revision through which its own request found the token valid.
    Follower(ChangeFeed& feed, const std::optional<std::string>& authorization, std::int64_t verified_through);
    ~Follower();
    Follower(const Follower&) = delete;
    Follower& operator=(const Follower&) = delete;

   private:
    friend class ChangeFeed;
    ChangeFeed& feed_;
    std::string token_;
    std::int64_t verified_through_;
  };

  enum class Look {
    kChanges,          // `out` holds the changes after the cursor
    kNothingYet,       // park until the next notification
    kUnauthenticated,  // the token is no longer valid
    kAskStore,         // not held here (behind, or maybe out of retention): read the store
  };
  // Up to `limit` changes after `after` that the follower may be given.
  Look look(const Follower& follower, std::int64_t after, std::size_t limit, FeedEntries& out);

 private:
  struct Token {
    int followers = 0;
    std::int64_t valid_through = 0;  // the latest read that found it valid (0: none yet)
    bool revoked = false;
  };
  struct Round;
  void read();
  void apply(Round round);
  void finish_read();  // then reads again if notified meanwhile

  Store& store_;
  WaitList& waits_;
  const Retention retention_;
  const bool check_tokens_;
  mutable Mutex mu_;
  bool ready_ LOCKSTEP_GUARDED_BY(mu_) = false;       // a read has been applied
  std::int64_t base_ LOCKSTEP_GUARDED_BY(mu_) = 0;    // entries_ holds every change in (base_, known_]
  std::int64_t known_ LOCKSTEP_GUARDED_BY(mu_) = 0;   // the latest revision of the last read
  std::int64_t pruned_ LOCKSTEP_GUARDED_BY(mu_) = 0;  // the feed's pruned-through watermark at the last read
  std::deque<std::shared_ptr<const FeedEntry>> entries_ LOCKSTEP_GUARDED_BY(mu_);
  std::unordered_map<std::string, Token> tokens_ LOCKSTEP_GUARDED_BY(mu_);
  int followers_ LOCKSTEP_GUARDED_BY(mu_) = 0;  // Follower objects alive
  bool reading_ LOCKSTEP_GUARDED_BY(mu_) = false;
  bool again_ LOCKSTEP_GUARDED_BY(mu_) = false;
  std::uint64_t reads_ LOCKSTEP_GUARDED_BY(mu_) = 0;
};

class ChangeStream final : public EventSource, public std::enable_shared_from_this<ChangeStream> {
 public:
  // `authorized` is asked inside every read of the store itself (at each heartbeat, and when
  // the feed does not hold the stream's next changes), so that a revoked token ends the stream;
  // the feed checks `authorization` at every commit.
  ChangeStream(Store& store, WaitList& waits, ChangeFeed& feed, std::function<bool(Tx&)> authorized,
               std::optional<std::string> authorization, Retention retention, std::int64_t after,
               std::chrono::seconds heartbeat);

  ~ChangeStream() override;
  void next(Emit emit) override;
  // How many streams are open in this process.
  static std::int64_t open_streams();
  // How many times streams read the store themselves (heartbeats, catching up from behind what
  // the feed holds), in this process so far.
  static std::uint64_t store_reads();

 private:
  void look(Emit emit);
  void wait(Emit emit, std::uint64_t seen);
  void read_store(Emit emit, bool may_wait);

  Store& store_;
  WaitList& waits_;
  ChangeFeed& feed_;
  std::function<bool(Tx&)> authorized_;
  ChangeFeed::Follower follower_;
  Retention retention_;
  std::int64_t after_;  // the revision through which it has sent everything; one look at a time
  std::chrono::seconds heartbeat_;
};

}  // namespace lockstep::http
