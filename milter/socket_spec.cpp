// socket_spec.cpp: milter.socket parsing (see socket_spec.hpp). Rules: R-MYO-12.
#include "milter/socket_spec.hpp"

#include <fmt/format.h>
#include <sys/un.h>

#include <charconv>
#include <stdexcept>

namespace mailwarden::milter {

namespace {

[[noreturn]] void fail(std::string_view why) { throw std::invalid_argument(std::string(why)); }

bool has_control_or_nul(std::string_view s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u < 0x20 || u == 0x7F) return true;
    }
    return false;
}

std::uint16_t parse_port(std::string_view text) {
    unsigned value = 0;
    const char* first = text.data();
    const char* last = text.data() + text.size();
    const auto [end, ec] = std::from_chars(first, last, value);
    if (text.empty() || ec != std::errc{} || end != last || value < 1 || value > 65535)
        fail(fmt::format("port must be 1..65535, not '{}'", text));
    return static_cast<std::uint16_t>(value);
}

}  // namespace

std::size_t max_unix_path_bytes() { return sizeof(sockaddr_un{}.sun_path) - 1; }

std::string socket_spec::to_libmilter() const {
    switch (family) {
        case socket_family::unix_path:
            return "unix:" + path;
        case socket_family::inet:
            return fmt::format("inet:{}@{}", port, host);
        case socket_family::inet6:
            return fmt::format("inet6:{}@{}", port, host);
    }
    return {};
}

socket_spec parse_socket_spec(std::string_view text) {
    if (has_control_or_nul(text)) fail("socket contains a control character");
    const auto colon = text.find(':');
    if (colon == std::string_view::npos)
        fail("socket must be unix:/path, inet:PORT@ADDRESS or inet6:PORT@ADDRESS");
    const std::string_view scheme = text.substr(0, colon);
    const std::string_view rest = text.substr(colon + 1);

    socket_spec spec;
    if (scheme == "unix" || scheme == "local") {
        if (rest.empty() || rest.front() != '/') fail("unix socket path must be absolute");
        if (rest.size() > max_unix_path_bytes())
            fail(fmt::format("unix socket path is {} bytes; the limit is {}", rest.size(),
                             max_unix_path_bytes()));
        spec.family = socket_family::unix_path;
        spec.path = std::string(rest);
        return spec;
    }
    if (scheme == "inet" || scheme == "inet6") {
        spec.family = scheme == "inet" ? socket_family::inet : socket_family::inet6;
        const auto at = rest.find('@');
        if (at == std::string_view::npos || at + 1 == rest.size())
            fail(fmt::format("{} socket needs an explicit address: {}:{}@{}", scheme, scheme,
                             rest.substr(0, at), scheme == "inet" ? "127.0.0.1" : "::1"));
        spec.port = parse_port(rest.substr(0, at));
        spec.host = std::string(rest.substr(at + 1));
        if (spec.host.find_first_of("@ /") != std::string::npos)
            fail(fmt::format("'{}' is not an address", spec.host));
        return spec;
    }
    fail(fmt::format("unknown socket type '{}': use unix, inet or inet6", scheme));
}

}  // namespace mailwarden::milter
