// Routes of the product resource (API.md §9).
#include <boost/json.hpp>

#include "http/problem.h"
#include "http/responses.h"
#include "http/router.h"
#include "service/product_service.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

Response product_response(int status, const Product& p) {
  Response r = json_response(status, product_to_json(p));
  r.set("ETag", p.etag().to_string());
  r.set("Last-Modified", format_http_date(p.updated_at));
  return r;
}

Response create(Tx& tx, const Call& call) {
  auto r = create_product(tx, call.ctx, call.body());
  if (!r) return problem(r.error());
  Response resp = product_response(201, *r);
  resp.set("Location", "/v1/products/" + r->id);
  return resp;
}

Response get(Tx& tx, const Call& call) {
  auto r = get_product(tx, call.params[0], call.cond);
  if (!r) return problem(r.error());
  return r->not_modified ? not_modified(r->product.etag()) : product_response(200, r->product);
}

Response list(Tx& tx, const Call& call) {
  auto page = list_products(tx, call.req.query);
  if (!page) return problem(page.error());
  json::array products;
  for (const auto& p : page->products) products.push_back(product_to_json(p));
  json::object o{{"products", std::move(products)}};
  o["nextPageToken"] = page->next_page_token ? json::value(*page->next_page_token) : json::value(nullptr);
  return json_response(200, o);
}

Response patch(Tx& tx, const Call& call) {
  auto r = patch_product(tx, call.ctx, call.params[0], call.cond, call.body());
  return r ? product_response(200, *r) : problem(r.error());
}

Response remove(Tx& tx, const Call& call) {
  auto r = delete_product(tx, call.ctx, call.params[0], call.cond, call.body());
  if (!r) return problem(r.error());
  Response resp;
  resp.status = 204;
  return resp;
}

Response stock(Tx& tx, const Call& call) {
  auto r = set_stock(tx, call.ctx, call.params[0], call.body());
  if (!r) return problem(r.error());
  Response resp = json_response(
      200, json::object{{"message", "Product stock updated successfully."}, {"product", product_to_json(*r)}});
  resp.set("ETag", r->etag().to_string());
  return resp;
}

Response buy(Tx& tx, const Call& call) {
  auto r = purchase(tx, call.ctx, call.params[0], call.body());
  if (!r) return problem(r.error());
  return json_response(200, json::object{{"product", product_to_json(r->product)}, {"purchased", r->quantity}});
}

}  // namespace

void add_product_routes(Router& router) {
  router.add("GET", "/v1/products", list);
  router.add("POST", "/v1/products", create);
  router.add("GET", "/v1/products/{id}", get);
  router.add("PATCH", "/v1/products/{id}", patch);
  router.add("DELETE", "/v1/products/{id}", remove);
  router.add("PATCH", "/v1/products/{id}/stock", stock);
  router.add("POST", "/v1/products/{id}/purchase", buy);
}

}  // namespace lockstep::http
