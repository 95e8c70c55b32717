// process.cpp: account lookup, privilege drop and daemonising (see process.hpp).
// Security: runs as root before the drop; uses the reentrant lookups with buffers sized at
// run time (no fixed buffers, no static results shared with other threads).
// Failure: throws std::runtime_error naming the call and errno's text.
#include "milter/process.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <grp.h>
#include <pwd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "core/util/secret_file.hpp"

namespace mailwarden::milter {

namespace {

[[noreturn]] void fail_errno(std::string_view what, int error) {
    throw std::runtime_error(fmt::format("{}: {}", what, std::strerror(error)));
}

// Calls lookup(buffer) with a buffer that grows while the C library says ERANGE.
// lookup returns the getpwnam_r-style error code; found says whether an entry exists.
template <typename Lookup>
bool with_growing_buffer(long size_hint, Lookup&& lookup) {
    std::size_t size = size_hint > 0 ? static_cast<std::size_t>(size_hint) : 1024;
    constexpr std::size_t max_size = 1 << 20;
    for (;;) {
        std::vector<char> buffer(size);
        bool found = false;
        const int error = lookup(buffer, found);
        if (error == 0) return found;
        if (error != ERANGE || size >= max_size) fail_errno("user/group lookup", error);
        size *= 2;
    }
}

bool lookup_user(const std::string& name, uid_t& uid, gid_t& gid) {
    return with_growing_buffer(
        sysconf(_SC_GETPW_R_SIZE_MAX), [&](std::vector<char>& buf, bool& found) {
            passwd entry{};
            passwd* result = nullptr;
            const int error = getpwnam_r(name.c_str(), &entry, buf.data(), buf.size(), &result);
            found = error == 0 && result != nullptr;
            if (found) {
                uid = entry.pw_uid;
                gid = entry.pw_gid;
            }
            return error;
        });
}

bool lookup_group(const std::string& name, gid_t& gid) {
    return with_growing_buffer(
        sysconf(_SC_GETGR_R_SIZE_MAX), [&](std::vector<char>& buf, bool& found) {
            group entry{};
            group* result = nullptr;
            const int error = getgrnam_r(name.c_str(), &entry, buf.data(), buf.size(), &result);
            found = error == 0 && result != nullptr;
            if (found) gid = entry.gr_gid;
            return error;
        });
}

std::string group_name(gid_t gid) {
    std::string name = std::to_string(gid);
    with_growing_buffer(sysconf(_SC_GETGR_R_SIZE_MAX), [&](std::vector<char>& buf, bool& found) {
        group entry{};
        group* result = nullptr;
        const int error = getgrgid_r(gid, &entry, buf.data(), buf.size(), &result);
        found = error == 0 && result != nullptr;
        if (found) name = entry.gr_name;
        return error;
    });
    return name;
}

}  // namespace

account resolve_account(const std::string& user, const std::string& group) {
    account a;
    a.user = user;
    if (user.empty()) throw std::runtime_error("milter.user is empty");
    if (!lookup_user(user, a.uid, a.gid))
        throw std::runtime_error(fmt::format("milter.user: no such user '{}'", user));
    if (a.uid == 0)
        throw std::runtime_error(
            fmt::format("milter.user: '{}' is root; the milter never runs as root", user));
    if (group.empty()) {
        a.group = group_name(a.gid);
    } else {
        a.group = group;
        if (!lookup_group(group, a.gid))
            throw std::runtime_error(fmt::format("milter.group: no such group '{}'", group));
    }
    if (a.gid == 0)
        throw std::runtime_error(
            fmt::format("milter.group: '{}' is gid 0; the milter never runs as root", a.group));
    return a;
}

bool primary_group_of(const std::string& user, gid_t& gid) {
    uid_t uid = 0;
    return lookup_user(user, uid, gid);
}

bool group_id_of(const std::string& name, gid_t& gid) { return lookup_group(name, gid); }

bool running_as_root() {
    uid_t real = 0, effective = 0, saved = 0;
    if (getresuid(&real, &effective, &saved) != 0) fail_errno("getresuid", errno);
    return real == 0 || effective == 0 || saved == 0;
}

bool drop_privileges(const account& to) {
    if (geteuid() != 0) return false;
    if (initgroups(to.user.c_str(), to.gid) != 0) fail_errno("initgroups", errno);
    if (setresgid(to.gid, to.gid, to.gid) != 0) fail_errno("setresgid", errno);
    if (setresuid(to.uid, to.uid, to.uid) != 0) fail_errno("setresuid", errno);

    // Trust nothing: prove that root is gone for good.
    uid_t ru = 0, eu = 0, su = 0;
    gid_t rg = 0, eg = 0, sg = 0;
    if (getresuid(&ru, &eu, &su) != 0) fail_errno("getresuid", errno);
    if (getresgid(&rg, &eg, &sg) != 0) fail_errno("getresgid", errno);
    if (ru != to.uid || eu != to.uid || su != to.uid || rg != to.gid || eg != to.gid ||
        sg != to.gid)
        throw std::runtime_error("privilege drop did not take effect");
    if (setuid(0) != -1) throw std::runtime_error("setuid(0) still works after the drop");
    return true;
}

int secret_memfd(const std::string& path, const account& owner) {
    constexpr std::size_t max_secret = 4096 + 2;  // the LDAP code's bound, plus a CRLF
    const auto fail = [&](std::string_view what, int error) -> int {
        throw std::runtime_error(fmt::format("{}: {}: {}", path, what, std::strerror(error)));
    };
    const int in = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (in < 0) fail("cannot open", errno);
    (void)secret_file::warn_if_exposed(in, path);  // a write credential deserves the warning most
    std::array<char, max_secret + 1> buffer{};
    std::size_t size = 0;
    int read_error = 0;
    while (size < buffer.size()) {
        const ssize_t n = ::read(in, buffer.data() + size, buffer.size() - size);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) read_error = errno;
        if (n <= 0) break;
        size += static_cast<std::size_t>(n);
    }
    ::close(in);
    struct wipe {
        std::array<char, max_secret + 1>& b;
        ~wipe() { explicit_bzero(b.data(), b.size()); }
    } wiper{buffer};
    if (read_error != 0) fail("cannot read", read_error);
    if (size == 0) throw std::runtime_error(fmt::format("{}: the password file is empty", path));
    if (size > max_secret)
        throw std::runtime_error(fmt::format("{}: longer than 4096 bytes", path));

