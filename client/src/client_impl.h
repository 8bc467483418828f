// What a Client is made of, shared by the files that implement its calls: one way to send a
// request (with retries) and one way to turn its answer into a Result.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <chrono>
#include <optional>
#include <string>

#include "connection_pool.h"
#include "lockstep/client.h"

namespace lockstep {

namespace detail {

struct Request {
  std::string method;
  std::string target;  // path and query, already escaped
  std::string body;    // empty: none
  HttpHeaders headers;
  bool write = false;  // POST/PUT/PATCH/DELETE: gets an Idempotency-Key
  std::optional<std::string> idempotency_key;
  std::chrono::seconds server_wait{0};  // a wait the server may hold the request for
};

// The answer, or why there is none (the connection failed on every attempt).
struct Exchange {
  std::optional<HttpResponse> response;
  std::optional<Error> failure;
};

// Percent-escapes `s` for a path segment or a query value.
std::string escape(std::string_view s);

// Applies the preconditions and extras of `options` to `req`, and `body` as its JSON body
// (adding expectedVersion); an empty body object with no expectedVersion sends no body.
void apply_write_options(Request& req, const WriteOptions& options, boost::json::object body, bool always_send_body);

}  // namespace detail

struct Client::Impl {
  ClientOptions options;
  Endpoint endpoint;
  detail::ConnectionPool pool;

  // `tls`: what https:// connections trust (null for http://).
  Impl(ClientOptions o, Endpoint e, std::shared_ptr<detail::TlsTrust> tls)
      : options(std::move(o)),
        endpoint(std::move(e)),
        pool(endpoint.host, endpoint.port, options.max_idle_connections, std::move(tls)) {}

  // Sends `req`, retrying per options.retry; see RetryPolicy.
  detail::Exchange execute(const detail::Request& req);

  // execute(), then: a 2xx answer becomes parse(body object) (an empty body reads as {}); any
  // other answer an Error from its problem body; no answer the connection's Error.
  template <class T, class Parse>
  Result<T> call(const detail::Request& req, Parse parse) {
    detail::Exchange ex = execute(req);
    if (!ex.response) return Result<T>(std::move(*ex.failure));
    HttpResponse& r = *ex.response;
    if (r.status < 200 || r.status > 299) {
      Error e = Error::from_response(r);
      return Result<T>(std::move(e), std::move(r));
    }
    boost::json::object body;
    if (!r.body.empty()) {
      boost::json::error_code ec;
      boost::json::value v = boost::json::parse(r.body, ec);
      if (ec || !v.is_object()) {
        Error e = Error::make(r.status, kInvalidResponse, "the answer is not a JSON object: " + r.body.substr(0, 200));
        return Result<T>(std::move(e), std::move(r));
      }
      body = std::move(v.get_object());
    }
    T value = parse(body, r);  // before `r` is moved into the result
    return Result<T>(std::move(value), std::move(r));
  }

 private:
  detail::Exchange attempt(const detail::Request& req, const HttpHeaders& headers);
};

}  // namespace lockstep
