#include "server/test_clock.h"

#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <stdexcept>
#include <string>

#include "http/request_log.h"

namespace lockstep {

ClockControl::ClockControl(int fd, MovableClock& clock, std::function<void()> moved)
    : fd_(fd), clock_(clock), moved_(std::move(moved)) {
  if (::pipe(stop_) != 0) throw std::runtime_error("pipe failed");
  thread_ = std::thread([this] { loop(); });
}

ClockControl::~ClockControl() {
  ::close(stop_[1]);
  thread_.join();
  ::close(stop_[0]);
}

void ClockControl::loop() {
  std::string pending;
  char buf[256];
  for (;;) {
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_[0], POLLIN, 0}};
    if (::poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[1].revents != 0) return;
    const ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // end of input: the clock stays where it is
    pending.append(buf, static_cast<std::size_t>(n));
    for (auto nl = pending.find('\n'); nl != std::string::npos; nl = pending.find('\n')) {
      apply(pending.substr(0, nl));
      pending.erase(0, nl + 1);
    }
  }
}

void ClockControl::apply(const std::string& line) {
  static constexpr std::string_view kAdvance = "advance ";
  Millis by = -1;
  if (line.starts_with(kAdvance)) {
    const char* first = line.data() + kAdvance.size();
    const char* last = line.data() + line.size();
    if (std::from_chars(first, last, by).ptr != last) by = -1;
  }
  if (by < 0) {
    http::log_event("warn", "test-only clock: ignored a line that is not \"advance MILLIS\"");
    return;
  }
  const Millis offset = clock_.advance(by);
  moved_();
  http::log_event("warn", "test-only clock moved", "{\"offsetMs\":" + std::to_string(offset) + "}");
}

}  // namespace lockstep
