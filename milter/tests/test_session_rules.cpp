// test_session_rules.cpp: the rules as the milter session runs them, without libmilter or
// LDAP (fake macros, fake directory): account lookup at MAIL FROM and the dependency
// failure action (DESIGN "three outcomes"), sender identity in the envelope and headers
// (R-SAV-9), trusted relays (R-PSH-9), size limits at MAIL FROM and end of message
// (R-PSH-5, R-SAV-4), the subject block list (R-TJP-3: reject, quarantine, RFC 2047, a
// reload swapping the rules) and the audit line naming the rule (R-TJP-4).
#include <doctest/doctest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/mail/rfc2047.hpp"
#include "core/policy/subject_rules.hpp"
#include "milter/session.hpp"

using namespace mailwarden;
using namespace mailwarden::milter;

namespace {

class fake_macros final : public macro_source {
public:
    std::optional<std::string> get(std::string_view name) const override {
        const auto it = values.find(std::string(name));
        if (it == values.end()) return std::nullopt;
        return it->second;
    }
    std::map<std::string, std::string> values;
};

class fake_directory final : public policy::directory {
public:
    policy::lookup_result lookup(std::string_view key) override {
        ++calls;
        if (down) return policy::lookup_result::temporary("connect: server down");
        if (auto it = accounts.find(std::string(key)); it != accounts.end())
            return policy::lookup_result::found(it->second);
        return policy::lookup_result::not_found();
    }
    std::map<std::string, policy::account> accounts;
    bool down = false;
    int calls = 0;
};

// A counter store in memory, deciding with the pure policy::apply (the real stores are
// held to the same answers by the store conformance suite).
class memory_store final : public store::counter_store {
public:
    store::cap_answer check_and_add(std::string_view key, const policy::cap_params& p,
                                    std::int64_t now, std::uint64_t amount) override {
        if (down) return {false, {}, "connection refused"};
        return {true, policy::apply(records[std::string(key)], p, now, amount), {}};
    }
    store::cap_answer peek(std::string_view key, const policy::cap_params& p,
                           std::int64_t now) override {
        if (down) return {false, {}, "connection refused"};
        return {true, policy::peek(records[std::string(key)], p, now), {}};
    }
    store::cap_answer reset(std::string_view key) override {
        records.erase(std::string(key));
        return {true, {}, {}};
    }
    bool record_activation(std::string_view key, std::int64_t now, std::string&) override {
        activations[std::string(key)] = now;
        return !down;
    }
    std::optional<std::int64_t> activation_seen(std::string_view key, std::string&) override {
        auto it = activations.find(std::string(key));
        return it == activations.end() ? 0 : it->second;
    }
    bool clear_activation(std::string_view key, std::string&) override {
        activations.erase(std::string(key));
        return !down;
    }
    std::optional<std::vector<blocked_key>> list_blocked(std::int64_t now,
                                                         std::string&) override {
        std::vector<blocked_key> out;
        for (const auto& [k, r] : records)
            if (r.blocked_until > now) out.push_back({k, r.blocked_until});
        return out;
    }
    std::map<std::string, policy::cap_record> records;
    std::map<std::string, std::int64_t> activations;
    bool down = false;
};

struct fixture {
    explicit fixture(config::settings in = defaults()) : holder(make(std::move(in), sink)) {
        policy::account alice;
        alice.mail = "alice@example.org";
        alice.aliases = {"a.smith@example.org"};
        alice.send_as = {"office@example.org"};
        directory.accounts["alice@example.org"] = alice;
    }
    static config::settings defaults() {
        config::settings s;
        s.sender.local_domains = "example.org";
        s.sender.trusted_networks = "198.51.100.0/24";
        s.limits.max_message_size_outgoing = 1000;
        s.limits.max_message_size_incoming = 2000;
        return s;
    }
    static std::shared_ptr<const runtime_config> make(config::settings s,
                                                      std::shared_ptr<log::capture_sink> sink) {
        return make_runtime_config(std::move(s), log::logger(sink, log::level::info));
    }
    std::shared_ptr<log::capture_sink> sink = std::make_shared<log::capture_sink>();
    config_holder holder;
    fake_macros macros;
    fake_directory directory;
    memory_store counters;
    fake_clock clock;
    services shared{&directory, &counters, &clock};
    session s{holder, macros, shared};

    void login(std::string user) { macros.values["{auth_authen}"] = std::move(user); }
    // Headers, then `body_size` bytes of body, then end of message.
    policy::verdict rest(std::vector<std::pair<std::string, std::string>> headers,
                         std::size_t body_size = 10) {
        CHECK(s.rcpt("<bob@example.org>", {}).is_accept());
        CHECK(s.data().is_accept());
        for (const auto& [n, v] : headers) CHECK(s.header(n, v).is_accept());
        const std::string body(body_size, 'x');
        CHECK(s.body({reinterpret_cast<const unsigned char*>(body.data()), body.size()})
                  .is_accept());
        return s.end_of_message();
    }
    std::string last_line() const {
        const auto l = sink->lines();
        return l.empty() ? std::string() : l.back();
    }
};

}  // namespace

