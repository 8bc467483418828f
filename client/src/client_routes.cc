// The Client's calls beyond tasks: locks (§5), batches (§6), changes and history (§8),
// products (§9), users and health (§2, §10).
#include <boost/json/serialize.hpp>

#include "client_impl.h"
#include "json_mapping.h"

namespace lockstep {

namespace json = boost::json;
using detail::Request;

namespace {

Request make(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

Request write(std::string method, std::string target, const json::object& body) {
  Request r = make(std::move(method), std::move(target));
  r.write = true;
  r.body = json::serialize(body);
  return r;
}

Done parse_done(const json::object&, const HttpResponse&) { return {}; }

// A parser of the answer's body by `read` (json_mapping.h), ignoring the headers.
template <class T>
auto from_json(T (*read)(const json::object&)) {
  return [read](const json::object& o, const HttpResponse&) { return read(o); };
}

std::string lock_path(const std::string& task_id) { return "/v1/tasks/" + detail::escape(task_id) + "/lock"; }
std::string product_path(const std::string& id) { return "/v1/products/" + detail::escape(id); }

}  // namespace

Result<Lock> Client::acquire_lock(const std::string& task_id, std::chrono::seconds ttl, std::chrono::seconds wait) {
  Request req = write("POST", lock_path(task_id), {{"ttlSeconds", ttl.count()}, {"waitSeconds", wait.count()}});
  req.server_wait = wait;
  return impl_->call<Lock>(req, from_json(detail::lock_from_json));
}

Result<Lock> Client::get_lock(const std::string& task_id) {
  return impl_->call<Lock>(make("GET", lock_path(task_id)), from_json(detail::lock_from_json));
}

Result<Done> Client::release_lock(const std::string& task_id, bool force) {
  Request req = make("DELETE", lock_path(task_id) + (force ? "?force=true" : ""));
  req.write = true;
  return impl_->call<Done>(req, parse_done);
}

Result<BatchResult> Client::batch(const std::vector<BatchOperation>& operations, bool atomic, bool merge) {
  json::array ops;
  for (const auto& op : operations) ops.push_back(detail::to_json(op));
  json::object body{{"atomic", atomic}, {"operations", std::move(ops)}};
  Request req = write("POST", "/v1/tasks:batch", body);
  if (merge) req.headers.emplace_back("Prefer", "conflict=merge");
  return impl_->call<BatchResult>(req, from_json(detail::batch_result_from_json));
}

Result<BatchResult> Client::batch_text(std::string body) {
  Request req = make("POST", "/v1/tasks:batch");
  req.write = true;
  req.body = std::move(body);
  return impl_->call<BatchResult>(req, from_json(detail::batch_result_from_json));
}

Result<Reassignment> Client::reassign(const std::string& from_user, const std::string& to_user) {
  Request req = write("POST", "/v1/tasks:reassign", {{"fromUserId", from_user}, {"toUserId", to_user}});
  return impl_->call<Reassignment>(req, from_json(detail::reassignment_from_json));
}

Result<ChangePage> Client::changes(std::int64_t since, int limit, std::chrono::seconds wait) {
  std::string target = "/v1/changes?since=" + std::to_string(since) + "&limit=" + std::to_string(limit);
  if (wait.count() > 0) target += "&wait=" + std::to_string(wait.count());
  Request req = make("GET", target);
  req.server_wait = wait;
  return impl_->call<ChangePage>(req, from_json(detail::change_page_from_json));
}

Result<std::vector<TaskVersion>> Client::versions(const std::string& task_id) {
  return impl_->call<std::vector<TaskVersion>>(
      make("GET", "/v1/tasks/" + detail::escape(task_id) + "/versions"),
      [](const json::object& o, const HttpResponse&) { return detail::task_versions_from_json(o); });
}

Result<Product> Client::create_product(const ProductFields& product, const WriteOptions& options) {
  Request req = make("POST", "/v1/products");
  detail::apply_write_options(req, options, detail::to_json(product), true);
  return impl_->call<Product>(req, from_json(detail::product_from_json));
}

Result<Product> Client::get_product(const std::string& id) {
  return impl_->call<Product>(make("GET", product_path(id)), from_json(detail::product_from_json));
}

Result<ProductPage> Client::list_products(std::optional<int> limit, std::optional<std::string> page_token) {
  std::string target = "/v1/products";
  char sep = '?';
  if (limit) {
    target += "?limit=" + std::to_string(*limit);
    sep = '&';
  }
  if (page_token) target += sep + std::string("pageToken=") + detail::escape(*page_token);
  return impl_->call<ProductPage>(make("GET", target), from_json(detail::product_page_from_json));
}

Result<Product> Client::patch_product(const std::string& id, const ProductPatch& patch, const WriteOptions& options) {
  Request req = make("PATCH", product_path(id));
  detail::apply_write_options(req, options, detail::to_json(patch), true);
  return impl_->call<Product>(req, from_json(detail::product_from_json));
}

Result<Done> Client::delete_product(const std::string& id, const WriteOptions& options) {
  Request req = make("DELETE", product_path(id));
  detail::apply_write_options(req, options, {}, false);
  return impl_->call<Done>(req, parse_done);
}

Result<Product> Client::set_stock(const std::string& id, std::int64_t stock, std::int64_t version) {
  Request req = write("PATCH", product_path(id) + "/stock", {{"stock", stock}, {"version", version}});
  return impl_->call<Product>(req, [](const json::object& o, const HttpResponse&) {
    auto* p = o.if_contains("product");
    return p && p->is_object() ? detail::product_from_json(p->get_object()) : Product{};
  });
}

Result<Purchase> Client::purchase(const std::string& id, std::int64_t quantity, const WriteOptions& options) {
  Request req = make("POST", product_path(id) + "/purchase");
  detail::apply_write_options(req, options, {{"quantity", quantity}}, true);
  return impl_->call<Purchase>(req, from_json(detail::purchase_from_json));
}

Result<std::vector<User>> Client::list_users() {
  return impl_->call<std::vector<User>>(
      make("GET", "/v1/users"), [](const json::object& o, const HttpResponse&) { return detail::users_from_json(o); });
}

Result<User> Client::create_user(const std::string& name, const std::string& role) {
  return impl_->call<User>(write("POST", "/v1/users", {{"name", name}, {"role", role}}),
                           from_json(detail::user_from_json));
}

Result<User> Client::me() { return impl_->call<User>(make("GET", "/v1/me"), from_json(detail::user_from_json)); }

Result<Done> Client::revoke_user(const std::string& name) {
  Request req = make("DELETE", "/v1/users/" + detail::escape(name));
  req.write = true;
  return impl_->call<Done>(req, parse_done);
}

Result<Done> Client::healthz() { return impl_->call<Done>(make("GET", "/healthz"), parse_done); }

Result<Done> Client::readyz() { return impl_->call<Done>(make("GET", "/readyz"), parse_done); }

}  // namespace lockstep
