// The web board's files, served at /: those built into lockstepd (web_board.h), or a folder's
// (--web-root) read into memory once at start-up, so that serving them never touches the disk
// from an I/O thread.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "http/message.h"

namespace lockstep::http {

class StaticFiles {
 public:
  // Every file under `root` (nothing when it does not exist); empty `root`: the board built into
  // lockstepd.
  explicit StaticFiles(const std::string& root);

  // The answer for GET/HEAD `path`, or nullopt when it is not a file of the board. "/" is
  // index.html.
  std::optional<Response> serve(const Request& req) const;
  bool empty() const { return files_.empty(); }

 private:
  struct File {
    std::string content;
    std::string type;
    std::string etag;
  };
  void add(std::string url, std::string content);

  std::map<std::string, File, std::less<>> files_;  // by URL path
};

}  // namespace lockstep::http
