// HTTPS end to end: lockstepd with --tls-cert/--tls-key and certificates made at test time (a CA,
// a server certificate for 127.0.0.1 and localhost, and a second CA nobody trusts), the client
// library and the CLI verifying them; and what TLS adds to a connection's life (a handshake that
// never finishes, plain HTTP on the TLS port) under the server's usual limits.
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <fstream>
#include <optional>
#include <thread>

#include "cli_runner.h"
#include "client_fixture.h"
#include "socket_read.h"
#include "test_certs.h"

namespace lockstep::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using namespace std::chrono_literals;

class Tls : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_.write_cert(ca_file_);
    untrusted_.write_cert(untrusted_file_);
    ca_.issue("DNS:localhost,IP:127.0.0.1", cert_, key_);
    token_ = add_user(db_, "alice");
  }

  std::unique_ptr<ServerProcess> serve(std::vector<std::string> extra = {}) {
    extra.insert(extra.end(), {"--tls-cert", cert_, "--tls-key", key_});
    return std::make_unique<ServerProcess>(db_, std::move(extra));
  }

  ClientOptions options(const ServerProcess& server, const std::string& host = "127.0.0.1") {
    ClientOptions o;
    o.url = "https://" + host + ":" + std::to_string(server.port());
    o.token = token_;
    o.ca_file = ca_file_;
    return o;
  }

  TempDir dir_;
  TestCa ca_{"Lockstep Test CA"};
  TestCa untrusted_{"Untrusted Test CA"};
  const std::string ca_file_ = dir_.file("ca.pem"), untrusted_file_ = dir_.file("untrusted.pem");
  const std::string cert_ = dir_.file("server.pem"), key_ = dir_.file("server.key");
  const std::string db_ = dir_.file("lockstep.db");
  std::string token_;
};

// A call with `o` fails at once, for `why`, and is not retried: with long backoff waits a retry
// would take seconds (the chance that 19 random waits of up to 5 s add up to under 3 s is nil).
void expect_tls_refusal(ClientOptions o, const std::string& why) {
  o.retry.max_attempts = 20;
  o.retry.base_delay = o.retry.max_delay = 5s;
  o.retry.budget = 60s;
  const auto started = std::chrono::steady_clock::now();
  auto r = Client(o).list_tasks();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, kConnectionFailed);
  EXPECT_FALSE(r.error().retryable);
  EXPECT_NE(r.error().detail.find(why), std::string::npos) << r.error().detail;
}

TEST_F(Tls, the_library_speaks_https_with_the_ca_file_for_an_address_and_a_name) {
  auto server = serve();
  Client by_address(options(*server));
  auto created = by_address.create_task(sample_task());
  ASSERT_TRUE(created.ok()) << created.error().to_string();
  Client by_name(options(*server, "localhost"));
  auto read = by_name.get_task(created->task_id);
  ASSERT_TRUE(read.ok()) << read.error().to_string();
  EXPECT_EQ(read->title, "Ship v1");
}

TEST_F(Tls, the_library_refuses_an_untrusted_or_misnamed_certificate_and_says_why) {
  auto server = serve();
  auto system_cas = options(*server);
  system_cas.ca_file.clear();  // the system's CAs never signed the test CA
  expect_tls_refusal(system_cas, "not trusted");
  auto wrong_ca = options(*server);
  wrong_ca.ca_file = untrusted_file_;
  expect_tls_refusal(wrong_ca, "not trusted");

  // A certificate from the trusted CA, but for another name.
  ca_.issue("DNS:elsewhere.example", dir_.file("other.pem"), dir_.file("other.key"));
  ServerProcess elsewhere(dir_.file("other.db"),
                          {"--tls-cert", dir_.file("other.pem"), "--tls-key", dir_.file("other.key")});
  expect_tls_refusal(options(elsewhere), "not for this host");
  expect_tls_refusal(options(elsewhere, "localhost"), "not for this host");

  EXPECT_THROW(Client([&] {
                 auto o = options(*server);
                 o.ca_file = dir_.file("missing.pem");
                 return o;
               }()),
               std::invalid_argument);
}

TEST_F(Tls, event_stream_long_poll_and_body_limit_work_over_tls) {
  auto server = serve({"--max-body", "1024"});
  Client client(options(*server));
  auto created = client.create_task(sample_task());
  ASSERT_TRUE(created.ok()) << created.error().to_string();

  std::optional<Change> streamed;
  auto stream = client.stream_changes(0, [&](const Change& c) {
    streamed = c;
    return false;  // the first change is enough
  });
  ASSERT_TRUE(stream.ok()) << stream.error().to_string();
  ASSERT_TRUE(streamed.has_value());
  EXPECT_EQ(streamed->task_id, created->task_id);

  // A long poll parked until a write (or answered at once, if the write came first).
  std::optional<Result<ChangePage>> polled;
  std::jthread poller([&] { polled = client.changes(streamed->revision, 100, 20s); });  // joined before `polled` goes
  auto second = client.create_task(sample_task("alice", "Second"));
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  poller.join();
  ASSERT_TRUE(polled && polled->ok());
  ASSERT_EQ((*polled)->changes.size(), 1u);

  TaskFields big = sample_task();
  big.description = std::string(2000, 'x');
  auto too_big = client.create_task(big);
  ASSERT_FALSE(too_big.ok());
  EXPECT_EQ(too_big.error().status, 413);
}

