// Reading what a server sends on a raw socket, bounded in time: for tests of connections that the
// server must close on its own.
#pragma once

#include <poll.h>

#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <optional>
#include <string>

namespace lockstep::testing {

// Reads what the server sends until it closes the connection, for at most `limit`; nullopt when it
// did not close by then.
inline std::optional<std::string> read_until_closed(boost::asio::ip::tcp::socket& s, std::chrono::milliseconds limit) {
  std::string got;
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (;;) {
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    pollfd p{s.native_handle(), POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return std::nullopt;
    char buf[4096];
    boost::system::error_code ec;
    const std::size_t n = s.read_some(boost::asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) return got;  // EOF, or a reset after the answer
  }
}

}  // namespace lockstep::testing
