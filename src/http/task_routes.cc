// Routes of the task resource (API.md §3-4).
#include "core/json_text.h"
#include "http/problem.h"
#include "http/responses.h"
#include "http/router.h"
#include "http/task_cache.h"

namespace lockstep::http {
namespace {

Response created(const Task& t) {
  Response r = task_response(201, t);
  r.set("Location", "/v1/tasks/" + t.id);
  return r;
}

Response list(Tx& tx, const Call& call) {
  auto page = list_tasks(tx, call.req.query, call.ctx.now);
  if (!page) return problem(page.error());
  // The revision, and for a warning list the moment it selected at: time alone changes which
  // tasks a warning list holds, so a first page is never 304 to a later request, and a later page
  // (its token keeps its list's moment) is 304 while the store has not changed.
  std::string opaque = "\"";  // appended: GCC 12 -O3 warns falsely (-Wrestrict) on `"\"" + string`
  opaque += std::to_string(page->revision);
  if (page->selected_at) {
    opaque += '@';
    opaque += std::to_string(*page->selected_at);
  }
  opaque += '"';
  EntityTag etag{std::move(opaque), true};
  auto conditions = Conditions::parse(call.cond);
  if (conditions && conditions->if_none_match) {
    Representation rep{etag, 0};
    if (evaluate(*conditions, &rep, true) == Outcome::kNotModified) return not_modified(etag);
  }
  std::string tasks = "[";
  for (const auto& t : page->tasks) {
    if (tasks.size() > 1) tasks += ',';
    tasks += task_json(t);
  }
  tasks += ']';
  std::string body;
  JsonObjectWriter o(body);
  o.raw("tasks", tasks).integer("revision", page->revision);
  if (page->next_page_token) {
    o.string("nextPageToken", *page->next_page_token);
  } else {
    o.null("nextPageToken");
  }
  o.close();
  Response r = json_response(200, std::move(body));
  r.set("ETag", etag.to_string());
  return r;
}

Response create(Tx& tx, const Call& call) {
  auto r = create_task(tx, call.ctx, call.body());
  return r ? created(r->task) : problem(r.error());
}

Response get(Tx& tx, const Call& call) {
  auto r = get_task(tx, call.params[0], call.cond, call.ctx.now);
  if (!r) return problem(r.error());
  Response answer = task_read_answer(r->task, r->not_modified);
  if (call.read_task && !r->not_modified) call.read_task(r->task, answer);
  return answer;
}

// The answer to a successful PATCH or PUT.
Response written(const TaskWriteResult& w) {
  if (w.created) return created(w.task);
  Response r = task_response(200, w.task);
  if (w.merged) r.set("Preference-Applied", "conflict=merge");
  return r;
}

Response patch(Tx& tx, const Call& call) {
  auto r = patch_task(tx, call.ctx, call.params[0], call.cond, call.body());
  return r ? written(*r) : problem(r.error());
}

Response put(Tx& tx, const Call& call) {
  auto r = put_task(tx, call.ctx, call.params[0], call.cond, call.body());
  return r ? written(*r) : problem(r.error());
}

Response remove(Tx& tx, const Call& call) {
  auto r = delete_task(tx, call.ctx, call.params[0], call.cond, call.body());
  if (!r) return problem(r.error());
  Response resp;
  resp.status = 204;
  return resp;
}

}  // namespace

void add_task_routes(Router& router) {
  router.add("GET", "/v1/tasks", list);
  router.add("POST", "/v1/tasks", create);
  router.add("GET", "/v1/tasks/{id}", get);
  router.add("PATCH", "/v1/tasks/{id}", patch);
  router.add("PUT", "/v1/tasks/{id}", put);
  router.add("DELETE", "/v1/tasks/{id}", remove);
}

}  // namespace lockstep::http
