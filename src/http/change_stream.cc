#include "http/change_stream.h"

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <charconv>

#include "service/change_service.h"
#include "service/user_service.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

std::atomic<std::int64_t> g_open_streams{0};
std::atomic<std::uint64_t> g_stream_store_reads{0};

constexpr int kMaxLimit = 1000;
constexpr int kMaxWaitSeconds = 60;
// Changes the feed holds: a follower further behind reads the store. A read that finds more new
// changes than this starts the feed over after them.
constexpr std::size_t kHeld = 1024;
constexpr std::size_t kStreamPage = 100;  // changes in one piece of an event stream

const char* const kUnauthenticatedEvent = "event: error\ndata: {\"code\":\"UNAUTHENTICATED\"}\n\n";
const char* const kCursorExpiredEvent = "event: error\ndata: {\"code\":\"CURSOR_EXPIRED\"}\n\n";

std::string event_of(std::int64_t revision, const std::string& change_json) {
  return "id: " + std::to_string(revision) + "\nevent: change\ndata: " + change_json + "\n\n";
}

}  // namespace

std::optional<std::int64_t> parse_int(std::string_view s) {
  std::int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size()) return std::nullopt;
  return v;
}

json::object change_to_json(const Change& c) {
  json::object o{{"revision", c.revision},
                 {"type", change_type_name(c.type)},
                 {"taskId", c.task_id},
                 {"version", c.version},
                 {"by", c.by},
                 {"at", format_rfc3339(c.at)}};
  o["task"] = c.task_json.empty() ? json::value(nullptr) : json::parse(c.task_json);
  return o;
}

Result<FeedQuery> parse_feed_query(const QueryParams& params, bool stream) {
  FeedQuery q;
  Error e(Code::kValidationFailed, "The change feed query has invalid parameters.");
  for (const auto& [key, value] : params) {
    auto n = parse_int(value);
    if (key == "since") {
      if (!n || *n < 0) e.errors.push_back({key, "must be a revision (an integer of at least 0)"});
      q.since = n;
    } else if (key == "limit" && !stream) {
      if (!n || *n < 1 || *n > kMaxLimit)
        e.errors.push_back({key, "must be an integer from 1 to 1000"});
      else
        q.limit = static_cast<int>(*n);
    } else if (key == "wait" && !stream) {
      if (!n || *n < 0 || *n > kMaxWaitSeconds)
        e.errors.push_back({key, "must be seconds from 0 to 60"});
      else
        q.wait = static_cast<int>(*n);
    } else {
      e.errors.push_back({key, "is not a parameter of the change feed"});
    }
  }
  if (!e.errors.empty()) return e;
  return q;
}

std::string feed_page_json(const std::vector<std::string>& change_json, std::int64_t last_revision) {
  std::string out = "{\"changes\":[";
  for (std::size_t i = 0; i < change_json.size(); ++i) {
    if (i) out += ',';
    out += change_json[i];
  }
  return out + "],\"lastRevision\":" + std::to_string(last_revision) + "}";
}

// ---- ChangeFeed

struct ChangeFeed::Round {
  std::int64_t latest = 0;
  std::int64_t pruned = 0;
  bool overflow = false;  // more new changes than the feed holds
  FeedEntries entries;
  std::vector<std::pair<std::string, bool>> verdicts;  // token, still valid
};

ChangeFeed::ChangeFeed(Store& store, WaitList& waits, Retention retention, bool check_tokens)
    : store_(store), waits_(waits), retention_(retention), check_tokens_(check_tokens) {}

std::uint64_t ChangeFeed::reads() const {
  MutexLock lock(mu_);
  return reads_;
}

void ChangeFeed::notify() {
  bool start = false;
  {
    MutexLock lock(mu_);
    if (reading_) {
      again_ = true;
      return;
    }
    if (followers_ > 0) {
      reading_ = true;
    } else {
      // Nobody follows: no read (a commit costs the store nothing more). What the feed holds may
      // now lag the store, so it answers "ask the store" until its next read; and a follower that
      // came while this ran, its own read older than the commit, wakes (the generation moves) and
      // asks the store.
      ready_ = false;
    }
    start = reading_;
  }
  if (!start) return waits_.notify(kFeedKey);
  read();
}

