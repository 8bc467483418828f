// lockstep: the command-line client of a Lockstep server (API.md §13).
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
};

void add_global_options(CLI::App& app, GlobalOptions& g) {
  app.add_option("--url", g.url, "Server base URL, e.g. http://127.0.0.1:8080 or https://tasks.example.com (env LOCKSTEP_URL)");
  app.add_option("--cacert", g.cacert, "PEM file of the CAs to trust for https:// instead of the system's (env LOCKSTEP_CACERT)")
      ->envname("LOCKSTEP_CACERT");
  app.add_option("--token", g.token, "Bearer token (env LOCKSTEP_TOKEN)");
  app.add_option("-o,--output", g.output, "Output format: table or json")
      ->check(CLI::IsMember({"table", "json"}));
  app.add_option("--retry-for", g.retry_for, "Retry 429, 503 and connection failures for at most S seconds")
      ->check(CLI::Range(0.0, 3600.0));
}

// `lockstep login` stores what the other commands would use: flags, else the environment.
void add_login_command(CLI::App& app, Selection& selection) {
  auto* cmd = app.add_subcommand("login", "Save --url and --token to the config file (mode 0600)");
  on_run(cmd, selection, [](Context& ctx) {
    if (ctx.credentials.token.empty()) return usage_error("login needs --token TOKEN (and --url URL)");
    if (auto failed = write_config(ctx.credentials.url, ctx.credentials.token)) {
      std::cerr << "lockstep: " << *failed << '\n';
      return kExitOther;
    }
    if (ctx.format == Format::kTable) {
      std::cout << "Saved " << ctx.credentials.url << " and its token to " << config_path().string() << '\n';
    }
    return kExitOk;
  });
}

ClientOptions client_options(const Credentials& c, const GlobalOptions& g) {
  const double retry_for = g.retry_for;
  ClientOptions o;
  o.url = c.url;
  o.token = c.token;
  o.ca_file = g.cacert;
  o.retry.budget = std::chrono::milliseconds(static_cast<long long>(retry_for * 1000));
  o.retry.max_attempts = retry_for > 0 ? 1000 : 1;  // the budget is the limit that matters
  o.retry.max_delay = std::chrono::seconds(2);
  return o;
}

int run(int argc, char** argv) {
  CLI::App app{"lockstep: work with the tasks of a Lockstep server.", "lockstep"};
  app.fallthrough();  // global options may stand anywhere on the line
  app.require_subcommand(1);
  GlobalOptions g;
  add_global_options(app, g);
  Selection selection;
  add_login_command(app, selection);
  add_task_commands(app, selection);
  add_lock_commands(app, selection);
  add_feed_commands(app, selection);
  add_product_commands(app, selection);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    return app.exit(CLI::CallForHelp());
  } catch (const CLI::CallForAllHelp&) {
    return app.exit(CLI::CallForAllHelp());
  } catch (const CLI::ParseError& e) {
    // Help of a subcommand comes through here too, as CallForHelp with the subcommand's text.
    if (e.get_exit_code() == 0) return app.exit(e);
    return usage_error(std::string(e.what()) + " (see lockstep --help)");
  }
  Credentials creds = resolve_credentials(app.count("--url") ? std::optional(g.url) : std::nullopt,
                                          app.count("--token") ? std::optional(g.token) : std::nullopt);
  if (!Client::parse_url(creds.url)) {
    return usage_error("invalid URL '" + creds.url + "' (from " + creds.url_source +
                       "): expected http://HOST[:PORT] or https://HOST[:PORT], e.g. http://127.0.0.1:8080");
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
