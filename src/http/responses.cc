#include "http/responses.h"

#include <boost/json.hpp>

namespace lockstep::http {

Response json_response(int status, const boost::json::value& body) {
  return json_response(status, boost::json::serialize(body));
}

Response json_response(int status, std::string body) {
  Response r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

Response task_response(int status, const Task& t) {
  Response r = json_response(status, task_json(t));
  r.set("ETag", t.etag().to_string());
  r.set("Last-Modified", format_http_date(t.updated_at));
  return r;
}

Response not_modified(const EntityTag& etag) {
  Response r;
  r.status = 304;
  r.set("ETag", etag.to_string());
  return r;
}

}  // namespace lockstep::http
