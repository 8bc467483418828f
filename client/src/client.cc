// The Client's one request path (pool, headers, retries) and its task calls (API.md §3).
#include "lockstep/client.h"

#include <boost/json/serialize.hpp>
#include <cctype>
#include <charconv>
#include <stdexcept>
#include <thread>

#include "client_impl.h"
#include "json_mapping.h"
#include "retry.h"
#include "transport.h"

namespace lockstep {

namespace json = boost::json;
using detail::Exchange;
using detail::Request;

namespace detail {

std::string escape(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// An ETag as a person may type it: quotes are optional.
std::string quoted_etag(const std::string& etag) {
  if (etag == "*" || etag.starts_with('"') || etag.starts_with("W/")) return etag;
  return '"' + etag + '"';
}

void apply_write_options(Request& req, const WriteOptions& options, json::object body, bool always_send_body) {
  req.write = true;
  req.idempotency_key = options.idempotency_key;
  if (options.if_match) req.headers.emplace_back("If-Match", quoted_etag(*options.if_match));
  if (options.merge) req.headers.emplace_back("Prefer", "conflict=merge");
  if (options.lock_token) req.headers.emplace_back("Lock-Token", std::to_string(*options.lock_token));
  if (options.expected_version) body["expectedVersion"] = *options.expected_version;
  if (always_send_body || !body.empty()) req.body = json::serialize(body);
}

}  // namespace detail

namespace {

Task parse_task(const json::object& o, const HttpResponse&) { return detail::task_from_json(o); }
Done parse_done(const json::object&, const HttpResponse&) { return {}; }

Request make(std::string method, std::string target) {
  Request r;
  r.method = std::move(method);
  r.target = std::move(target);
  return r;
}

std::string task_path(const std::string& id) { return "/v1/tasks/" + detail::escape(id); }

void add_query(std::string& target, const char* key, const std::optional<std::string>& value) {
  if (!value) return;
  target += target.find('?') == std::string::npos ? '?' : '&';
  target += key;
  target += '=';
  target += detail::escape(*value);
}

}  // namespace

std::optional<Endpoint> Client::parse_url(std::string_view url) {
  Endpoint e;
  if (url.starts_with("https://")) {
    e.tls = true;
    e.port = 443;
    url.remove_prefix(8);
  } else if (url.starts_with("http://")) {
    url.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  if (url.ends_with('/')) url.remove_suffix(1);
  if (url.empty() || url.find_first_of("/?#@ ") != std::string_view::npos) return std::nullopt;
  auto colon = url.rfind(':');
  if (url.front() == '[') return std::nullopt;  // IPv6 literals: not supported
  if (colon == std::string_view::npos) {
    e.host = std::string(url);
    return e;
  }
  auto port = url.substr(colon + 1);
  unsigned value = 0;
  auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535 || colon == 0) {
    return std::nullopt;
  }
  e.host = std::string(url.substr(0, colon));
  e.port = static_cast<unsigned short>(value);
  return e;
}

Client::Client(ClientOptions options) {
  auto endpoint = parse_url(options.url);
  if (!endpoint) throw std::invalid_argument("not an http:// or https:// URL: " + options.url);
  auto tls = endpoint->tls ? std::make_shared<detail::TlsTrust>(options.ca_file) : nullptr;
  impl_ = std::make_unique<Impl>(std::move(options), std::move(*endpoint), std::move(tls));
}

Client::~Client() = default;
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

const ClientOptions& Client::options() const { return impl_->options; }

Exchange Client::Impl::attempt(const Request& req, const HttpHeaders& headers) {
  auto conn = pool.take();
  conn->set_timeout(options.timeout + req.server_wait);
  try {
    HttpResponse r = conn->request(req.method, req.target, headers, req.body);
    pool.give_back(std::move(conn));
    return {std::move(r), std::nullopt};
  } catch (const TlsError& e) {
    return {std::nullopt, Error::make(0, kConnectionFailed, e.what(), false)};  // would fail the same way
  } catch (const ConnectionError& e) {
    return {std::nullopt, Error::make(0, kConnectionFailed, e.what(), true)};
  }
}

Exchange Client::Impl::execute(const Request& req) {
  HttpHeaders headers = req.headers;
  if (!options.token.empty()) headers.emplace_back("Authorization", "Bearer " + options.token);
  if (req.write) headers.emplace_back("Idempotency-Key", req.idempotency_key.value_or(detail::new_idempotency_key()));
  const auto deadline = std::chrono::steady_clock::now() + options.retry.budget;
  for (int attempt = 0;; ++attempt) {
    Exchange ex = this->attempt(req, headers);
    if (ex.response && !detail::is_retryable(*ex.response)) return ex;
    if (ex.failure && !ex.failure->retryable) return ex;  // e.g. an untrusted certificate
    std::chrono::milliseconds at_least{0};
    if (ex.response) {
      if (auto after = Error::from_response(*ex.response).retry_after) at_least = *after;
    }
    auto delay = detail::backoff_delay(options.retry, attempt, at_least);
    if (attempt + 1 >= options.retry.max_attempts || std::chrono::steady_clock::now() + delay > deadline) {
      return ex;
    }
    if (options.retry.on_retry)
      options.retry.on_retry(attempt + 1, ex.response ? Error::from_response(*ex.response) : *ex.failure);
    std::this_thread::sleep_for(delay);
  }
}

Result<Task> Client::create_task(const TaskFields& task, const WriteOptions& options) {
  Request req = make("POST", "/v1/tasks");
  detail::apply_write_options(req, options, detail::to_json(task), true);
  return impl_->call<Task>(req, parse_task);
}

Result<Task> Client::get_task(const std::string& id) {
  return impl_->call<Task>(make("GET", task_path(id)), parse_task);
}

Result<std::string> Client::task_etag(const std::string& id) {
  return impl_->call<std::string>(make("HEAD", task_path(id)), [](const json::object&, const HttpResponse& r) {
    return r.header("ETag").value_or("");
  });
}

Result<TaskPage> Client::list_tasks(const TaskQuery& query) {
  std::string target = "/v1/tasks";
  add_query(target, "userId", query.user_id);
  if (query.status) add_query(target, "taskStatus", std::string(to_string(*query.status)));
  if (query.due_before) add_query(target, "dueBefore", format_time(*query.due_before));
  if (query.warning) add_query(target, "warning", std::string(to_string(*query.warning)));
  if (query.limit) add_query(target, "limit", std::to_string(*query.limit));
  add_query(target, "pageToken", query.page_token);
  return impl_->call<TaskPage>(
      make("GET", target), [](const json::object& o, const HttpResponse&) { return detail::task_page_from_json(o); });
}

Result<std::vector<Task>> Client::list_all_tasks(TaskQuery query) {
  std::vector<Task> all;
  for (;;) {
    auto page = list_tasks(query);
    if (!page) return Result<std::vector<Task>>(page.error(), page.reply());
    for (auto& t : page->tasks) all.push_back(std::move(t));
    if (!page->next_page_token) return Result<std::vector<Task>>(std::move(all), page.reply());
    query.page_token = page->next_page_token;
  }
}

Result<Task> Client::patch_task(const std::string& id, const TaskPatch& patch, const WriteOptions& options) {
  Request req = make("PATCH", task_path(id));
  detail::apply_write_options(req, options, detail::to_json(patch), true);
  return impl_->call<Task>(req, parse_task);
}

Result<Task> Client::replace_task(const std::string& id, const TaskFields& task, const WriteOptions& options) {
  Request req = make("PUT", task_path(id));
  detail::apply_write_options(req, options, detail::to_json(task), true);
  return impl_->call<Task>(req, parse_task);
}

Result<Task> Client::create_task_with_id(const std::string& id, const TaskFields& task, const WriteOptions& options) {
  Request req = make("PUT", task_path(id));
  req.headers.emplace_back("If-None-Match", "*");
  detail::apply_write_options(req, options, detail::to_json(task), true);
  return impl_->call<Task>(req, parse_task);
}

Result<Done> Client::delete_task(const std::string& id, const WriteOptions& options) {
  Request req = make("DELETE", task_path(id));
  detail::apply_write_options(req, options, {}, false);
  return impl_->call<Done>(req, parse_done);
}

}  // namespace lockstep
