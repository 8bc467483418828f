// The JSON mapping of the public types (types.h) to and from API.md's members, kept out of the
// public headers so that users of the client never parse Boost.JSON. Every reader is lenient: a
// missing member, or one of another type, leaves the default.
#pragma once

#include <boost/json/object.hpp>
#include <vector>

#include "lockstep/types.h"

namespace lockstep::detail {

Lock lock_from_json(const boost::json::object& o);
Task task_from_json(const boost::json::object& o);
TaskPage task_page_from_json(const boost::json::object& o);
Change change_from_json(const boost::json::object& o);
ChangePage change_page_from_json(const boost::json::object& o);
std::vector<TaskVersion> task_versions_from_json(const boost::json::object& o);
// The `results` of a batch answer, or of a 409 BATCH_ABORTED problem.
std::vector<BatchItemResult> batch_item_results_from_json(const boost::json::object& o);
BatchResult batch_result_from_json(const boost::json::object& o);
Reassignment reassignment_from_json(const boost::json::object& o);
Product product_from_json(const boost::json::object& o);
ProductPage product_page_from_json(const boost::json::object& o);
Purchase purchase_from_json(const boost::json::object& o);
User user_from_json(const boost::json::object& o);
std::vector<User> users_from_json(const boost::json::object& o);

boost::json::object to_json(const TaskFields& t);
boost::json::object to_json(const TaskPatch& p);
boost::json::object to_json(const BatchOperation& op);
boost::json::object to_json(const ProductFields& p);
boost::json::object to_json(const ProductPatch& p);

}  // namespace lockstep::detail
