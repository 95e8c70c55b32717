// test_quota_bridge_grace.cpp: the bridge's configure / decide / warnings / notice functions,
// as the C glue calls them: malformed settings are logged through the callback and replaced
// by defaults (never thrown), 0 means unlimited or the default as configured (R-MYO-8), the
// grace decision of R-SAV-2 is persisted in the state file, and notices follow R-SAV-1.
#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dovecot-plugin/quota-bridge.h"

namespace {

struct logged {
    std::vector<std::pair<int, std::string>> lines;
    bool has(int level, const std::string& part) const {
        for (const auto& [l, text] : lines)
            if (l == level && text.find(part) != std::string::npos) return true;
        return false;
    }
};

extern "C" void capture(void* context, int level, const char* message) {
    static_cast<logged*>(context)->lines.emplace_back(level, message);
}

struct fixture {
    mailwarden_quota_user* user = nullptr;
    logged log;
    std::string state = "/tmp/mwq-bridge-test-" + std::to_string(::getpid());
    fixture() {
        const char* error = nullptr;
        REQUIRE(mailwarden_quota_user_create(&user, &error) == 0);
        std::remove(state.c_str());
    }
    ~fixture() {
        mailwarden_quota_user_free(&user);
        std::remove(state.c_str());
    }
    void configure(mailwarden_quota_raw_settings raw) {
        const char* error = nullptr;
        raw.state_path = state.c_str();
        REQUIRE(mailwarden_quota_user_configure(user, &raw, capture, &log, &error) == 0);
    }
    std::uint64_t limit(mailwarden_quota_limit which) {
        std::uint64_t v = 0;
        const char* error = nullptr;
        REQUIRE(mailwarden_quota_user_get_limit(user, which, &v, &error) == 0);
        return v;
    }
    mailwarden_quota_verdict decide(std::uint64_t bytes, std::uint64_t in) {
        mailwarden_quota_verdict v{};
        std::int64_t end = 0;
        const char* error = nullptr;
        REQUIRE(mailwarden_quota_user_decide(user, bytes, 1, in, 1, &v, &end, &error) == 0);
        return v;
    }
    std::string state_text() {
        std::ifstream in(state);
        std::stringstream s;
        s << in.rdbuf();
        return s.str();
    }
};

}  // namespace

TEST_CASE_FIXTURE(fixture, "R-SAV-1 R-MYO-8: limits, defaults and the meaning of 0") {
    mailwarden_quota_raw_settings raw{};
    raw.storage = "20000000";
    raw.messages = "5000";
    configure(raw);
    CHECK(limit(MAILWARDEN_QUOTA_LIMIT_STORAGE) == 20'000'000);
    CHECK(limit(MAILWARDEN_QUOTA_LIMIT_MESSAGES) == 5000);
    CHECK(log.lines.empty());

    raw = {};
    raw.storage = "0";
    raw.default_storage = "20MB";
    configure(raw);  // zero = unlimited by default
    CHECK(limit(MAILWARDEN_QUOTA_LIMIT_STORAGE) == 0);
    raw.zero = "default";
    configure(raw);
    CHECK(limit(MAILWARDEN_QUOTA_LIMIT_STORAGE) == 20'000'000);
    raw.storage = "default";  // what the shipped user_attrs give for an absent attribute
    raw.zero = nullptr;
    configure(raw);
    CHECK(limit(MAILWARDEN_QUOTA_LIMIT_STORAGE) == 20'000'000);
    CHECK(log.lines.empty());
}

