// purchase: many buyers of one product (API.md §9).
//
// An operation is one POST /v1/products/{id}/purchase {"quantity":q}, q uniform in
// 1..--max-quantity: a 200 (counted with its quantity and the stock it says is left) or a 409
// OUT_OF_STOCK (a conflict, expected once the stock runs low). Every answer is checked on the
// spot (the 200's `purchased` is q, no stock below 0, no refusal while `available` covered q) and
// at the end purchase_check (checks.h) compares the product's final stock with what was sold.
#include <boost/json.hpp>

#include "workload_ops.h"

namespace lockstep::bench {
namespace {

namespace json = boost::json;

std::optional<json::object> parse_object(std::string_view body) {
  std::error_code ec;
  json::value parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return std::nullopt;
  return std::move(parsed.get_object());
}

}  // namespace

asio::awaitable<OpResult> purchase_op(OpContext& ctx, Connection& conn) {
  std::uniform_int_distribution<std::int64_t> pick(1, ctx.plan->options->max_quantity);
  const std::int64_t quantity = pick(ctx.rng);
  const std::string target = ctx.plan->product_target + "/purchase";
  const std::string body = "{\"quantity\":" + std::to_string(quantity) + "}";
  PurchaseLedger& ledger = ctx.run->purchase;
  ++ctx.stats->writes;
  Outcome outcome = co_await conn.call(Call::post(target, body), ctx.plan->hard_deadline);
  if (!outcome.answered()) {
    if (outcome.maybe_delivered) {
      ++ledger.in_doubt;
      ledger.in_doubt_quantity += static_cast<std::uint64_t>(quantity);
    }
    co_return failed(outcome, *ctx.stats);
  }
  auto answer = parse_object(outcome.body);
  if (outcome.status == 200) {
    ++ledger.acked;
    ledger.acked_quantity += static_cast<std::uint64_t>(quantity);
    const json::value* product = answer ? answer->if_contains("product") : nullptr;
    const std::int64_t left = product && product->is_object() ? int_member(product->get_object(), "stock") : -1;
    const json::value* stock = product && product->is_object() ? product->get_object().if_contains("stock") : nullptr;
    if (stock && stock->is_int64() && stock->get_int64() < 0) ++ledger.negative;
    if (!answer || int_member(*answer, "purchased") != quantity || left < 0) {
      ++ctx.stats->anomalies;
    } else {
      ledger.remaining.push_back(left);
    }
    co_return OpResult::kDone;
  }
  if (outcome.status != 409) co_return OpResult::kFailed;
  ++ctx.stats->conflicts;
  const json::value* available = answer ? answer->if_contains("available") : nullptr;
  const json::value* code = answer ? answer->if_contains("code") : nullptr;
  if (!available || !available->is_int64() || !code || !code->is_string() || code->get_string() != "OUT_OF_STOCK") {
    ++ctx.stats->anomalies;
    co_return OpResult::kDone;
  }
  if (available->get_int64() < 0) ++ledger.negative;
  // Only buyers take stock here, so it can only have shrunk since the refusal was decided.
  if (available->get_int64() >= quantity) ++ledger.refused_in_stock;
  co_return OpResult::kDone;
}

}  // namespace lockstep::bench
