// Batch bodies through read_batch_body and run_batch against a real SQLite store; every job is rolled back, so the
// store stays small and each input starts from the same two tasks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/crypto.h"
#include "service/batch_service.h"
#include "store/open.h"

namespace {

lockstep::Store& store() {
  static std::unique_ptr<lockstep::Store> s = [] {
    // OpenSSL's random generator allocates once, for good, on first use: do it before fuzzing so
    // that the leak checker does not take it for a leak of the first input that creates a task.
    (void)lockstep::make_token();
    char dir[] = "/tmp/lockstep-batch-fuzz-XXXXXX";
    if (!mkdtemp(dir)) std::abort();
    auto opened = lockstep::open_store({std::string(dir) + "/fuzz.db", 1, 1});
    opened->write_sync([](lockstep::Tx& tx) {
      lockstep::WriteContext ctx{{"fuzz", lockstep::Role::kUser}, 1'800'000'000'000};
      for (const char* id : {"a", "b"}) {
        lockstep::Body b = lockstep::Body::parse(
            R"({"userId":"u","taskTitle":"t","dueDate":"2099-01-01T00:00:00Z","warningOffset":1})");
        (void)lockstep::put_task(tx, ctx, id, {}, b);
      }
      return true;
    });
    return opened;
  }();
  return *s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  // As the server reads a batch: the streaming count first, off the writer.
  auto body = read_batch_body(std::string_view(reinterpret_cast<const char*>(data), size), 100);
  if (!body) return 0;
  // A body the count let through never holds more operations than the limit.
  if (body->json && body->json->is_object()) {
    const auto* ops = body->json->get_object().if_contains("operations");
    if (ops && ops->is_array() && ops->get_array().size() > 100) std::abort();
  }
  store().write_sync([&](Tx& tx) {
    WriteContext ctx{{"fuzz", Role::kUser}, 1'800'000'000'000};
    (void)run_batch(tx, ctx, *body, 100);
    return false;  // undo: every input starts from the same state
  });
  return 0;
}
