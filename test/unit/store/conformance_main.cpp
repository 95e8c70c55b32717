// conformance_main.cpp: mailwarden_store_conformance, the store conformance suite
// (store_conformance.hpp) as a program, for the integration test that runs it over a real
// Redis (and LMDB) so both backends are proven to give the same answers (R-PSH-6).
//   MW_STORE=redis:tcp://127.0.0.1:PORT | lmdb:/PATH  mailwarden_store_conformance
#define DOCTEST_CONFIG_IMPLEMENT_WITH_MAIN
#include <doctest/doctest.h>

#include <chrono>
#include <cstdlib>
#include <string>

#include "core/store/lmdb_store.hpp"
#include "core/store/redis_store.hpp"
#include "test/unit/store/store_conformance.hpp"

using namespace mailwarden;

TEST_CASE("R-PSH-6: counter store conformance (MW_STORE)") {
    const char* spec = std::getenv("MW_STORE");
    REQUIRE_MESSAGE(spec != nullptr, "set MW_STORE=redis:URI or lmdb:PATH");
    const std::string s = spec;
    // Fresh keys per subcase run, so Redis state of one run never leaks into the next.
    static int run = 0;
    const std::string prefix = "run" + std::to_string(++run) + ":" +
                               std::to_string(std::chrono::steady_clock::now().time_since_epoch().count()) + ":";
    if (s.starts_with("redis:")) {
        const std::string uri = s.substr(6);
        test::run_store_conformance([&] { return std::make_unique<store::redis_store>(uri); },
                                    prefix, true);
    } else if (s.starts_with("lmdb:")) {
        const std::string path = s.substr(5);
        test::run_store_conformance([&] { return std::make_unique<store::lmdb_store>(path); },
                                    prefix, false);
    } else {
        FAIL("MW_STORE must start with redis: or lmdb:");
    }
}
