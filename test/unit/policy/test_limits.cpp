// test_limits.cpp: which limits hold one message, per account class and per domain
// (core/policy/limits.hpp): the per-account LDAP daily limit beats the class, the class
// beats the account's domain, the domain beats the global keys; incoming limits by the
// recipient's class and domain; several class values; 0 lifts a limit; the largest
// incoming limit for SIZE= at MAIL FROM.
// Rules: R-PSH-5, R-SAV-4, R-MYO-7 (size per class/domain), R-SAV-9 (recipients), R-PSH-6
// (daily cap per class/domain, per-account override most specific).
#include <doctest/doctest.h>

#include "core/policy/limits.hpp"

using namespace mailwarden::policy;

namespace {

// SAV-like: global 100 MB / 100 MB / no recipient limit / 100 a day; PhD students send
// 3 MB and 50 a day; staff may write to 500 recipients; savba.sk's accounts send 3.5 MB
// and its recipients take 5 MB; unix.savba.sk takes anything.
limit_policy sav() {
    limit_policy p;
    p.global = {100'000'000, 100'000'000, 0, 100};
    limit_overrides phd;
    phd.max_message_size_outgoing = 3'000'000;
    phd.daily_limit = 50;
    limit_overrides staff;
    staff.max_recipients = 500;
    p.classes = {{"phd-student", phd}, {"Staff", staff}};
    limit_overrides savba;
    savba.max_message_size_outgoing = 3'500'000;
    savba.max_message_size_incoming = 5'000'000;
    limit_overrides unix_host;
    unix_host.max_message_size_incoming = 0;
    p.domains = {{"savba.sk", savba}, {"unix.savba.sk", unix_host}};
    return p;
}

account user(std::string mail, std::vector<std::string> classes = {}) {
    account a;
    a.mail = std::move(mail);
    a.classes = std::move(classes);
    return a;
}

}  // namespace

TEST_CASE("R-PSH-5 R-SAV-4 R-PSH-6: no account, no class, no domain: the global limits") {
    const limit_policy p = sav();
    CHECK(resolve_sender_limits(p, nullptr).values == p.global);
    const account other = user("x@elsewhere.test", {"janitor"});
    const resolved_limits r = resolve_sender_limits(p, &other);
    CHECK(r.values == p.global);
    CHECK(r.account_class.empty());
    CHECK(r.domain.empty());
    CHECK_FALSE(r.account_daily_limit);
}

TEST_CASE("R-SAV-4 R-PSH-6: class beats domain beats global, key by key") {
    const limit_policy p = sav();
    const account phd = user("Jan.Novak@SAVBA.sk", {"PhD-Student"});  // case-insensitive
    const resolved_limits r = resolve_sender_limits(p, &phd);
    CHECK(r.account_class == "phd-student");
    CHECK(r.domain == "savba.sk");
    CHECK(r.values.max_message_size_outgoing == 3'000'000);  // class over domain's 3.5 MB
    CHECK(r.values.max_message_size_incoming == 5'000'000);  // domain (class sets none)
    CHECK(r.values.max_recipients == 0);                     // global
    CHECK(r.values.daily_limit == 50);                       // class
    // Only the domain: its accounts send 3.5 MB.
    const account plain = user("eva@savba.sk");
    CHECK(resolve_sender_limits(p, &plain).values.max_message_size_outgoing == 3'500'000);
}

TEST_CASE("R-PSH-6: the account's own LDAP daily limit is the most specific of all") {
    const limit_policy p = sav();
    account phd = user("jan@savba.sk", {"phd-student"});
    phd.daily_limit = 7;
    const resolved_limits r = resolve_sender_limits(p, &phd);
    CHECK(r.values.daily_limit == 7);
    CHECK(r.account_daily_limit);
    CHECK(r.values.max_message_size_outgoing == 3'000'000);  // the rest still from the class
}

TEST_CASE("R-SAV-9: several class values: the first class in config order wins") {
    const limit_policy p = sav();
    // "staff" is listed after "phd-student" in the config: phd-student applies.
    const account both = user("a@x.test", {"staff", "phd-student"});
    CHECK(resolve_sender_limits(p, &both).account_class == "phd-student");
    const account staff = user("a@x.test", {"STAFF", "unknown"});
    const resolved_limits r = resolve_sender_limits(p, &staff);
    CHECK(r.account_class == "Staff");
    CHECK(r.values.max_recipients == 500);
    CHECK(class_of(p, user("a@x.test", {""})) == nullptr);
    CHECK(class_of(p, user("a@x.test", {"staf"})) == nullptr);
}

TEST_CASE("R-SAV-4: incoming limits by the recipient's class and domain; 0 lifts") {
    const limit_policy p = sav();
    CHECK(incoming_size_limit(p, "bob@elsewhere.test", nullptr) == 100'000'000);
    CHECK(incoming_size_limit(p, "eva@savba.sk", nullptr) == 5'000'000);
    CHECK(incoming_size_limit(p, "eva@unix.savba.sk", nullptr) == 0);  // lifted
    limit_policy q = p;
    limit_overrides big;
    big.max_message_size_incoming = 20'000'000;
    q.classes.push_back({"archive", big});
    const account archive = user("arch@savba.sk", {"archive"});
    CHECK(incoming_size_limit(q, "arch@savba.sk", &archive) == 20'000'000);  // class first
    CHECK(incoming_size_limit(q, "", nullptr) == 100'000'000);               // not an address
}

TEST_CASE("R-SAV-4: the largest incoming limit is what SIZE= can be refused at MAIL FROM") {
    limit_policy p;
    p.global.max_message_size_incoming = 5'000'000;
    CHECK(largest_incoming_size_limit(p) == 5'000'000);
    limit_overrides more;
    more.max_message_size_incoming = 8'000'000;
    p.domains.push_back({"big.test", more});
    limit_overrides less;
    less.max_message_size_incoming = 1'000'000;
    p.classes.push_back({"small", less});
    CHECK(largest_incoming_size_limit(p) == 8'000'000);
    limit_overrides none;
    none.max_message_size_incoming = 0;
    p.domains.push_back({"any.test", none});
    CHECK(largest_incoming_size_limit(p) == 0);
    p.domains.clear();
    p.global.max_message_size_incoming = 0;
    CHECK(largest_incoming_size_limit(p) == 0);
}

TEST_CASE("R-SAV-4: tighter() treats 0 as no limit") {
    CHECK(tighter(0, 0) == 0);
    CHECK(tighter(0, 5) == 5);
    CHECK(tighter(5, 0) == 5);
    CHECK(tighter(3, 5) == 3);
    CHECK(tighter(5, 3) == 3);
}
