#include "schema_check.h"

#include <regex>

namespace json = boost::json;

namespace lockstep::testing {
namespace {

const json::value& resolve(const json::value& doc, const json::value& schema) {
  if (!schema.is_object() || !schema.as_object().contains("$ref")) return schema;
  std::string ref(schema.at("$ref").as_string());
  const json::value* node = &doc;
  std::size_t pos = 2;  // past "#/"
  while (pos <= ref.size()) {
    auto next = ref.find('/', pos);
    if (next == std::string::npos) next = ref.size();
    node = &node->at(ref.substr(pos, next - pos));
    pos = next + 1;
  }
  return resolve(doc, *node);
}

bool has_type(const json::value& v, std::string_view type) {
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "integer") return v.is_int64() || v.is_uint64();
  if (type == "number") return v.is_number();
  if (type == "boolean") return v.is_bool();
  if (type == "null") return v.is_null();
  return false;
}

std::size_t code_points(std::string_view s) {
  std::size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// The string keywords: pattern (ECMAScript, unanchored as JSON Schema says), minLength,
// maxLength, and format date-time (RFC 3339).
void check_string(const json::object& o, std::string_view v, const std::string& at, std::vector<std::string>& out) {
  if (auto* p = o.if_contains("pattern");
      p && !std::regex_search(std::string(v), std::regex(std::string(p->as_string())))) {
    out.push_back(at + ": does not match " + std::string(p->as_string()));
  }
  if (auto* m = o.if_contains("minLength"); m && code_points(v) < m->to_number<std::size_t>())
    out.push_back(at + ": too short");
  if (auto* m = o.if_contains("maxLength"); m && code_points(v) > m->to_number<std::size_t>())
    out.push_back(at + ": too long");
  static const std::regex date_time(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$)");
  if (auto* f = o.if_contains("format"); f && *f == "date-time" && !std::regex_match(std::string(v), date_time)) {
    out.push_back(at + ": not an RFC 3339 date-time");
  }
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

const json::value& component(const json::value& document, const std::string& name) {
  return document.at("components").at("schemas").at(name);
}

std::vector<std::string> schema_problems(const json::value& doc, const json::value& raw, const json::value& v,
                                         const std::string& at) {
  const json::value& s = resolve(doc, raw);
  std::vector<std::string> out;
  if (!s.is_object()) return out;
  const auto& o = s.as_object();
  auto add = [&](const std::vector<std::string>& more) { out.insert(out.end(), more.begin(), more.end()); };
  if (auto* t = o.if_contains("type")) {
    bool ok = false;
    if (t->is_string())
      ok = has_type(v, t->as_string());
    else
      for (const auto& one : t->as_array()) ok = ok || has_type(v, one.as_string());
    if (!ok) return {at + ": wrong type (" + json::serialize(*t) + "): " + json::serialize(v)};
  }
  if (auto* e = o.if_contains("enum")) {
    bool ok = false;
    for (const auto& one : e->as_array()) ok = ok || one == v;
    if (!ok) out.push_back(at + ": not in enum: " + json::serialize(v));
  }
  if (auto* c = o.if_contains("const"); c && *c != v) out.push_back(at + ": not " + json::serialize(*c));
  if (auto* m = o.if_contains("minimum"); m && v.is_number() && v.to_number<double>() < m->to_number<double>()) {
    out.push_back(at + ": below minimum");
  }
  if (auto* m = o.if_contains("maximum"); m && v.is_number() && v.to_number<double>() > m->to_number<double>()) {
    out.push_back(at + ": above maximum");
  }
  if (v.is_string()) check_string(o, v.as_string(), at, out);
  if (auto* m = o.if_contains("maxItems"); m && v.is_array() && v.as_array().size() > m->to_number<std::size_t>()) {
    out.push_back(at + ": too many items");
  }
  if (auto* all = o.if_contains("allOf")) {
    for (const auto& sub : all->as_array()) add(schema_problems(doc, sub, v, at));
  }
  if (auto* one = o.if_contains("oneOf")) {
    int matches = 0;
    for (const auto& sub : one->as_array()) matches += schema_problems(doc, sub, v, at).empty();
    if (matches != 1) out.push_back(at + ": matches " + std::to_string(matches) + " of oneOf");
  }
  if (v.is_object()) {
    const auto& obj = v.as_object();
    if (auto* req = o.if_contains("required")) {
      for (const auto& name : req->as_array()) {
        if (!obj.contains(name.as_string())) out.push_back(at + ": missing " + std::string(name.as_string()));
      }
    }
    const json::object* props = o.if_contains("properties") ? &o.at("properties").as_object() : nullptr;
    for (const auto& [k, member] : obj) {
      if (props && props->contains(k)) {
        add(schema_problems(doc, props->at(k), member, at + "." + std::string(k)));
      } else if (auto* ap = o.if_contains("additionalProperties"); ap && ap->is_bool() && !ap->as_bool()) {
        out.push_back(at + ": unexpected member " + std::string(k));
      }
    }
  }
  if (v.is_array()) {
    if (auto* items = o.if_contains("items")) {
      for (std::size_t i = 0; i < v.as_array().size(); ++i) {
        add(schema_problems(doc, *items, v.as_array()[i], at + "[" + std::to_string(i) + "]"));
      }
    }
  }
  return out;
}

}  // namespace lockstep::testing

namespace lockstep::testing {

std::vector<std::string> answer_problems(const json::value& doc, const std::string& method, const std::string& path,
                                         int status, std::string_view content_type, const json::value& body) {
  const std::string what = method + " " + path + " " + std::to_string(status);
  const auto* item = doc.at("paths").as_object().if_contains(path);
  const auto* op = item ? item->as_object().if_contains(lower(method)) : nullptr;
  if (!op) return {what + ": no such operation in the document"};
  const auto* answer = op->at("responses").as_object().if_contains(std::to_string(status));
  if (!answer) return {what + ": status not documented"};
  const json::value& response = resolve(doc, *answer);
  const auto* content = response.as_object().if_contains("content");
  const std::string type(content_type.substr(0, content_type.find(';')));
  if (!content) {
    if (!body.is_null()) return {what + ": documented without a body, answered one"};
    return {};
  }
  const auto* media = content->as_object().if_contains(type);
  if (!media) return {what + ": Content-Type " + type + " not documented"};
  const auto* schema = media->as_object().if_contains("schema");
  if (!schema || type == "text/plain" || type == "text/event-stream") return {};
  return schema_problems(doc, *schema, body, what + " $");
}

}  // namespace lockstep::testing
