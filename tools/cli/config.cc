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

std::optional<std::string> env(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return std::nullopt;
  return std::string(v);
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// A TOML basic ("...", with \" \\ \n \t escapes) or literal ('...') string, or nullopt.
std::optional<std::string> parse_toml_string(const std::string& v) {
  if (v.size() >= 2 && v.front() == '\'') {
    auto end = v.find('\'', 1);
    if (end == std::string::npos) return std::nullopt;
    return v.substr(1, end - 1);
  }
  if (v.size() < 2 || v.front() != '"') return std::nullopt;
  std::string out;
  for (std::size_t i = 1; i < v.size(); ++i) {
    if (v[i] == '"') return out;
    if (v[i] == '\\' && i + 1 < v.size()) {
      char c = v[++i];
      out += c == 'n' ? '\n' : c == 't' ? '\t' : c;
    } else {
      out += v[i];
    }
  }
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

std::optional<std::string> toml_string_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string line;
  bool top_level = true;  // keys under a [table] are not ours
  while (std::getline(in, line)) {
    line = trim(line);
    if (line.empty() || line.front() == '#') continue;
    if (line.front() == '[') {
      top_level = false;
      continue;
    }
    auto eq = line.find('=');
    if (!top_level || eq == std::string::npos || trim(line.substr(0, eq)) != key) continue;
    return parse_toml_string(trim(line.substr(eq + 1)));
  }
  return std::nullopt;
}

fs::path config_path() {
  if (auto xdg = env("XDG_CONFIG_HOME")) return fs::path(*xdg) / "lockstep" / "config.toml";
  return fs::path(env("HOME").value_or(".")) / ".config" / "lockstep" / "config.toml";
}

Credentials resolve_credentials(const std::optional<std::string>& flag_url,
                                const std::optional<std::string>& flag_token) {
  const fs::path path = config_path();
  const std::string text = read_file(path).value_or("");
  Credentials c{kDefaultUrl, "", "default"};
  if (auto v = toml_string_value(text, "url")) c = {*v, "", path.string()};
  if (auto v = env("LOCKSTEP_URL")) c = {*v, "", "LOCKSTEP_URL"};
  if (flag_url) c = {*flag_url, "", "--url"};
  c.token = flag_token ? *flag_token : env("LOCKSTEP_TOKEN").value_or(toml_string_value(text, "token").value_or(""));
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
  const std::string text = "# Written by `lockstep login`.\nurl = " + toml_quote(url) + "\ntoken = " +
                           toml_quote(token) + "\n";
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
