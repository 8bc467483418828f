// Building successful answers. (Errors are built in one place only: problem.h.)
#pragma once

#include <boost/json/value.hpp>

#include "domain/task.h"
#include "http/message.h"

namespace lockstep::http {

Response json_response(int status, const boost::json::value& body);
// The same for a body that is JSON text already.
Response json_response(int status, std::string body);

// A task with its ETag and Last-Modified headers.
Response task_response(int status, const Task& task);

// 304 Not Modified for a representation with `etag`.
Response not_modified(const EntityTag& etag);

}  // namespace lockstep::http
