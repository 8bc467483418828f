// Transcript tests of the `lockstep` command line (API.md §13) against the real lockstepd.
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli_runner.h"
#include "client_fixture.h"
#include "fake_server.h"

namespace lockstep::testing {
namespace {

namespace json = boost::json;

class LockstepCli : public ClientTest {
 protected:
  void SetUp() override {
    ClientTest::SetUp();
    cli_.set_env("LOCKSTEP_URL", url());
  }

  // `lockstep --token TOKEN ARGS...`
  CliResult as(const std::string& token, std::vector<std::string> args, const std::string& in = "") {
    args.insert(args.begin(), {"--token", token});
    return cli_.run(args, in);
  }
  std::string create(const std::string& title = "Ship v1") {
    auto r =
        as(alice_token_, {"task", "create", "--user-id", "alice", "--title", title, "--due", kFarFuture, "-o", "json"});
    EXPECT_EQ(r.status, 0) << r.err;
    return std::string(json::parse(r.out).at("taskId").as_string());
  }

  CliRunner cli_;
};

// `head` followed by `tail`.
std::vector<std::string> with_args(std::vector<std::string> head, const std::vector<std::string>& tail) {
  head.insert(head.end(), tail.begin(), tail.end());
  return head;
}

// stderr is exactly one line, `lockstep: ...`.
void expect_one_error_line(const CliResult& r) {
  ASSERT_EQ(r.err_lines().size(), 1u) << r.err;
  EXPECT_TRUE(r.err.starts_with("lockstep: ")) << r.err;
}

TEST_F(LockstepCli, seed_scenario_stale_if_match_exits_3_with_the_current_state) {
  const std::string id = create();
  auto read = as(bob_token_, {"task", "get", id, "-o", "json"});
  ASSERT_EQ(read.status, 0);
  const std::string etag(json::parse(read.out).at("eTag").as_string());
  EXPECT_EQ(etag, "\"1-1\"");

  auto alice = as(alice_token_, {"task", "update", id, "--status", "BLOCKED", "--if-match", etag});
  ASSERT_EQ(alice.status, 0) << alice.err;
  EXPECT_NE(alice.out.find("BLOCKED"), std::string::npos);

  auto bob = as(bob_token_, {"task", "update", id, "--status", "COMPLETED", "--if-match", "1-1"});
  EXPECT_EQ(bob.status, 3);
  EXPECT_EQ(bob.out, "");
  ASSERT_FALSE(bob.err_lines().empty());
  EXPECT_TRUE(bob.err_lines()[0].starts_with("lockstep: ")) << bob.err;
  EXPECT_NE(bob.err.find("BLOCKED"), std::string::npos) << bob.err;

  auto bob_json = as(bob_token_, {"-o", "json", "task", "update", id, "--status", "COMPLETED", "--if-match", etag});
  EXPECT_EQ(bob_json.status, 3);
  auto lines = bob_json.err_lines();
  ASSERT_EQ(lines.size(), 2u) << bob_json.err;
  auto current = json::parse(lines[1]).at("current");
  EXPECT_EQ(current.at("taskStatus"), "BLOCKED");
  EXPECT_EQ(current.at("version"), 2);
  EXPECT_EQ(alice_client().get_task(id)->status, TaskStatus::kBlocked);
}

TEST_F(LockstepCli, json_output_is_exactly_the_apis_answer) {
  const std::string id = create();
  auto api = alice().get("/v1/tasks/" + id);
  auto r = as(alice_token_, {"task", "get", id, "-o", "json"});
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out, api.raw.body + "\n");

