// test_directory_cache.cpp: the account cache in front of the directory, driven by a fake
// clock: positive answers for ldap.cache_ttl, negative for ldap.negative_cache_ttl,
// temporary failures never (so LDAP coming back is seen at the next message), the bound on
// entries, the failure verdict (DESIGN "three outcomes"), the shorter age for a sender's
// status (ldap.status_cache_ttl, R-TJP-5) and forgetting one entry (R-PSH-3).
#include <doctest/doctest.h>

#include <map>
#include <string>

#include "core/policy/directory.hpp"

using namespace mailwarden;
using namespace mailwarden::policy;

namespace {

class counting_directory final : public directory {
public:
    lookup_result lookup(std::string_view key) override {
        ++calls[std::string(key)];
        if (down) return lookup_result::temporary("server down");
        if (key == "alice@example.org") {
            account a;
            a.mail = "alice@example.org";
            return lookup_result::found(a);
        }
        return lookup_result::not_found();
    }
    std::map<std::string, int> calls;
    bool down = false;
};

}  // namespace

TEST_CASE("R-SAV-9: cached directory keeps found accounts for cache_ttl") {
    counting_directory inner;
    fake_clock now;
    cached_directory cache(inner, now, seconds{60}, seconds{10});
    CHECK(cache.lookup("alice@example.org").status == lookup_status::found);
    now.advance(seconds{59});
    CHECK(cache.lookup("alice@example.org").value->mail == "alice@example.org");
    CHECK(inner.calls["alice@example.org"] == 1);
    now.advance(seconds{1});  // ttl reached: asked again
    CHECK(cache.lookup("alice@example.org").status == lookup_status::found);
    CHECK(inner.calls["alice@example.org"] == 2);
}

TEST_CASE("R-SAV-9: cached directory keeps not_found for negative_cache_ttl only") {
    counting_directory inner;
    fake_clock now;
    cached_directory cache(inner, now, seconds{60}, seconds{10});
    CHECK(cache.lookup("nobody@example.org").status == lookup_status::not_found);
    now.advance(seconds{9});
    CHECK(cache.lookup("nobody@example.org").status == lookup_status::not_found);
    CHECK(inner.calls["nobody@example.org"] == 1);
    now.advance(seconds{1});
    CHECK(cache.lookup("nobody@example.org").status == lookup_status::not_found);
    CHECK(inner.calls["nobody@example.org"] == 2);
}

TEST_CASE("DESIGN three outcomes: temporary failures are never cached") {
    counting_directory inner;
    fake_clock now;
    cached_directory cache(inner, now, seconds{60}, seconds{10});
    inner.down = true;
    const auto r = cache.lookup("alice@example.org");
    CHECK(r.status == lookup_status::temporary_failure);
    CHECK(r.error == "server down");
    CHECK(cache.size() == 0);
    inner.down = false;  // LDAP back: the very next lookup sees it, no clock change needed
    CHECK(cache.lookup("alice@example.org").status == lookup_status::found);
    CHECK(inner.calls["alice@example.org"] == 2);
}

TEST_CASE("cached directory: ttl 0 disables caching; clear() forgets; size is bounded") {
    counting_directory inner;
    fake_clock now;
    cached_directory no_negative(inner, now, seconds{60}, seconds{0});
    no_negative.lookup("x@example.org");
    no_negative.lookup("x@example.org");
    CHECK(inner.calls["x@example.org"] == 2);

    cached_directory small(inner, now, seconds{60}, seconds{60}, 3);
    for (int i = 0; i < 10; ++i) small.lookup("u" + std::to_string(i) + "@example.org");
    CHECK(small.size() <= 3);
    small.clear();
    CHECK(small.size() == 0);
}

TEST_CASE("milter.on_dependency_failure: tempfail is 451 4.3.0, reject is 554 5.3.0") {
    CHECK(failure_verdict(action::tempfail, "account directory").to_smtp_string() ==
          "451 4.3.0 Temporary lookup failure: account directory unavailable, try again later");
    CHECK(failure_verdict(action::reject, "counter store").to_smtp_string() ==
          "554 5.3.0 Lookup failure: counter store unavailable");
    // Never an accept, even for an action the config does not offer.
    CHECK(failure_verdict(action::accept, "x").what == action::tempfail);
}

TEST_CASE("R-TJP-5: a sender's entry is read again once older than status_cache_ttl") {
    counting_directory inner;
    fake_clock now;
    cached_directory cache(inner, now, seconds{3600}, seconds{10});
    CHECK(cache.lookup_recent("alice@example.org", seconds{10}).status == lookup_status::found);
    now.advance(seconds{9});
    CHECK(cache.lookup_recent("alice@example.org", seconds{10}).status == lookup_status::found);
    CHECK(cache.lookup("alice@example.org").status == lookup_status::found);  // recipients
    CHECK(inner.calls["alice@example.org"] == 1);
    now.advance(seconds{1});  // 10 s old: a status change (block) is seen now
    CHECK(cache.lookup_recent("alice@example.org", seconds{10}).status == lookup_status::found);
    CHECK(inner.calls["alice@example.org"] == 2);
    // The fresh copy serves plain lookups for the rest of cache_ttl.
    now.advance(seconds{100});
    CHECK(cache.lookup("alice@example.org").status == lookup_status::found);
    CHECK(inner.calls["alice@example.org"] == 2);
    // 0: every sender lookup asks.
    CHECK(cache.lookup_recent("alice@example.org", seconds{0}).status == lookup_status::found);
    CHECK(cache.lookup_recent("alice@example.org", seconds{0}).status == lookup_status::found);
    CHECK(inner.calls["alice@example.org"] == 4);
    // Never longer than cache_ttl, whatever max_age says.
    now.advance(seconds{3600});
    CHECK(cache.lookup_recent("alice@example.org", seconds{86400}).status == lookup_status::found);
    CHECK(inner.calls["alice@example.org"] == 5);
}

TEST_CASE("R-PSH-3: forget() drops one entry (the milter changed it), others stay") {
    counting_directory inner;
    fake_clock now;
    cached_directory cache(inner, now, seconds{60}, seconds{60});
    cache.lookup("alice@example.org");
    cache.lookup("ghost@example.org");
    cache.forget("alice@example.org");
    cache.forget("never@seen.test");
    CHECK(cache.size() == 1);
    cache.lookup("alice@example.org");
    cache.lookup("ghost@example.org");
    CHECK(inner.calls["alice@example.org"] == 2);
    CHECK(inner.calls["ghost@example.org"] == 1);
    // A directory without a cache: lookup_recent is lookup, forget does nothing.
    login_only_directory plain;
    CHECK(plain.lookup_recent("x@example.org", seconds{0}).value->mail == "x@example.org");
    plain.forget("x@example.org");
}
