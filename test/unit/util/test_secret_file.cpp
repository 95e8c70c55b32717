// test_secret_file.cpp: the bind password file warning (secret_file.hpp): modes that open
// the secret to other local users warn; the intended layouts (0600, 0640, 0400) do not.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

#include "core/util/secret_file.hpp"

using mailwarden::secret_file::exposure;
using mailwarden::secret_file::warn_if_exposed;

TEST_CASE("secret file: modes that expose the secret, and those that do not") {
    CHECK(exposure(S_IFREG | 0600) == "");
    CHECK(exposure(S_IFREG | 0640) == "");  // root:mailwarden, the documented layout
    CHECK(exposure(S_IFREG | 0400) == "");
    CHECK(exposure(S_IFREG | 0440) == "");
    CHECK(exposure(S_IFREG | 0644) == "readable by every local user (mode 0644)");
    CHECK(exposure(S_IFREG | 0604) == "readable by every local user (mode 0604)");
    CHECK(exposure(S_IFREG | 0602) == "writable by every local user (mode 0602)");
    CHECK(exposure(S_IFREG | 0601) == "open to every local user (mode 0601)");
    CHECK(exposure(S_IFREG | 0660) == "writable by its group (mode 0660)");
    CHECK(exposure(S_IFREG | 0777) == "readable by every local user (mode 0777)");
}

TEST_CASE("secret file: warn_if_exposed looks at the open file") {
    char name[] = "/tmp/mailwarden-secret-XXXXXX";
    const int fd = mkstemp(name);
    REQUIRE(fd >= 0);
    REQUIRE(fchmod(fd, 0640) == 0);
    CHECK(warn_if_exposed(fd, name) == "");
    REQUIRE(fchmod(fd, 0644) == 0);
    const std::string path = name;
    const std::string expected = "secret file " + path +
                                 " is readable by every local user (mode 0644); chmod o-rwx,g-w " +
                                 path;
    CHECK(warn_if_exposed(fd, name) == expected);
    CHECK(warn_if_exposed(fd, name) == expected);  // printed once, still reported
    ::close(fd);
    ::unlink(name);
    CHECK(warn_if_exposed(-1, "/nonexistent") == "");  // fstat fails: the read will say why
}
