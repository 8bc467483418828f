#include "transcript.h"

#include <boost/json.hpp>
#include <filesystem>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace json = boost::json;

namespace lockstep::testing::http {
namespace {

// Marks, inside a parsed expected body, what was written bare: `*`, `{{name}}` or `...`. No
// string of an answer starts with U+0001, so a mark never meets a real value.
constexpr char kMark = '\x01';
const std::string kEllipsis = std::string(1, kMark) + "...";

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string join_body(std::vector<std::string> lines) {
  while (!lines.empty() && trim(lines.back()).empty()) lines.pop_back();
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) out += (i ? "\n" : "") + lines[i];
  return out;
}

[[noreturn]] void syntax_error(const std::string& path, int line, const std::string& what) {
  throw std::runtime_error(path + ":" + std::to_string(line) + ": " + what);
}

std::pair<std::string, std::string> split_header(const std::string& line, const std::string& path, int n) {
  const auto colon = line.find(':');
  if (colon == std::string::npos || colon == 0) syntax_error(path, n, "expected `Name: value`, got `" + line + "`");
  return {trim(line.substr(0, colon)), trim(line.substr(colon + 1))};
}

// What part of a step the parser is in.
enum class Part { kPreamble, kHead, kRequestHeaders, kRequestBody, kStatus, kResponseHeaders, kResponseBody };

// One line of a step; `body` collects the lines of the current body.
void parse_step_line(const std::string& line, int n, const std::string& path, Part& part, Step& step,
                     std::vector<std::string>& body) {
  switch (part) {
    case Part::kPreamble:
      break;
    case Part::kHead:
      if (starts_with(line, "# @known-difference")) step.known_difference = trim(line.substr(19));
      if (trim(line).empty() || starts_with(line, "#")) return;
      {
        std::istringstream words(line);
        words >> step.method >> step.target;
        if (step.target.empty()) syntax_error(path, n, "expected `METHOD /path`, got `" + line + "`");
      }
      part = Part::kRequestHeaders;
      return;
    case Part::kRequestHeaders:
      if (trim(line) == "<<<") {
        part = Part::kStatus;
        return;
      }
      if (trim(line).empty()) {
        part = Part::kRequestBody;
        return;
      }
      step.headers.push_back(split_header(line, path, n));
      return;
    case Part::kRequestBody:
      if (trim(line) == "<<<") {
        step.body = join_body(std::move(body));
        body.clear();
        part = Part::kStatus;
        return;
      }
      body.push_back(line);
      return;
    case Part::kStatus: {
      if (trim(line).empty()) return;
      std::istringstream words(line);
      std::string first;
      words >> first;
      if (starts_with(first, "HTTP/"))
        words >> step.status;
      else
        step.status = std::atoi(first.c_str());
      if (step.status < 100 || step.status > 599)
        syntax_error(path, n, "expected `HTTP/1.1 STATUS`, got `" + line + "`");
      part = Part::kResponseHeaders;
      return;
    }
    case Part::kResponseHeaders:
      if (trim(line).empty()) {
        part = Part::kResponseBody;
        return;
      }
      if (starts_with(line, "!")) {
        step.expected_headers.push_back({trim(line.substr(1)), "", true});
      } else {
        auto [name, value] = split_header(line, path, n);
        step.expected_headers.push_back({name, value, false});
      }
      return;
    case Part::kResponseBody:
      body.push_back(line);
      return;
  }
}

void finish_step(const std::string& path, Part part, Step& step, std::vector<std::string>& body) {
  if (part == Part::kPreamble) return;
  if (part == Part::kResponseBody) step.expected_body = join_body(std::move(body));
  body.clear();
  if (step.status == 0) syntax_error(path, step.line, "step `" + step.title + "` has no `<<<` and status line");
}

std::string escape_for_json_string(const std::string& s) {
  std::string quoted = json::serialize(json::value(s));
  return quoted.substr(1, quoted.size() - 2);
}

// ---- patterns: text with {{name}} and a lone `*` ----

std::string regex_escape(const std::string& s) {
  static const std::regex special(R"([.^$|()\[\]{}*+?\\])");
  return std::regex_replace(s, special, R"(\$&)");
}

// Whether `got` matches `pattern`; binds the placeholders it captures (only when it matches).
bool match_pattern(const std::string& pattern, const std::string& got, Bindings& bindings) {
  if (pattern == "*") return true;
  static const std::regex placeholder(R"(\{\{([A-Za-z0-9_]+)\}\})");
  std::string re;
  std::vector<std::string> captured;  // the unbound names, in group order
  std::size_t at = 0;
  for (std::sregex_iterator it(pattern.begin(), pattern.end(), placeholder), end; it != end; ++it) {
    re += regex_escape(pattern.substr(at, it->position() - at));
    const std::string name = (*it)[1];
    const auto earlier = std::find(captured.begin(), captured.end(), name);
    if (auto bound = bindings.find(name); bound != bindings.end()) {
      re += regex_escape(bound->second);
    } else if (earlier != captured.end()) {
      re += "\\" + std::to_string(earlier - captured.begin() + 1);
    } else {
      re += "(.*?)";
      captured.push_back(name);
    }
    at = it->position() + it->length();
  }
  re += regex_escape(pattern.substr(at));
  std::smatch m;
  if (!std::regex_match(got, m, std::regex(re))) return false;
  for (std::size_t i = 0; i < captured.size(); ++i) bindings[captured[i]] = m[i + 1];
  return true;
}

// ---- JSON bodies ----

// The expected body as JSON text: bare `*`, `{{name}}` and `...` outside strings become marked
// strings (`...` in an object a marked member), so an ordinary JSON parser reads it.
std::string to_json_pattern(const std::string& text) {
  std::string out;
  std::vector<char> open;  // '{' or '['
  bool in_string = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < text.size())
        out += text[++i];
      else if (c == '"')
        in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    if (c == '{' || c == '[') open.push_back(c);
    if ((c == '}' || c == ']') && !open.empty()) open.pop_back();
    if (c == '*') {
      out += "\"\\u0001*\"";
      continue;
    }
    if (text.compare(i, 2, "{{") == 0) {
      const auto close = text.find("}}", i);
      if (close == std::string::npos) throw std::runtime_error("unclosed {{ in expected body");
      out += "\"\\u0001" + text.substr(i, close + 2 - i) + "\"";
      i = close + 1;
      continue;
    }
    if (text.compare(i, 3, "...") == 0) {
      out += (!open.empty() && open.back() == '{') ? "\"\\u0001...\":null" : "\"\\u0001...\"";
      i += 2;
      continue;
    }
    out += c;
  }
  return out;
}

