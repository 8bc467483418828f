// A program built against an installed lockstep::client (see CMakeLists.txt here): creates a
// task on the server given and reads it back.
//
//   lockstep_consumer URL TOKEN      prints "ok TASK_ID"
//   lockstep_consumer --help
#include <lockstep/client.h>

#include <cstdio>
#include <string_view>

int main(int argc, char** argv) {
  if (argc == 2 && std::string_view(argv[1]) == "--help") {
    std::puts("usage: lockstep_consumer URL TOKEN (creates a task and reads it back)");
    return 0;
  }
  if (argc != 3) {
    std::fputs("usage: lockstep_consumer URL TOKEN\n", stderr);
    return 2;
  }
  lockstep::ClientOptions options;
  options.url = argv[1];
  options.token = argv[2];
  lockstep::Client client(options);
  lockstep::TaskFields task;
  task.user_id = "consumer";
  task.title = "Made by an installed client";
  task.due_date = *lockstep::parse_time("2099-01-01T00:00:00Z");
  auto made = client.create_task(task);
  if (!made) {
    std::fprintf(stderr, "create: %s\n", made.error().to_string().c_str());
    return 1;
  }
  auto read = client.get_task(made->task_id);
  if (!read || read->etag != made->etag) {
    std::fprintf(stderr, "read back: %s\n", read ? "another ETag" : read.error().to_string().c_str());
    return 1;
  }
  if (lockstep::format_time(read->due_date) != "2099-01-01T00:00:00.000Z") {
    std::fputs("read back: another dueDate\n", stderr);
    return 1;
  }
  std::printf("ok %s\n", read->task_id.c_str());
  return 0;
}