  auto api_list = alice().get("/v1/tasks");
  auto list = as(alice_token_, {"task", "list", "--output", "json"});
  ASSERT_EQ(list.status, 0);
  EXPECT_EQ(json::parse(list.out), api_list.json);
  EXPECT_TRUE(json::parse(list.out).as_object().contains("revision"));
}

TEST_F(LockstepCli, global_options_may_stand_anywhere) {
  const std::string id = create();
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"-o", "json", "task", "get", id}, {"task", "-o", "json", "get", id}, {"task", "get", "-o", "json", id}}) {
    auto r = as(alice_token_, args);
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_TRUE(r.out.starts_with("{")) << r.out;
  }
  auto token_last = cli_.run({"task", "get", id, "--token", alice_token_});
  EXPECT_EQ(token_last.status, 0) << token_last.err;
}

TEST_F(LockstepCli, an_answer_without_a_body_prints_nothing_in_json) {
  const std::string id = create();
  auto r = as(alice_token_, {"task", "delete", id, "--expected-version", "1", "-o", "json"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
}

TEST_F(LockstepCli, exit_statuses) {
  const std::string id = create();
  auto bad_flag = as(alice_token_, {"task", "list", "--bogus"});
  EXPECT_EQ(bad_flag.status, 2);
  expect_one_error_line(bad_flag);

  auto not_found = as(alice_token_, {"task", "get", "no-such-task"});
  EXPECT_EQ(not_found.status, 4);
  expect_one_error_line(not_found);

  auto wrong_token = as("lst_wrong", {"task", "list"});
  EXPECT_EQ(wrong_token.status, 6);
  expect_one_error_line(wrong_token);

  auto conflict = as(alice_token_, {"task", "delete", id, "--expected-version", "9"});
  EXPECT_EQ(conflict.status, 3);

  ASSERT_TRUE(bob_client().acquire_lock(id));
  auto locked = as(alice_token_, {"task", "update", id, "--title", "mine"});
  EXPECT_EQ(locked.status, 5);
  expect_one_error_line(locked);
}

TEST_F(LockstepCli, an_unreachable_server_exits_7_after_retrying_with_progress_unless_quiet) {
  unsigned short port;
  {
    FakeServer gone({});  // takes a free port and gives it back: nothing listens there now
    port = gone.port();
  }
  const std::vector<std::string> args{"--url", "http://127.0.0.1:" + std::to_string(port), "--retry-for", "0.5", "task",
                                      "list"};
  auto quiet = as(alice_token_, with_args({"-q"}, args));
  EXPECT_EQ(quiet.status, 7);
  expect_one_error_line(quiet);

  // Without -q each retry says so before its wait (the first wait is at most 100 ms of the 0.5 s).
  auto r = as(alice_token_, args);
  EXPECT_EQ(r.status, 7);
  auto lines = r.err_lines();
  ASSERT_GE(lines.size(), 2u) << r.err;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    EXPECT_TRUE(lines[i].starts_with("lockstep: server unavailable (")) << lines[i];
    EXPECT_TRUE(lines[i].ends_with(", retrying (" + std::to_string(i + 1) + ")...")) << lines[i];
  }
  EXPECT_TRUE(lines.back().starts_with("lockstep: cannot connect")) << r.err;
}

TEST_F(LockstepCli, a_malformed_url_is_a_usage_error) {
  auto r = as(alice_token_, {"--url", "127.0.0.1:8080", "task", "list"});
  EXPECT_EQ(r.status, 2);
  expect_one_error_line(r);
  EXPECT_NE(r.err.find("http://"), std::string::npos);
}

TEST_F(LockstepCli, bad_input_exits_2_with_one_line_and_sends_nothing) {
  const std::string id = create();
  const std::vector<std::string> task{"--user-id", "alice", "--title", "t", "--due", kFarFuture};
  const auto requests_before = served({"route=\"/v1/"});
  for (const auto& args : std::vector<std::vector<std::string>>{
           with_args({"--url", "localhost:8080", "task", "create"}, task),
           with_args({"--url", url() + "/v1", "task", "create"}, task),
           with_args({"--url", "http://127.0.0.1:99999", "task", "create"}, task),
           with_args({"task", "create", "--bogus"}, task),
           {"task", "create", "--title", "t"},
           {"task", "update", id, "--warning-offset", "many"},
           {"task", "update", id, "--title", "t", "--if-match", "1-1", "--expected-version", "1"},
           {"task", "update", id},
           {"task", "frobnicate", id},
           {"lock", "acquire", id, "--ttl", "0"},
           {"-o", "yaml", "task", "list"}}) {
    auto r = as(alice_token_, args);
    std::string line;
    for (const auto& a : args) line += a + " ";
    EXPECT_EQ(r.status, 2) << line << r.err;
    expect_one_error_line(r);
    EXPECT_EQ(r.out, "") << line;
  }
  EXPECT_EQ(served({"route=\"/v1/"}), requests_before);  // none of them reached the server
  EXPECT_EQ(alice_client().get_task(id)->version, 1);
}

TEST_F(LockstepCli, a_validation_error_exits_1_and_names_the_field) {
  auto r =
      as(alice_token_, {"task", "create", "--user-id", "alice", "--title", "late", "--due", "2001-01-01T00:00:00Z"});
  EXPECT_EQ(r.status, 1);
  expect_one_error_line(r);
  EXPECT_NE(r.err.find("dueDate"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(alice_client().list_all_tasks()->empty());
}

TEST_F(LockstepCli, a_user_breaking_someone_elses_lock_exits_6_and_an_admin_may) {
  const std::string id = create();
  ASSERT_TRUE(alice_client().acquire_lock(id));
  auto refused = as(bob_token_, {"lock", "release", id, "--force"});
  EXPECT_EQ(refused.status, 6);
  expect_one_error_line(refused);
  EXPECT_EQ(bob_client().get_lock(id)->owner, "alice");
  EXPECT_EQ(as(admin_token_, {"lock", "release", id, "--force"}).status, 0);
  EXPECT_EQ(bob_client().get_lock(id).error().status, 404);
}

TEST_F(LockstepCli, a_rate_limited_command_waits_within_retry_for_and_exits_7_past_it) {
  start({"--rate-limit", "1/1"});
  cli_.set_env("LOCKSTEP_URL", url());
  ASSERT_EQ(alice().get("/v1/tasks").status, 200);  // alice's only token
  const std::vector<std::string> create_args{"task",    "create", "--user-id", "alice",
                                             "--title", "t",      "--due",     kFarFuture};
  auto waited = as(alice_token_, with_args({"--retry-for", "5"}, create_args));
  EXPECT_EQ(waited.status, 0) << waited.err;  // 429, Retry-After: 1, then 201
  EXPECT_EQ(waited.err, "lockstep: rate limited, retrying (1)...\n");
  auto refused = as(alice_token_, with_args({"-q", "--retry-for", "0.5"}, create_args));
  EXPECT_EQ(refused.status, 7);  // 429 again, and a wait of 1 s does not fit in 0.5 s
  expect_one_error_line(refused);
  EXPECT_EQ(refused.out, "");
  EXPECT_EQ(served({"route=\"/v1/tasks\"", "method=\"POST\"", "status=\"429\""}), 2);
  EXPECT_EQ(admin_client().list_all_tasks()->size(), 1u);
}

TEST_F(LockstepCli, login_writes_a_private_config_and_flags_beat_env_beat_file) {
  cli_.set_env("LOCKSTEP_URL", "");
  auto login = cli_.run({"login", "--url", url(), "--token", alice_token_});
  ASSERT_EQ(login.status, 0) << login.err;
  const std::string path = cli_.home().file("config") + "/lockstep/config.toml";
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);

  EXPECT_EQ(cli_.run({"task", "list"}).status, 0);  // url and token from the file
  cli_.set_env("LOCKSTEP_TOKEN", "lst_wrong");
  EXPECT_EQ(cli_.run({"task", "list"}).status, 6);                         // the environment beats the file
  EXPECT_EQ(cli_.run({"task", "list", "--token", bob_token_}).status, 0);  // a flag beats both
  cli_.set_env("LOCKSTEP_TOKEN", "");
  cli_.set_env("LOCKSTEP_URL", "http://127.0.0.1:1");
  EXPECT_EQ(cli_.run({"task", "list", "--retry-for", "0"}).status, 7);  // each value on its own
}

// `login` saves nothing the server refuses, and takes the token from stdin rather than argv.
TEST_F(LockstepCli, login_checks_the_token_with_the_server_and_reads_it_from_stdin) {
  cli_.set_env("LOCKSTEP_URL", "");
  const std::string path = cli_.home().file("config") + "/lockstep/config.toml";
  auto refused = cli_.run({"login", "--url", url(), "--token", "lst_wrong"});
  EXPECT_EQ(refused.status, 6);
  expect_one_error_line(refused);
  EXPECT_FALSE(std::filesystem::exists(path));

  auto from_stdin = cli_.run({"login", "--url", url(), "--token", "-"}, alice_token_ + "\n");
  ASSERT_EQ(from_stdin.status, 0) << from_stdin.err;
  EXPECT_NE(from_stdin.out.find("as alice (user)"), std::string::npos) << from_stdin.out;
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  std::ifstream saved(path);
  std::string text((std::istreambuf_iterator<char>(saved)), {});
  EXPECT_NE(text.find("token = \"" + alice_token_ + "\""), std::string::npos) << text;

  // No --token: a prompt on stderr, the answer read from stdin.
  auto prompted = cli_.run({"login", "--url", url()}, bob_token_ + "\n");
  ASSERT_EQ(prompted.status, 0) << prompted.err;
  EXPECT_TRUE(prompted.err.starts_with("Token: ")) << prompted.err;
  EXPECT_NE(prompted.out.find("as bob"), std::string::npos) << prompted.out;
  auto nothing = cli_.run({"login", "--url", url()});
  EXPECT_EQ(nothing.status, 2) << nothing.err;
  auto list = cli_.run({"task", "list", "-o", "json"});  // url and bob's token from the file
  EXPECT_EQ(list.status, 0) << list.err;
}

TEST_F(LockstepCli, a_malformed_config_file_is_refused_with_its_path_and_line) {
  const std::string folder = cli_.home().file("config") + "/lockstep";
  std::filesystem::create_directories(folder);
  const std::string path = folder + "/config.toml";
  const auto requests_before = served({"route=\"/v1/"});
  for (const auto& [text, line] : std::vector<std::pair<std::string, std::string>>{
           {"# mine\ntoken = " + alice_token_ + "\n", ":2: "},
           {"url = \"" + url() + "\"\ntokne = \"" + alice_token_ + "\"\n", ":2: "},
           {"[server]\ntoken = \"" + alice_token_ + "\"\n", ":1: "},
           {"token = \"a\"\ntoken = \"b\"\n", ":2: "}}) {
    std::ofstream(path) << text;
    auto r = cli_.run({"task", "list"});
    EXPECT_EQ(r.status, 2) << text;
    expect_one_error_line(r);
    EXPECT_TRUE(r.err.starts_with("lockstep: " + path + line)) << r.err;
  }
  EXPECT_EQ(served({"route=\"/v1/"}), requests_before);
  // What the file would give is given otherwise: it is not read. And login replaces it.
  EXPECT_EQ(as(alice_token_, {"task", "list"}).status, 0);
  ASSERT_EQ(cli_.run({"login", "--token", alice_token_}).status, 0);
  EXPECT_EQ(cli_.run({"task", "list"}).status, 0);
}

TEST_F(LockstepCli, without_a_token_it_says_to_log_in_and_sends_nothing) {
  const auto requests_before = served({"route=\"/v1/"});
  auto r = cli_.run({"task", "list"});
  EXPECT_EQ(r.status, 6);
  EXPECT_EQ(r.err, "lockstep: no token: run `lockstep login` (or give --token or LOCKSTEP_TOKEN)\n");
  EXPECT_EQ(served({"route=\"/v1/"}), requests_before);
}

TEST_F(LockstepCli, an_invalid_time_or_status_is_a_usage_error_sent_nowhere) {
  const std::string id = create();
  const auto requests_before = served({"route=\"/v1/"});
  for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"task", "create", "--user-id", "alice", "--title", "t", "--due", "tomorrow"},
            "'tomorrow' is not an RFC 3339 time"},
           {{"task", "update", id, "--due", "2030-02-30T17:00:00Z"}, "'2030-02-30T17:00:00Z' is not an RFC 3339 time"},
           {{"task", "list", "--due-before", "2030-12-01"}, "'2030-12-01' is not an RFC 3339 time"},
           {{"task", "update", id, "--status", "DONE"}, "'DONE' is not a task status"},
           {{"task", "list", "--status", "blocked"}, "'blocked' is not a task status"},
           {{"task", "list", "--warning", "late"}, "'late' is not a warning (active or overdue)"}}) {
    auto r = as(alice_token_, args);
    EXPECT_EQ(r.status, 2) << says;
    expect_one_error_line(r);
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
  }
  EXPECT_EQ(served({"route=\"/v1/"}), requests_before);
}

