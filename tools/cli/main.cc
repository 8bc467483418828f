// lockstep: the command-line client of a Lockstep server (API.md §13).
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "commands.h"

namespace lockstep::cli {
namespace {

struct GlobalOptions {
  std::string url;
  std::string token;
  std::string cacert;
  std::string output = "table";
  double retry_for = 15;
  bool quiet = false;
};

// `-o=json`: CLI11 reads a short option's value glued on (`-ojson`) but would keep the '='.
std::string drop_equals(const std::string& value) { return value.starts_with('=') ? value.substr(1) : value; }

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--url", g.url,
                 "Server base URL, e.g. http://127.0.0.1:8080 or https://tasks.example.com (env LOCKSTEP_URL)");
  app.add_option("--cacert", g.cacert,
                 "PEM file of the CAs to trust for https:// instead of the system's (env LOCKSTEP_CACERT)")
      ->envname("LOCKSTEP_CACERT");
  app.add_option("--token", g.token, "Bearer token; - reads it from standard input (env LOCKSTEP_TOKEN)");
  app.add_option("-o,--output", g.output, "Output format: table or json (env LOCKSTEP_OUTPUT)")
      ->transform(drop_equals)
      ->check(CLI::IsMember({"table", "json"}));
  app.add_option("--retry-for", g.retry_for,
                 "Retry 429, 503 and connection failures for at most S seconds (default 15)")
      ->check(CLI::Range(0.0, 3600.0));
  app.add_flag("-q,--quiet", g.quiet, "Do not show retry progress on standard error");
  app.set_version_flag("--version", std::string("lockstep ") + LOCKSTEP_VERSION, "Print the version and exit");
}

// `lockstep login` checks the token with the server (GET /v1/me) before saving it with the URL.
void add_login_command(CLI::App& app, Selection& selection) {
  auto* cmd = app.add_subcommand("login", "Check a token with the server and save it with --url to the config file");
  examples(cmd, {"lockstep login --url http://tasks.example:8080        # asks for the token",
                 "lockstep login --url http://tasks.example:8080 --token - < token.txt",
                 "LOCKSTEP_TOKEN=... lockstep login --url http://tasks.example:8080"});
  cmd->callback([&selection] {
    selection.login = true;
    selection.action = [](Context& ctx) {
      auto me = ctx.client.me();
      if (!me) return report_error(me.error(), ctx.format);
      if (auto failed = write_config(ctx.credentials.url, ctx.credentials.token)) {
        std::cerr << "lockstep: " << *failed << '\n';
        return kExitOther;
      }
      if (ctx.format == Format::kJson) {
        print_raw(me.reply());
      } else {
        std::cout << "Logged in to " << ctx.credentials.url << " as " << me->name << " (" << me->role << "); saved to "
                  << config_path().string() << '\n';
      }
      return kExitOk;
    };
  });
}

void add_completion_command(CLI::App& app, Selection& selection) {
  auto shell = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("completion", "Print the completion script of a shell (bash, zsh or fish)");
  cmd->add_option("SHELL", *shell, "bash, zsh or fish")->required()->check(CLI::IsMember({"bash", "zsh", "fish"}));
  examples(cmd, {"source <(lockstep completion bash)", "lockstep completion zsh > \"${fpath[1]}/_lockstep\"",
                 "lockstep completion fish > ~/.config/fish/completions/lockstep.fish"});
  cmd->callback([&app, &selection, shell] {
    selection.local = [&app, shell] {
      std::cout << completion_script(app, *shell);
      return kExitOk;
    };
  });
}

// One line of standard input, without its line end: a token given as `--token -`.
std::string read_line() {
  std::string line;
  std::getline(std::cin, line);
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
  return line;
}

// Asks for the token on stderr and reads it from stdin, without echo on a terminal.
std::string prompt_token() {
  std::cerr << "Token: " << std::flush;
  termios saved{};
  const bool terminal = ::isatty(STDIN_FILENO) == 1 && ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  std::string token = read_line();
  if (terminal) {
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    std::cerr << '\n';
  }
  return token;
}

// `lockstep: server unavailable (...), retrying (3)...` before each retry's wait.
void show_retry(int retry, const Error& why) {
  std::string reason = why.status == 0     ? "server unavailable (" + why.detail + ")"
                       : why.status == 429 ? std::string("rate limited")
                       : why.status == 503 ? std::string("server unavailable (503)")
                                           : "the same request is still in progress (" + why.code + ")";
  std::cerr << "lockstep: " << reason << ", retrying (" << retry << ")..." << std::endl;
}

