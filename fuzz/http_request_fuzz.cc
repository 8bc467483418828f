// Request bytes through the server's own parsing path: Beast's parser with the server's limits,
// the target decoding and header handling of to_request(), then every header-driven parser.
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/error.hpp>
#include <cstddef>
#include <cstdint>

#include "core/preconditions.h"
#include "http/idempotency.h"
#include "http/request_parse.h"
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
  auto req = http::to_request(parser.release());
  if (!req) return 0;
  ConditionalHeaders h{req->header_string("if-match"), req->header_string("if-none-match"),
                       req->header_string("if-modified-since"), req->header_string("if-unmodified-since")};
  if (auto c = Conditions::parse(h)) {
    Representation rep{make_etag(3, 7), 1'700'000'000'000};
    (void)evaluate(*c, &rep, req->method == "GET");
    (void)evaluate(*c, nullptr, false);
  }
  if (auto key = req->header("idempotency-key")) (void)http::valid_idempotency_key(*key);
  (void)Body::parse(req->body);
  return 0;
}
