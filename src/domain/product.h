// The product resource of API.md §9: an inventory item whose stock never goes below zero.
#pragma once

#include <boost/json/fwd.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/etag.h"
#include "core/time.h"

namespace lockstep {

struct Product {
  std::string id;
  std::string name;
  std::int64_t stock = 0;
  double price = 0;
  std::int64_t version = 0;
  std::int64_t revision = 0;  // the store revision of the write that made this version
  Millis created_at = 0;
  Millis updated_at = 0;

  EntityTag etag() const { return make_etag(version, revision); }
};

// A validated product write; for a patch only the members sent are set.
struct ProductWrite {
  std::optional<std::string> name;
  std::optional<std::int64_t> stock;
  std::optional<double> price;
  std::optional<std::int64_t> expected_version;  // body `expectedVersion` or `version`

  // True when applying it to `p` changes something.
  bool changes(const Product& p) const;
  void apply_to(Product& p) const;
};

// Validates a create (`full`: name, stock and price required) or a patch body; every field
// error at once.
Result<ProductWrite> parse_product_write(const boost::json::value& body, bool full);

boost::json::object product_to_json(const Product& p);

}  // namespace lockstep