// --due and --due-before take any RFC 3339 offset; the server is sent, and the table shows, UTC.
TEST_F(LockstepCli, times_with_an_offset_are_sent_and_shown_in_utc) {
  auto made = as(alice_token_, {"task", "create", "--user-id", "alice", "--title", "t", "--due",
                                "2099-06-01T19:00:00.5+02:00", "-o", "json"});
  ASSERT_EQ(made.status, 0) << made.err;
  EXPECT_EQ(json::parse(made.out).at("dueDate"), "2099-06-01T17:00:00.500Z");
  const std::string id(json::parse(made.out).at("taskId").as_string());
  auto shown = as(alice_token_, {"task", "get", id});
  EXPECT_NE(shown.out.find("2099-06-01T17:00:00.500Z"), std::string::npos) << shown.out;
  auto due_later = as(alice_token_, {"task", "list", "--due-before", "2099-06-01T20:00:00+02:00", "-o", "json"});
  ASSERT_EQ(due_later.status, 0) << due_later.err;
  EXPECT_EQ(json::parse(due_later.out).at("tasks").as_array().size(), 1u);
  auto due_earlier = as(alice_token_, {"task", "list", "--due-before", "2099-06-01T18:00:00+02:00", "-o", "json"});
  ASSERT_EQ(due_earlier.status, 0) << due_earlier.err;
  EXPECT_TRUE(json::parse(due_earlier.out).at("tasks").as_array().empty()) << due_earlier.out;
  // --warning is sent as `warning`: a task due in 2099 (warningOffset 0) is neither overdue nor warning yet.
  for (const char* warning : {"active", "overdue"}) {
    auto listed = as(alice_token_, {"task", "list", "--warning", warning, "-o", "json"});
    ASSERT_EQ(listed.status, 0) << listed.err;
    EXPECT_TRUE(json::parse(listed.out).at("tasks").as_array().empty()) << listed.out;
  }
}

