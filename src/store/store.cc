#include "store/store.h"

#include <future>
#include <memory>

namespace lockstep {

const char* change_type_name(ChangeType t) {
  switch (t) {
    case ChangeType::kCreated:
      return "created";
    case ChangeType::kUpdated:
      return "updated";
    case ChangeType::kDeleted:
      return "deleted";
  }
  return "updated";
}

bool Store::write_sync(const std::function<bool(Tx&)>& job) {
  // What the store thread touches after the job (the verdict, the promise) is shared with it, not
  // on this frame, which may be gone while the store thread is still inside set_value.
  struct Answer {
    std::promise<bool> done;
    bool kept = false;
  };
  auto answer = std::make_shared<Answer>();
  auto result = answer->done.get_future();
  write(
      [&job, answer](Tx& tx) { return answer->kept = job(tx); },
      [answer](WriteOutcome outcome) { answer->done.set_value(outcome == WriteOutcome::kCommitted && answer->kept); });
  return result.get();
}

}  // namespace lockstep
