// The one translation unit that compiles Boost.Asio (with its OpenSSL layer) and Boost.Beast
// (separate compilation keeps every other file of the project from re-instantiating them).
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
