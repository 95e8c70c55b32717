// test_quota_bridge.cpp: the plain-C bridge the Dovecot glue calls keeps Dovecot's
// conventions (-1/0/1, error_r set on every -1, NULL-safe free) and survives hostile
// arguments: no crash, no exception, defaults kept (R-MYO-8: malformed -> default).
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include "dovecot-plugin/quota-bridge.h"
#include "dovecot-plugin/quota_limits.hpp"
#include "dovecot-plugin/tests/bridge_from_c.h"

namespace qp = mailwarden::quota_plugin;

namespace {

std::uint64_t limit_of(const mailwarden_quota_user* user, mailwarden_quota_limit which) {
    std::uint64_t value = 12345;
    const char* error = nullptr;
    REQUIRE(mailwarden_quota_user_get_limit(user, which, &value, &error) == 0);
    return value;
}

struct user_fixture {
    mailwarden_quota_user* user = nullptr;
    user_fixture() {
        const char* error = nullptr;
        REQUIRE(mailwarden_quota_user_create(&user, &error) == 0);
        REQUIRE(user != nullptr);
    }
    ~user_fixture() { mailwarden_quota_user_free(&user); }
};

}  // namespace

TEST_CASE_FIXTURE(user_fixture, "quota bridge: a new user has the default limits") {
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_STORAGE) == qp::default_limits().storage_bytes);
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_MESSAGES) == qp::default_limits().messages);
}

TEST_CASE_FIXTURE(user_fixture, "R-SAV-1: quota bridge sets limits from setting text") {
    const char* error = nullptr;
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_STORAGE, "20MB",
                                          &error) == 1);
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_MESSAGES, "5000",
                                          &error) == 1);
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_STORAGE) == 20'000'000);
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_MESSAGES) == 5000);
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_STORAGE, "0", &error) ==
          1);
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_STORAGE) == 0);
}

TEST_CASE_FIXTURE(user_fixture, "quota bridge: absent or empty value keeps the default") {
    const char* error = nullptr;
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_STORAGE, nullptr,
                                          &error) == 0);
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_STORAGE, "", &error) ==
          0);
    CHECK(error == nullptr);
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_STORAGE) == qp::default_limits().storage_bytes);
}

TEST_CASE_FIXTURE(user_fixture, "R-MYO-8: a malformed value is an error and keeps the default") {
    const char* error = nullptr;
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_STORAGE, "20MB",
                                          &error) == 1);
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_STORAGE, "garbage",
                                          &error) == -1);
    REQUIRE(error != nullptr);
    CHECK(std::string(error).find("\"garbage\"") != std::string::npos);
    // the previous value stays: a bad value never replaces a good one
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_STORAGE) == 20'000'000);
    error = nullptr;
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_MESSAGES, "-5", &error) ==
          -1);
    REQUIRE(error != nullptr);
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_MESSAGES) == qp::default_limits().messages);
}

TEST_CASE_FIXTURE(user_fixture, "quota bridge: invalid arguments are errors, not crashes") {
    const char* error = nullptr;
    std::uint64_t value = 0;
    CHECK(mailwarden_quota_user_set_limit(nullptr, MAILWARDEN_QUOTA_LIMIT_STORAGE, "1",
                                          &error) == -1);
    CHECK(error != nullptr);
    error = nullptr;
    CHECK(mwq_test_set_limit_raw(user, 7, "1", &error) == -1);
    CHECK(error != nullptr);
    CHECK(limit_of(user, MAILWARDEN_QUOTA_LIMIT_STORAGE) == qp::default_limits().storage_bytes);
    CHECK(mailwarden_quota_user_set_limit(user, MAILWARDEN_QUOTA_LIMIT_STORAGE, "1", nullptr) ==
          -1);
    error = nullptr;
    CHECK(mwq_test_get_limit_raw(user, -1, &value, &error) == -1);
    CHECK(error != nullptr);
    error = nullptr;
    CHECK(mailwarden_quota_user_get_limit(nullptr, MAILWARDEN_QUOTA_LIMIT_STORAGE, &value,
                                          &error) == -1);
    CHECK(error != nullptr);
    error = nullptr;
    CHECK(mailwarden_quota_user_get_limit(user, MAILWARDEN_QUOTA_LIMIT_STORAGE, nullptr,
                                          &error) == -1);
    CHECK(error != nullptr);
    error = nullptr;
    CHECK(mailwarden_quota_user_create(nullptr, &error) == -1);
    CHECK(error != nullptr);
}

TEST_CASE("quota bridge: free is NULL-safe and clears the handle") {
    mailwarden_quota_user_free(nullptr);
    mailwarden_quota_user* user = nullptr;
    mailwarden_quota_user_free(&user);
    const char* error = nullptr;
    REQUIRE(mailwarden_quota_user_create(&user, &error) == 0);
    mailwarden_quota_user_free(&user);
    CHECK(user == nullptr);
}