TEST_CASE("R-SAV-9: session accepts owned and granted senders of an authenticated login") {
    fixture f;
    f.s.connect("c", "203.0.113.9");
    f.login("Alice@Example.org");
    f.macros.values["i"] = "Q1";
    REQUIRE(f.s.mail_from("<a.smith@example.org>", {}).is_accept());
    CHECK(f.rest({{"From", "Office <office@example.org>"}, {"Sender", "alice@example.org"}})
              .is_accept());
    CHECK(f.last_line() ==
          "info: Q1: client=203.0.113.9 auth=Alice@Example.org from=a.smith@example.org "
          "nrcpt=1 size=74 verdict=accept");
}

TEST_CASE("R-SAV-9: session refuses a foreign envelope sender at MAIL FROM with 553 5.7.1") {
    fixture f;
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    const auto v = f.s.mail_from("<boss@example.org>", {});
    CHECK(v.to_smtp_string() ==
          "553 5.7.1 <boss@example.org>: Sender address rejected: not owned by user "
          "alice@example.org");
    CHECK(f.s.message() == nullptr);
    CHECK(f.last_line() ==
          "info: NOQUEUE: client=203.0.113.9 auth=alice@example.org from=boss@example.org "
          "nrcpt=0 size=2 verdict=reject rule=R-SAV-9 reply=\"553 5.7.1 <boss@example.org>: "
          "Sender address rejected: not owned by user alice@example.org\"");
}

TEST_CASE("R-SAV-9: session refuses a foreign From: at end of message with 550 5.7.1") {
    fixture f;
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    f.macros.values["i"] = "Q2";
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    const auto v = f.rest({{"From", "The Boss <boss@example.org>"}, {"Subject", "pay"}});
    CHECK(v.to_smtp_string() ==
          "550 5.7.1 <boss@example.org>: From address rejected: not owned by user "
          "alice@example.org");
    CHECK(f.last_line().find("Q2: client=203.0.113.9 auth=alice@example.org") !=
          std::string::npos);
    CHECK(f.last_line().find(" verdict=reject rule=R-SAV-9 reply=\"550 5.7.1 ") !=
          std::string::npos);
}

TEST_CASE("R-SAV-9: an authenticated login the directory does not know owns nothing") {
    fixture f;
    f.s.connect("c", "203.0.113.9");
    f.login("ghost@example.org");
    CHECK(f.s.mail_from("<ghost@example.org>", {}).smtp_code == 553);
}

TEST_CASE("DESIGN three outcomes: directory down gives 451 4.3.0, never an accept") {
    fixture f;
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    f.directory.down = true;
    const auto v = f.s.mail_from("<alice@example.org>", {});
    CHECK(v.to_smtp_string() ==
          "451 4.3.0 Temporary lookup failure: account directory unavailable, try again later");
    CHECK(f.sink->contains("account lookup failed: connect: server down"));
    CHECK(f.last_line().find(" verdict=tempfail reply=\"451 4.3.0 ") != std::string::npos);
    // Back up: the same client's retry goes through.
    f.directory.down = false;
    CHECK(f.s.mail_from("<alice@example.org>", {}).is_accept());

    auto s = fixture::defaults();
    s.milter.on_dependency_failure = policy::action::reject;
    fixture g(s);
    g.s.connect("c", "203.0.113.9");
    g.login("alice@example.org");
    g.directory.down = true;
    CHECK(g.s.mail_from("<alice@example.org>", {}).to_smtp_string() ==
          "554 5.3.0 Lookup failure: account directory unavailable");
}

TEST_CASE("R-SAV-9: unauthenticated outsiders may not claim our domains; R-PSH-9 relays may") {
    fixture f;
    f.s.connect("c", "203.0.113.9");
    CHECK(f.s.mail_from("<ceo@example.org>", {}).to_smtp_string() ==
          "553 5.7.1 <ceo@example.org>: Sender address rejected: not logged in");
    REQUIRE(f.s.mail_from("<friend@elsewhere.test>", {}).is_accept());
    CHECK(f.rest({{"From", "CEO <ceo@example.org>"}}).to_smtp_string() ==
          "550 5.7.1 <ceo@example.org>: From address rejected: not logged in");
    CHECK(f.directory.calls == 1);  // no login lookup; one for the local recipient (R-MYO-6)

    fixture relay;
    relay.s.connect("relay", "198.51.100.20");
    REQUIRE(relay.s.mail_from("<ceo@example.org>", {}).is_accept());
    CHECK(relay.rest({{"From", "CEO <ceo@example.org>"}}).is_accept());
}

