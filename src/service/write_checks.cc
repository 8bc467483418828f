#include "service/write_checks.h"

#include <boost/json.hpp>

namespace lockstep {

Error with_current(Error e, const VersionedState& current) {
  e.current_json = current.json();
  e.current_version = current.version;
  e.current_etag = current.etag.to_string();
  return e;
}

bool body_has_version(const Body& body) {
  if (!body.json || !body.json->is_object()) return false;
  const auto& o = body.json->get_object();
  return o.contains("version") || o.contains("expectedVersion");
}

Status require_precondition(const WriteContext& ctx, const ConditionalHeaders& headers, const Body& body) {
  if (ctx.require_preconditions && !headers.conditions_write() && !body_has_version(body)) {
    return Error(Code::kPreconditionRequired,
                 "This server requires a conditional write: send If-Match with the ETag you read, "
                 "or the version in the body.");
  }
  return Ok{};
}

namespace {

// The facts evaluate needs, the time of the earlier change only when a date asks for it.
Representation representation_of(const VersionedState& current, const Conditions& conditions, bool safe) {
  Representation rep{current.etag, current.updated_at};
  if (current.earlier_change && needs_earlier_change(conditions, current.updated_at, safe)) {
    rep.earlier_change = current.earlier_change();
  }
  return rep;
}

}  // namespace

Status check_conditions(const WriteContext& ctx, const VersionedState& current, const ConditionalHeaders& headers,
                        std::optional<EntityTag>* merge_base) {
  auto conditions = Conditions::parse(headers);
  if (!conditions) return conditions.error();
  const Representation rep = representation_of(current, *conditions, false);
  if (evaluate(*conditions, &rep, false) == Outcome::kProceed) return Ok{};
  if (merge_base && ctx.merge && conditions->single_if_match()) {
    *merge_base = conditions->single_if_match();
    return Ok{};
  }
  return with_current(Error(Code::kPreconditionFailed,
                            std::string("The ") + current.kind + " has changed since you read it (ETag " +
                                current.etag.to_string() + ", version " + std::to_string(current.version) + ")."),
                      current);
}

Result<bool> check_read_conditions(const VersionedState& current, const ConditionalHeaders& headers) {
  auto conditions = Conditions::parse(headers);
  if (!conditions) return conditions.error();
  const Representation rep = representation_of(current, *conditions, true);
  const Outcome outcome = evaluate(*conditions, &rep, true);
  if (outcome == Outcome::kPreconditionFailed) {
    return with_current(
        Error(Code::kPreconditionFailed, std::string("The ") + current.kind + " does not match If-Match."), current);
  }
  return outcome == Outcome::kNotModified;
}

Status check_expected_version(std::optional<std::int64_t> expected, const VersionedState& current) {
  if (expected && *expected != current.version) {
    return with_current(
        Error(Code::kVersionConflict, "You expected version " + std::to_string(*expected) + " but the " + current.kind +
                                          " is at version " + std::to_string(current.version) + "."),
        current);
  }
  return Ok{};
}

Result<const boost::json::value*> require_json(const Body& body) {
  if (!body.present) {
    Error e(Code::kValidationFailed, "The request needs a JSON body.");
    e.errors.push_back({"", "a JSON object is required"});
    return e;
  }
  if (!body.json) return *body.error;
  return &*body.json;
}

}  // namespace lockstep