TEST_CASE_FIXTURE(fixture, "R-MYO-8: malformed settings are logged and replaced by defaults") {
    mailwarden_quota_raw_settings raw{};
    raw.storage = "lots";
    raw.default_storage = "2GB";
    raw.zero = "sometimes";
    raw.grace = "a week";
    raw.hard_storage = "-5%";
    raw.warnings = "25MB much";
    raw.clock_offset = "soon";
    configure(raw);
    CHECK(limit(MAILWARDEN_QUOTA_LIMIT_STORAGE) == 2'000'000'000);
    CHECK(log.has(2, "Invalid mailwarden_quota_storage"));
    CHECK(log.has(2, "Invalid mailwarden_quota_zero"));
    CHECK(log.has(2, "Invalid mailwarden_quota_grace"));
    CHECK(log.has(2, "Invalid mailwarden_quota_hard_storage"));
    CHECK(log.has(2, "Invalid mailwarden_quota_warnings"));
    CHECK(log.has(2, "Invalid mailwarden_quota_test_clock_offset"));
    CHECK(mailwarden_quota_user_has_warnings(user) == 0);
    // no grace: over the limit is refused at once
    CHECK(decide(1'999'999'999, 2) == MAILWARDEN_QUOTA_REFUSE_OVER_QUOTA);
}

TEST_CASE_FIXTURE(fixture, "R-SAV-2: the grace decision is saved and read back by a new session") {
    mailwarden_quota_raw_settings raw{};
    raw.storage = "20000";
    raw.grace = "7d";
    raw.hard_storage = "150%";
    configure(raw);
    CHECK(decide(19000, 500) == MAILWARDEN_QUOTA_ALLOW);
    CHECK(state_text().empty());  // nothing to persist yet
    CHECK(decide(19000, 5000) == MAILWARDEN_QUOTA_ALLOW_IN_GRACE);
    CHECK(state_text().find("over_since=") != std::string::npos);
    CHECK(decide(25000, 6000) == MAILWARDEN_QUOTA_REFUSE_HARD_LIMIT);

    raw.clock_offset = "7d1s";  // a new session, a week later
    configure(raw);
    CHECK(decide(24000, 1) == MAILWARDEN_QUOTA_REFUSE_GRACE_EXPIRED);
    CHECK(decide(20000, 0) == MAILWARDEN_QUOTA_ALLOW);  // emptied to the limit
    CHECK(state_text().find("over_since=-") != std::string::npos);
}

TEST_CASE_FIXTURE(fixture, "R-SAV-1: warnings once per crossing and the composed notice") {
    mailwarden_quota_raw_settings raw{};
    raw.storage = "20000";
    raw.grace = "7d";
    raw.warnings = "25000";
    configure(raw);
    REQUIRE(mailwarden_quota_user_has_warnings(user) == 1);
    int notice = -1;
    std::uint64_t threshold = 0;
    const char* error = nullptr;
    REQUIRE(mailwarden_quota_user_check_warnings(user, 26000, &notice, &threshold, &error) == 0);
    CHECK(notice == 1);
    CHECK(threshold == 25000);
    REQUIRE(mailwarden_quota_user_check_warnings(user, 27000, &notice, &threshold, &error) == 0);
    CHECK(notice == 0);
    CHECK(state_text().find("warned=1") != std::string::npos);
    const char* text = nullptr;
    REQUIRE(mailwarden_quota_user_compose_notice(user, 1, 26000, 25000, "sk", "a@example.org",
                                                 "postmaster@example.org", "mx", &text,
                                                 &error) == 0);
    CHECK(std::string(text).find("Content-Language: sk") != std::string::npos);
    CHECK(mailwarden_quota_user_compose_notice(user, 7, 1, 1, nullptr, "a", "b", nullptr, &text,
                                               &error) == -1);
    REQUIRE(mailwarden_quota_user_check_warnings(user, 100, &notice, &threshold, &error) == 0);
    CHECK(notice == 2);
}

TEST_CASE("quota bridge: the new functions refuse NULL arguments with -1") {
    const char* error = nullptr;
    mailwarden_quota_verdict v{};
    std::int64_t end = 0;
    CHECK(mailwarden_quota_user_configure(nullptr, nullptr, nullptr, nullptr, &error) == -1);
    CHECK(error != nullptr);
    CHECK(mailwarden_quota_user_decide(nullptr, 0, 0, 0, 0, &v, &end, &error) == -1);
    CHECK(mailwarden_quota_user_has_warnings(nullptr) == 0);
    int n = 0;
    std::uint64_t t = 0;
    CHECK(mailwarden_quota_user_check_warnings(nullptr, 0, &n, &t, &error) == -1);
}
