#include "http/router.h"

namespace lockstep::http {
namespace {

std::vector<std::string> split(std::string_view path) {
  std::vector<std::string> out;
  std::size_t pos = 1;  // paths start with '/'
  while (pos <= path.size()) {
    auto next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    out.emplace_back(path.substr(pos, next - pos));
    pos = next + 1;
  }
  return out;
}

}  // namespace

void Router::add(std::string_view method, std::string_view pattern, Handler handler, Access access,
                 BodyReader read_body) {
  entries_.push_back(
      {std::string(method), std::string(pattern), split(pattern), std::move(handler), nullptr, access, read_body});
}

void Router::add_operation(std::string_view method, std::string_view pattern, Operation operation) {
  entries_.push_back({std::string(method), std::string(pattern), split(pattern), nullptr, std::move(operation),
                      Access::kAnyUser, nullptr});
}

std::vector<std::pair<std::string, std::string>> Router::routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : entries_) out.emplace_back(e.method, e.pattern);
  return out;
}

void add_all_routes(Router& router, LockQueue& locks) {
  add_task_routes(router);
  add_change_routes(router);
  add_lock_routes(router, locks);
  add_batch_routes(router);
  add_product_routes(router);
  add_user_routes(router);
}

Router::Match Router::match(std::string_view method, std::string_view path) const {
  Match m;
  if (path.empty() || path[0] != '/') return m;
  const auto segments = split(path);
  const std::string_view wanted = method == "HEAD" ? "GET" : method;
  for (const auto& e : entries_) {
    if (e.segments.size() != segments.size()) continue;
    std::vector<std::string> params;
    bool ok = true;
    for (std::size_t i = 0; ok && i < segments.size(); ++i) {
      if (e.segments[i].starts_with('{')) {
        // U+0000 ends a C string, so a store would read a shorter id (API.md §1: names nothing).
        ok = !segments[i].empty() && segments[i].find('\0') == std::string::npos;
        params.push_back(segments[i]);
      } else {
        ok = e.segments[i] == segments[i];
      }
    }
    if (!ok) continue;
    m.path_matched = true;
    m.operation_path = m.operation_path || e.operation;
    m.pattern = e.pattern;
    if (e.method == wanted) {
      m.handler = e.handler;
      m.operation = e.operation;
      m.access = e.access;
      m.read_body = e.read_body;
      m.params = std::move(params);
      m.allow.clear();
      return m;
    }
    if (!m.allow.empty()) m.allow += ", ";
    m.allow += e.method;
    if (e.method == "GET") m.allow += ", HEAD";
  }
  return m;
}

}  // namespace lockstep::http