TEST_CASE("R-SAV-4: SIZE= over the limit is refused at MAIL FROM, 552 5.3.4") {
    fixture f;
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    const std::string_view over[] = {"SIZE=1001"};
    CHECK(f.s.mail_from("<alice@example.org>", over).to_smtp_string() ==
          "552 5.3.4 Message size exceeds fixed limit");
    const std::string_view at[] = {"SIZE=1000"};
    CHECK(f.s.mail_from("<alice@example.org>", at).is_accept());
    // Incoming mail has its own limit (2000).
    fixture in;
    in.s.connect("c", "203.0.113.9");
    const std::string_view incoming[] = {"SIZE=1500"};
    CHECK(in.s.mail_from("<x@elsewhere.test>", incoming).is_accept());
    const std::string_view too_big[] = {"SIZE=2001"};
    CHECK(in.s.mail_from("<x@elsewhere.test>", too_big).smtp_code == 552);
}

TEST_CASE("R-SAV-4: counted bytes over the limit are refused at end of message") {
    // Outgoing limit 1000: "Subject: s\r\n" (12) + blank line (2) + body.
    for (const auto& [body, accepted] : {std::pair<std::size_t, bool>{986, true}, {987, false}}) {
        fixture f;
        f.s.connect("c", "203.0.113.9");
        f.login("alice@example.org");
        REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
        const auto v = f.rest({{"Subject", "s"}}, body);
        CHECK(v.is_accept() == accepted);
        if (!accepted) {
            CHECK(v.to_smtp_string() == "552 5.3.4 Message size exceeds fixed limit");
            CHECK(f.last_line().find("size=1001 verdict=reject rule=R-SAV-4") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("R-PSH-6: session refuses the send over the cap, blocks until <UTC>, lifts") {
    auto st = fixture::defaults();
    st.send_cap.daily_limit = 3;
    fixture f(st);
    f.directory.accounts["alice@example.org"].daily_limit = 2;  // LDAP override wins
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    for (int i = 0; i < 2; ++i) {
        REQUIRE(f.s.mail_from("<a.smith@example.org>", {}).is_accept());  // alias: same count
        CHECK(f.rest({}).is_accept());
    }
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    const auto over = f.rest({});
    const std::int64_t until = f.clock.now().time_since_epoch().count() + 86400;
    CHECK(over.to_smtp_string() == "450 4.7.1 Sending blocked until " +
                                       policy::format_utc(until) +
                                       ": more than 2 messages sent in the last 24 hours");
    CHECK(f.sink->contains("alice@example.org: send cap reached (2/2), blocked until"));
    CHECK(f.last_line().find(" verdict=tempfail rule=R-PSH-6 ") != std::string::npos);
    // During the block: refused at MAIL FROM already.
    f.clock.advance(seconds{86399});
    CHECK(f.s.mail_from("<alice@example.org>", {}).smtp_code == 450);
    // Receiving is untouched: mail TO alice from outside passes.
    f.macros.values.erase("{auth_authen}");
    REQUIRE(f.s.mail_from("<friend@elsewhere.test>", {}).is_accept());
    CHECK(f.rest({}).is_accept());
    // Lifts by itself.
    f.clock.advance(seconds{1});
    f.login("alice@example.org");
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.rest({}).is_accept());
}

TEST_CASE("R-PSH-6: counter store down gives the failure action, recipients mode counts") {
    auto st = fixture::defaults();
    st.send_cap.daily_limit = 3;
    st.send_cap.count = config::count_mode::recipients;
    fixture f(st);
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    f.counters.down = true;
    CHECK(f.s.mail_from("<alice@example.org>", {}).to_smtp_string() ==
          "451 4.3.0 Temporary lookup failure: counter store unavailable, try again later");
    f.counters.down = false;
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<c@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<d@example.org>", {}).is_accept());
    CHECK(f.rest({}).is_accept());  // 3 recipients = the whole allowance
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.rest({}).smtp_code == 450);  // a 4th recipient is over
}

TEST_CASE("R-TJP-5: a blocked account cannot send; receiving is untouched") {
    fixture f;
    f.directory.accounts["alice@example.org"].status = policy::account_status::blocked;
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    const auto v = f.s.mail_from("<alice@example.org>", {});
    CHECK(v.to_smtp_string() ==
          "550 5.7.1 <alice@example.org>: Sender address rejected: account is blocked");
    CHECK(v.rule_id == "R-TJP-5");
    f.macros.values.erase("{auth_authen}");
    REQUIRE(f.s.mail_from("<friend@elsewhere.test>", {}).is_accept());
    CHECK(f.rest({}).is_accept());  // rest() sends to bob; alice's status is not consulted
    f.directory.accounts["alice@example.org"].status = policy::account_status::unknown;
    f.login("alice@example.org");
    CHECK(f.s.mail_from("<alice@example.org>", {}).smtp_code == 550);
}

TEST_CASE("R-PSH-3: a pending account writes only to the activation address, which activates it") {
    auto st = fixture::defaults();
    st.sender.activation_address = "Test@Example.org";
    fixture f(st);
    f.directory.accounts["alice@example.org"].status = policy::account_status::pending;
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    const auto other = f.s.rcpt("<bob@example.org>", {});
    CHECK(other.to_smtp_string() ==
          "550 5.7.1 <bob@example.org>: Recipient address rejected: account not activated; "
          "send a message to test@example.org first");
    CHECK(other.rule_id == "R-PSH-3");
    CHECK(f.s.rcpt("<test@example.org>", {}).is_accept());
    CHECK(f.s.data().is_accept());
    CHECK(f.s.end_of_message().is_accept());
    CHECK(f.counters.activations.count("alice@example.org") == 1);
    CHECK(f.sink->contains("alice@example.org: activation mail seen (R-PSH-3)"));

    // No activation address configured: a pending account cannot send at all.
    fixture g;
    g.directory.accounts["alice@example.org"].status = policy::account_status::pending;
    g.s.connect("c", "203.0.113.9");
    g.login("alice@example.org");
    REQUIRE(g.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(g.s.rcpt("<test@example.org>", {}).smtp_code == 550);
    CHECK(g.counters.activations.empty());
}

TEST_CASE("R-TJP-2: an application mailbox writes to our domains and its allow-list only") {
    fixture f;
    auto& app = f.directory.accounts["alice@example.org"];
    app.internal_only = true;
    app.allowed_recipients = {"Partner@Vendor.test", "@court.example"};
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<bob@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<partner@vendor.test>", {}).is_accept());
    CHECK(f.s.rcpt("<judge@COURT.example>", {}).is_accept());
    const auto v = f.s.rcpt("<someone@vendor.test>", {});
    CHECK(v.to_smtp_string() ==
          "550 5.7.1 <someone@vendor.test>: Recipient address rejected: only internal "
          "recipients allowed for this account");
    CHECK(v.rule_id == "R-TJP-2");
    CHECK(f.s.rcpt("<x@sub.court.example>", {}).smtp_code == 550);
    CHECK(f.s.message()->recipients.size() == 3);
    CHECK(f.sink->contains("rcpt=someone@vendor.test verdict=reject rule=R-TJP-2"));
}

TEST_CASE("R-MYO-6: outsiders get 550 5.7.1 at RCPT for an internal-only list") {
    fixture f;
    policy::account list;
    list.mail = "staff@example.org";
    list.is_list = true;
    list.internal_only = true;
    f.directory.accounts["staff@example.org"] = list;
    policy::account open = list;
    open.mail = "public@example.org";
    open.internal_only = false;
    f.directory.accounts["public@example.org"] = open;
    f.s.connect("c", "203.0.113.9");
    REQUIRE(f.s.mail_from("<friend@elsewhere.test>", {}).is_accept());
    CHECK(f.s.rcpt("<staff@example.org>", {}).to_smtp_string() ==
          "550 5.7.1 <staff@example.org>: Recipient address rejected: this list accepts "
          "internal senders only");
    CHECK(f.s.rcpt("<public@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<bob@example.org>", {}).is_accept());  // not in the directory: not a list
    f.directory.down = true;
    CHECK(f.s.rcpt("<other@example.org>", {}).smtp_code == 451);
    // Authenticated users and trusted relays may write to it.
    f.directory.down = false;
    f.login("alice@example.org");
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<staff@example.org>", {}).is_accept());
}

TEST_CASE("R-SAV-9: the recipient over limits.max_recipients gets 452 4.5.3") {
    auto st = fixture::defaults();
    st.limits.max_recipients = 2;
    fixture f(st);
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<a@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<b@example.org>", {}).is_accept());
    const auto v = f.s.rcpt("<c@example.org>", {});
    CHECK(v.to_smtp_string() == "452 4.5.3 Error: too many recipients");
    CHECK(v.rule_id == "R-SAV-9");
    // 10,000 recipients: each answered, none crashes, only the first 2 kept.
    for (int i = 0; i < 10000; ++i)
        CHECK(f.s.rcpt("<r" + std::to_string(i) + "@example.org>", {}).smtp_code == 452);
    CHECK(f.s.message()->recipients.size() == 2);
}

TEST_CASE("R-SAV-9: hostile headers and envelopes get an answer, never a crash") {
    const std::string huge(100 * 1024, 'a');
    const std::string with_nul("x <a@example.org>\0<b@evil.test>", 31);
    const std::vector<std::string> froms{huge, with_nul, "=?utf-8?B?broken", "<<<>>>",
                                         "\"unterminated <a@b>", std::string(5000, '<')};
    for (const bool authenticated : {true, false}) {
        for (const std::string& from : froms) {
            auto st = fixture::defaults();
            st.limits.max_message_size_outgoing = 0;  // size is not what this test is about
            st.limits.max_message_size_incoming = 0;
            fixture f(st);
            f.s.connect("c", "203.0.113.9");
            if (authenticated) f.login("alice@example.org");
            const char* sender = authenticated ? "<alice@example.org>" : "<x@elsewhere.test>";
            REQUIRE(f.s.mail_from(sender, {}).is_accept());
            const auto v = f.rest({{"From", from}, {"Subject", huge}});
            // Authenticated: an unprovable From: is refused; outside: nothing local claimed.
            CHECK(v.is_accept() == !authenticated);
            CHECK(f.sink->lines().size() >= 1);
        }
    }
    fixture f;
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    CHECK(f.s.mail_from(std::string("<alice@example.org\0x>", 21), {}).smtp_code == 553);
    CHECK(f.s.mail_from("<" + huge + "@example.org>", {}).smtp_code == 553);
}

namespace {

// The fixture's config with a subject block list (as main.cpp loads it).
void use_subject_rules(fixture& f, std::string_view text,
                       policy::action def = policy::action::reject,
                       config::settings settings = fixture::defaults()) {
    auto loaded = policy::parse_subject_rules(text, "/etc/mailwarden/subject-block.rules", def);
    REQUIRE(loaded.ok());
    f.holder.replace(make_runtime_config(std::move(settings),
                                         log::logger(f.sink, log::level::info), loaded.rules));
}

}  // namespace

TEST_CASE("R-TJP-3: a blocked subject is refused at end of message with 550 5.7.1") {
    fixture f;
    use_subject_rules(f, "# outbreak\nliteral спам в подарок\nregex ^win .* now$ => quarantine\n");
    f.s.connect("c", "203.0.113.9");  // incoming: applies to all mail
    f.macros.values["i"] = "Q30";
    REQUIRE(f.s.mail_from("<x@elsewhere.example>", {}).is_accept());
    // Encoded in KOI8-R and in other case than the rule: still the rule of line 2.
    const auto v = f.rest({{"Subject", "=?KOI8-R?B?89DBzSDXINDPxMHSz8s=?= !!"}});
    CHECK(v.to_smtp_string() == "550 5.7.1 Message content rejected: subject blocked by rule 2");
    CHECK(v.rule_id == "R-TJP-3");
    CHECK(f.sink->contains(
        "Q30: subject blocked by /etc/mailwarden/subject-block.rules:2 (reject): Спам в подарок"));
    CHECK(f.last_line().find(" verdict=reject rule=R-TJP-3 reply=\"550 5.7.1 Message content "
                             "rejected: subject blocked by rule 2\"") != std::string::npos);
    // Refused messages are not counted by the send cap (nothing to count here: outsider).
    CHECK(f.s.message() == nullptr);
}

TEST_CASE("R-TJP-3: a quarantine rule gives a quarantine verdict; it is counted as sent") {
    fixture f;
    use_subject_rules(f, "literal outbreak\n", policy::action::quarantine);
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    f.macros.values["i"] = "Q31";
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    const auto v = f.rest({{"From", "alice@example.org"}, {"Subject", "Re: OUTBREAK news"}});
    CHECK(v.what == policy::action::quarantine);
    CHECK(v.text == "subject blocked by rule 1");
    CHECK(v.rule_id == "R-TJP-3");
    CHECK(f.last_line().find(" verdict=quarantine rule=R-TJP-3") != std::string::npos);
    // R-PSH-6: the held message was taken from the sender, so it counts.
    CHECK(f.counters.records.size() == 1);
}

TEST_CASE("R-TJP-3: other subjects pass; a second Subject header is checked too") {
    fixture f;
    use_subject_rules(f, "literal blocked phrase\n");
    f.s.connect("c", "203.0.113.9");
    REQUIRE(f.s.mail_from("<x@elsewhere.example>", {}).is_accept());
    CHECK(f.rest({{"Subject", "Quarterly report"}}).is_accept());
    REQUIRE(f.s.mail_from("<x@elsewhere.example>", {}).is_accept());
    CHECK(f.rest({{"Subject", "harmless"}, {"subject", "a BLOCKED PHRASE"}}).smtp_code == 550);
    // No subject at all: nothing to match.
    REQUIRE(f.s.mail_from("<x@elsewhere.example>", {}).is_accept());
    CHECK(f.rest({}).is_accept());
}

TEST_CASE("R-TJP-3: a reload swaps the rules for the next message, not the running one") {
    fixture f;
    use_subject_rules(f, "literal old rule\n");
    f.s.connect("c", "203.0.113.9");
    REQUIRE(f.s.mail_from("<x@elsewhere.example>", {}).is_accept());
    use_subject_rules(f, "literal new rule\n");  // SIGHUP during the message
    CHECK(f.rest({{"Subject", "new rule"}}).is_accept());  // snapshot from MAIL FROM
    REQUIRE(f.s.mail_from("<x@elsewhere.example>", {}).is_accept());
    CHECK(f.rest({{"Subject", "new rule"}}).smtp_code == 550);
    REQUIRE(f.s.mail_from("<x@elsewhere.example>", {}).is_accept());
    CHECK(f.rest({{"Subject", "old rule"}}).is_accept());
}

TEST_CASE("R-TJP-3: a 100 KB Subject is bounded, logged, and still matched at its start") {
    fixture f;
    auto big = fixture::defaults();
    big.limits.max_message_size_incoming = 1'000'000;  // the size rule is not under test
    use_subject_rules(f, "literal needle\n", policy::action::reject, big);
    f.s.connect("c", "203.0.113.9");
    f.macros.values["i"] = "Q33";
    REQUIRE(f.s.mail_from("<x@elsewhere.example>", {}).is_accept());
    const std::string huge = "needle " + std::string(100 * 1024, 'h');
    CHECK(f.s.rcpt("<bob@example.org>", {}).is_accept());
    CHECK(f.s.header("Subject", huge).is_accept());
    REQUIRE(f.s.message() != nullptr);
    std::size_t kept = 0;
    for (const auto& subject : f.s.message()->subjects) kept += subject.size();
    CHECK(kept == mail::max_rfc2047_input);
    CHECK(f.s.end_of_message().smtp_code == 550);
    CHECK(f.sink->contains("Q33: Subject longer than 65536 bytes: only its start is checked"));
}

namespace {

// R-PSH-3: a status writer that answers as told and remembers what it was asked.
class fake_writer final : public policy::status_writer {
public:
    policy::activation_result activate(const policy::account& a) override {
        written.push_back(a.dn);
        return answer;
    }
    policy::activation_result answer{policy::activation_outcome::written, {}};
    std::vector<std::string> written;
};

config::settings with_classes() {
    auto s = fixture::defaults();
    s.classes.attribute = "employeeType";
    config::named_limits student{"student", {}};
    student.limits.max_message_size_outgoing = 500;
    student.limits.max_recipients = 1;
    student.limits.daily_limit = 1;
    config::named_limits archive{"archive", {}};
    archive.limits.max_message_size_incoming = 5000;
    s.class_limits = {student, archive};
    config::named_limits here{"Example.ORG", {}};
    here.limits.max_message_size_incoming = 1500;
    here.limits.max_message_size_outgoing = 800;
    s.domain_limits = {here};
    return s;
}

}  // namespace

TEST_CASE("R-SAV-4 R-PSH-6: a class sets the sender's size, recipients and daily cap") {
    fixture f(with_classes());
    f.directory.accounts["alice@example.org"].classes = {"Student"};
    policy::account carol;
    carol.mail = "carol@example.org";
    f.directory.accounts["carol@example.org"] = carol;  // no class: her domain's 800
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    f.macros.values["i"] = "Q40";
    const std::string_view big[] = {"SIZE=501"};
    const auto v = f.s.mail_from("<alice@example.org>", big);
    CHECK(v.to_smtp_string() == "552 5.3.4 Message size exceeds fixed limit");
    CHECK(
        f.last_line().ends_with(" verdict=reject rule=R-SAV-4 reply=\"552 5.3.4 Message size "
                                "exceeds fixed limit\""));
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<bob@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<carol@example.org>", {}).to_smtp_string() ==
          "452 4.5.3 Error: too many recipients");  // the class's max_recipients 1
    CHECK(f.s.data().is_accept());
    CHECK(f.s.end_of_message().is_accept());
    CHECK(f.last_line().ends_with(" verdict=accept"));
    // The class's daily limit 1: the second message starts the block.
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.rest({}).smtp_code == 450);

    f.login("carol@example.org");
    const std::string_view c_ok[] = {"SIZE=800"};
    CHECK(f.s.mail_from("<carol@example.org>", c_ok).is_accept());
    const std::string_view c_big[] = {"SIZE=801"};
    CHECK(f.s.mail_from("<carol@example.org>", c_big).smtp_code == 552);
    // The account's own LDAP limit still beats its class.
    f.directory.accounts["alice@example.org"].daily_limit = 5;
    f.clock.advance(seconds{86400 * 2});
    f.login("alice@example.org");
    for (int i = 0; i < 5; ++i) {
        REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
        CHECK(f.rest({}).is_accept());
    }
}

TEST_CASE("R-SAV-4: incoming mail is held to each recipient's class and domain limit") {
    fixture f(with_classes());
    policy::account archive;
    archive.mail = "archive@example.org";
    archive.classes = {"archive"};
    f.directory.accounts["archive@example.org"] = archive;
    f.s.connect("c", "203.0.113.9");
    // MAIL FROM: only what fits nobody (the largest incoming limit, archive's 5000).
    const std::string_view huge[] = {"SIZE=5001"};
    CHECK(f.s.mail_from("<x@elsewhere.test>", huge).smtp_code == 552);
    const std::string_view size[] = {"SIZE=1800"};
    REQUIRE(f.s.mail_from("<x@elsewhere.test>", size).is_accept());
    // example.org takes 1500: this recipient is refused, the message goes on.
    const auto v = f.s.rcpt("<bob@example.org>", {});
    CHECK(v.to_smtp_string() == "552 5.3.4 Message size exceeds fixed limit");
    CHECK(f.sink->contains("rcpt=bob@example.org verdict=reject rule=R-SAV-4"));
    CHECK(f.s.rcpt("<archive@example.org>", {}).is_accept());  // its class takes 5000
    CHECK(f.s.rcpt("<y@elsewhere.test>", {}).is_accept());     // the global 2000
    CHECK(f.s.data().is_accept());
    const std::string body(1700, 'x');
    CHECK(f.s.body({reinterpret_cast<const unsigned char*>(body.data()), body.size()}).is_accept());
    CHECK(f.s.end_of_message().is_accept());  // 1702 bytes: fits 5000 and 2000
    // Without SIZE=: counted at the end against the smallest limit of the recipients.
    REQUIRE(f.s.mail_from("<x@elsewhere.test>", {}).is_accept());
    CHECK(f.s.rcpt("<archive@example.org>", {}).is_accept());
    CHECK(f.s.rcpt("<bob@example.org>", {}).is_accept());
    CHECK(f.s.data().is_accept());
    CHECK(f.s.body({reinterpret_cast<const unsigned char*>(body.data()), body.size()}).is_accept());
    CHECK(f.s.end_of_message().to_smtp_string() == "552 5.3.4 Message size exceeds fixed limit");
}

TEST_CASE("R-PSH-9: logins only from submit networks; outsiders may not relay") {
    auto st = fixture::defaults();
    st.sender.submit_networks = "192.0.2.0/24";
    fixture f(st);
    f.s.connect("home.example", "203.0.113.9");
    f.login("alice@example.org");
    const auto v = f.s.mail_from("<alice@example.org>", {});
    CHECK(v.to_smtp_string() ==
          "550 5.7.1 <home.example[203.0.113.9]>: Client host rejected: submission from this "
          "network is not allowed");
    CHECK(f.last_line().find(" verdict=reject rule=R-PSH-9 ") != std::string::npos);
    CHECK(f.directory.calls == 0);  // refused before any lookup
    // The same client without a login: incoming mail to our domain only.
    f.macros.values.erase("{auth_authen}");
    REQUIRE(f.s.mail_from("<friend@elsewhere.test>", {}).is_accept());
    CHECK(f.s.rcpt("<bob@example.org>", {}).is_accept());
    const auto relay = f.s.rcpt("<someone@elsewhere.test>", {});
    CHECK(relay.to_smtp_string() == "554 5.7.1 <someone@elsewhere.test>: Relay access denied");
    CHECK(f.sink->contains("rcpt=someone@elsewhere.test verdict=reject rule=R-PSH-9"));

    fixture vpn(st);
    vpn.s.connect("vpn", "192.0.2.44");
    vpn.login("alice@example.org");
    REQUIRE(vpn.s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(vpn.s.rcpt("<someone@elsewhere.test>", {}).is_accept());
    fixture relay_host(st);  // trusted_networks 198.51.100.0/24: relays, and logs in
    relay_host.s.connect("relay", "198.51.100.20");
    REQUIRE(relay_host.s.mail_from("<ceo@example.org>", {}).is_accept());
    CHECK(relay_host.s.rcpt("<someone@elsewhere.test>", {}).is_accept());
    relay_host.login("alice@example.org");
    CHECK(relay_host.s.mail_from("<alice@example.org>", {}).is_accept());
}

TEST_CASE("R-TJP-5: a block reaches the milter within status_cache_ttl, not cache_ttl") {
    auto st = fixture::defaults();
    st.ldap.status_cache_ttl = seconds{10};
    fixture f(st);
    policy::cached_directory cache(f.directory, f.clock, seconds{3600}, seconds{60});
    services shared{&cache, &f.counters, &f.clock};
    session s(f.holder, f.macros, shared);
    s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    REQUIRE(s.mail_from("<alice@example.org>", {}).is_accept());
    f.directory.accounts["alice@example.org"].status = policy::account_status::blocked;
    f.clock.advance(seconds{9});
    CHECK(s.mail_from("<alice@example.org>", {}).is_accept());  // still the cached copy
    f.clock.advance(seconds{1});
    CHECK(s.mail_from("<alice@example.org>", {}).to_smtp_string() ==
          "550 5.7.1 <alice@example.org>: Sender address rejected: account is blocked");
    CHECK(f.directory.calls == 2);
}

TEST_CASE("R-PSH-3: with a write credential the milter activates the account itself") {
    auto st = fixture::defaults();
    st.sender.activation_address = "test@example.org";
    fixture f(st);
    auto& alice = f.directory.accounts["alice@example.org"];
    alice.status = policy::account_status::pending;
    alice.dn = "uid=alice,ou=people,dc=example,dc=org";
    policy::cached_directory cache(f.directory, f.clock, seconds{3600}, seconds{60});
    fake_writer writer;
    services shared{&cache, &f.counters, &f.clock, &writer};
    session s(f.holder, f.macros, shared);
    s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    const auto activate = [&] {
        REQUIRE(s.mail_from("<alice@example.org>", {}).is_accept());
        REQUIRE(s.rcpt("<test@example.org>", {}).is_accept());
        REQUIRE(s.data().is_accept());
        return s.end_of_message();
    };
    CHECK(activate().is_accept());
    CHECK(writer.written == std::vector<std::string>{"uid=alice,ou=people,dc=example,dc=org"});
    CHECK(f.counters.activations.empty());  // recorded, then cleared: nothing left to apply
    CHECK(
        f.sink->contains("alice@example.org: activation mail seen (R-PSH-3); account "
                         "activated in LDAP (uid=alice,ou=people,dc=example,dc=org)"));
    // The cached "pending" was forgotten: the next MAIL FROM reads the account again.
    alice.status = policy::account_status::active;
    const int calls = f.directory.calls;
    REQUIRE(s.mail_from("<alice@example.org>", {}).is_accept());
    CHECK(f.directory.calls == calls + 1);
    CHECK(s.rcpt("<bob@example.org>", {}).is_accept());
    s.abort();

    // Changed meanwhile (an admin blocked it): nothing overwritten, the record cleared.
    alice.status = policy::account_status::pending;
    cache.clear();
    writer.answer = {policy::activation_outcome::not_pending, "conflict: rc 16"};
    CHECK(activate().is_accept());
    CHECK(f.counters.activations.empty());
    CHECK(
        f.sink->contains("its status is no longer pending in LDAP, left as it is: "
                         "conflict: rc 16"));
    // LDAP refuses or is down: the mail is accepted, the record stays for activate-pending.
    cache.clear();
    writer.answer = {policy::activation_outcome::failed, "temporary: rc -1 (Can't contact)"};
    CHECK(activate().is_accept());
    CHECK(f.counters.activations.count("alice@example.org") == 1);
    CHECK(
        f.sink->contains("cannot write the status (temporary: rc -1 (Can't contact)); left "
                         "for mailwarden user activate-pending"));
    CHECK(writer.written.size() == 3);
}

TEST_CASE("R-PSH-3: without a write credential nothing is written (activate-pending does)") {
    auto st = fixture::defaults();
    st.sender.activation_address = "test@example.org";
    fixture f(st);
    f.directory.accounts["alice@example.org"].status = policy::account_status::pending;
    f.directory.accounts["alice@example.org"].dn = "uid=alice,dc=example,dc=org";
    f.s.connect("c", "203.0.113.9");
    f.login("alice@example.org");
    REQUIRE(f.s.mail_from("<alice@example.org>", {}).is_accept());
    REQUIRE(f.s.rcpt("<test@example.org>", {}).is_accept());
    CHECK(f.s.end_of_message().is_accept());
    CHECK(f.counters.activations.count("alice@example.org") == 1);
    CHECK(
        f.sink->contains("activation mail seen (R-PSH-3); run mailwarden user "
                         "activate-pending"));
}

TEST_CASE("R-PSH-9 R-SAV-9: Postfix's non-SMTP mail (localhost, port 0) is a local submission") {
    auto st = fixture::defaults();
    st.sender.submit_networks = "192.0.2.0/24";
    fixture f(st);
    f.macros.values["{client_port}"] = "0";
    f.s.connect("localhost", "127.0.0.1");
    CHECK_FALSE(f.s.connection().client_addr.has_value());
    REQUIRE(f.s.mail_from("<root@example.org>", {}).is_accept());  // our domain: trusted
    CHECK(f.s.rcpt("<someone@elsewhere.test>", {}).is_accept());   // may write anywhere
    CHECK(f.s.end_of_message().is_accept());
    CHECK(f.last_line().find(" client=- auth=- from=root@example.org ") != std::string::npos);
    // A real TCP client on the loopback has a port: an outsider like any other.
    f.macros.values["{client_port}"] = "41234";
    f.s.connect("localhost", "127.0.0.1");
    CHECK(f.s.connection().client_addr == std::optional<std::string>("127.0.0.1"));
    CHECK(f.s.mail_from("<root@example.org>", {}).smtp_code == 553);
    // Port 0 from anywhere but the loopback proves nothing.
    f.macros.values["{client_port}"] = "0";
    f.s.connect("x", "203.0.113.9");
    CHECK(f.s.connection().client_addr == std::optional<std::string>("203.0.113.9"));
}