TEST_F(Tls, the_cli_lists_tasks_over_https_with_cacert_or_lockstep_cacert) {
  auto server = serve();
  Client client(options(*server));
  ASSERT_TRUE(client.create_task(sample_task("alice", "Over TLS")).ok());
  const std::string url = "https://127.0.0.1:" + std::to_string(server->port());
  CliRunner cli;
  auto listed = cli.run({"--url", url, "--cacert", ca_file_, "--token", token_, "task", "list"});
  EXPECT_EQ(listed.status, 0) << listed.err;
  EXPECT_NE(listed.out.find("Over TLS"), std::string::npos) << listed.out;

  auto refused = cli.run({"--url", url, "--token", token_, "task", "list"});
  EXPECT_NE(refused.status, 0);
  EXPECT_NE(refused.err.find("not trusted"), std::string::npos) << refused.err;
  EXPECT_NE(refused.err.find("--cacert"), std::string::npos) << refused.err;

  cli.set_env("LOCKSTEP_CACERT", ca_file_);
  auto from_env = cli.run({"--url", url, "--token", token_, "task", "list"});
  EXPECT_EQ(from_env.status, 0) << from_env.err;
  EXPECT_NE(from_env.out.find("Over TLS"), std::string::npos) << from_env.out;
}

TEST_F(Tls, a_handshake_that_never_finishes_is_cut_off_at_the_read_timeout_while_others_are_served) {
  auto server = serve({"--read-timeout", "1"});
  net::io_context ioc;
  const tcp::endpoint endpoint(net::ip::make_address("127.0.0.1"), server->port());
  tcp::socket silent(ioc), half(ioc);
  silent.connect(endpoint);
  half.connect(endpoint);
  // A TLS record header announcing a 512-byte ClientHello, and only its first bytes.
  net::write(half, net::buffer(std::string("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11)));
  const auto opened = std::chrono::steady_clock::now();

  Client client(options(*server));
  EXPECT_TRUE(client.list_tasks().ok());

  // Closed by the server (well before 10 s), with nothing sent in clear.
  auto silent_got = read_until_closed(silent, 10s);
  auto half_got = read_until_closed(half, 10s);
  ASSERT_TRUE(silent_got.has_value()) << "the silent client was not cut off";
  ASSERT_TRUE(half_got.has_value()) << "the half-handshake client was not cut off";
  EXPECT_GE(std::chrono::steady_clock::now() - opened, 900ms);  // at the timeout, not at once
  EXPECT_TRUE(client.list_tasks().ok());
}

TEST_F(Tls, plain_http_on_the_tls_port_is_told_to_use_https_and_the_server_keeps_serving) {
  auto server = serve();
  net::io_context ioc;
  tcp::socket plain(ioc);
  plain.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), server->port()));
  net::write(plain, net::buffer(std::string("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")));
  auto answer = read_until_closed(plain, 10s);
  ASSERT_TRUE(answer.has_value()) << "not closed";
  EXPECT_TRUE(answer->starts_with("HTTP/1.1 400")) << *answer;
  EXPECT_NE(answer->find("https://"), std::string::npos) << *answer;
  EXPECT_TRUE(Client(options(*server)).list_tasks().ok());
}

// `lockstepd serve` with `tls` flags on a fresh database: exits 1 with one line saying why.
CommandResult serve_with(const TempDir& dir, std::vector<std::string> tls) {
  std::vector<std::string> args{"serve", "--listen", "127.0.0.1:0", "--db", dir.file("fresh.db")};
  args.insert(args.end(), tls.begin(), tls.end());
  auto r = run_lockstepd(args);
  EXPECT_EQ(r.status, 1) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  EXPECT_TRUE(r.err.starts_with("lockstepd: ")) << r.err;
  return r;
}

TEST_F(Tls, a_missing_unreadable_or_mismatched_certificate_or_key_stops_the_start_with_one_line) {
  const std::string missing = dir_.file("missing.pem"), not_pem = dir_.file("not.pem"),
                    foreign_key = dir_.file("ca.key");
  std::ofstream(not_pem) << "not a certificate\n";
  untrusted_.write_key(foreign_key);
  EXPECT_NE(serve_with(dir_, {"--tls-cert", cert_}).err.find("--tls-cert and --tls-key go together"),
            std::string::npos);
  EXPECT_NE(serve_with(dir_, {"--tls-key", key_}).err.find("--tls-cert and --tls-key go together"), std::string::npos);
  EXPECT_NE(serve_with(dir_, {"--tls-cert", missing, "--tls-key", key_})
                .err.find("cannot read the TLS certificate " + missing),
            std::string::npos);
  EXPECT_NE(
      serve_with(dir_, {"--tls-cert", cert_, "--tls-key", missing}).err.find("cannot read the TLS key " + missing),
      std::string::npos);
  EXPECT_NE(serve_with(dir_, {"--tls-cert", not_pem, "--tls-key", key_}).err.find("is not a PEM certificate"),
            std::string::npos);
  EXPECT_NE(
      serve_with(dir_, {"--tls-cert", cert_, "--tls-key", not_pem}).err.find("is not an unencrypted PEM private key"),
      std::string::npos);
  EXPECT_NE(
      serve_with(dir_, {"--tls-cert", cert_, "--tls-key", foreign_key}).err.find("is not the key of the certificate"),
      std::string::npos);
  // None of the failed starts used up the first start's admin token.
  ServerProcess fresh(dir_.file("fresh.db"), {"--tls-cert", cert_, "--tls-key", key_});
  EXPECT_TRUE(fresh.bootstrap_token().starts_with("lst_"));
}

}  // namespace
}  // namespace lockstep::testing
