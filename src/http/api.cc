#include "http/api.h"

#include <boost/json.hpp>

#include "http/problem.h"
#include "service/user_service.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

enum class RouteKind { kNone, kHealth, kReady, kTasks, kTask, kUnknownV1 };

bool is_safe(const std::string& m) { return m == "GET" || m == "HEAD"; }

Error method_not_allowed(const char* allow) {
  return Error(Code::kMethodNotAllowed, std::string("Allowed methods: ") + allow + ".");
}

// API.md §1: request bodies are application/json (PATCH also merge-patch+json); parameters such
// as charset are allowed.
bool acceptable_content_type(const Request& req) {
  auto ct = req.header("content-type");
  if (!ct) return false;
  std::string media(ct->substr(0, ct->find(';')));
  while (!media.empty() && media.back() == ' ') media.pop_back();
  for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return media == "application/json" ||
         (req.method == "PATCH" && media == "application/merge-patch+json");
}

ConditionalHeaders conditional_headers(const Request& req) {
  return {req.header_string("if-match"), req.header_string("if-none-match"),
          req.header_string("if-modified-since"), req.header_string("if-unmodified-since")};
}

Response json_response(int status, const json::value& v) {
  Response r;
  r.status = status;
  r.body = json::serialize(v);
  return r;
}

Response task_response(int status, const Task& t) {
  Response r = json_response(status, task_to_json(t));
  r.set("ETag", t.etag().to_string());
  r.set("Last-Modified", format_http_date(t.updated_at));
  return r;
}

}  // namespace

struct Api::Route {
  RouteKind kind = RouteKind::kNone;
  std::string id;
  const char* name = "";
};

Api::Api(Store& store, const Clock& clock, ApiOptions options)
    : store_(store), clock_(clock), options_(options) {}

Api::Route Api::match(const Request& req) const {
  const std::string& p = req.path;
  if (p == "/healthz") return {RouteKind::kHealth, "", "/healthz"};
  if (p == "/readyz") return {RouteKind::kReady, "", "/readyz"};
  if (p == "/v1/tasks") return {RouteKind::kTasks, "", "/v1/tasks"};
  constexpr std::string_view kTaskPrefix = "/v1/tasks/";
  if (p.starts_with(kTaskPrefix) && p.size() > kTaskPrefix.size() &&
      p.find('/', kTaskPrefix.size()) == std::string::npos) {
    return {RouteKind::kTask, p.substr(kTaskPrefix.size()), "/v1/tasks/{id}"};
  }
  if (p == "/v1" || p.starts_with("/v1/")) return {RouteKind::kUnknownV1, "", "/v1/*"};
  return {};
}

void Api::handle(Request req, Respond respond) {
  Route route = match(req);
  switch (route.kind) {
    case RouteKind::kNone: {
      Response r = problem(Error(Code::kNotFound, "No such resource: " + req.path));
      respond(std::move(r));
      return;
    }
    case RouteKind::kHealth: {
      Response r = json_response(200, json::object{{"status", "ok"}});
      r.route = route.name;
      respond(std::move(r));
      return;
    }
    case RouteKind::kReady: {
      auto shared = std::make_shared<Respond>(std::move(respond));
      store_.read(
          [shared, route](Tx& tx) {
            json::object o{{"status", "ready"}, {"revision", tx.latest_revision()}};
            Response r = json_response(200, o);
            r.route = route.name;
            (*shared)(std::move(r));
          },
          [shared, route] {
            Response r = problem(Error(Code::kStoreUnavailable, "The store is not reachable."));
            r.route = route.name;
            (*shared)(std::move(r));
          });
      return;
    }
    default:
      break;
  }
  bool write = !is_safe(req.method);
  if (write) {
    run_write(std::move(req), std::move(route), std::move(respond));
  } else {
    run_read(std::move(req), std::move(route), std::move(respond));
  }
}

void Api::run_read(Request req, Route route, Respond respond) {
  auto shared = std::make_shared<std::pair<Request, Respond>>(std::move(req), std::move(respond));
  store_.read(
      [this, shared, route](Tx& tx) {
        Response r;
        auto who = options_.insecure_no_auth ? Result<Principal>(Principal{"anonymous", Role::kAdmin})
                                             : authenticate(tx, shared->first.header("authorization"));
        if (who) {
          r = dispatch(tx, shared->first, route, *who);
          r.principal = who->name;
        } else {
          r = problem(who.error());
        }
        r.route = route.name;
        shared->second(std::move(r));
      },
      [shared, route] {
        Response r = problem(Error(Code::kStoreUnavailable, "The store is not reachable; try again."));
        r.route = route.name;
        shared->second(std::move(r));
      });
}

