// lockstep completion bash|zsh|fish: completion scripts made from the command tree itself, so
// that they never fall behind the commands and options. The .deb installs their output.
#include <functional>
#include <sstream>

#include "commands.h"

namespace lockstep::cli {
namespace {

// Every command below `app` (depth first) with its path, e.g. "task list".
void each_command(const CLI::App& app, const std::string& path,
                  const std::function<void(const CLI::App&, const std::string&)>& fn) {
  fn(app, path);
  for (const auto* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    each_command(*sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), fn);
  }
}

// The words that may follow `cmd`: its subcommands, its options and the global ones.
std::string words_after(const CLI::App& root, const CLI::App& cmd) {
  std::string words;
  auto add = [&words](const std::string& w) { words += (words.empty() ? "" : " ") + w; };
  for (const auto& name : subcommand_names(cmd)) add(name);
  auto options = cmd.get_options([](const CLI::Option* o) { return !o->get_lnames().empty(); });
  if (&cmd != &root) {
    auto globals = global_options(root);
    options.insert(options.end(), globals.begin(), globals.end());
  }
  for (const auto* o : options) {
    for (const auto& n : o->get_lnames()) add("--" + n);
  }
  return words;
}

// A shell's case patterns of the command paths, e.g. `" task"|" task list"`.
std::string path_patterns(const CLI::App& root, const char* separator) {
  std::string patterns;
  each_command(root, "", [&](const CLI::App&, const std::string& path) {
    if (!path.empty()) patterns += (patterns.empty() ? "\"" : std::string(separator) + "\"") + " " + path + "\"";
  });
  return patterns;
}

std::string bash(const CLI::App& root) {
  std::ostringstream s;
  s << "# bash completion for lockstep (made by `lockstep completion bash`)\n"
    << "_lockstep() {\n"
    << "  local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmdpath=\"\" i\n"
    << "  for ((i = 1; i < COMP_CWORD; i++)); do\n"
    << "    case \"$cmdpath ${COMP_WORDS[i]}\" in\n"
    << "      " << path_patterns(root, "|") << ") cmdpath=\"$cmdpath ${COMP_WORDS[i]}\" ;;\n"
    << "    esac\n"
    << "  done\n"
    << "  case \"$prev\" in\n"
    << "    -o|--output) COMPREPLY=($(compgen -W \"table json\" -- \"$cur\")); return ;;\n"
    << "  esac\n"
    << "  local words=\"\"\n"
    << "  case \"$cmdpath\" in\n";
  each_command(root, "", [&](const CLI::App& cmd, const std::string& path) {
    s << "    \"" << (path.empty() ? "" : " " + path) << "\") words=\"" << words_after(root, cmd) << "\" ;;\n";
  });
  s << "  esac\n"
    << "  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n"
    << "}\n"
    << "complete -o default -F _lockstep lockstep\n";
  return s.str();
}

std::string zsh(const CLI::App& root) {
  std::ostringstream s;
  s << "#compdef lockstep\n"
    << "# zsh completion for lockstep (made by `lockstep completion zsh`)\n"
    << "_lockstep() {\n"
    << "  local cmdpath=\"\" i\n"
    << "  for ((i = 2; i < CURRENT; i++)); do\n"
    << "    case \"$cmdpath ${words[i]}\" in\n"
    << "      (" << path_patterns(root, "|") << ") cmdpath=\"$cmdpath ${words[i]}\" ;;\n"
    << "    esac\n"
    << "  done\n"
    << "  case \"${words[CURRENT-1]}\" in\n"
    << "    (-o|--output) compadd table json; return ;;\n"
    << "  esac\n"
    << "  case \"$cmdpath\" in\n";
  each_command(root, "", [&](const CLI::App& cmd, const std::string& path) {
    s << "    (\"" << (path.empty() ? "" : " " + path) << "\") compadd -- " << words_after(root, cmd) << " ;;\n";
  });
  s << "  esac\n"
    << "  _files\n"
    << "}\n"
    << "if [ \"$funcstack[1]\" = \"_lockstep\" ]; then _lockstep \"$@\"; else compdef _lockstep lockstep; fi\n";
  return s.str();
}

// A fish single-quoted string.
std::string fish_quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// The fish condition "the command line is at `path`": each word seen, no subcommand of it yet.
std::string fish_condition(const CLI::App& cmd, const std::string& path) {
  std::string cond;
  std::istringstream words(path);
  for (std::string w; words >> w;)
    cond += (cond.empty() ? "" : "; and ") + std::string("__fish_seen_subcommand_from ") + w;
  const auto subs = subcommand_names(cmd);
  if (!subs.empty()) {
    std::string list;
    for (const auto& n : subs) list += " " + n;
    cond += (cond.empty() ? "" : "; and ") + std::string("not __fish_seen_subcommand_from") + list;
  }
  return cond.empty() ? "true" : cond;
}

void fish_options(std::ostringstream& s, const std::string& condition, const std::vector<const CLI::Option*>& options) {
  for (const auto* o : options) {
    if (o->get_lnames().empty()) continue;
    s << "complete -c lockstep" << (condition.empty() ? "" : " -n " + fish_quote(condition));
    for (const auto& n : o->get_snames()) s << " -s " << n;
    s << " -l " << o->get_lnames().front();
    if (o->get_lnames().front() == "output")
      s << " -x -a 'table json'";
    else if (o->get_expected_min() > 0)
      s << " -r";
    s << " -d " << fish_quote(o->get_description()) << '\n';
  }
}

std::string fish(const CLI::App& root) {
  std::ostringstream s;
  s << "# fish completion for lockstep (made by `lockstep completion fish`)\n"
    << "complete -c lockstep -f\n";
  fish_options(s, "", global_options(root));
  each_command(root, "", [&](const CLI::App& cmd, const std::string& path) {
    const std::string condition = fish_condition(cmd, path);
    for (const auto* sub : cmd.get_subcommands([](const CLI::App*) { return true; })) {
      s << "complete -c lockstep -n " << fish_quote(condition) << " -a " << sub->get_name() << " -d "
        << fish_quote(sub->get_description()) << '\n';
    }
    if (!path.empty()) fish_options(s, condition, cmd.get_options());
  });
  return s.str();
}

}  // namespace

std::string completion_script(const CLI::App& root, const std::string& shell) {
  if (shell == "zsh") return zsh(root);
  if (shell == "fish") return fish(root);
  return bash(root);
}

}  // namespace lockstep::cli
