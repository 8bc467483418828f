// Merge patches: a body validated as a PATCH, then merged three ways against a base and a current
// version, and the outcome applied.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/merge.h"
#include "domain/task.h"
#include "service/task_service.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  Body body = Body::parse(std::string_view(reinterpret_cast<const char*>(data), size));
  if (!body.json) return 0;
  auto w = parse_task_write(*body.json, WriteKind::kPatch, 0, "t");
  if (!w) return 0;
  TaskFields base{"alice", "base", "", 1'900'000'000'000, 5, TaskStatus::kNotStarted};
  TaskFields theirs = base;
  theirs.title = "theirs";
  theirs.status = TaskStatus::kBlocked;
  for (bool replace : {false, true}) {
    auto outcome = merge_fields(task_merge_edits(base, theirs, *w, replace), resolve_task_conflict);
    (void)task_write_from(outcome).apply_to(theirs);
  }
  return 0;
}
