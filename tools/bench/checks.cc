#include "checks.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdio>
#include <unordered_map>

#include "histogram.h"
#include "workload_ops.h"

namespace lockstep::bench {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxReported = 5;
constexpr std::size_t kMaxChecked = 20000;

std::string n(std::uint64_t v) { return std::to_string(v); }
std::string n(std::int64_t v) { return std::to_string(v); }

double ms(std::uint64_t ns) { return static_cast<double>(ns) / 1e6; }

std::string ms_text(std::uint64_t ns) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3f ms", ms(ns));
  return text;
}

std::optional<json::object> read_object(const ConnectionConfig& config, const std::string& target, std::string& error) {
  std::optional<json::object> out;
  const auto deadline = Clock::now() + kPhaseLimit;
  auto step = [&](Connection& conn, std::size_t) -> asio::awaitable<bool> {
    Outcome outcome = co_await call_with_retries(conn, Call::get(target), deadline);
    std::error_code ec;
    json::value v = outcome.answered() && outcome.status == 200 ? json::parse(outcome.body, ec) : json::value();
    if (!v.is_object()) {
      error = "reading " + target + ": " + describe(outcome);
      co_return false;
    }
    out = std::move(v.get_object());
    co_return true;
  };
  for_each_index(config, 1, 1, step);
  return out;
}

}  // namespace

void CheckResult::fail(std::string line) {
  pass = false;
  ++failed;
  if (first_failures.size() < kMaxReported) first_failures.push_back(std::move(line));
}

TaskCheck merge_field_check(const MergeLedger& ledger) {
  return [&ledger](std::size_t i, std::string_view body) -> std::string {
    std::error_code ec;
    json::value parsed = json::parse(body, ec);
    const json::object* task = ec ? nullptr : parsed.if_object();
    if (!task) return "task " + std::to_string(i) + ": the body read back is not an object";
    for (std::size_t f = 0; f < kMergeFields; ++f) {
      if (ledger.in_doubt[i][f]) continue;
      const FieldWrite& last = ledger.last[i][f];
      // The hot set's initial values (create_body).
      const std::string initial = f == 0 ? "bench task " + std::to_string(i) : f == 1 ? "" : "bench";
      const std::string& expected = last.version ? last.value : initial;
      const json::value* v = task->if_contains(kMergeFieldNames[f]);
      if (!v || !v->is_string() || v->get_string() != expected) {
        return "task " + std::to_string(i) + ": " + kMergeFieldNames[f] + " is " +
               (v ? json::serialize(*v) : "absent") + ", but the last acknowledged write (version " + n(last.version) +
               ") set \"" + expected + "\"";
      }
    }
    return {};
  };
}

CheckResult lock_fencing_check(const LockLedger& ledger) {
  CheckResult c;
  c.name = "fencing";
  std::vector<Grant> grants = ledger.grants;
  std::sort(grants.begin(), grants.end(),
            [](const Grant& a, const Grant& b) { return a.task != b.task ? a.task < b.task : a.token < b.token; });
  for (std::size_t k = 1; k < grants.size(); ++k) {
    if (grants[k].task == grants[k - 1].task && grants[k].token == grants[k - 1].token) {
      c.fail("task " + n(std::uint64_t{grants[k].task}) + ": token " + n(grants[k].token) + " granted twice");
    }
  }
  std::vector<LockedIncrement> incs = ledger.increments;
  std::sort(incs.begin(), incs.end(), [](const LockedIncrement& a, const LockedIncrement& b) {
    return a.task != b.task ? a.task < b.task : a.seen < b.seen;
  });
  for (std::size_t k = 1; k < incs.size(); ++k) {
    const LockedIncrement& a = incs[k - 1];
    const LockedIncrement& b = incs[k];
    if (a.task != b.task) continue;
    if (a.seen == b.seen) {
      c.fail("task " + n(std::uint64_t{b.task}) + ": holders of tokens " + n(a.token) + " and " + n(b.token) +
             " both read warningOffset " + n(a.seen));
    } else if (b.token <= a.token) {
      c.fail("task " + n(std::uint64_t{b.task}) + ": the increment from " + n(b.seen) + " was made under token " +
             n(b.token) + ", not above the earlier " + n(a.token));
    }
  }
  c.summary = n(std::uint64_t{grants.size()}) + " grants, " + n(std::uint64_t{incs.size()}) + " locked increments: " +
              (c.pass ? "every token granted once, tokens increase in the order the locks were held"
                      : n(c.failed) + " violations");
  c.details = json::object{{"grants", grants.size()}, {"lockedIncrements", incs.size()}};
  return c;
}

