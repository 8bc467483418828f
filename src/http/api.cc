#include "http/api.h"

#include <boost/json.hpp>

#include "http/problem.h"
#include "http/responses.h"
#include "service/user_service.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

bool is_safe(std::string_view m) { return m == "GET" || m == "HEAD"; }

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

}  // namespace

Api::Api(Store& store, const Clock& clock, ApiOptions options)
    : store_(store), clock_(clock), options_(options) {
  add_task_routes(router_);
}

void Api::handle(Request req, Respond respond) {
  if (req.path == "/healthz") {
    Response r = json_response(200, json::object{{"status", "ok"}});
    r.route = "/healthz";
    return respond(std::move(r));
  }
  if (req.path == "/readyz") return ready(std::move(respond));

  auto match = router_.match(req.method, req.path);
  if (!match.path_matched && !(req.path == "/v1" || req.path.starts_with("/v1/"))) {
    return respond(problem(Error(Code::kNotFound, "No such resource: " + req.path)));
  }
  if (match.pattern.empty()) match.pattern = "/v1/*";

  struct State {
    Request req;
    Router::Match match;
    Respond respond;
    Response response;
  };
  auto st = std::make_shared<State>(State{std::move(req), std::move(match), std::move(respond), {}});

  if (is_safe(st->req.method)) {
    store_.read([this, st](Tx& tx) { st->respond(run(tx, st->req, st->match)); },
                [st] {
                  Response r = problem(Error(Code::kStoreUnavailable, "The store is not reachable; try again."));
                  r.route = st->match.pattern;
                  st->respond(std::move(r));
                });
    return;
  }
  if (store_.pending_writes() >= options_.max_pending_writes) {
    Response r = problem(Error(Code::kOverloaded, "Too many writes are waiting; try again shortly."));
    r.route = st->match.pattern;
    return st->respond(std::move(r));
  }
  store_.write(
      [this, st](Tx& tx) {
        st->response = run(tx, st->req, st->match);
        return st->response.status >= 200 && st->response.status < 300;
      },
      [st](bool committed) {
        if (!committed) {
          st->response = problem(Error(Code::kStoreUnavailable, "The write was not committed; it is safe to retry."));
          st->response.route = st->match.pattern;
        }
        st->respond(std::move(st->response));
      });
}

void Api::ready(Respond respond) {
  auto shared = std::make_shared<Respond>(std::move(respond));
  store_.read(
      [shared](Tx& tx) {
        Response r = json_response(200, json::object{{"status", "ready"}, {"revision", tx.latest_revision()}});
        r.route = "/readyz";
        (*shared)(std::move(r));
      },
      [shared] {
        Response r = problem(Error(Code::kStoreUnavailable, "The store is not reachable."));
        r.route = "/readyz";
        (*shared)(std::move(r));
      });
}

Response Api::run(Tx& tx, const Request& req, const Router::Match& match) {
  auto who = options_.insecure_no_auth ? Result<Principal>(Principal{"anonymous", Role::kAdmin})
                                       : authenticate(tx, req.header("authorization"));
  Response r;
  if (!who) {
    r = problem(who.error());
  } else if (!match.handler && match.path_matched) {
    r = problem(Error(Code::kMethodNotAllowed, "Allowed methods: " + match.allow + "."));
    r.set("Allow", match.allow);
  } else if (!match.handler) {
    r = problem(Error(Code::kNotFound, "No such resource: " + req.path));
  } else if ((req.method == "POST" || req.method == "PUT" || req.method == "PATCH" || !req.body.empty()) &&
             !acceptable_content_type(req)) {
    r = problem(Error(Code::kUnsupportedMediaType,
                      req.method == "PATCH" ? "Send the body as application/json or application/merge-patch+json."
                                            : "Send the body as application/json."));
  } else {
    Call call{req, match.params, WriteContext{*who, clock_.now(), options_.require_preconditions},
              ConditionalHeaders{req.header_string("if-match"), req.header_string("if-none-match"),
                                 req.header_string("if-modified-since"), req.header_string("if-unmodified-since")},
              req.method == "HEAD"};
    r = match.handler(tx, call);
    r.head = call.head;
  }
  if (who) r.principal = who->name;
  r.route = match.pattern;
  return r;
}

}  // namespace lockstep::http
