// The web board built into lockstepd: the files web/dist held when lockstepd was built, or, when
// it held none, one index.html that says how to build the board. Generated at build time
// (cmake/embed_web.cmake writes web_board.cc); StaticFiles serves it.
#pragma once

#include <span>
#include <string_view>

namespace lockstep::http {

struct BoardFile {
  std::string_view path;  // URL path: "/index.html", "/assets/..."
  std::string_view content;
};

// Static data: valid for the life of the program; thread-safe.
std::span<const BoardFile> built_in_board();

}  // namespace lockstep::http