CheckResult purchase_check(const Options& options, const ConnectionConfig& config, const std::string& product_target,
                           const PurchaseLedger& ledger) {
  CheckResult c;
  c.name = "stock";
  std::string error;
  auto product = read_object(config, product_target, error);
  const std::int64_t final_stock = product ? int_member(*product, "stock") : -1;
  const auto initial = options.stock;
  const auto sold = static_cast<std::int64_t>(ledger.acked_quantity);
  const auto doubt = static_cast<std::int64_t>(ledger.in_doubt_quantity);
  if (!product || final_stock < 0) c.fail(product ? "the final stock is negative" : error);
  if (sold > initial) c.fail("sold " + n(sold) + ", more than the initial stock " + n(initial));
  if (product && (final_stock > initial - sold || final_stock < initial - sold - doubt)) {
    c.fail("final stock " + n(final_stock) + ", but " + n(initial) + " - " + n(sold) + " sold = " + n(initial - sold) +
           (doubt ? " (" + n(doubt) + " more in doubt)" : ""));
  }
  if (ledger.negative) c.fail(n(ledger.negative) + " answers showed a stock below 0");
  if (ledger.refused_in_stock) {
    c.fail(n(ledger.refused_in_stock) + " OUT_OF_STOCK answers while the stock covered the quantity");
  }
  std::vector<std::int64_t> left = ledger.remaining;
  std::sort(left.begin(), left.end());
  for (std::size_t k = 1; k < left.size(); ++k) {
    if (left[k] == left[k - 1]) c.fail("two purchases both left a stock of " + n(left[k]));
  }
  c.summary = "sold " + n(sold) + " of " + n(initial) + " in " + n(ledger.acked) + " purchases, final stock " +
              n(final_stock) + (doubt ? ", " + n(doubt) + " in doubt" : "");
  c.details = json::object{{"initialStock", initial},
                           {"sold", sold},
                           {"purchases", ledger.acked},
                           {"inDoubtQuantity", doubt},
                           {"finalStock", final_stock}};
  return c;
}

CheckResult overload_check(const Options& options, const ConnectionConfig& config,
                           const std::vector<std::string>& created) {
  CheckResult c;
  c.name = "created";
  const std::size_t checked = std::min(created.size(), kMaxChecked);
  const auto deadline = Clock::now() + kPhaseLimit;
  auto step = [&](Connection& conn, std::size_t k) -> asio::awaitable<bool> {
    const std::string& target = created[k * created.size() / checked];
    Outcome outcome = co_await call_with_retries(conn, Call::get(target), deadline);
    if (outcome.answered() && outcome.status == 200) co_return true;
    c.fail(target + " was created (201) but reads back as " + describe(outcome));
    co_return false;
  };
  for_each_index(config, checked, options.connections, step);
  c.summary = c.pass ? "all " + n(std::uint64_t{checked}) + " of the " + n(std::uint64_t{created.size()}) +
                           " tasks created (201) read back"
                     : n(c.failed) + " of " + n(std::uint64_t{checked}) + " created tasks missing";
  c.details = json::object{{"created", created.size()}, {"checked", checked}};
  return c;
}

CheckResult follow_check(const std::vector<Ack>& acks, const Followers& followers) {
  CheckResult c;
  c.name = "delivery";
  std::unordered_map<std::string, Clock::time_point> acked;
  for (const Ack& a : acks) acked.emplace(a.key, a.at);
  Histogram delivery;
  std::uint64_t before_ack = 0;
  std::uint64_t received = 0;
  std::uint64_t foreign = 0;  // changes no acknowledged write of this run made
  const auto& logs = followers.logs();
  for (std::size_t f = 0; f < logs.size(); ++f) {
    const FollowerLog& log = logs[f];
    const std::string who = "follower " + n(std::uint64_t{f}) + ": ";
    if (!log.error.empty()) c.fail(who + log.error);
    if (log.malformed) c.fail(who + n(log.malformed) + " malformed events");
    std::unordered_map<std::string, int> seen;
    std::int64_t previous = followers.since();
    for (const Received& r : log.received) {
      ++received;
      if (r.revision <= previous) {
        c.fail(who + "revision " + n(r.revision) + " came after " + n(previous));
      }
      previous = std::max(previous, r.revision);
      if (++seen[r.key] == 2) c.fail(who + "the change " + r.key + " came twice");
      auto ack = acked.find(r.key);
      if (ack == acked.end()) {
        ++foreign;
        continue;
      }
      if (r.at < ack->second) ++before_ack;
      delivery.record(r.at < ack->second
                          ? 0
                          : static_cast<std::uint64_t>(
                                std::chrono::duration_cast<std::chrono::nanoseconds>(r.at - ack->second).count()));
    }
    std::uint64_t missing = 0;
    for (const auto& [key, at] : acked) {
      if (!seen.contains(key) && ++missing <= 2)
        c.fail(std::string(who).append("never received the change ").append(key));
    }
    if (missing > 2) c.fail(who + n(missing) + " acknowledged changes never received in all");
  }
  c.summary = n(std::uint64_t{logs.size()}) + " followers, " + n(std::uint64_t{acked.size()}) +
              " acknowledged writes, delivery p50 " + ms_text(delivery.value_at(0.5)) + ", p99 " +
              ms_text(delivery.value_at(0.99)) + " (" + n(before_ack) +
              " arrivals before the writer's answer count as 0)" +
              (c.pass ? ", each received exactly once and in order" : "");
  c.details = json::object{{"followers", logs.size()},
                           {"ackedWrites", acked.size()},
                           {"received", received},
                           {"unacknowledgedReceived", foreign},
                           {"beforeAck", before_ack},
                           {"deliveryMs", json::object{{"p50", ms(delivery.value_at(0.5))},
                                                       {"p99", ms(delivery.value_at(0.99))},
                                                       {"max", ms(delivery.max())},
                                                       {"count", delivery.count()}}}};
  return c;
}

}  // namespace lockstep::bench
