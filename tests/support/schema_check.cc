#include "schema_check.h"

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
    if (t->is_string()) ok = has_type(v, t->as_string());
    else for (const auto& one : t->as_array()) ok = ok || has_type(v, one.as_string());
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
