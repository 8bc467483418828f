// A long edit under a lock: take the task's lock, work on it for a while (the guard renews the
// lease in the background), write through the guard (each write carries the fencing token), and
// let the guard release the lock at the end of the scope.
//
//   lockstep_example_lock_guard URL TOKEN TASK_ID
#include <lockstep/lock_guard.h>

#include <chrono>
#include <cstdio>
#include <thread>

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s URL TOKEN TASK_ID\n", argv[0]);
    return 2;
  }
  lockstep::ClientOptions options;
  options.url = argv[1];
  options.token = argv[2];
  lockstep::Client client(options);

  lockstep::LockOptions lock_options;
  lock_options.ttl = std::chrono::seconds(3);
  lock_options.wait = std::chrono::seconds(10);
  lock_options.on_lost = [](const lockstep::Error& e) {
    std::fprintf(stderr, "lock lost: %s\n", e.to_string().c_str());
  };
  auto guard = lockstep::LockGuard::acquire(client, argv[3], lock_options);
  if (!guard) {
    std::fprintf(stderr, "cannot lock: %s\n", guard.error().to_string().c_str());
    return guard.error().status == 423 ? 5 : 1;
  }
  std::printf("holding lock with fencing token %lld\n", static_cast<long long>(guard->token()));

  // Longer than the TTL: only the background renewal keeps the lease alive meanwhile.
  std::this_thread::sleep_for(std::chrono::seconds(5));

  auto written = guard->update([](lockstep::Task& t) {
    t.status = lockstep::TaskStatus::kInProgress;
    t.description = "Rewritten while holding the lock.";
  });
  if (!written) {
    // LOCK_LOST: the guard refused to write on a lease it no longer holds.
    std::fprintf(stderr, "write: %s\n", written.error().to_string().c_str());
    return 1;
  }
  std::printf("written: version %lld\n", static_cast<long long>(written->version));
  return 0;  // the guard releases the lock here
}
