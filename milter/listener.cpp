// listener.cpp: the milter's listening socket (see listener.hpp); tells the callbacks which
// transport it is (unix socket: no-reply steps, callbacks.hpp). Rules: R-MYO-12.
// Security: runs as root before the privilege drop; touches only the socket it created and
// refuses to follow a symlink planted in its place.
// Failure: throws std::runtime_error; TCP_NODELAY problems are warnings (speed, not safety).
#include "milter/listener.hpp"

#include <fmt/format.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include "milter/callbacks.hpp"

namespace mailwarden::milter {

namespace {

std::string errno_text(int error) { return std::strerror(error); }

// The port a listening inet/inet6 socket is bound to, or nullopt for anything else.
std::optional<std::uint16_t> listening_inet_port(int fd) {
    int accepting = 0;
    socklen_t length = sizeof accepting;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &accepting, &length) != 0 || accepting != 1)
        return std::nullopt;
    sockaddr_storage address{};
    socklen_t address_length = sizeof address;
    if (getsockname(fd, reinterpret_cast<sockaddr*>(&address), &address_length) != 0)
        return std::nullopt;
    if (address.ss_family == AF_INET)
        return ntohs(reinterpret_cast<const sockaddr_in*>(&address)->sin_port);
    if (address.ss_family == AF_INET6)
        return ntohs(reinterpret_cast<const sockaddr_in6*>(&address)->sin6_port);
    return std::nullopt;
}

// libmilter keeps its listening descriptor private, so find it: the process's open
// descriptors (/proc/self/fd) that listen on the configured port.
int set_nodelay_on_listeners(std::uint16_t port, const log::logger& log) {
    int done = 0;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd", ec)) {
        const std::string name = entry.path().filename().string();
        int fd = -1;
        const auto [end, parse] = std::from_chars(name.data(), name.data() + name.size(), fd);
        if (parse != std::errc{} || end != name.data() + name.size()) continue;
        if (listening_inet_port(fd) != port) continue;
        const int on = 1;
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) {
            log.warning("milter socket: TCP_NODELAY: {}; replies may wait for delayed ACKs",
                        errno_text(errno));
            continue;
        }
        log.debug("milter socket: TCP_NODELAY set on listening descriptor {}", fd);
        ++done;
    }
    if (ec) log.warning("milter socket: cannot list /proc/self/fd: {}", ec.message());
    return done;
}

void secure_unix_socket(const std::string& path, const account& owner,
                        const std::string& socket_group, const log::logger& log) {
    gid_t group = owner.gid;
    if (!group_id_of(socket_group, group)) {
        group = owner.gid;
        log.warning(
            "milter socket: no group '{}' (milter.socket_group); socket {} gets group {} "
            "instead, so the MTA must be in that group",
            socket_group, path, owner.group);
    }
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0)
        throw std::runtime_error(fmt::format("milter socket {}: {}", path, errno_text(errno)));
    if (!S_ISSOCK(st.st_mode))
        throw std::runtime_error(fmt::format("milter socket {}: not a socket", path));
    if (lchown(path.c_str(), owner.uid, group) != 0)
        throw std::runtime_error(
            fmt::format("milter socket {}: chown: {}", path, errno_text(errno)));
    if (chmod(path.c_str(), 0660) != 0)
        throw std::runtime_error(
            fmt::format("milter socket {}: chmod: {}", path, errno_text(errno)));
}

}  // namespace

void open_listener(const socket_spec& spec, const account& owner, const std::string& socket_group,
                   const log::logger& log) {
    // libmilter keeps the pointer it is given: the string lives as long as the process.
    static std::string connection;
    connection = spec.to_libmilter();
    if (smfi_setconn(connection.data()) != MI_SUCCESS)
        throw std::runtime_error(fmt::format("smfi_setconn {} failed", connection));
    // true: remove a socket file left behind by an earlier run.
    if (smfi_opensocket(true) != MI_SUCCESS)
        throw std::runtime_error(
            fmt::format("cannot listen on {} (in use, or the directory is missing?)", connection));

    // The transport decides which replies the callbacks may leave out (callbacks.hpp).
    set_transport(spec.is_unix() ? transport::unix_socket : transport::tcp);
    if (spec.is_unix()) {
        secure_unix_socket(spec.path, owner, socket_group, log);
    } else if (set_nodelay_on_listeners(spec.port, log) == 0) {
        log.warning(
            "milter socket: found no listening descriptor on port {}; TCP_NODELAY not "
            "set, replies may wait for delayed ACKs",
            spec.port);
    }
}

}  // namespace mailwarden::milter
