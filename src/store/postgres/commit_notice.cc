#include "store/postgres/commit_notice.h"

#include <algorithm>

#include "core/ids.h"

namespace lockstep::pg {
namespace {

constexpr std::string_view kVersion = "v2";

}  // namespace

std::string commit_payload(std::int64_t revision, bool anything, const std::vector<std::string>& task_ids) {
  std::string out = std::string(kVersion) + ' ' + std::to_string(revision);
  if (anything || task_ids.size() > kMaxNotifiedTasks) return out + " *";
  for (const auto& id : task_ids) out.append(" ").append(id);
  return out;
}

void add_commit_payload(std::string_view payload, RemoteCommit& into) {
  std::vector<std::string_view> words;
  while (!payload.empty()) {
    const auto end = std::min(payload.find(' '), payload.size());
    if (end > 0) words.push_back(payload.substr(0, end));
    payload.remove_prefix(std::min(end + 1, payload.size()));
  }
  const bool understood =
      words.size() >= 2 && words[0] == kVersion &&
      std::all_of(words.begin() + 2, words.end(), [](std::string_view w) { return w != "*" && is_valid_client_id(w); });
  if (!understood) {
    into.anything = true;
    into.task_ids.clear();
    return;
  }
  if (into.anything) return;
  for (auto it = words.begin() + 2; it != words.end(); ++it) into.task_ids.emplace_back(*it);
}

}  // namespace lockstep::pg
