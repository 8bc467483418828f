// Runs every tests/http/*.http transcript against the real lockstepd on a real socket, on both
// stores: one gtest per store and transcript (Http_sqlite.tasks, Http_postgres.tasks). The
// transcripts of one store share one server (per set of `# @server` flags), started on first use:
// each makes its own tasks, products and users, so they cannot see each other's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>

#include "http_client.h"
#include "pg_server.h"
#include "server_process.h"
#include "transcript.h"

namespace lockstep::testing::http {
namespace {

// A started server and the tokens of its users: {{alice}}, {{bob}} and the admin {{admin}}.
struct Served {
  TempDir dir;
  std::string db;
  Bindings tokens;
  std::unique_ptr<ServerProcess> server;

  Served(const std::string& store, const std::vector<std::string>& flags) {
    db = store == "postgres" ? PgServer::shared().create_database() : dir.file("lockstep.db");
    tokens["alice"] = add_user(db, "alice");
    tokens["bob"] = add_user(db, "bob");
    tokens["admin"] = add_user(db, "root", true);
    server = std::make_unique<ServerProcess>(db, flags);
  }
};

// The servers of this process, by store and flags; stopped when the tests end.
class Servers : public ::testing::Environment {
 public:
  static Servers* instance;

  Served& get(const std::string& store, const std::vector<std::string>& flags) {
    std::string key = store;
    for (const auto& f : flags) key += " " + f;
    auto& slot = servers_[key];
    if (!slot) slot = std::make_unique<Served>(store, flags);
    return *slot;
  }
  void TearDown() override { servers_.clear(); }

 private:
  std::map<std::string, std::unique_ptr<Served>> servers_;
};
Servers* Servers::instance = nullptr;

bool is_json_body(const HttpHeaders& headers) {
  for (const auto& [name, value] : headers) {
    std::string n = name;
    std::transform(n.begin(), n.end(), n.begin(), [](unsigned char c) { return std::tolower(c); });
    if (n == "content-type") return value.find("json") != std::string::npos;
  }
  return true;  // HttpConnection sends a body as application/json unless told otherwise
}

// Which transcript, which step, what was sent, what was wrong, what came back.
std::string failure(const Transcript& t, std::size_t i, const Step& step, const std::string& sent,
                    const std::string& what, const HttpResponse* got) {
  std::ostringstream out;
  out << t.path << ":" << step.line << ": step " << (i + 1) << " of " << t.steps.size() << " `" << step.title << "`\n  "
      << sent << "\n"
      << what;
  if (got) out << "--- got\n" << describe_response(*got);
  return out.str();
}

class TranscriptTest : public ::testing::Test {
 public:
  TranscriptTest(std::string store, std::string path) : store_(std::move(store)), path_(std::move(path)) {}

  void TestBody() override {
    std::ifstream in(path_);
    std::stringstream text;
    text << in.rdbuf();
    const Transcript t = parse_transcript(text.str(), path_);
    if (store_ == "postgres") LOCKSTEP_REQUIRE_POSTGRES();
    Served& served = Servers::instance->get(store_, t.server_flags);
    Bindings bindings = served.tokens;
    HttpConnection conn("127.0.0.1", served.server->port());
    for (std::size_t i = 0; i < t.steps.size(); ++i) {
      if (!run_step(t, i, conn, bindings)) return;
    }
  }

 private:
  // Sends step `i` and checks its answer; false when the transcript cannot go on.
  bool run_step(const Transcript& t, std::size_t i, HttpConnection& conn, Bindings& bindings) {
    const Step& step = t.steps[i];
    std::string sent = step.method + " " + step.target;
    HttpResponse got;
    try {
      const std::string target = substitute(step.target, bindings, false);
      sent = step.method + " " + target;
      HttpHeaders headers;
      for (const auto& [name, value] : step.headers) headers.emplace_back(name, substitute(value, bindings, false));
      const std::string body = substitute(step.body, bindings, is_json_body(headers));
      got = conn.request(step.method, target, headers, body);
    } catch (const std::exception& e) {
      ADD_FAILURE() << failure(t, i, step, sent, std::string("  ") + e.what() + "\n", nullptr);
      return false;
    }
    const auto wrong = check_response(step, got, bindings);
    if (!step.known_difference.empty()) {
      // Asserts API.md where the server does not (yet): reported, not failed, until it does.
      if (!wrong)
        ADD_FAILURE() << failure(t, i, step, sent, "  passes now: remove its @known-difference\n", nullptr);
      else
        std::cout << "[ KNOWN    ] " << t.name << " step " << (i + 1) << ": " << step.known_difference << "\n"
                  << *wrong;
      return true;  // the steps after it go on (a placeholder it should have captured stays unbound)
    }
    if (wrong) ADD_FAILURE() << failure(t, i, step, sent, *wrong, &got);
    return !wrong;
  }

  std::string store_, path_;
};

std::vector<std::filesystem::path> transcripts() {
  std::vector<std::filesystem::path> files;
  // The folder can be replaced, for tests/http/can_fail.py's broken copies.
  const char* dir = std::getenv("LOCKSTEP_HTTP_TRANSCRIPTS");
  for (const auto& entry : std::filesystem::directory_iterator(dir ? dir : LOCKSTEP_HTTP_TRANSCRIPTS)) {
    if (entry.path().extension() == ".http") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace
}  // namespace lockstep::testing::http

int main(int argc, char** argv) {
  using namespace lockstep::testing::http;
  ::testing::InitGoogleTest(&argc, argv);
  Servers::instance = new Servers;  // owned by gtest from here
  ::testing::AddGlobalTestEnvironment(Servers::instance);
  for (const std::string store : {"sqlite", "postgres"}) {
    for (const auto& file : transcripts()) {
      const std::string path = file.string();
      ::testing::RegisterTest(("Http_" + store).c_str(), file.stem().c_str(), nullptr, nullptr, path.c_str(), 1,
                              [store, path]() -> ::testing::Test* { return new TranscriptTest(store, path); });
    }
  }
  return RUN_ALL_TESTS();
}