TEST_F(LockstepCli, a_typo_gets_a_suggestion_and_version_is_printed) {
  for (const auto& [args, says] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"tasks", "list"}, "unknown command 'tasks' (did you mean 'task'?)"},
           {{"task", "lst"}, "unknown command 'task lst' (did you mean 'task list'?)"},
           {{"task", "list", "--stauts", "BLOCKED"}, "unknown option '--stauts' (did you mean '--status'?)"},
           {{"prodcut", "list"}, "(did you mean 'product'?)"},
           {{"lock"}, "lockstep lock needs a command: acquire, release, show"}}) {
    auto r = as(alice_token_, args);
    EXPECT_EQ(r.status, 2);
    expect_one_error_line(r);
    EXPECT_NE(r.err.find(says), std::string::npos) << r.err;
  }
  auto version = cli_.run({"--version"});
  EXPECT_EQ(version.status, 0) << version.err;
  EXPECT_TRUE(version.out.starts_with("lockstep 0.")) << version.out;
}

// Every command's --help ends with examples; a subcommand's also lists the global options.
TEST_F(LockstepCli, every_help_has_examples_and_the_global_options) {
  for (const std::string command : {"",
                                    "login",
                                    "completion",
                                    "task",
                                    "task list",
                                    "task get",
                                    "task create",
                                    "task update",
                                    "task edit",
                                    "task delete",
                                    "task history",
                                    "lock",
                                    "lock acquire",
                                    "lock release",
                                    "lock show",
                                    "batch",
                                    "watch",
                                    "product",
                                    "product list",
                                    "product get",
                                    "product create",
                                    "product purchase"}) {
    std::vector<std::string> args;
    std::istringstream words(command);
    for (std::string w; words >> w;) args.push_back(w);
    args.push_back("--help");
    auto r = cli_.run(args);
    EXPECT_EQ(r.status, 0) << command;
    const auto examples = r.out.find("\nExamples:\n  ");
    ASSERT_NE(examples, std::string::npos) << command << r.out;
    EXPECT_NE(r.out.find("lockstep " + command, examples), std::string::npos) << command << r.out;
    EXPECT_NE(r.out.find("--quiet"), std::string::npos) << command;
    if (!command.empty()) {
      EXPECT_NE(r.out.find("Global options"), std::string::npos) << command;
    }
  }
}