    const int fd = ::memfd_create("mailwarden-write-secret", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (fd < 0) fail("memfd_create", errno);
    const auto fail_closing = [&](std::string_view what) {
        const int error = errno;
        ::close(fd);
        fail(what, error);
    };
    for (std::size_t done = 0; done < size;) {
        const ssize_t n = ::write(fd, buffer.data() + done, size - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) fail_closing("memfd write");
        done += static_cast<std::size_t>(n);
    }
    if (::geteuid() == 0 && ::fchown(fd, owner.uid, owner.gid) != 0) fail_closing("memfd chown");
    if (::fchmod(fd, 0400) != 0) fail_closing("memfd chmod");
    if (::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) != 0)
        fail_closing("memfd seal");
    return fd;
}

void daemonize() {
    std::fflush(nullptr);
    const pid_t pid = fork();
    if (pid < 0) fail_errno("fork", errno);
    if (pid > 0) _exit(0);  // the parent: no atexit handlers, no second flush
    if (setsid() < 0) fail_errno("setsid", errno);
    if (chdir("/") != 0) fail_errno("chdir /", errno);
    const int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) fail_errno("open /dev/null", errno);
    for (int fd = 0; fd <= 2; ++fd)
        if (dup2(null_fd, fd) < 0) fail_errno("dup2 /dev/null", errno);
    if (null_fd > 2) close(null_fd);
}

}  // namespace mailwarden::milter
