// Request bytes through the server's own parsing path: Beast's parser with the server's limits,
// the target decoding and header handling of to_request(), then every header-driven parser.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/json/parse.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "core/preconditions.h"
#include "http/idempotency.h"
#include "http/problem.h"
#include "http/request_parse.h"
#include "service/idempotency_service.h"
#include "service/task_service.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  http::RequestParser parser;
  http::limit_parser(parser, 16 << 10, 1 << 20);
  parser.eager(true);
  boost::beast::error_code ec;
  std::size_t used = 0;
  while (used < size && !parser.is_done()) {
    std::size_t n = parser.put(boost::asio::buffer(data + used, size - used), ec);
    if (ec == boost::beast::http::error::need_more) break;
    if (ec) return 0;
    if (n == 0) break;
    used += n;
  }
  if (!parser.is_done()) return 0;
  // Every problem is valid JSON, whatever bytes of the request it quotes (API.md §1).
  auto valid_problem = [](const Error& e) {
    boost::system::error_code json_ec;
    (void)boost::json::parse(http::problem(e).body, json_ec);
    if (json_ec) std::abort();
  };
  auto req = http::to_request(parser.release());
  if (!req) {
    valid_problem(req.error());
    return 0;
  }
  Error quoting(Code::kNotFound, "No such resource: " + req->path);
  for (const auto& [key, value] : req->query) quoting.errors.push_back({key, value});
  valid_problem(quoting);
  ConditionalHeaders h{req->header_string("if-match"), req->header_string("if-none-match"),
                       req->header_string("if-modified-since"), req->header_string("if-unmodified-since")};
  if (auto c = Conditions::parse(h)) {
    Representation rep{make_etag(3, 7), 1'700'000'000'000};
    (void)evaluate(*c, &rep, req->method == "GET");
    if (needs_earlier_change(*c, rep.last_modified, req->method == "GET")) rep.earlier_change = 1'700'000'000'000 - 1;
    (void)evaluate(*c, &rep, req->method == "GET");
    (void)evaluate(*c, nullptr, false);
  }
  if (auto key = req->header("idempotency-key")) (void)valid_idempotency_key(*key);
  (void)Body::parse(req->body);
  return 0;
}
