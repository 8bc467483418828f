// HTTP transcripts as data (tests/http/README.md): parsing a `.http` file into steps, and
// checking an answer against a step's expectation with the placeholders captured so far. Pure
// functions of text: no socket here, so the matcher's own tests need no server.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lockstep/http_response.h"

namespace lockstep::testing::http {

// A placeholder's name -> its value as text (a JSON string's content, or another JSON value as
// written), captured by the first expectation that names it.
using Bindings = std::map<std::string, std::string>;

struct ExpectedHeader {
  std::string name;
  std::string value;    // a pattern (placeholders, or `*` alone for any value)
  bool absent = false;  // `!Name`: the answer must not carry it
};

struct Step {
  std::string title;             // the text after `###`
  int line = 0;                  // of the `###`, for messages
  std::string known_difference;  // `# @known-difference WHY`: the step is expected to fail
  std::string method, target;
  HttpHeaders headers;  // with placeholders, substituted when sent
  std::string body;
  int status = 0;
  std::vector<ExpectedHeader> expected_headers;
  std::string expected_body;  // JSON (with placeholders, `*` and `...`), text, `*`, or empty
};

struct Transcript {
  std::string name;  // the file's stem
  std::string path;
  std::vector<std::string> server_flags;  // `# @server FLAGS`: what lockstepd must be started with
  std::vector<Step> steps;
};

// Parses the text of a `.http` file. Throws std::runtime_error naming the line on a syntax error.
Transcript parse_transcript(const std::string& text, const std::string& path);

// `text` with every {{name}} replaced by its binding; in a JSON body (`json_escape`) the value is
// escaped as inside a JSON string. Throws std::runtime_error naming an unbound placeholder.
std::string substitute(const std::string& text, const Bindings& bindings, bool json_escape);

// Checks `got` against `step`'s expectation, adding the placeholders it captures to `bindings`.
// nullopt when it matches; otherwise every mismatch found, one a line.
std::optional<std::string> check_response(const Step& step, const HttpResponse& got, Bindings& bindings);

// `got` as a reader of the transcript would write it (status line, headers, pretty JSON body).
std::string describe_response(const HttpResponse& got);

}  // namespace lockstep::testing::http
