// One structured JSON line per request (API.md §10). Lines are gathered in a bounded buffer and
// written to stderr by one thread in batches, so that logging never stalls an I/O thread on a slow
// terminal and costs a request no signal to another thread.
#pragma once

#include <chrono>
#include <string_view>

#include "http/message.h"

namespace lockstep::http {

// Sets up logging to standard error. Call once at start-up, before serving.
void init_logging();

// Log lines dropped because standard error could not keep up.
std::size_t dropped_log_lines();

// Flushes and stops the logger. Call once, at exit.
void shutdown_logging();

// Logs a line outside requests: {"time","level","msg", ...extra}.
void log_event(std::string_view level, std::string_view msg, std::string_view extra_json = "");

void log_request(std::string_view request_id, std::string_view method, const Response& response,
                 std::chrono::microseconds latency);

}  // namespace lockstep::http
