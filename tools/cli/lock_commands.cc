// lockstep lock acquire|release|show (API.md §5, §13).
#include <algorithm>
#include <iostream>
#include <thread>

#include "commands.h"

namespace lockstep::cli {
namespace {

using Clock = std::chrono::steady_clock;
constexpr int kMaxServerWait = 30;  // waitSeconds per request (API.md §5)

struct LockArgs {
  std::string id;
  int ttl = 60;
  int wait = 0;
  bool force = false;
};

// Waits longer than one request allows by asking again: a 423 is retried only while --wait lasts.
Result<Lock> acquire(Client& client, const LockArgs& a) {
  const auto give_up = Clock::now() + std::chrono::seconds(a.wait);
  for (;;) {
    auto left = std::chrono::ceil<std::chrono::seconds>(give_up - Clock::now()).count();
    auto r = client.acquire_lock(a.id, std::chrono::seconds(a.ttl),
                                 std::chrono::seconds(std::clamp<long long>(left, 0, kMaxServerWait)));
    if (r || r.error().status != 423 || Clock::now() >= give_up) return r;
  }
}

void add_acquire(CLI::App* lock, Selection& sel) {
  auto a = std::make_shared<LockArgs>();
  auto* cmd = lock->add_subcommand("acquire", "Take (or renew) the task's lock; prints its fencing token");
  examples(cmd, {"lockstep lock acquire ID --ttl 300", "lockstep lock acquire ID --wait 60 -o json"});
  cmd->add_option("ID", a->id, "Task id")->required();
  cmd->add_option("--ttl", a->ttl, "Lease in seconds (1-3600, default 60)")->check(CLI::Range(1, 3600));
  cmd->add_option("--wait", a->wait, "Wait up to S seconds for a lock someone else holds")->check(CLI::Range(0, 3600));
  on_run(cmd, sel, [a](Context& ctx) {
    return finish(acquire(ctx.client, *a), ctx.format, [](const Lock& l) { print_lock(std::cout, l); });
  });
}

void add_release(CLI::App* lock, Selection& sel) {
  auto a = std::make_shared<LockArgs>();
  auto* cmd = lock->add_subcommand("release", "Release the task's lock");
  examples(cmd, {"lockstep lock release ID", "lockstep lock release ID --force   # an admin breaks it"});
  cmd->add_option("ID", a->id, "Task id")->required();
  cmd->add_flag("--force", a->force, "Break someone else's lock (admins)");
  on_run(cmd, sel, [a](Context& ctx) {
    return finish(ctx.client.release_lock(a->id, a->force), ctx.format,
                  [a](const Done&) { std::cout << "Released the lock on " << a->id << '\n'; });
  });
}

void add_show(CLI::App* lock, Selection& sel) {
  auto a = std::make_shared<LockArgs>();
  auto* cmd = lock->add_subcommand("show", "Show who holds the task's lock (exit 4 when nobody does)");
  examples(cmd, {"lockstep lock show ID"});
  cmd->add_option("ID", a->id, "Task id")->required();
  on_run(cmd, sel, [a](Context& ctx) {
    return finish(ctx.client.get_lock(a->id), ctx.format, [](const Lock& l) { print_lock(std::cout, l); });
  });
}

}  // namespace

void add_lock_commands(CLI::App& app, Selection& sel) {
  auto* lock = app.add_subcommand("lock", "Task locks: acquire, release, show");
  examples(lock, {"lockstep lock acquire ID --ttl 300", "lockstep lock show ID", "lockstep lock release ID"});
  lock->require_subcommand(1);
  add_acquire(lock, sel);
  add_release(lock, sel);
  add_show(lock, sel);
}

}  // namespace lockstep::cli
