#include "http/static_files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "http/web_board.h"

namespace lockstep::http {
namespace {

std::string content_type(const std::filesystem::path& p) {
  const std::string ext = p.extension().string();
  if (ext == ".html") return "text/html; charset=utf-8";
  if (ext == ".js" || ext == ".mjs") return "text/javascript; charset=utf-8";
  if (ext == ".css") return "text/css; charset=utf-8";
  if (ext == ".svg") return "image/svg+xml";
  if (ext == ".png") return "image/png";
  if (ext == ".ico") return "image/x-icon";
  if (ext == ".json" || ext == ".map") return "application/json";
  if (ext == ".woff2") return "font/woff2";
  return "application/octet-stream";
}

}  // namespace

StaticFiles::StaticFiles(const std::string& root) {
  if (root.empty()) {
    for (const auto& file : built_in_board()) add(std::string(file.path), std::string(file.content));
    return;
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(root, ec)) return;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(root, ec)) {
    if (!entry.is_regular_file()) continue;
    std::ifstream in(entry.path(), std::ios::binary);
    std::ostringstream data;
    data << in.rdbuf();
    std::string url = "/";  // appended, not `"/" + string`: see make_etag
    url += std::filesystem::relative(entry.path(), root).generic_string();
    add(std::move(url), data.str());
  }
}

void StaticFiles::add(std::string url, std::string content) {
  std::string etag = "\"";
  etag += sha256_hex(content).substr(0, 16);
  etag += '"';
  std::string type = content_type(url);
  files_.emplace(std::move(url), File{std::move(content), std::move(type), std::move(etag)});
}

std::optional<Response> StaticFiles::serve(const Request& req) const {
  if (files_.empty() || (req.method != "GET" && req.method != "HEAD")) return std::nullopt;
  auto it = files_.find(req.path == "/" ? std::string_view("/index.html") : std::string_view(req.path));
  if (it == files_.end()) return std::nullopt;
  Response r;
  r.route = "/ (web board)";
  r.head = req.method == "HEAD";
  r.set("ETag", it->second.etag);
  // Hashed asset names never change content; the page itself is revalidated.
  r.set("Cache-Control", req.path.starts_with("/assets/") ? "public, max-age=31536000, immutable" : "no-cache");
  r.set("X-Content-Type-Options", "nosniff");
  if (it->first == "/index.html") {
    r.set("Content-Security-Policy",
          "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'");
  }
  auto inm = req.header("if-none-match");
  if (inm && *inm == it->second.etag) {
    r.status = 304;
    return r;
  }
  r.content_type = it->second.type;
  r.body = it->second.content;
  return r;
}

}  // namespace lockstep::http
