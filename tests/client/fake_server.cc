#include "fake_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

namespace lockstep::testing {

std::string http_reply(int status, const std::string& body, const std::string& extra_headers) {
  return "HTTP/1.1 " + std::to_string(status) + " Scripted\r\nContent-Type: application/json\r\n" + extra_headers +
         "Content-Length: " + std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

FakeServer::FakeServer(std::vector<ScriptedReply> script) : script_(std::move(script)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 || ::listen(listen_fd_, 16) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    throw std::runtime_error("fake server: cannot listen");
  }
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

FakeServer::~FakeServer() {
  ::shutdown(listen_fd_, SHUT_RDWR);  // ends a pending accept
  ::close(listen_fd_);
  thread_.join();
}

std::vector<std::string> FakeServer::requests() const {
  std::lock_guard g(mu_);
  return requests_;
}

namespace {

// Reads one request: the head, then Content-Length bytes of body.
std::string read_request(int fd) {
  std::string data;
  char buf[4096];
  std::size_t want = std::string::npos;
  while (data.size() < want) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    data.append(buf, static_cast<std::size_t>(n));
    auto end = data.find("\r\n\r\n");
    if (end != std::string::npos && want == std::string::npos) {
      auto length = request_header(data.substr(0, end + 2), "Content-Length");
      want = end + 4 + (length.empty() ? 0 : std::strtoul(length.c_str(), nullptr, 10));
    }
  }
  return data;
}

}  // namespace

void FakeServer::serve() {
  for (const auto& step : script_) {
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) return;
    std::string request = read_request(fd);
    {
      std::lock_guard g(mu_);
      requests_.push_back(request);
    }
    if (!step.drop) (void)!::write(fd, step.response.data(), step.response.size());
    ::close(fd);
  }
}

std::string request_header(const std::string& request, const std::string& name) {
  std::size_t pos = 0;
  while ((pos = request.find("\r\n", pos)) != std::string::npos) {
    pos += 2;
    if (request.compare(pos, 2, "\r\n") == 0) break;
    if (::strncasecmp(request.c_str() + pos, (name + ":").c_str(), name.size() + 1) == 0) {
      auto start = request.find_first_not_of(' ', pos + name.size() + 1);
      return request.substr(start, request.find("\r\n", start) - start);
    }
  }
  return "";
}

}  // namespace lockstep::testing