void ChangeFeed::read() {
  std::vector<std::string> tokens;
  std::int64_t from = 0;
  bool ready = false;
  {
    MutexLock lock(mu_);
    for (const auto& [token, state] : tokens_) tokens.push_back(token);
    from = known_;
    ready = ready_;
    ++reads_;
  }
  store_.read(
      [this, tokens = std::move(tokens), from, ready](Tx& tx) {
        Round round;
        FeedRead read = read_feed(tx, from, static_cast<int>(kHeld) + 1, ready);
        round.latest = read.latest;
        round.pruned = read.pruned;
        if (!read.changes.empty()) {
          round.overflow = read.changes.size() > kHeld;
          if (!round.overflow) {
            for (const auto& c : read.changes) {
              std::string change_json = json::serialize(change_to_json(c));
              std::string event = event_of(c.revision, change_json);
              round.entries.push_back(
                  std::make_shared<const FeedEntry>(FeedEntry{c.revision, std::move(change_json), std::move(event)}));
            }
          }
        }
        for (const auto& token : tokens) round.verdicts.emplace_back(token, authenticate(tx, token).ok());
        apply(std::move(round));
      },
      [this] { finish_read(); });  // followers stay parked; their heartbeats read the store
}

void ChangeFeed::apply(Round round) {
  {
    MutexLock lock(mu_);
    if (!ready_ || round.overflow) {
      entries_.clear();
      base_ = known_ = round.latest;
      ready_ = true;
    } else {
      for (auto& e : round.entries) {
        if (e->revision > known_) entries_.push_back(std::move(e));
      }
      known_ = std::max(known_, round.latest);
      while (entries_.size() > kHeld) {
        base_ = entries_.front()->revision;
        entries_.pop_front();
      }
    }
    pruned_ = round.pruned;
    for (const auto& [token, valid] : round.verdicts) {
      auto it = tokens_.find(token);
      if (it == tokens_.end()) continue;
      if (valid) it->second.valid_through = std::max(it->second.valid_through, round.latest);
      it->second.revoked = it->second.revoked || !valid;
    }
  }
  waits_.notify(kFeedKey);
  finish_read();
}

void ChangeFeed::finish_read() {
  {
    MutexLock lock(mu_);
    if (!again_) {
      reading_ = false;
      return;
    }
    again_ = false;
  }
  read();
}

ChangeFeed::Follower::Follower(ChangeFeed& feed, const std::optional<std::string>& authorization,
                               std::int64_t verified_through)
    : feed_(feed), token_(authorization.value_or("")), verified_through_(verified_through) {
  MutexLock lock(feed_.mu_);
  ++feed_.followers_;
  if (feed_.check_tokens_) ++feed_.tokens_[token_].followers;
}

ChangeFeed::Follower::~Follower() {
  MutexLock lock(feed_.mu_);
  --feed_.followers_;
  if (!feed_.check_tokens_) return;
  auto it = feed_.tokens_.find(token_);
  if (it != feed_.tokens_.end() && --it->second.followers == 0) feed_.tokens_.erase(it);
}

ChangeFeed::Look ChangeFeed::look(const Follower& follower, std::int64_t after, std::size_t limit, FeedEntries& out) {
  bool want_read = false;
  Look result = Look::kNothingYet;
  {
    MutexLock lock(mu_);
    std::int64_t verified = known_;
    if (check_tokens_) {
      const Token& token = tokens_.at(follower.token_);
      if (token.revoked) return Look::kUnauthenticated;
      verified = std::max(token.valid_through, follower.verified_through_);
    }
    // The retention window as of the last read (exact for answers: see change_service.h).
    const std::int64_t oldest = std::max({pruned_ + 1, known_ - retention_.changes + 1, std::int64_t{1}});
    if (!ready_ || after < base_ || after < oldest - 1) return Look::kAskStore;
    auto it = std::upper_bound(entries_.begin(), entries_.end(), after,
                               [](std::int64_t r, const auto& e) { return r < e->revision; });
    for (; it != entries_.end() && out.size() < limit && (*it)->revision <= verified; ++it) out.push_back(*it);
    if (!out.empty()) {
      result = Look::kChanges;
    } else {
      // Changes it may not be given until a read has checked its token that late.
      want_read = it != entries_.end();
    }
  }
  if (want_read) notify();
  return result;
}

