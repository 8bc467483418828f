// Lenient readers of JSON members, shared by the mappings of the client's types: a member that
// is missing or of another type reads as the default, so newer servers do not break older clients.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>

#include "lockstep/time.h"
#include "lockstep/types.h"

namespace lockstep::detail {

inline std::string str(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

inline std::optional<std::string> opt_str(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

inline std::optional<std::int64_t> opt_int(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<std::int64_t>(v->get_uint64());
  return std::nullopt;
}

inline std::int64_t num(const boost::json::object& o, const char* key) { return opt_int(o, key).value_or(0); }

inline double real(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_number()) return 0;
  return v->is_double()  ? v->get_double()
         : v->is_int64() ? static_cast<double>(v->get_int64())
                         : static_cast<double>(v->get_uint64());
}

// An RFC 3339 member as a Time; the epoch when missing or not a time.
inline Time time_at(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return Time{};
  return parse_time(v->get_string()).value_or(Time{});
}

// A taskStatus member; kNotStarted when missing or a name this client does not know.
inline TaskStatus task_status(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || !v->is_string()) return TaskStatus::kNotStarted;
  return parse_task_status(v->get_string()).value_or(TaskStatus::kNotStarted);
}

// The object member `key`, or an empty object.
inline const boost::json::object& obj(const boost::json::object& o, const char* key) {
  static const boost::json::object kEmpty;
  auto* v = o.if_contains(key);
  return v && v->is_object() ? v->get_object() : kEmpty;
}

inline bool has_object(const boost::json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  return v && v->is_object();
}

}  // namespace lockstep::detail
