// Writing JSON text straight into a string, for the representations every request answers with
// (a task, a lock): building a boost::json::object first costs a lookup and an allocation a
// member. Output is what boost::json::serialize writes for the same object.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace lockstep {

// Appends `s` as a JSON string: quoted, with `"`, `\` and control characters escaped. `s` must be
// valid UTF-8 (every stored string is); other bytes pass through unchanged.
void append_json_string(std::string& out, std::string_view s);

// Appends one JSON object, a member at a time, in the order written.
class JsonObjectWriter {
 public:
  explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }
  JsonObjectWriter(const JsonObjectWriter&) = delete;
  JsonObjectWriter& operator=(const JsonObjectWriter&) = delete;

  JsonObjectWriter& string(std::string_view key, std::string_view value);
  JsonObjectWriter& integer(std::string_view key, std::int64_t value);
  JsonObjectWriter& null(std::string_view key);
  // A member whose value is JSON text already.
  JsonObjectWriter& raw(std::string_view key, std::string_view json);
  // Ends the object; nothing may be written through this writer after.
  void close() { out_ += '}'; }

 private:
  void key(std::string_view k);

  std::string& out_;
  bool first_ = true;
};

}  // namespace lockstep
