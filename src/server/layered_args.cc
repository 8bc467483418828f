#include "server/layered_args.h"

#include <cstdlib>
#include <fstream>
#include <stdexcept>

namespace lockstep {
namespace {

bool truthy(std::string v) {
  for (auto& c : v) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

// Appends `--name value` (or `--name` for a set flag).
void append(std::vector<std::string>& out, const CLI::Option& opt, const std::string& name, const std::string& value) {
  if (opt.get_type_size() == 0) {
    if (truthy(value)) out.push_back("--" + name);
    return;
  }
  out.push_back("--" + name);
  out.push_back(value);
}

std::string config_path(int argc, char** argv, std::string_view env_prefix) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--config" && i + 1 < argc) return argv[i + 1];
    if (a.starts_with("--config=")) return std::string(a.substr(9));
  }
  const char* env = std::getenv((std::string(env_prefix) + "CONFIG").c_str());
  return env ? env : "";
}

}  // namespace

std::vector<std::string> layered_args(const CLI::App& app, int argc, char** argv, std::string_view env_prefix) {
  std::vector<std::string> out{argv[0]};

  if (std::string path = config_path(argc, argv, env_prefix); !path.empty()) {
    std::ifstream in(path);
    if (!in) throw std::runtime_error("cannot read the config file '" + path + "'");
    for (const auto& item : CLI::ConfigTOML().from_config(in)) {
      if (item.name == "++" || item.name == "--") continue;
      const CLI::Option* opt = app.get_option_no_throw("--" + item.name);
      if (!opt || item.name == "config" || !item.parents.empty()) {
        throw std::runtime_error("the config file '" + path + "' has an unknown key '" + item.name + "'");
      }
      append(out, *opt, item.name, item.inputs.empty() ? "" : item.inputs.back());
    }
  }

  for (const CLI::Option* opt : app.get_options()) {
    for (const std::string& name : opt->get_lnames()) {
      if (name == "config" || name == "help" || name == "version") continue;
      std::string env(env_prefix);
      for (char c : name) env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (const char* v = std::getenv(env.c_str())) append(out, *opt, name, v);
    }
  }

  for (int i = 1; i < argc; ++i) out.emplace_back(argv[i]);
  return out;
}

}  // namespace lockstep
