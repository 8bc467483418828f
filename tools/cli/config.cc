#include "config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace lockstep::cli {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultUrl = "http://127.0.0.1:8080";  // lockstepd's default --listen
const char* const kKeys[] = {"url", "token"};                 // what `login` writes

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// A TOML basic ("...", with \" \\ \n \t escapes) or literal ('...') string at the start of `v`,
// and where it ends; nullopt when `v` does not start with a complete one.
std::optional<std::pair<std::string, std::size_t>> parse_toml_string(const std::string& v) {
  if (v.size() >= 2 && v.front() == '\'') {
    auto end = v.find('\'', 1);
    if (end == std::string::npos) return std::nullopt;
    return std::pair(v.substr(1, end - 1), end + 1);
  }
  if (v.size() < 2 || v.front() != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] == '"') return std::pair(out, i + 1);
    if (v[i] == '\\' && i + 1 < v.size()) {
      char c = v[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += v[i];
    }
  }
  return std::nullopt;
}

bool known_key(const std::string& key) {
  for (const char* k : kKeys) {
    if (key == k) return true;
  }
  return false;
}

// What is wrong with one `key = value` line, or nullopt; sets `value` when nothing is.
std::optional<std::string> parse_line(const std::string& line, std::string& key, std::string& value) {
  if (line.front() == '[') return "tables are not supported: put url and token at the top of the file";
  auto eq = line.find('=');
  if (eq == std::string::npos) return "expected key = \"value\"";
  key = trim(line.substr(0, eq));
  if (!known_key(key)) return "unknown key '" + key + "' (the keys are url and token)";
  const std::string rest = trim(line.substr(eq + 1));
  auto parsed = parse_toml_string(rest);
  if (!parsed) return "the value of " + key + " must be a quoted string, e.g. " + key + " = \"...\"";
  const std::string after = trim(rest.substr(parsed->second));
  if (!after.empty() && after.front() != '#') return "unexpected text after the value of " + key;
  value = parsed->first;
  return std::nullopt;
}

std::string toml_quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + '"';
}

std::optional<std::string> read_file(const fs::path& p) {
  std::ifstream in(p);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::variant<std::map<std::string, std::string>, ConfigError> parse_config(const std::string& text,
                                                                           const std::string& path) {
  std::map<std::string, std::string> values;
  std::istringstream in(text);
  int number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    std::string key, value;
    auto problem = parse_line(line, key, value);
    if (!problem && values.contains(key)) problem = key + " is given twice";
    if (problem) return ConfigError{path + ":" + std::to_string(number) + ": " + *problem};
    values[key] = value;
  }
  return values;
}

fs::path config_path() {
  if (auto xdg = env("XDG_CONFIG_HOME")) return fs::path(*xdg) / "lockstep" / "config.toml";
  return fs::path(env("HOME").value_or(".")) / ".config" / "lockstep" / "config.toml";
}

std::variant<Credentials, ConfigError> resolve_credentials(const std::optional<std::string>& flag_url,
                                                           const std::optional<std::string>& flag_token,
                                                           bool with_token) {
  Credentials c{kDefaultUrl, "", "default"};
  std::optional<std::string> url = flag_url ? flag_url : env("LOCKSTEP_URL");
  if (url) c = {*url, "", flag_url ? "--url" : "LOCKSTEP_URL"};
  std::optional<std::string> token = flag_token ? flag_token : env("LOCKSTEP_TOKEN");
  if (token) c.token = *token;
  if (url && (token || !with_token)) return c;  // the file is not needed: a broken one does not matter

  const fs::path path = config_path();
  auto text = read_file(path);
  std::error_code ec;
  if (!text && fs::exists(path, ec)) return ConfigError{path.string() + ": cannot read it"};
  if (!text) return c;
  auto parsed = parse_config(*text, path.string());
  if (auto* error = std::get_if<ConfigError>(&parsed)) return *error;
  const auto& values = std::get<std::map<std::string, std::string>>(parsed);
  if (!url && values.contains("url")) {
    c.url = values.at("url");
    c.url_source = path.string();
  }
  if (!token && with_token && values.contains("token")) c.token = values.at("token");
  return c;
}

std::optional<std::string> write_config(const std::string& url, const std::string& token) {
  const fs::path path = config_path();
  std::error_code ec;
  if (fs::create_directories(path.parent_path(), ec)) {
    fs::permissions(path.parent_path(), fs::perms::owner_all, ec);  // the token is a secret
  }
  if (ec) return "cannot create " + path.parent_path().string() + ": " + ec.message();
  const fs::path tmp = path.string() + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return "cannot write " + tmp.string() + ": " + std::strerror(errno);
  ::fchmod(fd, 0600);  // a leftover file may have had wider permissions
  const std::string text =
      "# Written by `lockstep login`.\nurl = " + toml_quote(url) + "\ntoken = " + toml_quote(token) + "\n";
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced || ::rename(tmp.c_str(), path.c_str()) != 0) {
    std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return "cannot write " + path.string() + ": " + why;
  }
  return std::nullopt;
}

}  // namespace lockstep::cli