TEST_F(LockstepCli, output_format_from_o_equals_and_lockstep_output) {
  const std::string id = create();
  auto equals = as(alice_token_, {"-o=json", "task", "get", id});
  EXPECT_EQ(equals.status, 0) << equals.err;
  EXPECT_EQ(json::parse(equals.out).at("taskId").as_string(), id);

  cli_.set_env("LOCKSTEP_OUTPUT", "json");
  auto from_env = as(alice_token_, {"task", "get", id});
  EXPECT_EQ(from_env.status, 0) << from_env.err;
  EXPECT_EQ(json::parse(from_env.out).at("taskId").as_string(), id);
  auto flag_wins = as(alice_token_, {"task", "get", id, "-o", "table"});
  EXPECT_TRUE(flag_wins.out.starts_with("taskId")) << flag_wins.out;
  cli_.set_env("LOCKSTEP_OUTPUT", "yaml");
  auto bad = as(alice_token_, {"task", "get", id});
  EXPECT_EQ(bad.status, 2);
  expect_one_error_line(bad);
}

TEST_F(LockstepCli, with_json_output_a_conflict_prints_the_whole_problem_on_one_line) {
  const std::string id = create();
  ASSERT_EQ(as(alice_token_, {"task", "update", id, "--title", "Alice's", "--if-match", "1-1"}).status, 0);
  auto r = as(bob_token_, {"-o", "json", "task", "update", id, "--title", "Bob's", "--if-match", "1-1", "--merge"});
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.out, "");
  auto lines = r.err_lines();
  ASSERT_EQ(lines.size(), 2u) << r.err;
  EXPECT_TRUE(lines[0].starts_with("lockstep: ")) << r.err;
  auto problem = json::parse(lines[1]);
  EXPECT_EQ(problem.at("code"), "MERGE_CONFLICT");
  EXPECT_EQ(problem.at("conflicts").at(0).at("field"), "taskTitle");
  EXPECT_EQ(problem.at("currentVersion"), 2);
  EXPECT_EQ(problem.at("current").at("taskTitle"), "Alice's");
}

