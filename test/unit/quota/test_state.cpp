// test_state.cpp: the per-mailbox state (grace start, announced warning level) survives a
// restart as one line in a file; damage reads as "no state", never as a crash (R-SAV-2).
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "core/quota/state.hpp"

namespace q = mailwarden::quota;
using mailwarden::seconds;
using mailwarden::time_point;

TEST_CASE("R-SAV-2: the state line round-trips") {
    q::mailbox_state st;
    CHECK(q::format_state(st) == "mailwarden-quota 1 over_since=- warned=0\n");
    st.grace.over_since = time_point{seconds{1'800'000'000}};
    st.warned_level = 2;
    const std::string line = q::format_state(st);
    CHECK(line == "mailwarden-quota 1 over_since=1800000000 warned=2\n");
    std::string error;
    auto back = q::parse_state(line, &error);
    REQUIRE(back);
    CHECK(*back == st);
    CHECK(q::parse_state("mailwarden-quota 1 over_since=5 future=x\n", &error));
    for (const char* bad : {"", "junk", "mailwarden-quota 2", "mailwarden-quota 1 over_since=x",
                            "mailwarden-quota 1 warned=-1", "mailwarden-quota 1 nokey"}) {
        CAPTURE(bad);
        CHECK_FALSE(q::parse_state(bad, &error));
        CHECK_FALSE(error.empty());
    }
}

TEST_CASE("R-SAV-2: the state file survives a restart and a damaged one reads as empty") {
    const std::string path = "/tmp/mwq-state-test-" + std::to_string(::getpid());
    std::string error;
    CHECK(q::load_state(path, &error) == q::mailbox_state{});  // missing: empty, no error
    CHECK(error.empty());
    q::mailbox_state st;
    st.grace.over_since = time_point{seconds{1234}};
    REQUIRE(q::save_state(path, st, &error));
    CHECK(q::load_state(path, &error) == st);
    { std::ofstream(path) << "garbage\n"; }
    CHECK(q::load_state(path, &error) == q::mailbox_state{});
    CHECK(error.find("not a mailwarden-quota") != std::string::npos);
    std::remove(path.c_str());
    CHECK_FALSE(q::save_state("/nonexistent-dir/x", st, &error));
}
