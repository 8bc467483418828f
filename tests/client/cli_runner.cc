#include "cli_runner.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace lockstep::testing {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace

std::vector<std::string> CliResult::err_lines() const {
  std::vector<std::string> lines;
  std::istringstream in(err);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

CliRunner::CliRunner() {
  env_["PATH"] = std::getenv("PATH") ? std::getenv("PATH") : "/usr/bin:/bin";
  env_["HOME"] = home_.path().string();
  env_["XDG_CONFIG_HOME"] = home_.file("config");
  env_["TMPDIR"] = home_.path().string();
}

void CliRunner::set_env(const std::string& name, const std::string& value) {
  if (value.empty())
    env_.erase(name);
  else
    env_[name] = value;
}

CliResult CliRunner::run(const std::vector<std::string>& args, const std::string& stdin_text) const {
  const std::string in = home_.file("stdin"), out = home_.file("stdout"), err = home_.file("stderr");
  std::ofstream(in) << stdin_text;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : env_) env_strings.push_back(k + "=" + v);
  std::vector<char*> argv{const_cast<char*>(LOCKSTEP_CLI_PATH)}, envp;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (auto& e : env_strings) envp.push_back(e.data());
  envp.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(::open(in.c_str(), O_RDONLY), 0);
    ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), 1);
    ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), 2);
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, slurp(out), slurp(err)};
}

}  // namespace lockstep::testing
