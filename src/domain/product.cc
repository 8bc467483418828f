#include "domain/product.h"

#include <boost/json.hpp>
#include <cmath>

#include "core/utf8.h"

namespace json = boost::json;

namespace lockstep {

bool ProductWrite::changes(const Product& p) const {
  return (name && *name != p.name) || (stock && *stock != p.stock) || (price && *price != p.price);
}

void ProductWrite::apply_to(Product& p) const {
  if (name) p.name = *name;
  if (stock) p.stock = *stock;
  if (price) p.price = *price;
}

Result<ProductWrite> parse_product_write(const json::value& body, bool full) {
  Error e(Code::kValidationFailed, "The product has invalid fields.");
  ProductWrite w;
  if (!body.is_object()) {
    e.errors.push_back({"", "must be a JSON object"});
    return e;
  }
  std::optional<std::int64_t> version, expected;
  for (const auto& [key, v] : body.get_object()) {
    const std::string field(key);
    if (key == "name") {
      auto n = v.is_string() ? utf8_length(v.get_string()) : std::nullopt;
      if (!n || *n < 1 || *n > 200)
        e.errors.push_back({field, "must be a string of 1 to 200 characters"});
      else
        w.name = std::string(v.get_string());
    } else if (key == "stock") {
      if (v.is_int64() && v.get_int64() >= 0)
        w.stock = v.get_int64();
      else
        e.errors.push_back({field, "must be an integer of at least 0"});
    } else if (key == "price") {
      double d = v.is_number() ? v.to_number<double>() : -1;
      if (!v.is_number() || d < 0 || !std::isfinite(d))
        e.errors.push_back({field, "must be a number of at least 0"});
      else
        w.price = d;
    } else if (key == "version" || key == "expectedVersion") {
      if (full) {
        e.errors.push_back({field, "is not allowed when creating"});
      } else if (!v.is_int64() || v.get_int64() < 1) {
        e.errors.push_back({field, "must be an integer of at least 1"});
      } else {
        (key == "version" ? version : expected) = v.get_int64();
      }
    } else if (key != "productId" && key != "eTag" && key != "createdAt" && key != "updatedAt") {
      e.errors.push_back({field, "is not a field of a product"});
    }
  }
  if (version && expected && *version != *expected) e.errors.push_back({"expectedVersion", "differs from version"});
  w.expected_version = expected ? expected : version;
  if (full) {
    for (const char* required : {"name", "stock", "price"}) {
      if (!body.get_object().contains(required)) e.errors.push_back({required, "is required"});
    }
  }
  if (!e.errors.empty()) return e;
  return w;
}

json::object product_to_json(const Product& p) {
  return {{"productId", p.id},
          {"name", p.name},
          {"stock", p.stock},
          {"price", p.price},
          {"version", p.version},
          {"eTag", p.etag().to_string()},
          {"createdAt", format_rfc3339(p.created_at)},
          {"updatedAt", format_rfc3339(p.updated_at)}};
}

}  // namespace lockstep
