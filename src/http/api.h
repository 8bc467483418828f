// The API: routes a Request to its use case, runs it on the store's threads, and answers. The I/O
// thread that calls handle() never waits: reads go to the store's readers, writes to its writer.
#pragma once

#include <cstddef>
#include <functional>

#include "core/time.h"
#include "http/message.h"
#include "store/store.h"

namespace lockstep::http {

struct ApiOptions {
  bool require_preconditions = false;
  bool insecure_no_auth = false;
  std::size_t max_pending_writes = 4096;
};

class Api {
 public:
  using Respond = std::function<void(Response)>;

  // `store` and `clock` must outlive the Api.
  Api(Store& store, const Clock& clock, ApiOptions options);

  // Answers `req` by calling `respond` exactly once, possibly on another thread, possibly before
  // handle() returns. Thread-safe.
  void handle(Request req, Respond respond);

 private:
  struct Route;
  Route match(const Request& req) const;
  void run_read(Request req, Route route, Respond respond);
  void run_write(Request req, Route route, Respond respond);
  Response dispatch(Tx& tx, const Request& req, const Route& route, const Principal& who);

  Store& store_;
  const Clock& clock_;
  ApiOptions options_;
};

}  // namespace lockstep::http
