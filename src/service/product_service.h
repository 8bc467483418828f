// The product use cases of API.md §9, on the same precondition machinery as tasks
// (service/write_checks.h). Purchases are one atomic conditional decrement in the store.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "domain/product.h"
#include "service/task_service.h"
#include "store/store.h"

namespace lockstep {

Result<Product> create_product(Tx& tx, const WriteContext& ctx, const Body& body);

struct ProductRead {
  Product product;
  bool not_modified = false;
};
Result<ProductRead> get_product(Tx& tx, std::string_view id, const ConditionalHeaders& headers);

struct ProductPage {
  std::vector<Product> products;
  std::optional<std::string> next_page_token;
};
Result<ProductPage> list_products(Tx& tx, const QueryParams& params);

// PATCH /v1/products/{id}: name, stock, price with every precondition of API.md §4.
Result<Product> patch_product(Tx& tx, const WriteContext& ctx, std::string_view id, const ConditionalHeaders& headers,
                              const Body& body);
Status delete_product(Tx& tx, const WriteContext& ctx, std::string_view id, const ConditionalHeaders& headers,
                      const Body& body);

// PATCH /v1/products/{id}/stock {"stock","version"}: both required; a stale version is 409.
Result<Product> set_stock(Tx& tx, const WriteContext& ctx, std::string_view id, const Body& body);

struct Purchase {
  Product product;
  std::int64_t quantity = 0;
};
// POST /v1/products/{id}/purchase {"quantity"}: 409 OUT_OF_STOCK with `available` when short.
Result<Purchase> purchase(Tx& tx, const WriteContext& ctx, std::string_view id, const Body& body);

}  // namespace lockstep
