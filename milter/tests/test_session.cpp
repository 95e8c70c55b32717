// test_session.cpp: the milter's per-connection session, driven without libmilter: one audit
// line per message with the right values (R-TJP-4), size accounting (R-PSH-5 groundwork),
// ESMTP SIZE= parsing, hostile values kept on one line, and config snapshots per message.
#include <doctest/doctest.h>

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "milter/session.hpp"

using namespace mailwarden;
using namespace mailwarden::milter;

namespace {

constexpr std::uint64_t max64 = std::numeric_limits<std::uint64_t>::max();

class fake_macros final : public macro_source {
public:
    std::optional<std::string> get(std::string_view name) const override {
        const auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
    std::map<std::string, std::string> values;
};

std::shared_ptr<const runtime_config> runtime_with(std::shared_ptr<log::capture_sink> sink) {
    return std::make_shared<const runtime_config>(
        runtime_config{config::settings{}, log::logger(sink, log::level::info)});
}

struct fixture {
    std::shared_ptr<log::capture_sink> sink = std::make_shared<log::capture_sink>();
    config_holder holder{runtime_with(sink)};
    fake_macros macros;
    policy::login_only_directory directory;
    fake_clock clock;
    services shared{&directory, nullptr, &clock};
    session s{holder, macros, shared};