TEST_F(LockstepCli, a_non_atomic_batch_exits_with_the_status_of_its_first_failed_operation) {
  const std::string id = create();
  auto op = [](const std::string& task, int version) {
    return R"({"op":"update","taskId":")" + task + R"(","expectedVersion":)" + std::to_string(version) +
           R"(,"patch":{"warningOffset":10}})";
  };
  const std::string body =
      R"({"atomic":false,"operations":[)" + op(id, 1) + "," + op("no-such-task", 1) + "," + op(id, 1) + "]}";
  auto r = as(alice_token_, {"batch", "-", "-o", "json"}, body);
  EXPECT_EQ(r.status, 4) << r.err;  // the 404 of operation 1, not the 409 of operation 2
  expect_one_error_line(r);
  EXPECT_NE(r.err.find("operation 1"), std::string::npos) << r.err;
  auto results = json::parse(r.out).at("results");
  EXPECT_EQ(results.at(0).at("status"), 200);
  EXPECT_EQ(results.at(1).at("status"), 404);
  EXPECT_EQ(alice_client().get_task(id)->version, 2);

  auto stale_only = as(alice_token_, {"batch", "-"}, R"({"atomic":false,"operations":[)" + op(id, 1) + "]}");
  EXPECT_EQ(stale_only.status, 3) << stale_only.err;
  auto fine = as(alice_token_, {"batch", "-"}, R"({"atomic":false,"operations":[)" + op(id, 2) + "]}");
  EXPECT_EQ(fine.status, 0) << fine.err;
}

