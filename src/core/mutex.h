// A mutex the compiler can reason about: Clang's thread-safety analysis (-Wthread-safety, on in
// every Clang build and an error there) checks that each member marked LOCKSTEP_GUARDED_BY(mu_)
// is touched only with mu_ held, and that functions marked LOCKSTEP_REQUIRES(mu_) are called
// with it held. GCC ignores the annotations. std::mutex carries none, hence these thin wrappers.
#pragma once

#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define LOCKSTEP_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define LOCKSTEP_THREAD_ANNOTATION(x)
#endif

#define LOCKSTEP_CAPABILITY(x) LOCKSTEP_THREAD_ANNOTATION(capability(x))
#define LOCKSTEP_SCOPED_CAPABILITY LOCKSTEP_THREAD_ANNOTATION(scoped_lockable)
#define LOCKSTEP_GUARDED_BY(x) LOCKSTEP_THREAD_ANNOTATION(guarded_by(x))
#define LOCKSTEP_PT_GUARDED_BY(x) LOCKSTEP_THREAD_ANNOTATION(pt_guarded_by(x))
#define LOCKSTEP_REQUIRES(...) LOCKSTEP_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define LOCKSTEP_EXCLUDES(...) LOCKSTEP_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define LOCKSTEP_ACQUIRE(...) LOCKSTEP_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define LOCKSTEP_RELEASE(...) LOCKSTEP_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace lockstep {

class LOCKSTEP_CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void lock() LOCKSTEP_ACQUIRE() { mu_.lock(); }
  void unlock() LOCKSTEP_RELEASE() { mu_.unlock(); }

 private:
  friend class MutexLock;
  std::mutex mu_;
};

// Holds a Mutex for its scope. wait() and wait_until() release it while they sleep on a condition
// variable and hold it again when they return; write the condition as a loop around them
// (`while (!ready_) lock.wait(cv_);`) so the analysis sees the guarded reads under the lock.
class LOCKSTEP_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) LOCKSTEP_ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() LOCKSTEP_RELEASE() = default;
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // Lets go of the mutex for a while inside the scope (e.g. to run callbacks), and takes it again.
  void unlock() LOCKSTEP_RELEASE() { lock_.unlock(); }
  void lock() LOCKSTEP_ACQUIRE() { lock_.lock(); }

  void wait(std::condition_variable& cv) { cv.wait(lock_); }
  template <class Clock, class Duration>
  std::cv_status wait_until(std::condition_variable& cv, const std::chrono::time_point<Clock, Duration>& t) {
    return cv.wait_until(lock_, t);
  }
  template <class Rep, class Period>
  std::cv_status wait_for(std::condition_variable& cv, const std::chrono::duration<Rep, Period>& d) {
    return cv.wait_for(lock_, d);
  }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace lockstep
