// Bad input gets a precise 4xx and the server keeps serving everyone else; no client can grow
// /metrics, and neither running out of descriptors nor too many connections stops /healthz.
#include <sys/resource.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "fixture.h"
#include "socket_read.h"

namespace lockstep::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using Hostile = ServerTest;

// A raw connection to the server on `port`, for requests no client library would send.
tcp::socket connect_raw(net::io_context& ioc, unsigned short port) {
  tcp::socket s(ioc);
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  return s;
}

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
  tcp::socket slow = connect_raw(ioc, server_->port());
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

// The read timeout runs again from each answer: a keep-alive connection that was served and then
// dawdles is cut off like one that never was (the connection's one timer, armed at its first
// request, must wait again for the deadline that has moved on since).
TEST_F(Hostile, a_keep_alive_client_that_dawdles_after_an_answer_is_cut_off_too) {
  start({"--read-timeout", "1"});
  net::io_context ioc;
  tcp::socket s = connect_raw(ioc, server_->port());
  net::write(s, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
  std::string answer;
  char buf[1024];
  while (answer.find(R"({"status":"ok"})") == std::string::npos) {
    boost::system::error_code ec;
    answer.append(buf, s.read_some(net::buffer(buf), ec));
    ASSERT_FALSE(ec) << ec.message();
  }
  net::write(s, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n")));
  auto rest = read_until_closed(s, std::chrono::seconds(10));
  ASSERT_TRUE(rest) << "still open 10 s after the answer, with a read timeout of 1 s";
  EXPECT_EQ(*rest, "");
}

TEST_F(Hostile, half_closed_connection_still_gets_its_answer) {
  net::io_context ioc;
  tcp::socket s = connect_raw(ioc, server_->port());
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

// The server writes its answers' bytes itself (not Beast's serializer): pipelined requests are
// answered in order, each framed exactly (a HEAD's Content-Length without its body, HTTP/1.0
// without keep-alive closed after its answer), with the same fields in the same order as before.
TEST_F(Hostile, pipelined_answers_are_framed_exactly_and_in_order) {
  net::io_context ioc;
  tcp::socket s = connect_raw(ioc, server_->port());
  net::write(s, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: one\r\n\r\n"
                                        "HEAD /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: two\r\n\r\n"
                                        "GET /healthz HTTP/1.0\r\nX-Request-Id: three\r\n\r\n")));
  auto got = read_until_closed(s, std::chrono::seconds(10));
  ASSERT_TRUE(got) << "the server did not close after the HTTP/1.0 answer";
  // Every Date is an HTTP-date; the rest must be exactly these bytes.
  std::string answers;
  std::istringstream lines(*got);
  for (std::string line; std::getline(lines, line, '\n');) {
    if (line.starts_with("Date: ")) {
      EXPECT_TRUE(line.ends_with(" GMT\r") && line.size() == 6 + 29 + 1) << line;
      line = "Date: D\r";
    }
    answers += line + (lines.eof() ? "" : "\n");
  }
  auto answer = [](const std::string& id, const std::string& connection, const std::string& body) {
    return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Request-Id: " + id + "\r\nDate: D\r\n" + connection +
           "Content-Length: 15\r\n\r\n" + body;
  };
  const std::string ok = R"({"status":"ok"})";
  EXPECT_EQ(answers, answer("one", "", ok) + answer("two", "", "") + answer("three", "Connection: close\r\n", ok));
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

// The series of lockstep_http_requests_total in a /metrics text, without their values.
std::set<std::string> request_series(const std::string& metrics) {
  std::set<std::string> series;
  std::istringstream lines(metrics);
  for (std::string line; std::getline(lines, line);) {
    if (line.starts_with("lockstep_http_requests_total{")) series.insert(line.substr(0, line.rfind(' ')));
  }
  return series;
}

TEST_F(Hostile, invented_methods_and_paths_do_not_grow_metrics) {
  auto root = admin();
  HttpConnection conn("127.0.0.1", server_->port());
  auto invent = [&](int i) {
    const std::string n = std::to_string(i);
    conn.request("X" + n, "/v1/tasks");                  // a route with an invented method
    conn.request("Y" + n, "/v1/nothing/" + n);           // an unknown path under /v1
    conn.request("GET", "/nothing/" + n);                // an unknown path outside it
    conn.request("Z" + n, "/healthz/" + n + "?x=" + n);  // both
  };
  invent(0);             // the series every kind of request makes, once
  root.get("/metrics");  // and those of a scrape
  const auto before = root.get("/metrics").raw.body;
  for (int i = 1; i <= 300; ++i) invent(i);
  const auto after = root.get("/metrics").raw.body;
  EXPECT_EQ(request_series(after), request_series(before));
  EXPECT_LT(after.size(), before.size() + 1024) << "grew from " << before.size() << " to " << after.size();
  EXPECT_NE(after.find("method=\"other\""), std::string::npos);
  EXPECT_EQ(after.find("X1"), std::string::npos);
  EXPECT_EQ(after.find("/nothing/"), std::string::npos);
  // The request log names no invented method either.
  EXPECT_TRUE(
      server_->wait_for_line([](const std::string& l) { return l.find("\"method\":\"other\"") != std::string::npos; },
                             std::chrono::seconds(5)));
  const auto lines = server_->log_lines();
  EXPECT_EQ(std::count_if(lines.begin(), lines.end(),
                          [](const std::string& l) { return l.find("\"X1") != std::string::npos; }),
            0);
}

// `n` connections that send nothing, connected in order.
std::vector<tcp::socket> idle_connections(net::io_context& ioc, const tcp::endpoint& server, int n) {
  std::vector<tcp::socket> sockets;
  for (int i = 0; i < n; ++i) {
    sockets.emplace_back(ioc);
    sockets.back().connect(server);
  }
  return sockets;
}

TEST_F(Hostile, connections_over_the_limit_are_answered_503_with_retry_after_and_closed_at_once) {
  start({"--max-connections", "2", "--read-timeout", "60"});
  net::io_context ioc;
  const tcp::endpoint server(net::ip::make_address("127.0.0.1"), server_->port());
  // Two idle connections take the limit (the listen queue is served in order: they come first).
  auto idle = idle_connections(ioc, server, 2);
  auto over = [&](const std::string& request) {
    tcp::socket s(ioc);
    s.connect(server);
    if (!request.empty()) net::write(s, net::buffer(request));
    // Well within the 60 s read timeout: "at once".
    return read_until_closed(s, std::chrono::seconds(10));
  };
  auto asked = over("GET /v1/tasks HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_TRUE(asked.has_value()) << "not closed";
  EXPECT_TRUE(asked->starts_with("HTTP/1.1 503")) << *asked;
  EXPECT_NE(asked->find("Retry-After: "), std::string::npos) << *asked;
  EXPECT_NE(asked->find("\"OVERLOADED\""), std::string::npos) << *asked;
  auto silent = over("");  // sends nothing: answered and closed all the same, not kept 60 s
  ASSERT_TRUE(silent.has_value()) << "not closed";
  EXPECT_TRUE(silent->starts_with("HTTP/1.1 503")) << *silent;
  EXPECT_NE(silent->find("Retry-After: "), std::string::npos) << *silent;
  auto health = over("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");  // never shed
  ASSERT_TRUE(health.has_value()) << "not closed";
  EXPECT_TRUE(health->starts_with("HTTP/1.1 200")) << *health;
  idle.clear();
  HttpConnection after("127.0.0.1", server_->port());
  EXPECT_EQ(after.request("GET", "/healthz").status, 200);
}

std::size_t open_descriptors(pid_t pid) {
  std::size_t n = 0;
  for ([[maybe_unused]] const auto& fd : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    ++n;
  return n;
}

// The CPU time a process has used (user and system), in clock ticks.
long cpu_ticks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::istringstream fields(stat.substr(stat.rfind(')') + 2));  // after the command name
  std::string field;
  long utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 of proc(5)
    if (i == 14) utime = std::stol(field);
    if (i == 15) stime = std::stol(field);
  }
  return utime + stime;
}

TEST_F(Hostile, out_of_descriptors_the_server_does_not_spin_and_serves_again_once_connections_close) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  // The sanitizers need descriptors of their own (UBSan's vptr check probes memory through a pipe,
  // and reports "invalid vptr" when it cannot make one), so a server out of descriptors trips them.
  // The optimised build runs this test.
  GTEST_SKIP() << "needs a server without sanitizers";
#endif
  const pid_t pid = server_->pid();
  // As under `ulimit -n`: a few descriptors more than the server holds now.
  const rlim_t limit = open_descriptors(pid) + 8;
  rlimit low{};
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, nullptr, &low), 0);
  low.rlim_cur = limit;
  ASSERT_EQ(prlimit(pid, RLIMIT_NOFILE, &low, nullptr), 0);
  net::io_context ioc;
  const tcp::endpoint server(net::ip::make_address("127.0.0.1"), server_->port());
  auto idle = idle_connections(ioc, server, 40);  // more than the descriptors left: the rest wait in the listen queue
  // Readiness probe: every descriptor is taken, and the server has said it cannot accept.
  EXPECT_TRUE(server_->wait_for_line(
      [](const std::string& l) { return l.find("cannot accept connections") != std::string::npos; },
      std::chrono::seconds(10)));
  ASSERT_GE(open_descriptors(pid), limit);

  // While exhausted, the server waits between tries instead of spinning at a full core. The
  // sleep is the window of the measurement, not a synchronisation.
  const long ticks_before = cpu_ticks(pid);
  const auto window = std::chrono::milliseconds(1500);
  std::this_thread::sleep_for(window);
  const long spent = cpu_ticks(pid) - ticks_before;
  const long window_ticks = sysconf(_SC_CLK_TCK) * window.count() / 1000;
  EXPECT_LT(spent, window_ticks / 5) << "the server used " << spent << " of " << window_ticks << " clock ticks";

  // Once the clients go, their descriptors come back and /healthz answers, by itself.
  idle.clear();
  HttpConnection probe("127.0.0.1", server_->port(), std::chrono::seconds(20));
  EXPECT_EQ(probe.request("GET", "/healthz").status, 200);
  EXPECT_EQ(alice().get("/v1/tasks").status, 200);
}

}  // namespace
}  // namespace lockstep::testing
