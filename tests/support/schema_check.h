// A small JSON Schema checker for the subset docs/openapi.json uses ($ref, type, required,
// properties, additionalProperties false, items, enum, const, oneOf, allOf, minimum, maximum):
// enough to check that real answers match their documented schemas.
#pragma once

#include <boost/json.hpp>
#include <string>
#include <vector>

namespace lockstep::testing {

// The problems of `value` against `schema` (resolving "#/..." refs in `document`); empty: valid.
std::vector<std::string> schema_problems(const boost::json::value& document, const boost::json::value& schema,
                                         const boost::json::value& value, const std::string& at = "$");

// The schema of components/schemas/NAME.
const boost::json::value& component(const boost::json::value& document, const std::string& name);

}  // namespace lockstep::testing
