// The commands of the lockstep CLI (API.md §13). Each add_*_commands registers its subcommands
// on the parsed command line; the one the user named runs after parsing, with a Context.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config.h"
#include "output.h"

namespace lockstep::cli {

struct Context {
  Client& client;
  Format format;
  Credentials credentials;
  double retry_for_seconds;
};

using Action = std::function<int(Context&)>;

// What the command line selected: set by the callback of the subcommand that was given.
struct Selection {
  Action action;
  bool login = false;          // the command takes the token it checks (so none is required yet)
  std::function<int()> local;  // a command that needs no server (completion): run instead
};

// Makes `action` the one to run when `cmd` is on the command line.
inline void on_run(CLI::App* cmd, Selection& selection, Action action) {
  cmd->callback([&selection, action = std::move(action)] { selection.action = action; });
}

// `value` when option `name` of `cmd` was given, else nullopt (also when `cmd` has no such option).
template <class T>
std::optional<T> given(const CLI::App* cmd, const std::string& name, const T& value) {
  const CLI::Option* opt = cmd->get_option_no_throw(name);
  return opt && opt->count() > 0 ? std::optional<T>(value) : std::nullopt;
}

// Sets `lines` as the examples at the end of `cmd`'s --help; returns `cmd`.
CLI::App* examples(CLI::App* cmd, const std::vector<std::string>& lines);
// Makes every --help below `app` also show the options of `app`, which may stand anywhere.
void use_help_formatter(CLI::App& app);
// The root's options that every command accepts (not --help or --version).
std::vector<const CLI::Option*> global_options(const CLI::App& root);
std::vector<std::string> subcommand_names(const CLI::App& app);
// After a failed parse: a message about the first word that was not understood ("unknown command
// 'tasks' (did you mean 'task'?)"), or nullopt when CLI11's own message says it better.
std::optional<std::string> explain_unknown(const CLI::App& app);
// After a parse: the command given, e.g. "lockstep task create", for "see ... --help".
std::string given_command(const CLI::App& app);
// The completion script of `shell` (bash, zsh or fish) for the commands under `root`.
std::string completion_script(const CLI::App& root, const std::string& shell);

void add_task_commands(CLI::App& app, Selection& selection);
void add_edit_command(CLI::App& task, Selection& selection);
void add_lock_commands(CLI::App& app, Selection& selection);
void add_product_commands(CLI::App& app, Selection& selection);
// batch, watch
void add_feed_commands(CLI::App& app, Selection& selection);

}  // namespace lockstep::cli