    // One message with `body` as its only body chunk and one "Subject: hi" header.
    void send(std::string_view from, std::vector<std::string_view> rcpts,
              std::string_view body = "hello\r\n") {
        CHECK(s.mail_from(from, {}).is_accept());
        for (auto r : rcpts) CHECK(s.rcpt(r, {}).is_accept());
        CHECK(s.data().is_accept());
        CHECK(s.header("Subject", "hi").is_accept());
        const auto* bytes = reinterpret_cast<const unsigned char*>(body.data());
        CHECK(s.body({bytes, body.size()}).is_accept());
        CHECK(s.end_of_message().is_accept());
    }
};

}  // namespace

TEST_CASE("R-TJP-4: milter session logs one audit line per message") {
    fixture f;
    CHECK(f.s.connect("client.example", "192.0.2.1").is_accept());
    CHECK(f.s.helo("client.example").is_accept());
    f.macros.values["{auth_authen}"] = "alice@example.org";
    f.macros.values["i"] = "4XyZ1";
    // "Subject: hi\r\n" = 13, blank line = 2, "hello\r\n" = 7.
    f.send("<alice@example.org>", {"<bob@example.org>", "<carol@example.net>"});
    const std::vector<std::string> expected{
        "info: 4XyZ1: client=192.0.2.1 auth=alice@example.org from=alice@example.org nrcpt=2 "
        "size=22 verdict=accept"};
    CHECK(f.sink->lines() == expected);
    CHECK(f.s.message() == nullptr);
    CHECK(f.s.connection().messages == 1);
}

TEST_CASE("R-TJP-4: milter session logs absent values as '-', '<>' and NOQUEUE") {
    fixture f;
    CHECK(f.s.connect("localhost", std::nullopt).is_accept());  // local submission
    f.send("<>", {"<postmaster@example.org>"}, "");
    const std::vector<std::string> expected{
        "info: NOQUEUE: client=- auth=- from=<> nrcpt=1 size=15 verdict=accept"};
    CHECK(f.sink->lines() == expected);
}

TEST_CASE("R-TJP-4: milter session keeps hostile values on one sanitised line") {
    fixture f;
    CHECK(f.s.connect("x", "192.0.2.9").is_accept());
    f.macros.values["i"] = "Q1\r\nQ2: verdict=reject";
    f.macros.values["{auth_authen}"] = "eve\nauth=admin";
    // A malformed sender from an authenticated client is refused at MAIL FROM (R-SAV-9);
    // the refusal is the message's one audit line.
    const auto v = f.s.mail_from("<a@b\r\nfake: line>", {});
    CHECK(v.what == policy::action::reject);
    CHECK(v.to_smtp_string() == "553 5.7.1 Sender address rejected: malformed address");
    CHECK(f.s.message() == nullptr);
    const auto lines = f.sink->lines();
    REQUIRE(lines.size() == 1);
    CHECK(lines[0].find('\n') == std::string::npos);
    CHECK(lines[0].find('\r') == std::string::npos);
    CHECK(lines[0].find("Q1??Q2: verdict=reject:") != std::string::npos);
    CHECK(lines[0].find("auth=eve?auth=admin ") != std::string::npos);
    CHECK(lines[0].find("from=a@b??fake: line ") != std::string::npos);
    // The real verdict is last, after every hostile value.
    CHECK(lines[0].ends_with(
        " verdict=reject rule=R-SAV-9 reply=\"553 5.7.1 Sender address rejected: malformed "
        "address\""));
}

TEST_CASE("milter session: ESMTP SIZE= values, boundaries and bad input") {
    struct row {
        std::string_view text;
        std::optional<std::uint64_t> expected;
    };
    const row rows[] = {
        {"0", 0},
        {"1", 1},
        {"104857600", 104'857'600},               // R-PSH-5: 100 MB
        {"18446744073709551615", max64},          // 20 digits, UINT64_MAX
        {"00000000000000000001", 1},              // 20 digits with leading zeros
        {"18446744073709551616", std::nullopt},   // UINT64_MAX + 1
        {"99999999999999999999", std::nullopt},   // 20 digits, overflow
        {"000000000000000000001", std::nullopt},  // 21 digits (RFC 1870: at most 20)
        {"", std::nullopt},
        {"12a", std::nullopt},
        {"-1", std::nullopt},
        {"+1", std::nullopt},
        {" 1", std::nullopt},
    };
    for (const auto& r : rows) {
        CAPTURE(r.text);
        CHECK(parse_size_parameter(r.text) == r.expected);
    }
}

TEST_CASE("milter session: MAIL FROM records SIZE=, and refuses to guess on bad ones") {
    struct row {
        std::vector<std::string_view> args;
        std::optional<std::uint64_t> declared;
        bool warned;
    };
    const std::vector<row> rows = {
        {{"SIZE=1000"}, 1000, false},
        {{"BODY=8BITMIME", "size=5"}, 5, false},  // keyword is case-insensitive
        {{"BODY=8BITMIME"}, std::nullopt, false},
        {{"SIZE=abc"}, std::nullopt, true},
        {{"SIZE"}, std::nullopt, true},
        {{"SIZE=1", "SIZE=2"}, std::nullopt, true},  // duplicate: ambiguous
        {{"SIZE=18446744073709551616"}, std::nullopt, true},
    };
    for (const auto& r : rows) {
        fixture f;
        CHECK(f.s.connect("x", "192.0.2.1").is_accept());
        CHECK(f.s.mail_from("<a@example.org>", r.args).is_accept());
        REQUIRE(f.s.message() != nullptr);
        CHECK(f.s.message()->declared_size == r.declared);
        CHECK(f.sink->contains("ESMTP parameter") == r.warned);
    }
}

TEST_CASE("R-PSH-5: milter session counts headers, the blank line and every body chunk") {
    fixture f;
    CHECK(f.s.connect("x", "192.0.2.1").is_accept());
    CHECK(f.s.mail_from("<a@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<b@example.org>", {}).is_accept());
    CHECK(f.s.message()->size() == 2);  // no header, no body yet: just the blank line
    CHECK(f.s.header("From", "a@example.org").is_accept());  // 4 + 13 + 4
    CHECK(f.s.header("X-Empty", "").is_accept());            // 7 + 0 + 4
    const std::string chunk(65536, 'x');
    const auto* bytes = reinterpret_cast<const unsigned char*>(chunk.data());
    CHECK(f.s.body({bytes, chunk.size()}).is_accept());
    CHECK(f.s.body({bytes, 1}).is_accept());
    CHECK(f.s.body({}).is_accept());
    CHECK(f.s.message()->header_bytes == 21 + 11);
    CHECK(f.s.message()->body_bytes == 65537);
    CHECK(f.s.message()->size() == 32 + 2 + 65537);
}

TEST_CASE("R-PSH-5: milter message size saturates instead of wrapping") {
    struct row {
        std::uint64_t headers, body, expected;
    };
    const row rows[] = {
        {0, 0, 2},
        {max64 - 3, 0, max64 - 1},
        {max64 - 2, 0, max64},
        {max64 - 1, 0, max64},
        {0, max64 - 2, max64},
        {0, max64, max64},
        {max64, max64, max64},
    };
    for (const auto& r : rows) {
        CAPTURE(r.headers);
        CAPTURE(r.body);
        message_state m;
        m.header_bytes = r.headers;
        m.body_bytes = r.body;
        CHECK(m.size() == r.expected);
    }
}

TEST_CASE("milter session: messages on one connection are counted apart, aborts log nothing") {
    fixture f;
    CHECK(f.s.connect("x", "192.0.2.1").is_accept());
    f.macros.values["i"] = "Q1";
    f.send("<a@example.org>", {"<b@example.org>", "<c@example.org>"});
    // An aborted message (RSET) leaves no trace and no counts behind.
    CHECK(f.s.mail_from("<x@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<y@example.org>", {}).is_accept());
    f.s.abort();
    CHECK(f.s.message() == nullptr);
    f.macros.values["i"] = "Q2";
    f.send("<d@example.org>", {"<e@example.org>"}, "");
    const std::vector<std::string> expected{
        "info: Q1: client=192.0.2.1 auth=- from=a@example.org nrcpt=2 size=22 verdict=accept",
        "info: Q2: client=192.0.2.1 auth=- from=d@example.org nrcpt=1 size=15 verdict=accept"};
    CHECK(f.sink->lines() == expected);
    CHECK(f.s.connection().messages == 2);
    f.s.close();
    CHECK(f.s.message() == nullptr);
}

TEST_CASE("milter session: message steps outside a message are errors, not accepts") {
    fixture f;
    CHECK(f.s.connect("x", "192.0.2.1").is_accept());
    CHECK_THROWS_AS(f.s.rcpt("<b@example.org>", {}), std::logic_error);
    CHECK_THROWS_AS(f.s.data(), std::logic_error);
    CHECK_THROWS_AS(f.s.header("Subject", "x"), std::logic_error);
    CHECK_THROWS_AS(f.s.body({}), std::logic_error);
    CHECK_THROWS_AS(f.s.end_of_message(), std::logic_error);
    f.send("<a@example.org>", {"<b@example.org>"});
    CHECK_THROWS_AS(f.s.end_of_message(), std::logic_error);  // the message is over
    CHECK(f.sink->lines().size() == 1);
}

TEST_CASE("milter session: a message keeps the config snapshot it started with") {
    fixture f;
    auto second_sink = std::make_shared<log::capture_sink>();
    CHECK(f.s.connect("x", "192.0.2.1").is_accept());
    CHECK(f.s.mail_from("<a@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<b@example.org>", {}).is_accept());
    const auto started_with = f.s.message()->config;
    f.holder.replace(runtime_with(second_sink));  // SIGHUP in the middle of the message
    CHECK(f.s.message()->config == started_with);
    CHECK(f.s.end_of_message().is_accept());
    CHECK(f.sink->lines().size() == 1);
    CHECK(second_sink->lines().empty());
    f.send("<a@example.org>", {"<b@example.org>"});  // the next message sees the new one
    CHECK(f.sink->lines().size() == 1);
    CHECK(second_sink->lines().size() == 1);
}

TEST_CASE("milter session: envelope addresses lose exactly one pair of angle brackets") {
    struct row {
        std::string_view in, out;
    };
    const row rows[] = {
        {"<a@b>", "a@b"}, {"<>", ""}, {"a@b", "a@b"}, {"<<a@b>>", "<a@b>"},
        {"<", "<"},       {">", ">"}, {"", ""},       {"<a@b", "<a@b"},
    };
    for (const auto& r : rows) {
        CAPTURE(r.in);
        CHECK(strip_angle_brackets(r.in) == r.out);
    }
}
