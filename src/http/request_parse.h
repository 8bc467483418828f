// How a session turns bytes into a Request: Beast's parser with the server's limits, then the
// target split and decoded and the header names lower-cased. Shared by the session and the
// request fuzzer, so that the fuzzer exercises the server's own parsing path.
#pragma once

#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include "core/error.h"
#include "http/message.h"

namespace lockstep::http {

using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;
using RequestMessage = boost::beast::http::request<boost::beast::http::string_body>;

// Sets the header and body limits on a fresh parser.
void limit_parser(RequestParser& parser, std::size_t max_header, std::size_t max_body);

// The Request of a message read whole; 400 when its target has a malformed percent-escape or a
// query parameter holding U+0000.
Result<Request> to_request(RequestMessage msg);

}  // namespace lockstep::http
