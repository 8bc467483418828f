// User management over HTTP, for admins (API.md §2): list, create (the token is shown once),
// revoke; and, for every user, who the token belongs to.
#include <boost/json.hpp>

#include "http/problem.h"
#include "http/responses.h"
#include "http/router.h"
#include "service/user_service.h"
#include "service/write_checks.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

json::object user_json(const User& u) {
  return {{"name", u.name},
          {"role", role_name(u.role)},
          {"status", u.revoked() ? "revoked" : "active"},
          {"createdAt", format_rfc3339(u.created_at)}};
}

Response list(Tx& tx, const Call& /*call*/) {
  json::array users;
  for (const auto& u : list_users(tx)) users.push_back(user_json(u));
  return json_response(200, json::object{{"users", std::move(users)}});
}

Response create(Tx& tx, const Call& call) {
  const Body& body = call.body();
  if (auto readable = require_json(body); !readable) return problem(readable.error());
  Error e(Code::kValidationFailed, "The user has invalid fields.");
  std::string name;
  Role role = Role::kUser;
  if (!body.json->is_object()) {
    e.errors.push_back({"", "must be a JSON object"});
    return problem(e);
  }
  for (const auto& [key, v] : body.json->get_object()) {
    if (key == "name" && v.is_string()) {
      name = std::string(v.get_string());
    } else if (key == "role" && v.is_string() && parse_role(v.get_string())) {
      role = *parse_role(v.get_string());
    } else {
      e.errors.push_back({std::string(key), key == "name"   ? "must be a string"
                                            : key == "role" ? "must be \"user\" or \"admin\""
                                                            : "is not a field of a user"});
    }
  }
  if (!body.json->get_object().contains("name")) e.errors.push_back({"name", "is required"});
  if (!e.errors.empty()) return problem(e);
  auto made = add_user(tx, name, role, call.ctx.now);
  if (!made) return problem(made.error());
  // The token is shown in this answer only: a stored replay of it says null (API.md §2).
  json::object o = user_json(made->user);
  o["token"] = nullptr;
  std::string replay_body = json::serialize(o);
  o["token"] = made->token;
  Response r = json_response(201, o);
  r.replay_body = std::move(replay_body);
  r.set("Location", "/v1/users/" + made->user.name);
  return r;
}

// Who the token belongs to (API.md §2), for every user: a client shows the name from the start
// and learns whether it may manage users without trying.
Response me(Tx& /*tx*/, const Call& call) {
  const Principal& who = call.ctx.principal;
  return json_response(200, json::object{{"name", who.name}, {"role", role_name(who.role)}});
}

Response revoke(Tx& tx, const Call& call) {
  auto r = revoke_user(tx, call.params[0]);
  if (!r) return problem(r.error());
  Response resp;
  resp.status = 204;
  return resp;
}

}  // namespace

void add_user_routes(Router& router) {
  // Only admins manage users (API.md §2).
  router.add("GET", "/v1/users", list, Access::kAdminOnly);
  router.add("POST", "/v1/users", create, Access::kAdminOnly);
  router.add("DELETE", "/v1/users/{name}", revoke, Access::kAdminOnly);
  router.add("GET", "/v1/me", me);
}

}  // namespace lockstep::http
