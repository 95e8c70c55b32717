// secret_file.cpp: the exposure check for secret files (see secret_file.hpp).
#include "core/util/secret_file.hpp"

#include <errno.h>  // program_invocation_short_name (GNU)
#include <fmt/format.h>
#include <sys/stat.h>

#include <cstdio>
#include <mutex>
#include <set>

namespace mailwarden::secret_file {

std::string exposure(mode_t mode) {
    const unsigned perms = static_cast<unsigned>(mode) & 07777U;
    std::string what;
    if ((mode & S_IROTH) != 0)
        what = "readable by every local user";
    else if ((mode & S_IWOTH) != 0)
        what = "writable by every local user";
    else if ((mode & S_IXOTH) != 0)
        what = "open to every local user";
    else if ((mode & S_IWGRP) != 0)
        what = "writable by its group";
    if (what.empty()) return what;
    return fmt::format("{} (mode {:04o})", what, perms);
}

std::string warn_if_exposed(int fd, std::string_view path) {
    struct stat st {};
    if (::fstat(fd, &st) != 0) return {};
    std::string why = exposure(st.st_mode);
    if (why.empty()) return why;
    std::string line = fmt::format("secret file {} is {}; chmod o-rwx,g-w {}", path, why, path);
    // Once per path: the milter reads the file at every LDAP (re)connect, on every thread.
    static std::mutex mutex;
    static std::set<std::string, std::less<>> warned;
    {
        const std::lock_guard lock(mutex);
        if (!warned.emplace(path).second) return line;
    }
    std::fputs(fmt::format("{}: warning: {}\n", program_invocation_short_name, line).c_str(),
               stderr);
    return line;
}

}  // namespace mailwarden::secret_file
