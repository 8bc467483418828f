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
#include <iterator>
#include <sstream>

#include "commands.h"

namespace lockstep::cli {
namespace {

namespace json = boost::json;

// One editable field: its JSON member as shown in the editor, and how an edited value is read
// back into a task (an error message when it is not a valid value).
struct Field {
  const char* name;
  json::value (*get)(const Task&);
  std::optional<std::string> (*set)(const json::value&, Task&);
};

template <std::string Task::*member>
Field text_field(const char* name) {
  return {name, [](const Task& t) { return json::value(t.*member); },
          [](const json::value& v, Task& t) -> std::optional<std::string> {
            if (!v.is_string()) return "must be a string";
            t.*member = std::string(v.get_string());
            return std::nullopt;
          }};
}

const Field kFields[] = {
    text_field<&Task::user_id>("userId"),
    text_field<&Task::title>("taskTitle"),
    text_field<&Task::description>("taskDescription"),
    {"dueDate", [](const Task& t) { return json::value(format_time(t.due_date)); },
     [](const json::value& v, Task& t) -> std::optional<std::string> {
       auto due = v.is_string() ? parse_time(v.get_string()) : std::nullopt;
       if (!due) return "must be an RFC 3339 time, e.g. \"2030-12-01T17:00:00Z\"";
       t.due_date = *due;
       return std::nullopt;
     }},
    {"warningOffset", [](const Task& t) { return json::value(t.warning_offset); },
     [](const json::value& v, Task& t) -> std::optional<std::string> {
       if (!v.is_int64()) return "must be an integer";
       t.warning_offset = v.get_int64();
       return std::nullopt;
     }},
    {"taskStatus", [](const Task& t) { return json::value(json::string(to_string(t.status))); },
     [](const json::value& v, Task& t) -> std::optional<std::string> {
       auto status = v.is_string() ? parse_task_status(v.get_string()) : std::nullopt;
       if (!status) return "must be one of NOT_STARTED, IN_PROGRESS, BLOCKED, DEFERRED, COMPLETED, CANCELLED";
       t.status = *status;
       return std::nullopt;
     }},
};

std::string field_value(const Task& t, const Field& f) { return json::serialize(f.get(t)); }

std::string to_text(const Task& t) {
  std::string s = "{\n";
  for (const auto& f : kFields) {
    s += std::string("  \"") + f.name + "\": " + field_value(t, f) + (&f == &std::end(kFields)[-1] ? "\n" : ",\n");
  }
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
    if (auto problem = f->set(value, t)) return std::string(f->name) + " " + *problem;
  }
  return std::nullopt;
}

bool interactive() { return ::isatty(STDIN_FILENO) == 1; }

// Runs $EDITOR on `text`; the edited text, or nullopt (reported) when the editor failed.
std::optional<std::string> run_editor(const std::string& text) {
  std::string path =
      (std::getenv("TMPDIR") ? std::string(std::getenv("TMPDIR")) : "/tmp") + "/lockstep-edit-XXXXXX.json";
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
    (void)f.set(f.get(mine), out);  // a value read from a task is always valid
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
