#include "sse_reader.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <stdexcept>

namespace lockstep::testing {

namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

struct SseReader::Impl {
  net::io_context ioc;
  beast::tcp_stream stream{ioc};
  beast::flat_buffer buffer;
  bhttp::response_parser<bhttp::empty_body> parser;
  std::string pending;  // event text received but not yet split into events
  std::function<std::size_t(std::uint64_t, std::string_view, beast::error_code&)> on_body;
  bool ended = false;

  std::optional<SseEvent> take_event() {
    for (;;) {
      auto end = pending.find("\n\n");
      if (end == std::string::npos) return std::nullopt;
      std::string block = pending.substr(0, end);
      pending.erase(0, end + 2);
      SseEvent e;
      bool any = false;
      std::size_t pos = 0;
      while (pos <= block.size()) {
        auto nl = block.find('\n', pos);
        if (nl == std::string::npos) nl = block.size();
        std::string line = block.substr(pos, nl - pos);
        pos = nl + 1;
        if (line.empty() || line[0] == ':') continue;
        auto colon = line.find(':');
        std::string field = line.substr(0, colon);
        std::string value = colon == std::string::npos ? "" : line.substr(colon + 1);
        if (!value.empty() && value[0] == ' ') value.erase(0, 1);
        if (field == "id") e.id = value, any = true;
        if (field == "event") e.event = value, any = true;
        if (field == "data") e.data += value, any = true;
      }
      if (any) return e;
    }
  }
};

SseReader::SseReader(unsigned short port, const std::string& target, const std::string& token,
                     std::vector<std::pair<std::string, std::string>> headers)
    : impl_(std::make_unique<Impl>()) {
  auto& s = impl_->stream;
  s.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  bhttp::request<bhttp::empty_body> req(bhttp::verb::get, target, 11);
  req.set(bhttp::field::host, "127.0.0.1");
  if (!token.empty()) req.set(bhttp::field::authorization, "Bearer " + token);
  for (auto& [k, v] : headers) req.set(k, v);
  bhttp::write(s, req);
  impl_->parser.body_limit(boost::none);
  bhttp::read_header(s, impl_->buffer, impl_->parser);
  if (impl_->parser.get().result_int() != 200) {
    throw std::runtime_error("event stream answered " + std::to_string(impl_->parser.get().result_int()));
  }
  impl_->on_body = [this](std::uint64_t, std::string_view body, beast::error_code&) {
    impl_->pending.append(body.data(), body.size());
    return body.size();
  };
  impl_->parser.on_chunk_body(impl_->on_body);
}

SseReader::~SseReader() = default;

void SseReader::disconnect() {
  beast::error_code ec;
  impl_->stream.socket().close(ec);
  impl_->ended = true;
}

std::optional<SseEvent> SseReader::next(std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (auto e = impl_->take_event()) return e;
    if (impl_->ended || impl_->parser.is_done()) return std::nullopt;
    auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) return std::nullopt;
    beast::error_code ec;
    impl_->stream.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(left));
    bhttp::async_read_some(impl_->stream, impl_->buffer, impl_->parser,
                           [&](beast::error_code e, std::size_t) { ec = e; });
    impl_->ioc.restart();
    impl_->ioc.run();
    if (ec == beast::error::timeout) return std::nullopt;
    if (ec) {
      impl_->ended = true;
    }
  }
}

}  // namespace lockstep::testing
