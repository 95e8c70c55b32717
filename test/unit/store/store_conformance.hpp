// store_conformance.hpp: ONE suite every counter store must pass with the same answers as
// the pure decision (policy::apply): R-PSH-6 cap, block start, block held and lifted,
// refused attempts not counted, reset, keys apart, state kept by a second handle (restart),
// atomic check-and-increment under 8 threads, and a long pseudo-random run compared answer
// by answer with the reference. The unit binary runs it over LMDB; the integration test
// "R-PSH-6: counter stores agree" runs test/unit/store/conformance_main.cpp over LMDB and a
// real Redis (test/servers/redis.sh).
#pragma once

#include <doctest/doctest.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/policy/send_cap.hpp"
#include "core/store/counter_store.hpp"

namespace mailwarden::test {

using store_factory = std::function<std::unique_ptr<store::counter_store>()>;

inline policy::cap_decision must(const store::cap_answer& a) {
    INFO("store error: " << a.error);
    REQUIRE(a.ok);
    return a.decision;
}

// `separate_handles`: the store may be opened more than once at a time (Redis: each handle
// is another MTA). LMDB may not (one environment per process), so its threads share one.
inline void run_store_conformance(const store_factory& make, const std::string& key_prefix,
                                  bool separate_handles) {
    using policy::cap_outcome;
    auto s = make();
    const std::int64_t t0 = 1'800'000'000;  // a bucket boundary (divisible by 300)
    policy::cap_params p;
    p.limit = 3;
    p.window = 3600;
    p.bucket = 300;
    p.block_duration = 7200;
    const std::string alice = key_prefix + "alice@example.org";

    SUBCASE("R-PSH-6: the send over the cap is refused and starts the block") {
        for (std::uint64_t i = 1; i <= 3; ++i) {
            const auto d = must(s->check_and_add(alice, p, t0 + static_cast<std::int64_t>(i), 1));
            CHECK(d.outcome == cap_outcome::allowed);
            CHECK(d.used == i);
        }
        const auto over = must(s->check_and_add(alice, p, t0 + 10, 1));
        CHECK(over.outcome == cap_outcome::over_limit);
        CHECK(over.used == 3);
        CHECK(over.blocked_until == t0 + 10 + 7200);
        // During the block every send is refused and not counted.
        const auto during = must(s->check_and_add(alice, p, t0 + 7209, 1));
        CHECK(during.outcome == cap_outcome::blocked);
        CHECK(during.blocked_until == t0 + 7210);
        CHECK(must(s->peek(alice, p, t0 + 7209)).outcome == cap_outcome::blocked);
        // A new handle (a restarted milter) sees the block.
        s.reset();
        auto again = make();
        CHECK(must(again->peek(alice, p, t0 + 7000)).blocked_until == t0 + 7210);
        // It lifts by itself; the old sends have left the 1 h window.
        const auto after = must(again->check_and_add(alice, p, t0 + 7210, 1));
        CHECK(after.outcome == cap_outcome::allowed);
        CHECK(after.used == 1);
    }
    SUBCASE("R-PSH-6: the window rolls per bucket; refused sends are not counted") {
        policy::cap_params nb = p;
        nb.block_duration = 0;  // refuse only what is over
        CHECK(must(s->check_and_add(alice, nb, t0, 2)).used == 2);
        CHECK(must(s->check_and_add(alice, nb, t0 + 1800, 1)).used == 3);
        CHECK(must(s->check_and_add(alice, nb, t0 + 1801, 1)).outcome == cap_outcome::over_limit);
        CHECK(must(s->check_and_add(alice, nb, t0 + 3599, 1)).outcome == cap_outcome::over_limit);
        // At t0 + 3600 the bucket of t0 leaves the window: 2 sends freed.
        const auto d = must(s->check_and_add(alice, nb, t0 + 3600, 2));
        CHECK(d.outcome == cap_outcome::allowed);
        CHECK(d.used == 3);
        // A message to more recipients than the whole cap (count: recipients).
        CHECK(must(s->check_and_add(key_prefix + "big@example.org", nb, t0, 4)).outcome ==
              cap_outcome::over_limit);
    }
    SUBCASE("R-PSH-6: reset lifts a block; keys are apart; limit 0 counts nothing") {
        for (int i = 0; i < 4; ++i) (void)must(s->check_and_add(alice, p, t0, 1));
        CHECK(must(s->peek(alice, p, t0)).outcome == cap_outcome::blocked);
        CHECK(must(s->peek(key_prefix + "bob@example.org", p, t0)).used == 0);
        CHECK(s->reset(alice).ok);
        const auto d = must(s->peek(alice, p, t0));
        CHECK(d.outcome == cap_outcome::allowed);
        CHECK(d.used == 0);
        policy::cap_params none = p;
        none.limit = 0;
        CHECK(must(s->check_and_add(alice, none, t0, 50)).outcome == cap_outcome::allowed);
        CHECK(must(s->peek(alice, p, t0)).used == 0);
    }
    SUBCASE("R-PSH-3: activation marks are kept apart from the counts") {
        std::string error;
        CHECK(s->activation_seen(alice, error) == std::optional<std::int64_t>{0});
        REQUIRE(s->record_activation(alice, t0 + 5, error));
        CHECK(s->activation_seen(alice, error) == std::optional<std::int64_t>{t0 + 5});
        CHECK(must(s->peek(alice, p, t0)).used == 0);
        s.reset();
        auto again = make();
        CHECK(again->activation_seen(alice, error) == std::optional<std::int64_t>{t0 + 5});
        // `user activate-pending` clears it once applied; clearing twice is fine.
        REQUIRE(again->clear_activation(alice, error));
        CHECK(again->activation_seen(alice, error) == std::optional<std::int64_t>{0});
        CHECK(again->clear_activation(alice, error));
    }
    SUBCASE("R-PSH-6: list_blocked names running blocks only, never activation marks") {
        std::string error;
        const std::string bob = key_prefix + "bob@example.org";
        const std::string carol = key_prefix + "carol@example.org";
        for (int i = 0; i < 4; ++i) (void)must(s->check_and_add(bob, p, t0, 1));   // blocked
        for (int i = 0; i < 4; ++i) (void)must(s->check_and_add(alice, p, t0, 1)); // blocked
        (void)must(s->check_and_add(carol, p, t0, 1));  // counted, not blocked
        REQUIRE(s->record_activation(carol, t0, error));
        auto mine = [&](std::int64_t now) {
            const auto all = s->list_blocked(now, error);
            INFO("store error: " << error);
            REQUIRE(all.has_value());
            std::vector<store::counter_store::blocked_key> out;  // other runs share Redis
            for (const auto& b : *all)
                if (b.key.starts_with(key_prefix)) out.push_back(b);
            return out;
        };
        const std::vector<store::counter_store::blocked_key> both{
            {alice, t0 + p.block_duration}, {bob, t0 + p.block_duration}};
        CHECK(mine(t0 + 1) == both);
        CHECK(mine(t0 + p.block_duration).empty());  // ended: not listed
        CHECK(s->reset(bob).ok);
        CHECK(mine(t0 + 1) ==
              std::vector<store::counter_store::blocked_key>{{alice, t0 + p.block_duration}});
    }
    SUBCASE("R-PSH-6: check-and-increment is atomic under 8 threads") {
        policy::cap_params big = p;
        big.limit = 100;
        big.block_duration = 0;
        std::atomic<int> allowed{0}, refused{0}, errors{0};
        std::vector<std::thread> threads;
        for (int t = 0; t < 8; ++t)
            threads.emplace_back([&] {
                std::unique_ptr<store::counter_store> own;
                if (separate_handles) own = make();  // another MTA each
                store::counter_store& use = own ? *own : *s;
                for (int i = 0; i < 20; ++i) {
                    const auto a = use.check_and_add(alice, big, t0 + i, 1);
                    if (!a.ok) ++errors;
                    else if (a.decision.outcome == cap_outcome::allowed) ++allowed;
                    else ++refused;
                }
            });
        for (auto& th : threads) th.join();
        CHECK(errors.load() == 0);
        CHECK(allowed.load() == 100);
        CHECK(refused.load() == 60);
    }
    SUBCASE("R-PSH-6: a long pseudo-random run answers like policy::apply") {
        policy::cap_record reference;
        std::uint64_t x = 88172645463325252ull;  // xorshift64
        auto next = [&] {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            return x;
        };
        policy::cap_params q;
        q.limit = 7;
        q.window = 1200;
        q.bucket = 60;
        q.block_duration = 900;
        std::int64_t now = t0;
        for (int i = 0; i < 400; ++i) {
            now += static_cast<std::int64_t>(next() % 200);
            const std::uint64_t amount = 1 + next() % 3;
            const auto expected = policy::apply(reference, q, now, amount);
            const auto got = must(s->check_and_add(alice, q, now, amount));
            INFO("step " << i << " at +" << (now - t0));
            REQUIRE(got == expected);
        }
    }
}

}  // namespace mailwarden::test