ClientOptions client_options(const Credentials& c, const GlobalOptions& g) {
  ClientOptions o;
  o.url = c.url;
  o.token = c.token;
  o.ca_file = g.cacert;
  o.retry.budget = std::chrono::milliseconds(static_cast<long long>(g.retry_for * 1000));
  o.retry.max_attempts = g.retry_for > 0 ? 1000 : 1;  // the budget is the limit that matters
  o.retry.max_delay = std::chrono::seconds(2);
  if (!g.quiet) o.retry.on_retry = show_retry;
  return o;
}

// Splits `-o=json` into `-o` `json` for the short options of the tree; other arguments as given.
std::vector<std::string> arguments(int argc, char** argv) {
  std::vector<std::string> args;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    const bool short_with_equals = a.size() > 2 && a[0] == '-' && a[1] != '-' && a[2] == '=';
    if (short_with_equals && (a[1] == 'o' || a[1] == 'n')) {
      args.push_back(a.substr(0, 2));
      args.push_back(a.substr(3));
    } else {
      args.push_back(std::move(a));
    }
  }
  return {args.rbegin(), args.rend()};  // CLI11 takes them last first
}

// Parses the command line; a usage error's exit status when it cannot be run.
std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    auto args = arguments(argc, argv);
    app.parse(args);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    return app.exit(CLI::CallForHelp());
  } catch (const CLI::CallForAllHelp&) {
    return app.exit(CLI::CallForAllHelp());
  } catch (const CLI::ParseError& e) {
    // Help of a subcommand and --version come through here too, with exit code 0.
    if (e.get_exit_code() == 0) return app.exit(e);
    if (auto unknown = explain_unknown(app)) return usage_error(*unknown);
    return usage_error(std::string(e.what()) + " (see " + given_command(app) + " --help)");
  }
}

int run(int argc, char** argv) {
  CLI::App app{"lockstep: work with the tasks of a Lockstep server (API.md §13).", "lockstep"};
  use_help_formatter(app);
  app.fallthrough();  // global options may stand anywhere on the line
  app.require_subcommand(1);
  examples(&app, {"lockstep login --url http://127.0.0.1:8080", "lockstep task list --status BLOCKED",
                  "lockstep task update ID --status COMPLETED --if-match 2-7", "",
                  "Environment: LOCKSTEP_URL, LOCKSTEP_TOKEN, LOCKSTEP_OUTPUT (table|json); the config file is",
                  "$XDG_CONFIG_HOME/lockstep/config.toml (default ~/.config/lockstep/config.toml). See docs/cli.md."});
  GlobalOptions g;
  add_global_options(app, g);
  Selection selection;
  add_login_command(app, selection);
  add_task_commands(app, selection);
  add_lock_commands(app, selection);
  add_feed_commands(app, selection);
  add_product_commands(app, selection);
  add_completion_command(app, selection);
  if (auto status = parse(app, argc, argv)) return *status;
  if (selection.local) return selection.local();

  if (!app.count("--output")) {
    if (auto output = env("LOCKSTEP_OUTPUT")) {
      if (*output != "table" && *output != "json")
        return usage_error("LOCKSTEP_OUTPUT must be table or json, not '" + *output + "'");
      g.output = *output;
    }
  }
  auto resolved = resolve_credentials(app.count("--url") ? std::optional(g.url) : std::nullopt,
                                      app.count("--token") ? std::optional(g.token) : std::nullopt, !selection.login);
  if (auto* bad = std::get_if<ConfigError>(&resolved)) return usage_error(bad->message);
  Credentials creds = std::get<Credentials>(resolved);
  if (!Client::parse_url(creds.url)) {
    return usage_error("invalid URL '" + creds.url + "' (from " + creds.url_source +
                       "): expected http://HOST[:PORT] or https://HOST[:PORT], e.g. http://127.0.0.1:8080");
  }
  if (creds.token == "-")
    creds.token = read_line();
  else if (creds.token.empty() && selection.login)
    creds.token = prompt_token();
  if (creds.token.empty() && selection.login)
    return usage_error("login: no token given (--token TOKEN, --token - or at the prompt)");
  if (creds.token.empty()) {
    std::cerr << "lockstep: no token: run `lockstep login` (or give --token or LOCKSTEP_TOKEN)\n";
    return kExitAuth;
  }
  Client client(client_options(creds, g));
  Context ctx{client, g.output == "json" ? Format::kJson : Format::kTable, creds, g.retry_for};
  return selection.action ? selection.action(ctx) : usage_error("no command given (see lockstep --help)");
}

}  // namespace
}  // namespace lockstep::cli

int main(int argc, char** argv) {
  try {
    return lockstep::cli::run(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "lockstep: " << e.what() << '\n';
    return lockstep::cli::kExitOther;
  }
}
