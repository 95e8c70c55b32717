// test_diff.cpp: the diff every idempotent command relies on (R-MYO-9: an applied
// request changes nothing) and the GeneralizedTime of tombstones (R-MYO-4).
#include <doctest/doctest.h>

#include "provisioner/diff.hpp"

using namespace mailwarden;
using namespace mailwarden::provisioner;

TEST_CASE("R-MYO-9: an entry already in the wanted state needs no modification") {
    ldap::entry e{"uid=1", {{"cn", {"Ivan"}}, {"mwAlias", {"a@x", "b@x"}}}};
    const auto d = diff_entry(e, {{"cn", {"Ivan"}}, {"mwAlias", {"b@x", "a@x"}}});
    CHECK(d.mods.empty());
    CHECK(d.lines.empty());
}

TEST_CASE("R-MYO-9: differing, new and removed attributes become replaces") {
    ldap::entry e{"uid=1", {{"cn", {"Ivan"}}, {"title", {"Boss"}}, {"sn", {"P"}}}};
    const auto d = diff_entry(e, {{"cn", {"Ivan P"}}, {"title", {}}, {"l", {"Minsk"}}});
    REQUIRE(d.mods.size() == 3);
    CHECK(d.lines ==
          std::vector<std::string>{"-cn: Ivan", "+cn: Ivan P", "+l: Minsk", "-title: Boss"});
    for (const auto& m : d.mods) CHECK(m.op == ldap::mod_op::replace);
}

TEST_CASE("R-MYO-4: GeneralizedTime round-trips and refuses other shapes") {
    using namespace std::chrono;
    const sys_seconds t = sys_days{year{2026} / 1 / 31} + hours{23} + minutes{5} + seconds{9};
    CHECK(generalized_time(t) == "20260131230509Z");
    CHECK(parse_generalized_time("20260131230509Z") == t);
    for (const char* bad :
         {"", "20260131230509", "2026013123050Z", "20261331000000Z", "20260230000000Z",
          "20260131240000Z", "2026013123050aZ", "20260131230509.5Z"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_generalized_time(bad).has_value());
    }
}