TEST_F(LockstepCli, completion_scripts_for_bash_zsh_and_fish) {
  auto bash = cli_.run({"completion", "bash"});
  ASSERT_EQ(bash.status, 0) << bash.err;
  const std::string script = cli_.home().file("lockstep.bash");
  std::ofstream(script) << bash.out;
  EXPECT_EQ(std::system(("bash -n " + script).c_str()), 0) << bash.out;
  EXPECT_NE(bash.out.find("complete -o default -F _lockstep lockstep"), std::string::npos);
  for (const std::string shell : {"bash", "zsh", "fish"}) {
    auto r = cli_.run({"completion", shell});
    EXPECT_EQ(r.status, 0) << shell << r.err;
    for (const char* word : {"task", "purchase", "if-match", "quiet"}) {
      EXPECT_NE(r.out.find(word), std::string::npos) << shell << " lacks " << word;
    }
  }
  EXPECT_TRUE(cli_.run({"completion", "zsh"}).out.starts_with("#compdef lockstep\n"));
  EXPECT_EQ(cli_.run({"completion", "tcsh"}).status, 2);
}

TEST_F(LockstepCli, locks_from_the_command_line) {
  const std::string id = create();
  auto acquired = as(alice_token_, {"lock", "acquire", id, "--ttl", "30", "-o", "json"});
  ASSERT_EQ(acquired.status, 0) << acquired.err;
  const auto token = json::parse(acquired.out).at("token").as_int64();
  auto show = as(bob_token_, {"lock", "show", id});
  EXPECT_EQ(show.status, 0);
  EXPECT_NE(show.out.find("alice"), std::string::npos);
  auto fenced = as(alice_token_, {"task", "update", id, "--title", "t", "--lock-token", std::to_string(token)});
  EXPECT_EQ(fenced.status, 0) << fenced.err;
  EXPECT_EQ(as(bob_token_, {"lock", "release", id}).status, 6);
  EXPECT_EQ(as(alice_token_, {"lock", "release", id}).status, 0);
  EXPECT_EQ(as(alice_token_, {"lock", "show", id}).status, 4);
}

TEST_F(LockstepCli, batch_from_stdin_and_watch) {
  const std::string id = create();
  const std::string body = R"({"atomic":true,"operations":[{"op":"update","taskId":")" + id +
                           R"(","expectedVersion":1,"patch":{"warningOffset":10}}]})";
  auto batch = as(alice_token_, {"batch", "-", "-o", "json"}, body);
  ASSERT_EQ(batch.status, 0) << batch.err;
  EXPECT_EQ(json::parse(batch.out).at("results").at(0).at("status"), 200);
  auto stale = as(alice_token_, {"batch", "-"}, body);
  EXPECT_EQ(stale.status, 3);
  EXPECT_NE(stale.err.find("VERSION_CONFLICT"), std::string::npos) << stale.err;

  auto watch = as(alice_token_, {"watch", "--since", "0", "--count", "2", "-o", "json"});
  ASSERT_EQ(watch.status, 0) << watch.err;
  std::istringstream lines(watch.out);
  std::string first, second;
  std::getline(lines, first);
  std::getline(lines, second);
  EXPECT_EQ(json::parse(first).at("type"), "created");
  EXPECT_EQ(json::parse(second).at("type"), "updated");
}

