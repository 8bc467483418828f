#include "core/json_parse.h"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/value_stack.hpp>
#include <cmath>
#include <optional>

namespace json = boost::json;

namespace lockstep {
namespace {

// Builds the value as boost::json::parser does, and keeps the member names of every open object
// so that a repeated one fails the parse before the object is made (which would drop it).
class StrictHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  json::value_stack stack;
  std::optional<std::string> repeated;  // the member name found twice, once the parse failed for it

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    names_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t n, json::error_code& ec) {
    auto& names = names_.back();
    std::sort(names.begin(), names.end());
    if (auto twice = std::adjacent_find(names.begin(), names.end()); twice != names.end()) {
      repeated = *twice;
      ec = json::error::syntax;
      return false;
    }
    names_.pop_back();
    stack.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    stack.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    stack.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    names_.back().push_back(std::move(key_));
    key_.clear();
    stack.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    stack.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    stack.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view, json::error_code&) { return true; }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    stack.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    stack.push_uint64(u);
    return true;
  }
  // Boost.JSON 1.81 reads 1e400 as infinity and 0e999 as NaN, which it then writes as `Infinity`
  // and `NaN`: not JSON. A number no double holds is refused here, for every body.
  bool on_double(double d, json::string_view, json::error_code& ec) {
    if (!std::isfinite(d)) {
      ec = json::error::exponent_overflow;
      return false;
    }
    stack.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    stack.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    stack.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  std::vector<std::vector<std::string>> names_;  // of each open object, innermost last
  std::string key_;                              // the member name being read
};

bool holds_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

void find_nul(const json::value& v, const std::string& at, std::vector<std::string>& out) {
  if (v.is_string()) {
    if (holds_nul(v.get_string())) out.push_back(at);
  } else if (v.is_array()) {
    const auto& a = v.get_array();
    for (std::size_t i = 0; i < a.size(); ++i) find_nul(a[i], at + "[" + std::to_string(i) + "]", out);
  } else if (v.is_object()) {
    for (const auto& [key, member] : v.get_object()) {
      std::string path = at.empty() ? std::string(key) : at + "." + std::string(key);
      if (holds_nul(key))
        out.push_back(path);
      else
        find_nul(member, path, out);
    }
  }
}

}  // namespace

Result<json::value> parse_json_strict(std::string_view text, std::size_t max_depth) {
  json::parse_options options;
  options.max_depth = max_depth;
  json::basic_parser<StrictHandler> parser(options);
  parser.handler().stack.reset();
  json::error_code ec;
  const std::size_t used = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && used < text.size()) ec = json::error::extra_data;
  if (parser.handler().repeated) {
    std::string detail = "an object names the member \"";
    detail += *parser.handler().repeated;
    detail += "\" more than once";
    return Error(Code::kMalformedJson, std::move(detail));
  }
  if (ec) return Error(Code::kMalformedJson, ec.message());
  return parser.handler().stack.release();
}

std::vector<std::string> paths_holding_nul(const json::value& v) {
  std::vector<std::string> out;
  find_nul(v, "", out);
  return out;
}

}  // namespace lockstep
