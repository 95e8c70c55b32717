// test_notice.cpp: warning and back-under mails are composed in the user's language (en
// fallback), carry usage, limit and grace end, and cannot be used to inject headers (R-SAV-1,
// R-SAV-2).
#include <doctest/doctest.h>

#include <string>

#include "core/quota/notice.hpp"

namespace q = mailwarden::quota;
using mailwarden::seconds;
using mailwarden::time_point;

namespace {
q::notice_facts facts() {
    q::notice_facts f;
    f.usage_bytes = 25'500'000;
    f.limit_bytes = 20'000'000;
    f.threshold_bytes = 25'000'000;
    f.now = time_point{seconds{1'800'000'000}};  // 2027-01-15 08:00 UTC
    f.grace_end = time_point{seconds{1'800'000'000 + 86400 * 7}};
    f.to = "7000123@example.org";
    f.from = "postmaster@example.org";
    return f;
}
}  // namespace

TEST_CASE("R-SAV-1: the language comes from the directory, falling back to en") {
    CHECK(q::template_language("sk") == "sk");
    CHECK(q::template_language("SK") == "sk");
    CHECK(q::template_language("ru-RU") == "ru");
    CHECK(q::template_language("de") == "en");
    CHECK(q::template_language("") == "en");
    CHECK(q::template_language("skx") == "en");
}

TEST_CASE("R-SAV-1 R-SAV-2: an English warning states usage, limit and grace end") {
    const std::string m = q::compose_notice(facts());
    CHECK(m.find("Subject: Your mailbox is nearly full\r\n") != std::string::npos);
    CHECK(m.find("To: 7000123@example.org\r\n") != std::string::npos);
    CHECK(m.find("holds 25.5 MB.") != std::string::npos);
    CHECK(m.find("limit is 20.0 MB.") != std::string::npos);
    CHECK(m.find("until 2027-01-22 08:00 UTC") != std::string::npos);
    CHECK(m.find("Auto-Submitted: auto-generated\r\n") != std::string::npos);
    CHECK(m.find("Content-Language: en\r\n") != std::string::npos);
    CHECK(m.substr(m.size() - 2) == "\r\n");
}

TEST_CASE("R-SAV-1: a Slovak warning has an RFC 2047 subject and a UTF-8 body") {
    auto f = facts();
    f.language = "sk";
    const std::string m = q::compose_notice(f);
    CHECK(m.find("Subject: =?UTF-8?B?") != std::string::npos);
    CHECK(m.find("Content-Language: sk\r\n") != std::string::npos);
    CHECK(m.find("má teraz obsadených 25.5 MB") != std::string::npos);
    CHECK(m.find("do 2027-01-22 08:00 UTC") != std::string::npos);
}

TEST_CASE("R-SAV-1: after the grace, or without one, the warning says mail is returned") {
    auto f = facts();
    f.grace_end.reset();
    std::string m = q::compose_notice(f);
    CHECK(m.find("new mail is returned to the senders") != std::string::npos);
    f.grace_end = f.now;  // ended
    m = q::compose_notice(f);
    CHECK(m.find("new mail is returned to the senders") != std::string::npos);
    f.usage_bytes = 19'000'000;  // under the limit, over a lower threshold
    f.grace_end.reset();
    m = q::compose_notice(f);
    CHECK(m.find("returned") == std::string::npos);
}

TEST_CASE("R-SAV-1: the back-under notice and the header safety") {
    auto f = facts();
    f.kind = q::notice_kind::back_under;
    f.usage_bytes = 1'000'000;
    f.language = "ru";
    f.to = "evil@example.org\r\nBcc: victim@example.net";
    const std::string m = q::compose_notice(f);
    CHECK(m.find("X-Mailwarden-Quota: back-under\r\n") != std::string::npos);
    CHECK(m.find("\r\nBcc:") == std::string::npos);
    CHECK(m.find("снова укладывается в лимит 20.0 MB") != std::string::npos);
}
