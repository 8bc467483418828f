// lockstep batch FILE|- and lockstep watch [--since R] (API.md §6, §8, §13).
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"

namespace lockstep::cli {
namespace {

namespace json = boost::json;

std::optional<std::string> read_input(const std::string& file) {
  if (file == "-") {
    std::ostringstream s;
    s << std::cin.rdbuf();
    return s.str();
  }
  std::ifstream in(file);
  if (!in) return std::nullopt;
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// A non-atomic batch answers 200 with operations that failed: the status of the first of them
// (API.md §13), as if it had been sent alone.
int failed_operation_status(const BatchResult& b) {
  for (const auto& op : b.results) {
    if (op.status < 400) continue;
    std::cerr << "lockstep: operation " << op.index << " failed (" << op.status << " " << op.code << "): " << op.detail
              << '\n';
    return exit_code_of(Error::make(op.status, op.code, op.detail));
  }
  return kExitOk;
}

int run_batch(Context& ctx, const std::string& file) {
  auto text = read_input(file);
  if (!text) {
    std::cerr << "lockstep: cannot read " << file << '\n';
    return kExitOther;
  }
  json::error_code ec;
  (void)json::parse(*text, ec);
  if (ec) {
    std::cerr << "lockstep: " << (file == "-" ? "standard input" : file) << " is not valid JSON: " << ec.message()
              << '\n';
    return kExitOther;
  }
  // Sent as written: a re-serialised parse would drop a repeated member the server must refuse.
  auto r = ctx.client.batch_text(std::move(*text));
  int status = finish(r, ctx.format, [](const BatchResult& b) {
    print_batch(std::cout, b.results);
    if (b.successful) std::cout << *b.successful << " succeeded, " << b.failed.value_or(0) << " failed\n";
  });
  return r ? failed_operation_status(r.value()) : status;
}

void add_batch(CLI::App& app, Selection& sel) {
  auto file = std::make_shared<std::string>();
  auto* cmd = app.add_subcommand("batch", "POST the batch in FILE (- for standard input) to /v1/tasks:batch");
  examples(cmd, {"lockstep batch ops.json", "echo '{\"atomic\":false,\"operations\":[...]}' | lockstep batch -"});
  cmd->add_option("FILE", *file, "JSON body: {\"atomic\":true,\"operations\":[...]}")->required();
  on_run(cmd, sel, [file](Context& ctx) { return run_batch(ctx, *file); });
}

struct WatchArgs {
  std::int64_t since = 0;
  std::int64_t count = 0;
};

int run_watch(Context& ctx, const CLI::App* cmd, const WatchArgs& a) {
  std::int64_t since = a.since;
  if (!cmd->count("--since")) {
    // No position given: new changes only, from the store's latest revision.
    TaskQuery q;
    q.limit = 1;
    auto page = ctx.client.list_tasks(q);
    if (!page) return report_error(page.error(), ctx.format);
    since = page->revision;
  }
  std::int64_t seen = 0;
  FollowOptions options;
  options.on_resync = [](const std::vector<Task>& tasks, std::int64_t revision) {
    std::cerr << "lockstep: the feed no longer holds that position; listed " << tasks.size()
              << " tasks again; following from revision " << revision << '\n';
    return true;
  };
  auto r = ctx.client.follow(
      since,
      [&](const Change& c) {
        if (ctx.format == Format::kJson)
          std::cout << c.json << std::endl;
        else
          std::cout << change_line(c) << std::endl;
        return a.count == 0 || ++seen < a.count;
      },
      options);
  return r ? kExitOk : report_error(r.error(), ctx.format);
}

void add_watch(CLI::App& app, Selection& sel) {
  auto a = std::make_shared<WatchArgs>();
  auto* cmd = app.add_subcommand("watch", "Follow the change feed: one line (or JSON object) per change");
  examples(cmd, {"lockstep watch", "lockstep watch --since 0 --count 10 -o json"});
  cmd->add_option("--since", a->since, "Start after revision R (default: now)")->check(CLI::NonNegativeNumber);
  cmd->add_option("--count", a->count, "Stop after N changes")->check(CLI::PositiveNumber);
  on_run(cmd, sel, [a, cmd](Context& ctx) { return run_watch(ctx, cmd, *a); });
}

}  // namespace

void add_feed_commands(CLI::App& app, Selection& sel) {
  add_batch(app, sel);
  add_watch(app, sel);
}

}  // namespace lockstep::cli
