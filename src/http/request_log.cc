#include "http/request_log.h"

#include <unistd.h>

#include <atomic>
#include <boost/json.hpp>
#include <cerrno>
#include <condition_variable>
#include <string>
#include <thread>

#include "core/json_text.h"
#include "core/mutex.h"
#include "core/time.h"
#include "http/metrics.h"

namespace json = boost::json;

namespace lockstep::http {
namespace {

// Writes `text` whole to standard error, however many calls that takes; gives up on an error
// other than EINTR (nothing better can be done with a log line).
void write_stderr(std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(STDERR_FILENO, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    text.remove_prefix(static_cast<std::size_t>(n));
  }
}

// The lines of all threads, gathered in one buffer and written by one thread in as few write()
// calls as it can. A request only appends its line under a short lock: it never signals anyone
// unless the writer sleeps for want of lines (a condition variable signalled per line cost the
// I/O threads a futex call and a context switch a request, more than the rest of a /healthz
// answer). While lines keep coming the writer wakes up by itself every kGather and takes what
// has gathered meanwhile.
class LogWriter {
 public:
  LogWriter() : thread_([this] { run(); }) {}
  ~LogWriter() { stop(); }
  LogWriter(const LogWriter&) = delete;
  LogWriter& operator=(const LogWriter&) = delete;

  // Writes what is left and ends the writer thread; lines appended later are written at once.
  void stop() {
    {
      MutexLock lock(mu_);
      if (stopping_) return;
      stopping_ = true;
    }
    wake_.notify_one();
    thread_.join();
  }

  // Takes `line` (ending in '\n'), or drops and counts it when kCapacity bytes already wait: a
  // stalled stderr (a full pipe, a stuck log collector) must never stall the I/O threads.
  void append(std::string_view line) {
    bool wake = false;
    {
      MutexLock lock(mu_);
      if (stopping_) {
        lock.unlock();
        write_stderr(line);
        lock.lock();
        return;
      }
      if (pending_.size() + line.size() > kCapacity) {
        dropped_.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      pending_.append(line);
      wake = std::exchange(asleep_, false);
    }
    if (wake) wake_.notify_one();
  }

  std::size_t dropped() const { return dropped_.load(std::memory_order_relaxed); }

 private:
  // About 5,000 request lines.
  static constexpr std::size_t kCapacity = 1 << 20;
  // How long lines gather between two writes while they keep coming.
  static constexpr std::chrono::milliseconds kGather{2};

  void run() {
    std::string batch;
    for (;;) {
      {
        MutexLock lock(mu_);
        while (pending_.empty() && !stopping_) {
          asleep_ = true;
          lock.wait(wake_);
        }
        if (pending_.empty()) return;  // stopping, and all written
        batch.swap(pending_);
      }
      write_stderr(batch);
      batch.clear();
      std::this_thread::sleep_for(kGather);
    }
  }

  Mutex mu_;
  std::condition_variable wake_;
  std::string pending_ LOCKSTEP_GUARDED_BY(mu_);
  bool asleep_ LOCKSTEP_GUARDED_BY(mu_) = false;  // waits on wake_ for a line
  bool stopping_ LOCKSTEP_GUARDED_BY(mu_) = false;
  std::atomic<std::size_t> dropped_{0};
  std::thread thread_;  // last: starts once the rest is made
};

// The writer between init_logging() and shutdown_logging(); before and after, lines are written
// straight to stderr (one-off commands, start-up and exit).
std::atomic<LogWriter*> g_writer{nullptr};

// Writes `line` (without its newline) through the writer, or at once when there is none.
void emit(std::string& line) {
  line += '\n';
  if (auto* w = g_writer.load(std::memory_order_acquire)) {
    w->append(line);
  } else {
    write_stderr(line);
  }
}

// The line being built, one per thread, so that formatting a line allocates nothing once warm.
std::string& line_buffer() {
  thread_local std::string line;
  line.clear();
  return line;
}

// The "time" of a line logged now: formatted once a millisecond per thread, not once a line.
std::string_view time_now() {
  thread_local Millis last = -1;
  thread_local std::string text;
  const Millis now = SystemClock::instance().now();
  if (now != last) {
    last = now;
    text = format_rfc3339(now);
  }
  return text;
}

}  // namespace

// Once per process: a LogWriter's thread is not started again after it stopped.
void init_logging() {
  static LogWriter writer;
  g_writer.store(&writer, std::memory_order_release);
}

// The writer lives on until exit: a thread that still logs meanwhile (a sweeper ending) may hold
// it, and then writes its line at once.
void shutdown_logging() {
  if (auto* w = g_writer.exchange(nullptr)) w->stop();
}

std::size_t dropped_log_lines() {
  auto* w = g_writer.load(std::memory_order_acquire);
  return w != nullptr ? w->dropped() : 0;
}

void log_event(std::string_view level, std::string_view msg, std::string_view extra_json) {
  json::object o{{"time", format_rfc3339(SystemClock::instance().now())}, {"level", level}, {"msg", msg}};
  if (!extra_json.empty()) {
    std::error_code ec;
    auto extra = json::parse(extra_json, ec);
    if (!ec && extra.is_object()) {
      for (auto& [k, v] : extra.get_object()) o[k] = v;
    }
  }
  std::string line = json::serialize(o);
  emit(line);
}

void log_request(std::string_view request_id, std::string_view method, const Response& r,
                 std::chrono::microseconds latency) {
  std::string& line = line_buffer();
  JsonObjectWriter w(line);
  w.string("time", time_now())
      .string("level", r.status >= 500 ? "error" : "info")
      .string("requestId", request_id)
      .string("principal", r.principal)
      .string("method", method_label(method))  // not the raw method: a fixed set, as in /metrics
      .string("route", r.route)
      .integer("status", r.status)
      .integer("latencyUs", latency.count());
  if (!r.log_note.empty()) w.string("note", r.log_note);
  w.close();
  emit(line);
}

}  // namespace lockstep::http
