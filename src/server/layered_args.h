// Layers a command line over the environment over a config file (API.md §12).
#pragma once

#include <CLI/CLI.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace lockstep {

// Returns argv (program name first) with the values of the TOML config file (named by --config
// or <prefix>CONFIG) and of the environment (<prefix><FLAG>, upper case, '-' as '_') placed
// before the real arguments. With every option of `app` taking its last value, a flag then beats
// the environment, which beats the file. Throws std::runtime_error on an unreadable file or a key
// that is no flag of `app`.
std::vector<std::string> layered_args(const CLI::App& app, int argc, char** argv, std::string_view env_prefix);

}  // namespace lockstep
