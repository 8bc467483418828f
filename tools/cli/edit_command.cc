// lockstep task edit ID: the task's writable fields in $EDITOR, written back with If-Match. If
// someone else changed the task meanwhile, the fields are shown side by side (base, theirs,
// yours) and, on a terminal, the user may merge theirs and yours, edit again or give up. Without
// a terminal it never asks: it shows the conflict and exits 3.
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>

#include "commands.h"

namespace lockstep::cli {
namespace {

namespace json = boost::json;

struct Field {
  const char* name;
  std::string Task::*text;  // nullptr for warningOffset, the one integer
};
const Field kFields[] = {{"userId", &Task::user_id},        {"taskTitle", &Task::title},
                         {"taskDescription", &Task::description}, {"dueDate", &Task::due_date},
                         {"warningOffset", nullptr},        {"taskStatus", &Task::status}};

std::string field_value(const Task& t, const Field& f) {
  return f.text ? json::serialize(json::value(t.*f.text)) : std::to_string(t.warning_offset);
}

std::string to_text(const Task& t) {
  std::string s = "{\n";
  for (const auto& f : kFields) s += std::string("  \"") + f.name + "\": " + field_value(t, f) + (f.text == &Task::status ? "\n" : ",\n");
  return s + "}\n";
}

// The edited text applied to `t`; an error message when it is not the object we wrote.
std::optional<std::string> from_text(const std::string& text, Task& t) {
  json::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return "not a JSON object: " + (ec ? ec.message() : "another JSON value");
  for (const auto& [key, value] : v.get_object()) {
    const Field* f = nullptr;
    for (const auto& candidate : kFields) f = key == candidate.name ? &candidate : f;
    if (!f) return "\"" + std::string(key) + "\" is not an editable field";
    if (!f->text && !value.is_int64()) return "warningOffset must be an integer";
    if (f->text && !value.is_string()) return std::string(f->name) + " must be a string";
    if (f->text) t.*f->text = std::string(value.get_string());
    else t.warning_offset = value.get_int64();
  }
  return std::nullopt;
}

bool interactive() { return ::isatty(STDIN_FILENO) == 1; }

// Runs $EDITOR on `text`; the edited text, or nullopt (reported) when the editor failed.
std::optional<std::string> run_editor(const std::string& text) {
  std::string path = (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") + "/lockstep-edit-XXXXXX.json";
  int fd = ::mkstemps(path.data(), 5);
  if (fd < 0 || ::write(fd, text.data(), text.size()) != static_cast<ssize_t>(text.size())) {
    std::cerr << "lockstep: cannot write a temporary file in " << path << '\n';
    return std::nullopt;
  }
  ::close(fd);
  const char* editor = std::getenv("EDITOR") ? std::getenv("EDITOR") : std::getenv("VISUAL");
  int status = std::system((std::string(editor ? editor : "vi") + " '" + path + "'").c_str());
  std::ifstream in(path);
  std::ostringstream edited;
  edited << in.rdbuf();
  ::unlink(path.c_str());
  if (status != 0) {
    std::cerr << "lockstep: the editor exited with status " << (WIFEXITED(status) ? WEXITSTATUS(status) : status)
              << "; nothing was written\n";
    return std::nullopt;
  }
  return edited.str();
}

char ask(const std::string& question, const std::string& choices) {
  for (std::string line;;) {
    std::cerr << question << std::flush;
    if (!std::getline(std::cin, line)) return 'q';
    if (!line.empty() && choices.find(line[0]) != std::string::npos) return line[0];
  }
}

// Lets the user edit `start` until it parses; nullopt when they give up or the editor fails.
std::optional<Task> edit(const Task& start) {
  std::string text = to_text(start);
  for (;;) {
    auto edited = run_editor(text);
    if (!edited) return std::nullopt;
    Task t = start;
    auto problem = from_text(*edited, t);
    if (!problem) return t;
    std::cerr << "lockstep: " << *problem << '\n';
    if (!interactive() || ask("Edit again? [y/n] ", "yn") == 'n') return std::nullopt;
    text = *edited;
  }
}

void show_three_way(const Task& base, const Task& theirs, const Task& mine) {
  Table t;
  t.add({"FIELD", "BASE", "THEIRS (v" + std::to_string(theirs.version) + ")", "YOURS", ""});
  for (const auto& f : kFields) {
    auto b = field_value(base, f), th = field_value(theirs, f), y = field_value(mine, f);
    if (b == th && b == y) continue;
    t.add({f.name, b, th, y, th != b && y != b && th != y ? "CONFLICT" : ""});
  }
  std::cerr << "The task changed since you opened it (by " << theirs.updated_by << "):\n";
  t.print(std::cerr);
}

// `theirs` with the fields the user changed (from `base` to `mine`) set to the user's values.
Task merged(const Task& base, const Task& theirs, const Task& mine) {
  Task out = theirs;
  for (const auto& f : kFields) {
    if (field_value(base, f) == field_value(mine, f)) continue;
    if (f.text) out.*f.text = mine.*f.text;
    else out.warning_offset = mine.warning_offset;
  }
  return out;
}

int run_edit(Context& ctx, const std::string& id) {
  auto got = ctx.client.get_task(id);
  if (!got) return report_error(got.error(), ctx.format);
  Task base = got.value();
  auto mine = edit(base);
  for (;;) {
    if (!mine) return kExitOther;
    TaskPatch patch = TaskPatch::diff(base, *mine);
    if (patch.empty()) {
      if (ctx.format == Format::kTable) std::cerr << "lockstep: no changes; nothing written\n";
      return kExitOk;
    }
    WriteOptions w;
    w.if_match = base.etag;
    auto r = ctx.client.patch_task(id, patch, w);
    if (r || !r.error().is_conflict() || !r.error().current) {
      return finish(r, ctx.format, [](const Task& t) { print_task(std::cout, t); });
    }
    Task theirs = *r.error().current;
    show_three_way(base, theirs, *mine);
    if (!interactive()) {
      std::cerr << "lockstep: " << r.error().detail << " (nothing written; run task edit again)\n";
      return kExitConflict;
    }
    char c = ask("[m]erge: your changes on top of theirs; [e]dit again from that; [q]uit? ", "meq");
    if (c == 'q') return kExitConflict;
    Task next = merged(base, theirs, *mine);
    base = theirs;
    mine = c == 'm' ? std::optional<Task>(next) : edit(next);
  }
}

}  // namespace

void add_edit_command(CLI::App& task, Selection& sel) {
  auto id = std::make_shared<std::string>();
  auto* cmd = task.add_subcommand("edit", "Open the task in $EDITOR; write it back with If-Match");
  examples(cmd, {"EDITOR=nano lockstep task edit 01JD0000000000000000000000"});
  cmd->add_option("ID", *id, "Task id")->required();
  on_run(cmd, sel, [id](Context& ctx) { return run_edit(ctx, *id); });
}

}  // namespace lockstep::cli