void Api::run_write(Request req, Route route, Respond respond) {
  if (store_.pending_writes() >= options_.max_pending_writes) {
    Response r = problem(Error(Code::kOverloaded, "Too many writes are waiting; try again shortly."));
    r.route = route.name;
    respond(std::move(r));
    return;
  }
  struct State {
    Request req;
    Respond respond;
    Response response;
  };
  auto st = std::make_shared<State>(State{std::move(req), std::move(respond), {}});
  store_.write(
      [this, st, route](Tx& tx) {
        auto who = options_.insecure_no_auth ? Result<Principal>(Principal{"anonymous", Role::kAdmin})
                                             : authenticate(tx, st->req.header("authorization"));
        if (!who) {
          st->response = problem(who.error());
          return false;
        }
        st->response = dispatch(tx, st->req, route, *who);
        st->response.principal = who->name;
        return st->response.status < 300;
      },
      [st, route](bool committed) {
        Response r = committed ? std::move(st->response)
                               : problem(Error(Code::kStoreUnavailable,
                                               "The write was not committed; it is safe to retry."));
        r.route = route.name;
        st->respond(std::move(r));
      });
}

Response Api::dispatch(Tx& tx, const Request& req, const Route& route, const Principal& who) {
  const std::string& m = req.method;
  if (route.kind == RouteKind::kUnknownV1) {
    return problem(Error(Code::kNotFound, "No such resource: " + req.path));
  }
  const char* allow = route.kind == RouteKind::kTasks ? "GET, HEAD, POST" : "GET, HEAD, PUT, PATCH, DELETE";
  bool known = route.kind == RouteKind::kTasks
                   ? (m == "GET" || m == "HEAD" || m == "POST")
                   : (m == "GET" || m == "HEAD" || m == "PUT" || m == "PATCH" || m == "DELETE");
  if (!known) {
    Response r = problem(method_not_allowed(allow));
    r.set("Allow", allow);
    return r;
  }
  bool needs_body = m == "POST" || m == "PUT" || m == "PATCH";
  if ((needs_body || !req.body.empty()) && !acceptable_content_type(req)) {
    return problem(Error(Code::kUnsupportedMediaType,
                         m == "PATCH" ? "Send the body as application/json or application/merge-patch+json."
                                      : "Send the body as application/json."));
  }
  WriteContext ctx{who, clock_.now(), options_.require_preconditions};
  ConditionalHeaders cond = conditional_headers(req);

  if (route.kind == RouteKind::kTasks) {
    if (m == "POST") {
      auto r = create_task(tx, ctx, Body::parse(req.body));
      if (!r) return problem(r.error());
      Response resp = task_response(201, r->task);
      resp.set("Location", "/v1/tasks/" + r->task.id);
      return resp;
    }
    auto page = list_tasks(tx, req.query);
    if (!page) return problem(page.error());
    EntityTag etag{"\"" + std::to_string(page->revision) + "\"", true};
    auto conditions = Conditions::parse(cond);
    if (conditions && conditions->if_none_match) {
      Representation rep{etag, 0};
      if (evaluate(*conditions, &rep, true) == Outcome::kNotModified) {
        Response r;
        r.status = 304;
        r.set("ETag", etag.to_string());
        return r;
      }
    }
    json::array tasks;
    tasks.reserve(page->tasks.size());
    for (const auto& t : page->tasks) tasks.push_back(task_to_json(t));
    json::object o{{"tasks", std::move(tasks)}, {"revision", page->revision}};
    o["nextPageToken"] = page->next_page_token ? json::value(*page->next_page_token) : json::value(nullptr);
    Response r = json_response(200, o);
    r.set("ETag", etag.to_string());
    r.head = m == "HEAD";
    return r;
  }

  // One task.
  if (is_safe(m)) {
    auto r = get_task(tx, route.id, cond);
    if (!r) return problem(r.error());
    if (r->not_modified) {
      Response resp;
      resp.status = 304;
      resp.set("ETag", r->task.etag().to_string());
      resp.set("Last-Modified", format_http_date(r->task.updated_at));
      return resp;
    }
    Response resp = task_response(200, r->task);
    resp.head = m == "HEAD";
    return resp;
  }
  Body body = Body::parse(req.body);
  if (m == "DELETE") {
    auto r = delete_task(tx, ctx, route.id, cond, body);
    if (!r) return problem(r.error());
    Response resp;
    resp.status = 204;
    return resp;
  }
  auto r = m == "PATCH" ? patch_task(tx, ctx, route.id, cond, body) : put_task(tx, ctx, route.id, cond, body);
  if (!r) return problem(r.error());
  Response resp = task_response(r->created ? 201 : 200, r->task);
  if (r->created) resp.set("Location", "/v1/tasks/" + r->task.id);
  return resp;
}

}  // namespace lockstep::http
