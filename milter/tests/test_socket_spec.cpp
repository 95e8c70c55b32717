// test_socket_spec.cpp: milter.socket is parsed strictly before libmilter sees it: good forms
// round-trip, bad ones are errors with a reason (never a truncated path or an open port on
// every interface). Rules: R-MYO-12.
#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "milter/socket_spec.hpp"

using namespace mailwarden::milter;

TEST_CASE("milter socket spec: accepted forms round-trip to libmilter's syntax") {
    struct row {
        std::string text, libmilter;
        socket_family family;
    };
    const std::string longest = "/" + std::string(max_unix_path_bytes() - 1, 's');
    const row rows[] = {
        {"unix:/run/mailwarden/milter.sock", "unix:/run/mailwarden/milter.sock",
         socket_family::unix_path},
        {"local:/tmp/m.sock", "unix:/tmp/m.sock", socket_family::unix_path},
        {"unix:" + longest, "unix:" + longest, socket_family::unix_path},
        {"inet:8891@127.0.0.1", "inet:8891@127.0.0.1", socket_family::inet},
        {"inet:1@127.0.0.1", "inet:1@127.0.0.1", socket_family::inet},
        {"inet:65535@localhost", "inet:65535@localhost", socket_family::inet},
        {"inet6:8891@::1", "inet6:8891@::1", socket_family::inet6},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        const socket_spec spec = parse_socket_spec(r.text);
        CHECK(spec.family == r.family);
        CHECK(spec.to_libmilter() == r.libmilter);
        CHECK(spec.is_unix() == (r.family == socket_family::unix_path));
    }
    CHECK(parse_socket_spec("inet:8891@127.0.0.1").port == 8891);
    CHECK(parse_socket_spec("inet:8891@127.0.0.1").host == "127.0.0.1");
}

TEST_CASE("milter socket spec: bad values are refused with the reason") {
    struct row {
        std::string text, reason;
    };
    const row rows[] = {
        {"", "socket must be"},
        {"/run/m.sock", "socket must be"},
        {"tcp:8891@127.0.0.1", "unknown socket type 'tcp'"},
        {"unix:", "must be absolute"},
        {"unix:relative/m.sock", "must be absolute"},
        {"unix:/" + std::string(max_unix_path_bytes(), 's'), "the limit is"},  // one too many
        {"inet:8891", "explicit address: inet:8891@127.0.0.1"},
        {"inet:8891@", "explicit address"},
        {"inet6:8891", "explicit address: inet6:8891@::1"},
        {"inet:0@127.0.0.1", "port must be 1..65535"},
        {"inet:65536@127.0.0.1", "port must be 1..65535"},
        {"inet:-1@127.0.0.1", "port must be 1..65535"},
        {"inet:88x1@127.0.0.1", "port must be 1..65535"},
        {"inet:@127.0.0.1", "port must be 1..65535"},
        {"inet:8891@127.0.0.1@x", "is not an address"},
        {"inet:8891@127.0.0.1\n", "control character"},
        {std::string("unix:/tmp/a\0b", 13), "control character"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        try {
            (void)parse_socket_spec(r.text);
            FAIL("accepted a bad socket");
        } catch (const std::invalid_argument& e) {
            CHECK(std::string(e.what()).find(r.reason) != std::string::npos);
        }
    }
}
