// socket_spec.hpp: parses and checks the milter.socket setting before libmilter sees it, so
// a bad value is a config error with a reason instead of a libmilter failure (or a path cut
// short by sockaddr_un). Accepted forms, as Postfix and libmilter write them:
//   "unix:/run/mailwarden/milter.sock"  (also "local:/path")
//   "inet:8891@127.0.0.1"               (port 1..65535, address required)
//   "inet6:8891@::1"
// No libmilter include: unit-tested without it.
// Rules: R-MYO-12 (the milter sits in a chain of milters at an address Postfix names).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailwarden::milter {

enum class socket_family { unix_path, inet, inet6 };

struct socket_spec {
    socket_family family = socket_family::unix_path;
    std::string path;        // unix_path only: absolute
    std::uint16_t port = 0;  // inet, inet6
    std::string host;        // inet, inet6: address or name to bind

    bool is_unix() const { return family == socket_family::unix_path; }
    // The connection string for smfi_setconn ("unix:/path", "inet:PORT@HOST", ...).
    std::string to_libmilter() const;
};

// The longest unix socket path the kernel stores (sizeof sockaddr_un::sun_path - 1).
std::size_t max_unix_path_bytes();

// Throws std::invalid_argument naming what is wrong, e.g.
//   "inet:8891"        -> "inet socket needs an explicit address: inet:8891@127.0.0.1"
//   "unix:relative"    -> "unix socket path must be absolute"
//   "inet:70000@x"     -> "port must be 1..65535"
// An inet socket must name its address: binding every interface by omission would expose
// the milter (which trusts the macros it is sent) to the network.
socket_spec parse_socket_spec(std::string_view text);

}  // namespace mailwarden::milter
