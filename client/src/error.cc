// Turning a problem+json answer (RFC 9457, API.md §1) into a lockstep::Error.
#include "lockstep/error.h"

#include <boost/json/array.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>

#include "json_fields.h"
#include "json_mapping.h"

namespace lockstep {

namespace json = boost::json;

namespace {

std::optional<std::chrono::seconds> parse_retry_after(const HttpResponse& r) {
  auto v = r.header("Retry-After");
  if (!v) return std::nullopt;
  long long seconds = 0;
  auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), seconds);
  if (ec != std::errc() || end != v->data() + v->size() || seconds < 0) return std::nullopt;
  return std::chrono::seconds(seconds);
}

// A name for answers that carry no problem body (e.g. a proxy's 502).
std::string code_of_status(int status) {
  switch (status) {
    case 401:
      return "UNAUTHENTICATED";
    case 403:
      return "FORBIDDEN";
    case 404:
      return "NOT_FOUND";
    case 429:
      return "RATE_LIMITED";
    case 503:
      return "OVERLOADED";
    default:
      return "HTTP_" + std::to_string(status);
  }
}

void read_field_errors(const json::object& p, Error& e) {
  auto* list = p.if_contains("errors");
  if (!list || !list->is_array()) return;
  for (const auto& item : list->get_array()) {
    if (item.is_object())
      e.errors.push_back({detail::str(item.get_object(), "field"), detail::str(item.get_object(), "message")});
  }
}

void read_conflicts(const json::object& p, Error& e) {
  auto* list = p.if_contains("conflicts");
  if (!list || !list->is_array()) return;
  for (const auto& item : list->get_array()) {
    if (!item.is_object()) continue;
    const auto& c = item.get_object();
    auto member = [&](const char* k) { return json::serialize(c.contains(k) ? c.at(k) : json::value()); };
    e.conflicts.push_back({detail::str(c, "field"), member("base"), member("theirs"), member("yours")});
  }
}

// `current` as its JSON text, and as the plain type of the resource it is.
void read_current(const json::object& p, Error& e) {
  auto* c = p.if_contains("current");
  if (!c) return;
  e.current_json = json::serialize(*c);
  if (!c->is_object()) return;
  const auto& o = c->get_object();
  if (o.contains("taskId")) e.current = detail::task_from_json(o);
  if (o.contains("productId")) e.current_product = detail::product_from_json(o);
}

void read_problem(const json::object& p, Error& e) {
  e.code = detail::str(p, "code");
  e.detail = detail::str(p, "detail");
  if (auto* r = p.if_contains("retryable"); r && r->is_bool()) e.retryable = r->get_bool();
  read_field_errors(p, e);
  read_current(p, e);
  e.current_version = detail::opt_int(p, "currentVersion");
  read_conflicts(p, e);
  if (detail::has_object(p, "lock")) e.lock = detail::lock_from_json(detail::obj(p, "lock"));
  e.available = detail::opt_int(p, "available");
  if (e.code == "BATCH_ABORTED") e.results = detail::batch_item_results_from_json(p);
  e.problem = json::serialize(p);
}

}  // namespace

Error Error::from_response(const HttpResponse& r) {
  Error e;
  e.status = r.status;
  e.retryable = r.status == 429 || r.status == 503;
  e.retry_after = parse_retry_after(r);
  json::error_code ec;
  json::value body = json::parse(r.body, ec);
  if (!ec && body.is_object()) read_problem(body.get_object(), e);
  if (e.code.empty()) e.code = code_of_status(r.status);
  if (e.detail.empty()) e.detail = "the server answered " + std::to_string(r.status);
  if (r.status == 412) e.current_etag = r.header("ETag");
  if (e.current && e.current->etag.empty() && e.current_etag) e.current->etag = *e.current_etag;
  if (!e.current_etag && e.current && !e.current->etag.empty()) e.current_etag = e.current->etag;
  return e;
}

Error Error::make(int status, std::string code, std::string detail, bool retryable) {
  Error e;
  e.status = status;
  e.code = std::move(code);
  e.detail = std::move(detail);
  e.retryable = retryable;
  return e;
}

std::string Error::to_string() const {
  std::string s = status ? std::to_string(status) + " " : std::string();
  return s + code + ": " + detail;
}

}  // namespace lockstep