// ---- ChangeStream

std::int64_t ChangeStream::open_streams() { return g_open_streams.load(); }
std::uint64_t ChangeStream::store_reads() { return g_stream_store_reads.load(); }
ChangeStream::~ChangeStream() { g_open_streams.fetch_sub(1); }

ChangeStream::ChangeStream(Store& store, WaitList& waits, ChangeFeed& feed, std::function<bool(Tx&)> authorized,
                           std::optional<std::string> authorization, Retention retention, std::int64_t after,
                           std::chrono::seconds heartbeat)
    : store_(store),
      waits_(waits),
      feed_(feed),
      authorized_(std::move(authorized)),
      follower_(feed, std::move(authorization), after),
      retention_(retention),
      after_(after),
      heartbeat_(heartbeat) {
  g_open_streams.fetch_add(1);
}

void ChangeStream::next(Emit emit) { look(std::move(emit)); }

void ChangeStream::look(Emit emit) {
  const auto seen = waits_.generation();  // before the look: see WaitList::generation
  FeedEntries got;
  switch (feed_.look(follower_, after_, kStreamPage, got)) {
    case ChangeFeed::Look::kChanges: {
      std::string out;
      std::size_t size = 0;
      for (const auto& e : got) size += e->event.size();
      out.reserve(size);
      for (const auto& e : got) out += e->event;
      after_ = got.back()->revision;
      return emit(std::move(out), false);
    }
    case ChangeFeed::Look::kUnauthenticated:
      return emit(kUnauthenticatedEvent, true);
    case ChangeFeed::Look::kAskStore:
      return read_store(std::move(emit), true);
    case ChangeFeed::Look::kNothingYet:
      return wait(std::move(emit), seen);
  }
}

void ChangeStream::wait(Emit emit, std::uint64_t seen) {
  if (waits_.stopped()) return emit(":\n\n", true);
  auto self = shared_from_this();
  auto shared_emit = std::make_shared<Emit>(std::move(emit));
  waits_.park(kFeedKey, seen, WaitList::Clock::now() + heartbeat_, [self, shared_emit](bool timed_out) {
    // News: look at the feed. The heartbeat: read the store, which checks the token as every
    // request does, then a comment line if nothing came.
    if (timed_out) return self->read_store(std::move(*shared_emit), false);
    self->look(std::move(*shared_emit));
  });
}

void ChangeStream::read_store(Emit emit, bool may_wait) {
  g_stream_store_reads.fetch_add(1);
  auto self = shared_from_this();
  auto shared_emit = std::make_shared<Emit>(std::move(emit));
  const auto seen = waits_.generation();  // before the read's snapshot: see Api::submit_read
  store_.read(
      [self, shared_emit, may_wait, seen](Tx& tx) {
        if (!self->authorized_(tx)) return (*shared_emit)(kUnauthenticatedEvent, true);
        auto page = read_changes(tx, self->after_, static_cast<int>(kStreamPage), self->retention_);
        // The follower fell behind the retained feed: say so and end; it lists again.
        if (!page) return (*shared_emit)(kCursorExpiredEvent, true);
        if (page->changes.empty()) {
          self->after_ = page->last_revision;  // nothing through the latest revision: look on from there
          if (!may_wait || self->waits_.stopped()) return (*shared_emit)(":\n\n", self->waits_.stopped());
          return self->wait(std::move(*shared_emit), seen);
        }
        std::string out;
        for (const auto& c : page->changes) out += event_of(c.revision, json::serialize(change_to_json(c)));
        self->after_ = page->changes.back().revision;
        (*shared_emit)(std::move(out), false);
      },
      [shared_emit] { (*shared_emit)("", true); });
}

}  // namespace lockstep::http