// API.md §1: the server refuses a repeated member name; the CLI must not collapse it to the last
// one before sending.
TEST_F(LockstepCli, a_batch_file_repeating_a_member_name_is_refused_not_collapsed) {
  const std::string id = create();
  const std::string body =
      R"({"operations":[{"op":"update","taskId":")" + id + R"(","patch":{"warningOffset":10,"warningOffset":20}}]})";
  auto batch = as(alice_token_, {"batch", "-"}, body);
  EXPECT_EQ(batch.status, 1) << batch.out;
  EXPECT_NE(batch.err.find("more than once"), std::string::npos) << batch.err;
  auto task = as(alice_token_, {"task", "get", id, "-o", "json"});
  ASSERT_EQ(task.status, 0) << task.err;
  EXPECT_EQ(json::parse(task.out).at("version"), 1);
}

TEST_F(LockstepCli, products_and_history) {
  auto made =
      as(alice_token_, {"product", "create", "--name", "Last ticket", "--stock", "1", "--price", "25", "-o", "json"});
  ASSERT_EQ(made.status, 0) << made.err;
  const std::string pid(json::parse(made.out).at("productId").as_string());
  EXPECT_EQ(as(bob_token_, {"product", "purchase", pid}).status, 0);
  auto sold_out = as(alice_token_, {"product", "purchase", pid, "--quantity", "1"});
  EXPECT_EQ(sold_out.status, 3);
  EXPECT_EQ(as(alice_token_, {"product", "get", pid}).status, 0);
  EXPECT_NE(as(alice_token_, {"product", "list"}).out.find("Last ticket"), std::string::npos);

  const std::string id = create();
  ASSERT_EQ(as(bob_token_, {"task", "update", id, "--title", "second"}).status, 0);
  auto history = as(alice_token_, {"task", "history", id});
  EXPECT_EQ(history.status, 0);
  EXPECT_NE(history.out.find("second"), std::string::npos);
}

TEST_F(LockstepCli, edit_writes_back_with_if_match) {
  const std::string id = create("Edit me");
  const std::string editor = cli_.home().file("editor.sh");
  std::ofstream(editor) << "#!/bin/sh\nsed -i 's/\"Edit me\"/\"Edited\"/' \"$1\"\n";
  ::chmod(editor.c_str(), 0700);
  cli_.set_env("EDITOR", editor);
  auto r = as(alice_token_, {"task", "edit", id});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(alice_client().get_task(id)->title, "Edited");
}

TEST_F(LockstepCli, edit_shows_a_conflict_field_by_field_and_exits_3_without_a_terminal) {
  const std::string id = create("Edit me");
  const std::string editor = cli_.home().file("editor.sh");
  // While "alice" edits, bob changes the title.
  std::ofstream(editor) << "#!/bin/sh\n"
                        << LOCKSTEP_CLI_PATH << " --token " << bob_token_ << " task update " << id
                        << " --title Bobs >/dev/null\nsed -i 's/\"Edit me\"/\"Alices\"/' \"$1\"\n";
  ::chmod(editor.c_str(), 0700);
  cli_.set_env("EDITOR", editor);
  auto r = as(alice_token_, {"task", "edit", id});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("taskTitle"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"Bobs\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\"Alices\""), std::string::npos) << r.err;
  EXPECT_EQ(alice_client().get_task(id)->title, "Bobs");
}

}  // namespace
}  // namespace lockstep::testing
