// Help texts and mistakes on the command line: the global options in every command's --help,
// examples, and "did you mean" for a mistyped command or option.
#include <algorithm>

#include "commands.h"

namespace lockstep::cli {
namespace {

const CLI::App* root_of(const CLI::App* app) {
  while (app->get_parent()) app = app->get_parent();
  return app;
}

// Shows, under a subcommand's own options, the root's options, which may stand anywhere.
class Formatter : public CLI::Formatter {
 public:
  std::string make_footer(const CLI::App* app) const override {
    std::string globals;
    if (app->get_parent()) {
      auto opts = global_options(*root_of(app));
      globals = make_group("Global options (anywhere on the line)", false, opts);
    }
    return globals + CLI::Formatter::make_footer(app);
  }
};

// Levenshtein distance, for suggestions.
std::size_t distance(const std::string& a, const std::string& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// The candidate closest to `word`, when it is close enough to be a typo (or `word` a prefix of it).
std::optional<std::string> closest(const std::string& word, const std::vector<std::string>& candidates) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& c : candidates) {
    std::size_t d = c.starts_with(word) && word.size() >= 2 ? 1 : distance(word, c);
    if (d < best_distance) {
      best = c;
      best_distance = d;
    }
  }
  return best;
}

std::string path_of(const CLI::App* app) {
  std::string path;
  for (; app->get_parent(); app = app->get_parent()) {
    path = path.empty() ? app->get_name() : app->get_name() + " " + path;
  }
  return path;
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : ", ") + w;
  return out;
}

// The long names of the options `app` accepts: its own and, through fallthrough, its parents'.
std::vector<std::string> option_names(const CLI::App* app) {
  std::vector<std::string> names;
  for (; app; app = app->get_parent()) {
    for (const auto* o : app->get_options()) {
      for (const auto& n : o->get_lnames()) names.push_back("--" + n);
    }
  }
  return names;
}

}  // namespace

void use_help_formatter(CLI::App& app) { app.formatter(std::make_shared<Formatter>()); }

std::vector<const CLI::Option*> global_options(const CLI::App& root) {
  return root.get_options([&root](const CLI::Option* o) {
    return o != root.get_help_ptr() && o != root.get_help_all_ptr() && !o->get_lnames().empty() &&
           o->get_lnames().front() != "version";
  });
}

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> names;
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) names.push_back(sub->get_name());
  return names;
}

CLI::App* examples(CLI::App* cmd, const std::vector<std::string>& lines) {
  std::string text = "\nExamples:\n";
  for (const auto& l : lines) text += "  " + l + "\n";
  cmd->footer(text);
  return cmd;
}

namespace {

// The deepest command given: an unknown word or a missing option was meant for it.
const CLI::App* deepest_given(const CLI::App& app) {
  const CLI::App* deepest = &app;
  for (auto subs = deepest->get_subcommands(); !subs.empty(); subs = deepest->get_subcommands()) deepest = subs.front();
  return deepest;
}

}  // namespace

std::string given_command(const CLI::App& app) {
  const CLI::App* deepest = deepest_given(app);
  return deepest->get_parent() ? "lockstep " + path_of(deepest) : "lockstep";
}

std::optional<std::string> explain_unknown(const CLI::App& app) {
  const CLI::App* deepest = deepest_given(app);
  const std::string where = given_command(app);
  const auto left = app.remaining(true);
  if (left.empty()) {
    const auto commands = subcommand_names(*deepest);
    if (commands.empty()) return std::nullopt;  // e.g. a required option is missing: CLI11 says which
    return where + " needs a command: " + joined(commands) + " (see " + where + " --help)";
  }
  const std::string& word = left.front();
  if (word.starts_with("--")) {
    const std::string name = word.substr(0, word.find('='));
    auto best = closest(name, option_names(deepest));
    return "unknown option '" + name + "'" + (best ? " (did you mean '" + *best + "'?)" : "") + "; see " + where +
           " --help";
  }
  const auto commands = subcommand_names(*deepest);
  if (commands.empty() || word.starts_with("-")) return std::nullopt;  // an extra argument: CLI11 says so
  const std::string prefix = deepest->get_parent() ? path_of(deepest) + " " : "";
  auto best = closest(word, commands);
  return "unknown command '" + prefix + word + "'" +
         (best ? " (did you mean '" + prefix + *best + "'?)"
               : "; the commands of " + where + " are " + joined(commands));
}

}  // namespace lockstep::cli
