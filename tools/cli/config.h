// Where the lockstep CLI finds its server and token (API.md §13): a flag beats the environment
// (LOCKSTEP_URL, LOCKSTEP_TOKEN), which beats the file `lockstep login` writes
// ($XDG_CONFIG_HOME/lockstep/config.toml, default ~/.config/lockstep/config.toml); each value is
// resolved on its own.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace lockstep::cli {

struct Credentials {
  std::string url;
  std::string token;
  std::string url_source;  // "--url", "LOCKSTEP_URL", the file's path, or "default": for messages
};

// The config file's path (it may not exist).
std::filesystem::path config_path();

// Resolves url and token; `flag_url`/`flag_token` are the values given on the command line.
// The URL defaults to the server's default address, the token to none.
Credentials resolve_credentials(const std::optional<std::string>& flag_url,
                                const std::optional<std::string>& flag_token);

// Writes url and token to config_path() with mode 0600 (its folder 0700), replacing the file
// atomically. Returns an error message, or nullopt on success.
std::optional<std::string> write_config(const std::string& url, const std::string& token);

// The string values of a small TOML file (`key = "value"` lines; comments and other lines are
// ignored): key -> value. Exposed for tests.
std::optional<std::string> toml_string_value(const std::string& text, const std::string& key);

}  // namespace lockstep::cli