std::string show(const json::value& v) { return json::serialize(v); }

// An expected value as the transcript wrote it: the marks of bare `*`, `{{name}}` and `...` undone.
std::string show_expected(const json::value& v) {
  static const std::regex member(R"re("\\u0001\.\.\.":null)re");
  static const std::regex marked(R"re("\\u0001([^"]*)")re");
  return std::regex_replace(std::regex_replace(show(v), member, "..."), marked, "$1");
}

// The text a placeholder binds for a JSON value: a string's content, else the value as written.
std::string bound_text(const json::value& v) {
  return v.is_string() ? std::string(v.get_string()) : json::serialize(v);
}

struct JsonMatcher {
  Bindings& bindings;
  std::vector<std::string>& errors;

  void fail(const std::string& path, const std::string& expected, const json::value& got) {
    errors.push_back("body " + path + ": expected " + expected + ", got " + show(got));
  }

  void match(const json::value& want, const json::value& got, const std::string& path) {
    if (want.is_string()) return match_string(std::string(want.get_string()), got, path);
    if (want.is_object()) return match_object(want.get_object(), got, path);
    if (want.is_array()) return match_array(want.get_array(), got, path);
    if (want.is_number() && got.is_number()) {
      if (want.to_number<double>() != got.to_number<double>()) fail(path, show(want), got);
      return;
    }
    if (want != got) fail(path, show_expected(want), got);
  }

  void match_string(const std::string& want, const json::value& got, const std::string& path) {
    if (!want.empty() && want[0] == kMark) {  // bare: any JSON value
      const std::string pattern = want.substr(1);
      if (pattern == "*") return;
      if (got.is_string()) return fail(path, pattern + " (a non-string value)", got);
      if (!match_pattern(pattern, bound_text(got), bindings)) fail(path, describe_bound(pattern), got);
      return;
    }
    if (!got.is_string())
      return fail(path, "a string " + (want == "*" ? std::string("(any)") : show(json::value(want))), got);
    if (!match_pattern(want, std::string(got.get_string()), bindings)) fail(path, describe_bound(want), got);
  }

  // `pattern` with its bound placeholders filled in, for a message.
  std::string describe_bound(const std::string& pattern) const {
    std::string shown = pattern;
    for (const auto& [name, value] : bindings) {
      const std::string key = "{{" + name + "}}";
      for (auto at = shown.find(key); at != std::string::npos; at = shown.find(key, at + value.size())) {
        shown.replace(at, key.size(), value);
      }
    }
    return shown == pattern ? "`" + pattern + "`" : "`" + pattern + "` = " + shown;
  }

  void match_object(const json::object& want, const json::value& got, const std::string& path) {
    if (!got.is_object()) return fail(path, "an object", got);
    const auto& have = got.get_object();
    bool open = false;
    for (const auto& [key, value] : want) {
      if (key == kEllipsis) {
        open = true;
        continue;
      }
      const std::string member = path + "." + std::string(key);
      if (const auto* found = have.if_contains(key)) {
        match(value, *found, member);
      } else {
        errors.push_back("body " + member + ": missing (expected " + show_expected(value) + ")");
      }
    }
    if (open) return;
    for (const auto& [key, value] : have) {
      if (!want.contains(key))
        errors.push_back("body " + path + "." + std::string(key) + ": unexpected member " + show(value));
    }
  }

  void match_array(const json::array& want, const json::value& got, const std::string& path) {
    if (!got.is_array()) return fail(path, "an array", got);
    const auto& have = got.get_array();
    const bool open = !want.empty() && want.back().is_string() && want.back().get_string() == kEllipsis;
    const std::size_t n = want.size() - (open ? 1 : 0);
    if (have.size() < n || (!open && have.size() != n)) {
      errors.push_back("body " + path + ": expected " + std::to_string(n) + (open ? " or more" : "") +
                       " elements, got " + std::to_string(have.size()));
      return;
    }
    for (std::size_t i = 0; i < n; ++i) match(want[i], have[i], path + "[" + std::to_string(i) + "]");
  }
};

void check_body(const std::string& want, const std::string& got, Bindings& bindings, std::vector<std::string>& errors) {
  const std::string w = trim(want);
  if (w == "*") return;
  if (w.empty()) {
    if (!got.empty()) errors.push_back("body: expected none, got " + std::to_string(got.size()) + " bytes");
    return;
  }
  if (w[0] != '{' && w[0] != '[') {
    if (!match_pattern(w, got, bindings)) errors.push_back("body: expected text `" + w + "`");
    return;
  }
  std::error_code ec;
  const json::value expected = json::parse(to_json_pattern(w), ec);
  if (ec) {
    errors.push_back("transcript: the expected body is not JSON (" + ec.message() + ")");
    return;
  }
  const json::value actual = json::parse(got, ec);
  if (ec) {
    errors.push_back("body: expected JSON, got text that is not JSON");
    return;
  }
  JsonMatcher{bindings, errors}.match(expected, actual, "$");
}

}  // namespace

Transcript parse_transcript(const std::string& text, const std::string& path) {
  Transcript t;
  t.path = path;
  t.name = std::filesystem::path(path).stem().string();
  Part part = Part::kPreamble;
  Step step;
  std::vector<std::string> body;
  std::istringstream in(text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (starts_with(line, "###")) {
      finish_step(path, part, step, body);
      if (part != Part::kPreamble) t.steps.push_back(std::move(step));
      step = Step{};
      step.title = trim(line.substr(3));
      step.line = n;
      part = Part::kHead;
      continue;
    }
    if (part == Part::kPreamble && starts_with(line, "# @server")) {
      std::istringstream flags(line.substr(9));
      for (std::string flag; flags >> flag;) t.server_flags.push_back(flag);
    }
    parse_step_line(line, n, path, part, step, body);
  }
  finish_step(path, part, step, body);
  if (part != Part::kPreamble) t.steps.push_back(std::move(step));
  if (t.steps.empty()) throw std::runtime_error(path + ": no steps (each starts with `###`)");
  return t;
}

std::string substitute(const std::string& text, const Bindings& bindings, bool json_escape) {
  std::string out;
  std::size_t at = 0;
  for (auto open = text.find("{{"); open != std::string::npos; open = text.find("{{", at)) {
    const auto close = text.find("}}", open);
    if (close == std::string::npos) break;
    const std::string name = text.substr(open + 2, close - open - 2);
    const auto bound = bindings.find(name);
    if (bound == bindings.end()) throw std::runtime_error("{{" + name + "}} is used before an answer captured it");
    out += text.substr(at, open - at) + (json_escape ? escape_for_json_string(bound->second) : bound->second);
    at = close + 2;
  }
  return out + text.substr(at);
}

std::optional<std::string> check_response(const Step& step, const HttpResponse& got, Bindings& bindings) {
  std::vector<std::string> errors;
  if (got.status != step.status) {
    errors.push_back("status: expected " + std::to_string(step.status) + ", got " + std::to_string(got.status));
  }
  for (const auto& want : step.expected_headers) {
    const auto value = got.header(want.name);
    if (want.absent) {
      if (value) errors.push_back("header " + want.name + ": expected none, got `" + *value + "`");
    } else if (!value) {
      errors.push_back("header " + want.name + ": missing (expected `" + want.value + "`)");
    } else if (!match_pattern(want.value, *value, bindings)) {
      errors.push_back("header " + want.name + ": expected `" + want.value + "`, got `" + *value + "`");
    }
  }
  if (errors.empty()) check_body(step.expected_body, got.body, bindings, errors);
  if (errors.empty()) return std::nullopt;
  std::string out;
  for (const auto& e : errors) out += "  " + e + "\n";
  return out;
}

std::string describe_response(const HttpResponse& got) {
  std::string out = "HTTP/1.1 " + std::to_string(got.status) + "\n";
  for (const auto& [name, value] : got.headers) {
    const auto n = lower(name);
    if (n == "date" || n == "x-request-id" || n == "ratelimit" || n == "ratelimit-policy" || n == "content-length")
      continue;
    out += name + ": " + value + "\n";
  }
  constexpr std::size_t kShown = 4000;  // a /metrics page would bury the message
  if (got.body.size() > kShown)
    return out + "\n" + got.body.substr(0, kShown) + "\n[... " + std::to_string(got.body.size() - kShown) +
           " more bytes]\n";
  if (!got.body.empty()) out += "\n" + got.body + "\n";
  return out;
}

}  // namespace lockstep::testing::http
