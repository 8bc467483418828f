// Request bodies through JSON parsing and every body validator of the API.
#include <boost/json.hpp>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "domain/lock.h"
#include "domain/product.h"
#include "domain/task.h"
#include "service/task_service.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace lockstep;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Body body = Body::parse(text);
  if (!body.json) return 0;
  {
    // The strict parse builds what Boost.JSON's own parser builds: it only refuses more.
    boost::json::parse_options options;
    options.max_depth = 64;
    boost::system::error_code ec;
    if (boost::json::parse(text, ec, {}, options) != *body.json || ec) std::abort();
  }
  const Millis now = 1'800'000'000'000;
  for (auto kind : {WriteKind::kCreate, WriteKind::kReplace, WriteKind::kPatch}) {
    auto w = parse_task_write(*body.json, kind, now, kind == WriteKind::kCreate ? "" : "task-1");
    if (!w) continue;
    const Task t{"task-1", w->apply_to({}), 1, 1, now, now, "fuzz", std::nullopt};
    // Whatever the body held, the representation is valid JSON carrying the title written.
    boost::system::error_code ec;
    auto v = boost::json::parse(task_json(t), ec);
    if (ec || !v.is_object() || v.as_object().at("taskTitle").as_string() != t.fields.title) std::abort();
  }
  (void)parse_delete_body(*body.json);
  (void)parse_lock_request(&*body.json);
  (void)parse_product_write(*body.json, true);
  (void)parse_product_write(*body.json, false);
  return 0;
}
