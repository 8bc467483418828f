// A scripted HTTP server on a loopback port, for the client's retry tests: each accepted
// connection gets the next scripted reply (or is dropped), and every request is recorded, so a
// test can check what the client sent on each attempt. One request per connection.
#pragma once

#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace lockstep::testing {

struct ScriptedReply {
  bool drop = false;     // close the connection without answering
  std::string response;  // the raw HTTP response otherwise
};

// "HTTP/1.1 STATUS ...\r\n" with the given extra header lines and JSON body; Connection: close.
std::string http_reply(int status, const std::string& body, const std::string& extra_headers = "");

class FakeServer {
 public:
  explicit FakeServer(std::vector<ScriptedReply> script);
  ~FakeServer();
  FakeServer(const FakeServer&) = delete;
  FakeServer& operator=(const FakeServer&) = delete;

  unsigned short port() const { return port_; }
  // The raw requests received so far (head and body).
  std::vector<std::string> requests() const;

 private:
  void serve();

  int listen_fd_ = -1;
  unsigned short port_ = 0;
  std::vector<ScriptedReply> script_;
  mutable std::mutex mu_;
  std::vector<std::string> requests_;  // guarded by mu_
  std::thread thread_;
};

// The value of header `name` in a raw request, or "".
std::string request_header(const std::string& request, const std::string& name);

}  // namespace lockstep::testing
