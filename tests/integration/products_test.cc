// Products and the no-oversell guarantee (API.md §9), on both stores (SQLite and PostgreSQL).
#include <atomic>
#include <barrier>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <random>
#include <thread>

#include "store_param.h"

namespace json = boost::json;

namespace lockstep::testing {
namespace {

class Products : public StoreServerTest {};
LOCKSTEP_ON_BOTH_STORES(Products);

ApiResponse make_product(ApiClient& c, std::int64_t stock) {
  return c.post("/v1/products", {{"name", "Widget"}, {"stock", stock}, {"price", 9.5}});
}

TEST_P(Products, create_get_list_and_patch_with_preconditions) {
  auto c = alice();
  auto p = make_product(c, 5);
  ASSERT_EQ(p.status, 201) << p.raw.body;
  EXPECT_EQ(p.num("version"), 1);
  EXPECT_EQ(p.header("ETag"), p.str("eTag"));
  EXPECT_EQ(p.json.at("price").as_double(), 9.5);
  const std::string path = "/v1/products/" + p.str("productId");
  EXPECT_EQ(p.header("Location"), path);
  EXPECT_EQ(c.get(path).json, p.json);
  EXPECT_EQ(c.get(path, {{"If-None-Match", p.header("ETag")}}).status, 304);
  EXPECT_EQ(c.get("/v1/products").json.at("products").as_array().size(), 1u);

  auto renamed = c.patch(path, {{"name", "Gadget"}}, {{"If-Match", p.header("ETag")}});
  ASSERT_EQ(renamed.status, 200);
  EXPECT_EQ(renamed.num("version"), 2);
  auto stale = c.patch(path, {{"price", 1}}, {{"If-Match", p.header("ETag")}});
  ASSERT_EQ(stale.status, 412);
  EXPECT_EQ(stale.json.at("current").at("name").as_string(), "Gadget");
  EXPECT_EQ(c.patch(path, {{"price", 1}, {"version", 1}}).status, 409);
  EXPECT_EQ(c.patch(path, {{"price", -1}}).status, 400);
  EXPECT_EQ(c.post("/v1/products", {{"name", ""}, {"stock", 1.5}}).status, 400);
  EXPECT_EQ(c.del(path, {{"If-Match", p.header("ETag")}}).status, 412);
  EXPECT_EQ(c.del(path, {{"If-Match", renamed.header("ETag")}}).status, 204);
  EXPECT_EQ(c.get(path).status, 404);
  // Product writes are not task changes.
  EXPECT_EQ(c.get("/v1/changes").json.at("changes").as_array().size(), 0u);
}

TEST_P(Products, stock_update_needs_stock_and_version_and_refuses_a_stale_version) {
  auto c = alice();
  auto p = make_product(c, 5);
  const std::string path = "/v1/products/" + p.str("productId") + "/stock";
  auto missing = c.patch(path, {{"stock", 3}});
  ASSERT_EQ(missing.status, 400);
  EXPECT_EQ(missing.str("code"), "VALIDATION_FAILED");
  EXPECT_EQ(missing.str("message"), "Stock and version are required.");
  auto ok = c.patch(path, {{"stock", 3}, {"version", 1}});
  ASSERT_EQ(ok.status, 200) << ok.raw.body;
  EXPECT_EQ(ok.str("message"), "Product stock updated successfully.");
  EXPECT_EQ(ok.json.at("product").at("stock").as_int64(), 3);
  EXPECT_EQ(ok.json.at("product").at("version").as_int64(), 2);
  auto stale = c.patch(path, {{"stock", 9}, {"version", 1}});
  ASSERT_EQ(stale.status, 409) << stale.raw.body;
  // §9: `message` and `currentVersion` besides the problem fields of §1 (code as in §4).
  EXPECT_EQ(stale.header("Content-Type"), "application/problem+json");
  EXPECT_FALSE(stale.str("message").empty());
  EXPECT_EQ(stale.num("currentVersion"), 2);
  EXPECT_EQ(stale.str("code"), "VERSION_CONFLICT");
  EXPECT_EQ(stale.num("status"), 409);
  EXPECT_FALSE(stale.json.at("retryable").as_bool());
  for (const char* field : {"type", "title", "detail"}) EXPECT_FALSE(stale.str(field).empty()) << field;
  EXPECT_EQ(c.get("/v1/products/" + p.str("productId")).num("stock"), 3);  // nothing changed
  EXPECT_EQ(c.patch("/v1/products/nope/stock", {{"stock", 1}, {"version", 1}}).status, 404);
}

TEST_P(Products, of_200_concurrent_buyers_of_10_items_exactly_10_succeed) {
  auto setup = alice();
  auto p = make_product(setup, 10);
  const std::string path = "/v1/products/" + p.str("productId");
  constexpr int kBuyers = 200;
  std::barrier go(kBuyers);
  std::atomic<int> bought{0}, out_of_stock{0}, other{0};
  std::vector<std::thread> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.emplace_back([&, i] {
      ApiClient c(server_->port(), i % 2 ? alice_token_ : bob_token_);
      c.get("/healthz");
      go.arrive_and_wait();
      auto r = c.post(path + "/purchase", {{"quantity", 1}});
      if (r.status == 200) {
        ++bought;
      } else if (r.status == 409 && r.str("code") == "OUT_OF_STOCK") {
        ++out_of_stock;
        EXPECT_EQ(r.num("available"), 0);
      } else {
        ++other;
      }
    });
  }
  for (auto& t : buyers) t.join();
  EXPECT_EQ(bought.load(), 10);
  EXPECT_EQ(out_of_stock.load(), 190);
  EXPECT_EQ(other.load(), 0);
  auto after = setup.get(path);
  EXPECT_EQ(after.num("stock"), 0);
  EXPECT_EQ(after.num("version"), 11);
}

TEST_P(Products, random_quantities_never_sell_more_than_the_stock) {
  auto setup = alice();
  auto p = make_product(setup, 100);
  const std::string path = "/v1/products/" + p.str("productId");
  constexpr int kBuyers = 40;
  std::barrier go(kBuyers);
  std::atomic<std::int64_t> sold{0};
  std::atomic<int> refused{0};
  std::vector<std::thread> buyers;
  for (int i = 0; i < kBuyers; ++i) {
    buyers.emplace_back([&, i] {
      ApiClient c(server_->port(), alice_token_);
      std::mt19937 rng(static_cast<unsigned>(i));
      go.arrive_and_wait();
      for (int k = 0; k < 5; ++k) {
        std::int64_t q = 1 + static_cast<std::int64_t>(rng() % 7);
        auto r = c.post(path + "/purchase", {{"quantity", q}});
        if (r.status == 200) {
          EXPECT_EQ(r.num("purchased"), q);
          sold += q;
        } else {
          ASSERT_EQ(r.status, 409);
          EXPECT_LT(r.num("available"), q);
          ++refused;
        }
      }
    });
  }
  for (auto& t : buyers) t.join();
  auto after = setup.get(path);
  EXPECT_LE(sold.load(), 100);
  EXPECT_EQ(after.num("stock"), 100 - sold.load());
  // The buyers ask for far more than 100 (the quantities are seeded): a server that refused every
  // purchase, or none, would not be tested by the lines above.
  EXPECT_GT(sold.load(), 0);
  EXPECT_GT(refused.load(), 0);
}

TEST_P(Products, a_purchase_whose_answer_was_lost_is_applied_once_on_retry) {
  auto c = alice();
  auto p = make_product(c, 5);
  const std::string path = "/v1/products/" + p.str("productId") + "/purchase";
  const std::string body = R"({"quantity":2})";
  {
    namespace net = boost::asio;
    net::io_context ioc;
    net::ip::tcp::socket s(ioc);
    s.connect({net::ip::make_address("127.0.0.1"), server_->port()});
    net::write(s, net::buffer("POST " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + alice_token_ +
                              "\r\nContent-Type: application/json\r\nIdempotency-Key: buy-1\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body));
    // Wait for the purchase to be carried out, without reading its answer, then vanish.
    for (int i = 0; i < 5000 && c.get("/v1/products/" + p.str("productId")).num("stock") != 3; ++i) {
    }
    s.close();
  }
  ApiResponse r;
  for (int i = 0; i < 100; ++i) {
    r = c.request("POST", path, body, {{"Idempotency-Key", "buy-1"}});
    if (r.status != 409 || r.str("code") != "IDEMPOTENCY_IN_PROGRESS") break;
  }
  ASSERT_EQ(r.status, 200) << r.raw.body;
  EXPECT_EQ(r.header("Idempotent-Replayed"), "true");
  EXPECT_EQ(c.get("/v1/products/" + p.str("productId")).num("stock"), 3);
}

}  // namespace
}  // namespace lockstep::testing
