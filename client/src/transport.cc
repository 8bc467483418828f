#include "transport.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

namespace lockstep::detail {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
using tcp = net::ip::tcp;

TlsTrust::TlsTrust(const std::string& ca_file) : context_(ssl::context::tls_client) {
  context_.set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                       ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
  SSL_CTX_set_min_proto_version(context_.native_handle(), TLS1_2_VERSION);
  context_.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (ca_file.empty()) {
    context_.set_default_verify_paths(ec);
    if (ec) throw std::invalid_argument("cannot load the system's CA certificates: " + ec.message());
    return;
  }
  if (!std::ifstream(ca_file)) {
    throw std::invalid_argument("cannot read the CA file " + ca_file + ": " + std::strerror(errno));
  }
  context_.load_verify_file(ca_file, ec);
  if (ec) throw std::invalid_argument("the CA file " + ca_file + " holds no PEM certificate: " + ec.message());
}

namespace {

std::variant<Transport::Plain, Transport::Tls> make_stream(net::io_context& ioc, const std::shared_ptr<TlsTrust>& tls) {
  if (tls)
    return std::variant<Transport::Plain, Transport::Tls>(std::in_place_type<Transport::Tls>, ioc, tls->context());
  return std::variant<Transport::Plain, Transport::Tls>(std::in_place_type<Transport::Plain>, ioc);
}

// Which server the certificate must name: an address literal is checked against the
// certificate's IP addresses (and sent no SNI, which names hosts only), a name against its DNS
// names.
void expect_host(Transport::Tls& s, const std::string& host) {
  SSL* ssl = s.native_handle();
  beast::error_code not_ip;
  net::ip::make_address(host, not_ip);
  if (not_ip) {
    SSL_set_tlsext_host_name(ssl, host.c_str());
    SSL_set1_host(ssl, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), host.c_str());
  }
}

}  // namespace

Transport::Transport(net::io_context& ioc, const std::shared_ptr<TlsTrust>& tls) : stream_(make_stream(ioc, tls)) {}

beast::tcp_stream& Transport::tcp() {
  return std::visit([](auto& s) -> beast::tcp_stream& { return beast::get_lowest_layer(s); }, stream_);
}

void Transport::async_open(const tcp::endpoint& endpoint, const std::string& host,
                           std::function<void(beast::error_code)> done) {
  tcp().async_connect(endpoint, [this, host, done = std::move(done)](beast::error_code ec) {
    if (ec) return done(ec);
    beast::error_code ignored;
    tcp().socket().set_option(tcp::no_delay(true), ignored);
    auto* tls = std::get_if<Tls>(&stream_);
    if (tls == nullptr) return done(ec);
    expect_host(*tls, host);
    tls->async_handshake(ssl::stream_base::client, done);
  });
}

std::string Transport::tls_failure(const beast::error_code& ec) {
  auto* tls = std::get_if<Tls>(&stream_);
  if (tls == nullptr || ec.category() != net::error::get_ssl_category()) return "";
  const long verify = SSL_get_verify_result(tls->native_handle());
  if (verify == X509_V_ERR_HOSTNAME_MISMATCH || verify == X509_V_ERR_IP_ADDRESS_MISMATCH) {
    return std::string("the server's TLS certificate is not for this host (") + X509_verify_cert_error_string(verify) +
           ")";
  }
  if (verify != X509_V_OK) {
    return std::string("the server's TLS certificate is not trusted (") + X509_verify_cert_error_string(verify) +
           "); give its CA with the ca_file option (CLI: --cacert)";
  }
  return "TLS handshake failed (" + ec.message() + "); does the server speak HTTPS?";
}

}  // namespace lockstep::detail
