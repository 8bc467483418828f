// A request's query parameters, percent-decoded, in the order sent: made by the HTTP layer
// (http/url.h), read by the service (the task list's query). Here, below both, so that the plain
// request type (http/message.h) needs nothing of the service.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace lockstep {

using QueryParams = std::vector<std::pair<std::string, std::string>>;

}  // namespace lockstep
