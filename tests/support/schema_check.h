// A small JSON Schema checker for the subset docs/openapi.json uses ($ref, type, required,
// properties, additionalProperties false, items, maxItems, enum, const, oneOf, allOf, minimum,
// maximum, pattern, minLength, maxLength, format date-time): enough to check that real answers
// match their documented schemas.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace lockstep::testing {

// The problems of `value` against `schema` (resolving "#/..." refs in `document`); empty: valid.
std::vector<std::string> schema_problems(const boost::json::value& document, const boost::json::value& schema,
                                         const boost::json::value& value, const std::string& at = "$");

// The problems of a real answer against the operation METHOD PATH (a path template of the
// document): its status must be documented for the operation, its Content-Type documented for that
// status (or no body where none is documented), and its JSON body must match that schema.
std::vector<std::string> answer_problems(const boost::json::value& document, const std::string& method,
                                         const std::string& path, int status, std::string_view content_type,
                                         const boost::json::value& body);

// The schema of components/schemas/NAME.
const boost::json::value& component(const boost::json::value& document, const std::string& name);

}  // namespace lockstep::testing
