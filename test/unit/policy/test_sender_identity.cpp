// test_sender_identity.cpp: R-SAV-9 sender identity decisions: authenticated senders may
// use only owned (mail, aliases) or granted (send_as) addresses in the envelope, From: and
// Sender:, compared case-insensitively; outsiders may not claim our domains; trusted
// relays (R-PSH-9) and local submissions are not checked; hostile headers get an answer.
#include <doctest/doctest.h>

#include <string>

#include "core/policy/sender_identity.hpp"

using namespace mailwarden::policy;

namespace {

account alice() {
    account a;
    a.mail = "7000001@example.org";
    a.aliases = {"Alice.Smith@example.org"};
    a.send_as = {"office@example.org"};
    return a;
}

sender_policy policy_with_domains() {
    sender_policy p;
    p.local_domains = parse_domain_list("example.org Example.NET").value;
    p.trusted_networks = *parse_network_list("192.0.2.0/24").value;
    return p;
}

}  // namespace

TEST_CASE("R-SAV-9: authenticated envelope sender must be owned or granted") {
    const auto p = policy_with_domains();
    const account a = alice();
    const auto who = client_kind::authenticated;
    const std::string login = "7000001@example.org";
    CHECK(check_envelope_sender(p, who, &a, login, "7000001@example.org").is_accept());
    CHECK(check_envelope_sender(p, who, &a, login, "<7000001@EXAMPLE.org>").is_accept());
    CHECK(check_envelope_sender(p, who, &a, login, "alice.smith@example.org").is_accept());
    CHECK(check_envelope_sender(p, who, &a, login, "office@example.org").is_accept());
    CHECK(check_envelope_sender(p, who, &a, login, "").is_accept());  // bounces
    const auto v = check_envelope_sender(p, who, &a, login, "boss@example.org");
    CHECK(v.to_smtp_string() ==
          "553 5.7.1 <boss@example.org>: Sender address rejected: not owned by user "
          "7000001@example.org");
    CHECK(v.rule_id == "R-SAV-9");
    // No account found for the login: nothing is owned.
    CHECK(check_envelope_sender(p, who, nullptr, login, "7000001@example.org").what ==
          action::reject);
    // Off by config.
    sender_policy off = p;
    off.check_identity = false;
    CHECK(check_envelope_sender(off, who, &a, login, "boss@example.org").is_accept());
}

TEST_CASE("R-SAV-9: From: and Sender: addresses must be owned by the login") {
    const auto p = policy_with_domains();
    const account a = alice();
    const auto who = client_kind::authenticated;
    const std::string login = "7000001@example.org";
    CHECK(check_header_sender(p, who, &a, login, "From", "Alice <alice.smith@example.org>")
              .is_accept());
    CHECK(check_header_sender(p, who, &a, login, "from",
                              "=?UTF-8?B?0JDQu9C40YHQsA==?= <7000001@example.org>")
              .is_accept());
    CHECK(check_header_sender(p, who, &a, login, "Subject", "boss@example.org").is_accept());
    const auto v = check_header_sender(p, who, &a, login, "From",
                                       "a <7000001@example.org>, b <boss@example.org>");
    CHECK(v.to_smtp_string() ==
          "550 5.7.1 <boss@example.org>: From address rejected: not owned by user "
          "7000001@example.org");
    CHECK(check_header_sender(p, who, &a, login, "SENDER", "boss@example.org").text ==
          "<boss@example.org>: Sender address rejected: not owned by user 7000001@example.org");
    // Hostile headers: an answer, never a crash; unprovable -> refused.
    for (const std::string& bad : {std::string("<<<"), std::string("a@b\0c", 5),
                                  std::string(100 * 1024, 'x'), std::string("@"),
                                  std::string("=?broken?Q?")}) {
        const auto r = check_header_sender(p, who, &a, login, "From", bad);
        CHECK(r.what == action::reject);
        CHECK(r.smtp_code == 550);
    }
}

TEST_CASE("R-SAV-9: outsiders may not claim our domains; trusted relays may") {
    const auto p = policy_with_domains();
    CHECK(classify_client(p, false, std::string("203.0.113.5")) == client_kind::outside);
    CHECK(classify_client(p, false, std::string("192.0.2.5")) == client_kind::trusted);
    CHECK(classify_client(p, false, std::nullopt) == client_kind::trusted);  // sendmail
    CHECK(classify_client(p, true, std::string("203.0.113.5")) == client_kind::authenticated);

    const auto out = client_kind::outside;
    const auto v = check_envelope_sender(p, out, nullptr, "", "ceo@Example.ORG");
    CHECK(v.to_smtp_string() ==
          "553 5.7.1 <ceo@example.org>: Sender address rejected: not logged in");
    CHECK(check_envelope_sender(p, out, nullptr, "", "ceo@example.net").what == action::reject);
    CHECK(check_envelope_sender(p, out, nullptr, "", "friend@elsewhere.test").is_accept());
    CHECK(check_envelope_sender(p, out, nullptr, "", "ceo@sub.example.org").is_accept());
    CHECK(check_header_sender(p, out, nullptr, "", "From", "CEO <ceo@example.org>")
              .to_smtp_string() ==
          "550 5.7.1 <ceo@example.org>: From address rejected: not logged in");
    CHECK(check_header_sender(p, out, nullptr, "", "From", "x <x@elsewhere.test>").is_accept());
    CHECK(check_header_sender(p, out, nullptr, "", "From", "<<<").is_accept());

    const auto trusted = client_kind::trusted;
    CHECK(check_envelope_sender(p, trusted, nullptr, "", "ceo@example.org").is_accept());
    CHECK(check_header_sender(p, trusted, nullptr, "", "From", "ceo@example.org").is_accept());
}

TEST_CASE("R-SAV-9: domain lists and address keys normalise") {
    CHECK(parse_domain_list("Example.ORG bücher.example").value ==
          std::vector<std::string>{"example.org", "xn--bcher-kva.example"});
    CHECK_FALSE(parse_domain_list("good.example bad..example").error.empty());
    CHECK(address_key("Alice@Example.ORG") == "alice@example.org");
    CHECK_FALSE(address_key("no-at-sign"));
    CHECK_FALSE(address_key("@example.org"));
    CHECK(may_send_as(alice(), "office@example.org"));
    CHECK_FALSE(may_send_as(alice(), "other@example.org"));
}
