// An optimistic update loop: several threads bump one task's warningOffset at once, and no
// increment is lost, because each write is conditional (If-Match) and a refused one is redone on
// the state the server sent back. With `merge` the writes also ask the server to merge
// (Prefer: conflict=merge), which shows why a counter must never be merged: increments are lost.
// Prints how many updates a second went through.
//
//   lockstep_example_update URL TOKEN [THREADS] [INCREMENTS] [merge]
#include <lockstep/client.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s URL TOKEN [THREADS] [INCREMENTS] [merge]\n", argv[0]);
    return 2;
  }
  const int threads = argc > 3 ? std::atoi(argv[3]) : 4;
  const int increments = argc > 4 ? std::atoi(argv[4]) : 10;
  const bool merge = argc > 5 && std::string_view(argv[5]) == "merge";
  lockstep::ClientOptions options;
  options.url = argv[1];
  options.token = argv[2];
  options.max_idle_connections = static_cast<std::size_t>(threads);  // one kept alive per thread
  lockstep::Client client(options);

  lockstep::TaskFields counter;
  counter.user_id = "example";
  counter.title = "Counter";
  counter.due_date = std::chrono::sys_days{std::chrono::year{2099} / 1 / 1};
  auto task = client.create_task(counter);
  if (!task) {
    std::fprintf(stderr, "create: %s\n", task.error().to_string().c_str());
    return 1;
  }

  lockstep::UpdateOptions update_options;
  update_options.merge = merge;
  const auto started = std::chrono::steady_clock::now();
  std::vector<std::jthread> workers;
  for (int i = 0; i < threads; ++i) {
    workers.emplace_back([&] {
      for (int n = 0; n < increments; ++n) {
        // `fn` may run again on a newer state, so it only computes from its argument.
        auto r = client.update(
            task->task_id, [](lockstep::Task& t) { t.warning_offset += 1; }, update_options);
        if (!r) std::fprintf(stderr, "update: %s\n", r.error().to_string().c_str());
      }
    });
  }
  workers.clear();  // joins
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  auto final_state = client.get_task(task->task_id);
  if (!final_state) return 1;
  std::printf("warningOffset = %lld (expected %d), version %lld; %d updates in %.2f s (%.0f/s)%s\n",
              static_cast<long long>(final_state->warning_offset), threads * increments,
              static_cast<long long>(final_state->version), threads * increments, seconds,
              threads * increments / seconds, merge ? " with merge" : "");
  return final_state->warning_offset == threads * increments ? 0 : 1;
}
