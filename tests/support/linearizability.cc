#include "linearizability.h"

#include <algorithm>
#include <map>
#include <set>
#include <sstream>
#include <unordered_set>

namespace lockstep::testing {
namespace {

struct State {
  std::int64_t version;
  std::int64_t value;
  bool operator==(const State&) const = default;
};

// The states a sequential register may be in after `op`, from `s`; empty: `op` cannot happen now.
std::vector<State> step(const State& s, const Operation& op) {
  using K = Operation::Kind;
  using O = Operation::Outcome;
  if (op.kind == K::kRead) {
    if (op.outcome == O::kUnknown) return {s};
    if (s.version == op.version && s.value == op.value) return {s};
    return {};
  }
  const bool matches = s.version == op.expected;
  switch (op.outcome) {
    case O::kOk:
      if (matches && op.version == s.version + 1) return {State{s.version + 1, op.value}};
      return {};
    case O::kFailed:
      if (!matches && op.version == s.version) return {s};
      return {};
    case O::kUnknown:
      // Lost answer: it may have been applied, or failed, or never have reached the store.
      if (matches) return {State{s.version + 1, op.value}, s};
      return {s};
  }
  return {};
}

struct Event {
  std::int64_t time;
  bool call;
  std::size_t op;
};

struct Entry {
  bool call;
  std::size_t op;
  Entry* prev = nullptr;
  Entry* next = nullptr;
  Entry* match = nullptr;  // a call's return entry
};

struct CacheKey {
  std::vector<bool> done;
  State state;
  bool operator==(const CacheKey&) const = default;
};

struct CacheHash {
  std::size_t operator()(const CacheKey& k) const {
    std::size_t h = std::hash<std::vector<bool>>()(k.done);
    return h ^ (std::hash<std::int64_t>()(k.state.version) * 31) ^ (std::hash<std::int64_t>()(k.state.value) * 131);
  }
};

// The search for one key's operations.
bool check_key(const std::vector<Operation>& ops, State initial, std::size_t& stuck_at) {
  std::vector<Event> events;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    events.push_back({ops[i].invoked, true, i});
    events.push_back({ops[i].returned, false, i});
  }
  // Calls before returns at the same instant: they overlap.
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.time != b.time ? a.time < b.time : a.call > b.call; });
  std::vector<Entry> entries(events.size() + 1);
  Entry* head = &entries.back();  // a sentinel before the first event
  std::vector<Entry*> call_of(ops.size()), return_of(ops.size());
  Entry* prev = head;
  for (std::size_t i = 0; i < events.size(); ++i) {
    Entry* e = &entries[i];
    e->call = events[i].call;
    e->op = events[i].op;
    e->prev = prev;
    prev->next = e;
    prev = e;
    (e->call ? call_of : return_of)[e->op] = e;
  }
  for (std::size_t i = 0; i < ops.size(); ++i) call_of[i]->match = return_of[i];

  auto lift = [](Entry* call) {
    call->prev->next = call->next;
    if (call->next) call->next->prev = call->prev;
    Entry* ret = call->match;
    ret->prev->next = ret->next;
    if (ret->next) ret->next->prev = ret->prev;
  };
  auto unlift = [](Entry* call) {
    Entry* ret = call->match;
    ret->prev->next = ret;
    if (ret->next) ret->next->prev = ret;
    call->prev->next = call;
    if (call->next) call->next->prev = call;
  };

  struct Frame {
    Entry* call;
    State before;
    std::vector<State> untried;  // other states this op could have led to
  };
  std::vector<Frame> stack;
  std::unordered_set<CacheKey, CacheHash> seen;
  std::vector<bool> done(ops.size(), false);
  State state = initial;
  Entry* e = head->next;
  std::size_t deepest = 0;
  while (head->next) {
    if (e && e->call) {
      auto next_states = step(state, ops[e->op]);
      bool advanced = false;
      while (!next_states.empty()) {
        State s = next_states.front();
        next_states.erase(next_states.begin());
        done[e->op] = true;
        if (seen.insert(CacheKey{done, s}).second) {
          stack.push_back({e, state, next_states});
          state = s;
          lift(e);
          e = head->next;
          advanced = true;
          break;
        }
        done[e->op] = false;
      }
      if (!advanced) e = e->next;
      if (stack.size() > deepest) {
        deepest = stack.size();
      }
      continue;
    }
    // A return whose call is not linearized yet (or the end): undo the last choice.
    for (;;) {
      if (stack.empty()) {
        stuck_at = deepest;
        return false;
      }
      Frame& f = stack.back();
      unlift(f.call);
      done[f.call->op] = false;
      state = f.before;
      bool retried = false;
      while (!f.untried.empty()) {
        State s = f.untried.front();
        f.untried.erase(f.untried.begin());
        done[f.call->op] = true;
        if (seen.insert(CacheKey{done, s}).second) {
          state = s;
          lift(f.call);
          e = head->next;
          retried = true;
          break;
        }
        done[f.call->op] = false;
      }
      if (retried) break;
      e = f.call->next;
      stack.pop_back();
      break;
    }
  }
  return true;
}

}  // namespace

std::string describe(const Operation& op) {
  std::ostringstream out;
  out << op.key << " [" << op.invoked << ", ";
  if (op.returned == std::numeric_limits<std::int64_t>::max())
    out << "?";
  else
    out << op.returned;
  out << "] ";
  if (op.kind == Operation::Kind::kRead) {
    out << "read -> v" << op.version << "=" << op.value;
  } else {
    out << "write(if v" << op.expected << ", " << op.value << ") -> ";
    if (op.outcome == Operation::Outcome::kOk) out << "ok v" << op.version;
    if (op.outcome == Operation::Outcome::kFailed) out << "412 (at v" << op.version << ")";
    if (op.outcome == Operation::Outcome::kUnknown) out << "unknown";
  }
  return out.str();
}

CheckResult check_linearizable(const std::vector<Operation>& history, std::int64_t initial_version,
                               std::int64_t initial_value) {
  std::map<std::string, std::vector<Operation>> by_key;
  for (const auto& op : history) by_key[op.key].push_back(op);
  CheckResult result;
  result.operations = history.size();
  for (auto& [key, ops] : by_key) {
    std::sort(ops.begin(), ops.end(), [](const Operation& a, const Operation& b) { return a.invoked < b.invoked; });
    std::size_t stuck = 0;
    if (!check_key(ops, State{initial_version, initial_value}, stuck)) {
      result.linearizable = false;
      result.key = key;
      // The operations around where the deepest linearization ended.
      std::size_t from = stuck > 5 ? stuck - 5 : 0;
      for (std::size_t i = from; i < std::min(ops.size(), stuck + 6); ++i) result.window.push_back(ops[i]);
      return result;
    }
  }
  return result;
}

}  // namespace lockstep::testing
