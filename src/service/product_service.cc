#include "service/product_service.h"

#include <boost/json.hpp>

#include "core/ids.h"
#include "service/write_checks.h"

namespace json = boost::json;

namespace lockstep {
namespace {

Error not_found(std::string_view id) {
  return Error(Code::kNotFound, "No product has the id '" + std::string(id) + "'.");
}

// Products keep no history: only a first version is known to have no earlier change (product
// ids are never reused), so a date naming the second of any later change is treated as older.
VersionedState state_of(const Product& p) {
  return VersionedState{"product",
                        p.etag(),
                        p.updated_at,
                        p.version,
                        [&p] { return json::serialize(product_to_json(p)); },
                        [&p] { return p.version == 1 ? std::optional<Millis>(kNoEarlierChange) : std::nullopt; }};
}

// A new version of `p`: a fresh revision (shared with tasks, so ETags never repeat) and an
// updatedAt that never goes backwards. Products make no entries in the task change feed.
void bump(Tx& tx, const WriteContext& ctx, Product& p) {
  p.version += 1;
  p.revision = tx.next_revision();
  p.updated_at = std::max(ctx.now, p.updated_at + 1);
}

std::optional<std::int64_t> member_int(const json::object& o, const char* key) {
  const json::value* v = o.if_contains(key);
  if (v && v->is_int64()) return v->get_int64();
  return std::nullopt;
}

}  // namespace

Result<Product> create_product(Tx& tx, const WriteContext& ctx, const Body& body) {
  auto b = require_json(body);
  if (!b) return b.error();
  auto w = parse_product_write(**b, true);
  if (!w) return w.error();
  Product p;
  p.id = make_ulid(ctx.now);
  w->apply_to(p);
  p.created_at = ctx.now;
  p.updated_at = ctx.now - 1;
  bump(tx, ctx, p);
  tx.insert_product(p);
  return p;
}

Result<ProductRead> get_product(Tx& tx, std::string_view id, const ConditionalHeaders& headers) {
  auto p = tx.get_product(id);
  if (!p) return not_found(id);
  auto not_modified = check_read_conditions(state_of(*p), headers);
  if (!not_modified) return not_modified.error();
  return ProductRead{std::move(*p), *not_modified};
}

Result<ProductPage> list_products(Tx& tx, const QueryParams& params) {
  int limit = 50;
  std::string after;
  Error e(Code::kValidationFailed, "The list query has invalid parameters.");
  for (const auto& [key, value] : params) {
    if (key == "limit") {
      bool digits = !value.empty() && value.size() <= 3 && value.find_first_not_of("0123456789") == std::string::npos;
      int n = digits ? std::stoi(value) : 0;
      if (n < 1 || n > 500)
        e.errors.push_back({key, "must be an integer from 1 to 500"});
      else
        limit = n;
    } else if (key == "pageToken") {
      if (!is_valid_client_id(value)) e.errors.push_back({key, "is not a page token this server issued"});
      after = value;
    } else {
      e.errors.push_back({key, "is not a parameter of this list"});
    }
  }
  if (!e.errors.empty()) return e;
  ProductPage page;
  page.products = tx.list_products(after, limit + 1);
  if (page.products.size() > static_cast<std::size_t>(limit)) {
    page.products.resize(static_cast<std::size_t>(limit));
    page.next_page_token = page.products.back().id;
  }
  return page;
}

Result<Product> patch_product(Tx& tx, const WriteContext& ctx, std::string_view id, const ConditionalHeaders& headers,
                              const Body& body) {
  auto p = tx.get_product(id);
  if (!p) return not_found(id);
  if (auto ok = require_precondition(ctx, headers, body); !ok) return ok.error();
  if (auto ok = check_conditions(ctx, state_of(*p), headers); !ok) return ok.error();
  auto b = require_json(body);
  if (!b) return b.error();
  auto w = parse_product_write(**b, false);
  if (!w) return w.error();
  if (auto ok = check_expected_version(w->expected_version, state_of(*p)); !ok) return ok.error();
  if (!w->changes(*p)) return *p;  // a write that changes nothing is not a new version
  w->apply_to(*p);
  bump(tx, ctx, *p);
  tx.update_product(*p);
  return *p;
}

Status delete_product(Tx& tx, const WriteContext& ctx, std::string_view id, const ConditionalHeaders& headers,
                      const Body& body) {
  auto p = tx.get_product(id);
  if (!p) return not_found(id);
  if (auto ok = require_precondition(ctx, headers, body); !ok) return ok;
  if (auto ok = check_conditions(ctx, state_of(*p), headers); !ok) return ok;
  std::optional<std::int64_t> expected;
  if (body.present) {
    if (!body.json) return *body.error;
    auto v = parse_delete_body(*body.json);
    if (!v) return v.error();
    expected = *v;
  }
  if (auto ok = check_expected_version(expected, state_of(*p)); !ok) return ok;
  tx.delete_product(id);
  return Ok{};
}

Result<Product> set_stock(Tx& tx, const WriteContext& ctx, std::string_view id, const Body& body) {
  auto p = tx.get_product(id);
  if (!p) return not_found(id);
  auto b = require_json(body);
  if (!b) return b.error();
  Error invalid(Code::kValidationFailed, "Stock and version are required.");
  invalid.extra_json = json::serialize(json::object{{"message", "Stock and version are required."}});
  if (!(*b)->is_object()) return invalid;
  const auto& o = (*b)->get_object();
  auto stock = member_int(o, "stock");
  auto version = member_int(o, "version");
  if (!stock || *stock < 0) invalid.errors.push_back({"stock", "is required: an integer of at least 0"});
  if (!version || *version < 1) invalid.errors.push_back({"version", "is required: an integer of at least 1"});
  for (const auto& [key, v] : o) {
    if (key != "stock" && key != "version") invalid.errors.push_back({std::string(key), "is not allowed here"});
  }
  if (!invalid.errors.empty()) return invalid;
  if (*version != p->version) {
    Error stale(Code::kVersionConflict, "The product was changed by someone else; read it again and retry.");
    stale = with_current(std::move(stale), state_of(*p));
    stale.extra_json = json::serialize(json::object{
        {"message", "Version conflict: the product was updated by someone else. Please reload and try again."}});
    return stale;
  }
  if (p->stock == *stock) return *p;
  p->stock = *stock;
  bump(tx, ctx, *p);
  tx.update_product(*p);
  return *p;
}

Result<Purchase> purchase(Tx& tx, const WriteContext& ctx, std::string_view id, const Body& body) {
  auto b = require_json(body);
  if (!tx.get_product(id)) return not_found(id);
  if (!b) return b.error();
  Error invalid(Code::kValidationFailed, "A purchase needs a quantity of at least 1.");
  if (!(*b)->is_object()) {
    invalid.errors.push_back({"", "must be a JSON object"});
    return invalid;
  }
  auto quantity = member_int((*b)->get_object(), "quantity");
  if (!quantity || *quantity < 1) invalid.errors.push_back({"quantity", "must be an integer of at least 1"});
  for (const auto& [key, v] : (*b)->get_object()) {
    if (key != "quantity") invalid.errors.push_back({std::string(key), "is not a field of a purchase"});
  }
  if (!invalid.errors.empty()) return invalid;
  // No read-modify-write here: the store takes the stock only if it is there, in one statement.
  auto after = tx.take_stock(id, *quantity, tx.next_revision(), ctx.now);
  if (!after) {
    auto now = tx.get_product(id);
    Error short_stock(Code::kOutOfStock,
                      "Only " + std::to_string(now->stock) + " left; you asked for " + std::to_string(*quantity) + ".");
    short_stock.extra_json = json::serialize(json::object{{"available", now->stock}});
    return short_stock;
  }
  return Purchase{std::move(*after), *quantity};
}

}  // namespace lockstep
