// Where the lockstep CLI finds its server and token (API.md §13): a flag beats the environment
// (LOCKSTEP_URL, LOCKSTEP_TOKEN), which beats the file `lockstep login` writes
// ($XDG_CONFIG_HOME/lockstep/config.toml, default ~/.config/lockstep/config.toml); each value is
// resolved on its own. The file is read only when a value is not given otherwise, and a file
// that is not what `login` writes (a TOML subset) is an error naming its path and line, never
// silently ignored.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <variant>

namespace lockstep::cli {

struct Credentials {
  std::string url;
  std::string token;       // empty: none anywhere
  std::string url_source;  // "--url", "LOCKSTEP_URL", the file's path, or "default": for messages
};

// A config file that cannot be used: "PATH:LINE: what is wrong".
struct ConfigError {
  std::string message;
};

// The config file's path (it may not exist).
std::filesystem::path config_path();

// The keys of a config file and their values. Accepts comments, blank lines and
// `key = "value"` (or 'value') lines with the keys url and token, each at most once; anything
// else is a ConfigError naming `path` and the line.
std::variant<std::map<std::string, std::string>, ConfigError> parse_config(const std::string& text,
                                                                           const std::string& path);

// Resolves url and token; `flag_url`/`flag_token` are the values given on the command line.
// `with_token` false leaves the token to the caller (login) and never takes it from the file.
// The URL defaults to the server's default address, the token to none.
std::variant<Credentials, ConfigError> resolve_credentials(const std::optional<std::string>& flag_url,
                                                           const std::optional<std::string>& flag_token,
                                                           bool with_token = true);

// The value of an environment variable; nullopt when unset or empty.
std::optional<std::string> env(const char* name);

// Writes url and token to config_path() with mode 0600 (its folder 0700), replacing the file
// atomically. Returns an error message, or nullopt on success.
std::optional<std::string> write_config(const std::string& url, const std::string& token);

}  // namespace lockstep::cli
