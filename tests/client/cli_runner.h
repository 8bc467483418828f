// Runs the real `lockstep` binary for transcript tests: a clean environment (no LOCKSTEP_*
// from the caller, HOME and XDG_CONFIG_HOME in a temporary folder), given stdin, captured
// stdout, stderr and exit status.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "server_process.h"

namespace lockstep::testing {

struct CliResult {
  int status = -1;
  std::string out;
  std::string err;
  // stderr's lines.
  std::vector<std::string> err_lines() const;
};

class CliRunner {
 public:
  CliRunner();
  // Sets (or, with an empty value, removes) an environment variable of later runs.
  void set_env(const std::string& name, const std::string& value);
  const TempDir& home() const { return home_; }

  CliResult run(const std::vector<std::string>& args, const std::string& stdin_text = "") const;

 private:
  TempDir home_;
  std::map<std::string, std::string> env_;
};

}  // namespace lockstep::testing
