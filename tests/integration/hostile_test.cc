// Bad input gets a precise 4xx and the server keeps serving everyone else.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <fstream>

#include "fixture.h"

namespace lockstep::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Hostile = ServerTest;

TEST_F(Hostile, oversized_body_is_413_and_the_server_keeps_serving) {
  auto c = alice();
  std::string huge = "{\"taskTitle\":\"" + std::string(2 << 20, 'x') + "\"}";
  auto r = c.request("POST", "/v1/tasks", huge);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.json.at("code").as_string(), "PAYLOAD_TOO_LARGE");
  auto fresh = alice();
  EXPECT_EQ(fresh.create_task().status, 201);
}

TEST_F(Hostile, oversized_headers_are_431) {
  HttpConnection conn("127.0.0.1", server_->port());
  auto r = conn.raw("GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 << 10, 'h') + "\r\n\r\n");
  EXPECT_EQ(r.status, 431);
  EXPECT_EQ(alice().get("/v1/tasks").status, 200);
}

TEST_F(Hostile, garbage_instead_of_http_is_400) {
  HttpConnection conn("127.0.0.1", server_->port());
  auto r = conn.raw("HELLO WORLD\r\n\r\n");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(alice().get("/healthz").status, 200);
}

TEST_F(Hostile, deep_json_nesting_is_malformed_not_a_crash) {
  auto c = alice();
  std::string deep(100000, '[');
  auto r = c.request("POST", "/v1/tasks", deep);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(alice().get("/healthz").status, 200);
}

TEST_F(Hostile, a_client_that_sends_too_slowly_is_cut_off_without_disturbing_others) {
  start({"--read-timeout", "1"});
  net::io_context ioc;
  tcp::socket slow(ioc);
  slow.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  net::write(slow, net::buffer(std::string("GET /v1/tasks HTTP/1.1\r\nHost: x\r\n")));
  // Others are served while the slow client dawdles.
  auto c = alice();
  EXPECT_EQ(c.get("/v1/tasks").status, 200);
  // The server closes the slow connection on its own (the read returns EOF, not a hang).
  char buf[256];
  boost::system::error_code ec;
  slow.read_some(net::buffer(buf), ec);
  EXPECT_TRUE(ec == net::error::eof || ec == net::error::connection_reset) << ec.message();
}

TEST_F(Hostile, half_closed_connection_still_gets_its_answer) {
  net::io_context ioc;
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  net::write(s, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
  s.shutdown(tcp::socket::shutdown_send);
  std::string answer;
  boost::system::error_code ec;
  char buf[1024];
  while (!ec) {
    std::size_t n = s.read_some(net::buffer(buf), ec);
    answer.append(buf, n);
  }
  EXPECT_TRUE(answer.starts_with("HTTP/1.1 200")) << answer;
}

// Reads the server's resident memory from /proc.
long rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.starts_with("VmRSS:")) return std::stol(line.substr(6));
  }
  return -1;
}

TEST_F(Hostile, slow_loris_half_open_and_non_reading_clients_do_not_starve_a_normal_client) {
  net::io_context ioc;
  const tcp::endpoint server(net::ip::make_address("127.0.0.1"), server_->port());
  // 400 connections that send half a request head and then nothing.
  std::vector<tcp::socket> loris;
  for (int i = 0; i < 400; ++i) {
    loris.emplace_back(ioc);
    loris.back().connect(server);
    net::write(loris.back(), net::buffer(std::string("GET /v1/tasks HTTP/1.1\r\nHost: x\r\nX-Slow: ")));
  }
  // A client that pipelines many requests and never reads an answer.
  tcp::socket greedy(ioc);
  greedy.connect(server);
  std::string pipelined;
  for (int i = 0; i < 2000; ++i) pipelined += "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  boost::system::error_code ignored;
  greedy.non_blocking(true);
  net::write(greedy, net::buffer(pipelined), ignored);
  // A flood of connections opened and dropped at once.
  for (int i = 0; i < 300; ++i) {
    tcp::socket s(ioc);
    s.connect(server);
  }
  // Invalid UTF-8 and a body that claims more than it sends, on their own connections.
  auto c = alice();
  EXPECT_EQ(c.request("POST", "/v1/tasks", "{\"userId\":\"\xff\xfe\"}").status, 400);
  tcp::socket liar(ioc);
  liar.connect(server);
  net::write(liar, net::buffer(std::string("POST /v1/tasks HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{")));

  for (int i = 0; i < 20; ++i) {
    auto created = c.create_task();
    ASSERT_EQ(created.status, 201);
    EXPECT_EQ(c.get("/v1/tasks/" + created.str("taskId")).status, 200);
  }
  EXPECT_EQ(anonymous().get("/healthz").status, 200);
  long rss = rss_kib(server_->pid());
  EXPECT_LT(rss, 128 * 1024) << "RSS " << rss << " KiB";
  RecordProperty("rss_kib", static_cast<int>(rss));
}

TEST_F(Hostile, a_stderr_nobody_reads_does_not_stall_the_server) {
  server_->stop_reading_log();
  // Far more log lines than the pipe and the logger's queue hold.
  HttpConnection conn("127.0.0.1", server_->port());
  for (int i = 0; i < 12000; ++i) ASSERT_EQ(conn.request("GET", "/healthz").status, 200) << i;
  auto m = alice().get("/metrics");
  auto pos = m.raw.body.find("\nlockstep_log_lines_dropped_total ");
  ASSERT_NE(pos, std::string::npos);
  EXPECT_GT(std::stol(m.raw.body.substr(pos + 34)), 0);
}

TEST_F(Hostile, invalid_percent_escapes_in_the_path_are_400) {
  auto c = alice();
  EXPECT_EQ(c.get("/v1/tasks/%zz").status, 400);
  EXPECT_EQ(c.get("/v1/tasks?limit=%").status, 400);
}

}  // namespace
}  // namespace lockstep::testing
