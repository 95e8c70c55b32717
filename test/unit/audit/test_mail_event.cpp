// test_mail_event.cpp: reading mailwarden-milter's audit lines and Postfix's lines about a
// message (R-TJP-4), with the lines as a real Postfix 3.7 and the milter write them, and
// hostile ones: forged "key=" inside an address or a reply, cut lines, NUL bytes, huge
// lines. A forged field must never win over the real one unnoticed.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <string>

#include "core/audit/mail_event.hpp"
#include "core/util/log.hpp"

using namespace mailwarden;
using namespace mailwarden::audit;

namespace {

constexpr std::string_view milter = "mailwarden-milter";

mail_event read(std::string_view program, std::string_view text,
                parse_outcome expected = parse_outcome::event) {
    mail_event e;
    CHECK(parse_mail_event(program, text, e) == expected);
    return e;
}

// The audit line exactly as milter/session.cpp (session::audit) formats it.
std::string audit_line(std::string_view qid, std::string_view client, std::string_view auth,
                       std::string_view from, std::size_t nrcpt, std::uint64_t size,
                       std::string_view verdict, std::string_view rule = {},
                       std::string_view reply = {}) {
    std::string tail;
    if (!rule.empty()) tail += fmt::format(" rule={}", rule);
    if (!reply.empty()) tail += fmt::format(" reply=\"{}\"", log::untrusted{reply});
    return log::sanitize(
        fmt::format("{}: client={} auth={} from={} nrcpt={} size={} verdict={}{}",
                    log::untrusted{qid}, log::untrusted{client}, log::untrusted{auth},
                    log::untrusted{from}, nrcpt, size, verdict, tail),
        4096);
}

}  // namespace

TEST_CASE("R-TJP-4: which program wrote a line") {
    CHECK(source_of("mailwarden-milter") == log_source::mailwarden);
    CHECK(source_of("postfix/smtpd") == log_source::postfix);
    CHECK(source_of("postfix-mw-postfix-4020783709/qmgr") == log_source::postfix);
    CHECK(source_of("postfix/submission/smtpd") == log_source::postfix);
    CHECK(source_of("dovecot") == log_source::other);
    CHECK(source_of("postfix/") == log_source::other);
    CHECK(source_of("/smtpd") == log_source::other);
}

TEST_CASE("R-TJP-4: the milter's audit line for an accepted message") {
    const auto e = read(milter,
                        "C3044A76164: client=127.0.0.1 auth=alice@example.org "
                        "from=alice@example.org nrcpt=1 size=260 verdict=accept");
    CHECK(e.kind == event_kind::mw_message);
    CHECK(e.queue_id == "C3044A76164");
    CHECK(e.client == "127.0.0.1");
    CHECK(e.auth == "alice@example.org");
    CHECK(e.sender == "alice@example.org");
    CHECK(e.nrcpt == 1u);
    CHECK(e.size == 260u);
    CHECK(e.verdict == "accept");
    CHECK(e.rule.empty());
    CHECK(e.reply.empty());
    CHECK_FALSE(e.ambiguous);
    // As the stderr sink writes it (level first), and with absent values.
    const auto s = read(milter,
                        "info: F222AA76161: client=- auth=- from=<> nrcpt=1 size=264 "
                        "verdict=accept rule=R-TJP-3");
    CHECK(s.client.empty());
    CHECK(s.auth.empty());
    CHECK(s.sender == "<>");
    CHECK(s.rule == "R-TJP-3");
}

TEST_CASE("R-TJP-4: the milter's audit line for a refusal, built as session.cpp builds it") {
    const std::string line = audit_line(
        "NOQUEUE", "127.0.0.1", "alice@example.org", "bob@example.org", 0, 2, "reject", "R-SAV-9",
        "553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user "
        "alice@example.org");
    const auto e = read(milter, line);
    CHECK(e.queue_id == "NOQUEUE");
    CHECK(e.sender == "bob@example.org");
    CHECK(e.verdict == "reject");
    CHECK(e.rule == "R-SAV-9");
    CHECK(e.reply ==
          "553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user "
          "alice@example.org");
    CHECK_FALSE(e.ambiguous);

    const auto q = read(milter, audit_line("E72F8A76161", "::1", "-", "x@example.org", 2, 280,
                                           "quarantine", "R-TJP-3", "subject blocked by rule 4"));
    CHECK(q.verdict == "quarantine");
    CHECK(q.client == "::1");
    CHECK(q.reply == "subject blocked by rule 4");
}

TEST_CASE("R-TJP-4: the milter's line for a refused recipient") {
    const auto e = read(milter,
                        "4Xh8Jm0l1Tz9sQ: auth=app@example.org rcpt=someone@elsewhere.test "
                        "verdict=reject rule=R-TJP-2 reply=\"550 5.7.1 <someone@elsewhere.test>: "
                        "Recipient address rejected: internal only\"");
    CHECK(e.kind == event_kind::mw_recipient);
    CHECK(e.queue_id == "4Xh8Jm0l1Tz9sQ");
    CHECK(e.recipient == "someone@elsewhere.test");
    CHECK(e.rule == "R-TJP-2");
    CHECK(e.reply.starts_with("550 5.7.1 <someone@elsewhere.test>"));
    const auto none = read(milter,
                           "NOQUEUE: auth=- rcpt=list@example.org verdict=tempfail "
                           "rule=- reply=\"451 4.3.0 Temporary lookup failure\"");
    CHECK(none.rule.empty());
    CHECK(none.auth.empty());
    CHECK(none.verdict == "tempfail");
}

TEST_CASE("R-TJP-4: a forged key= inside a quoted address does not change the verdict") {
    // The sender picks its address; Postfix hands it to the milter quoted.
    const std::string forged = R"("x nrcpt=0 size=0 verdict=accept"@evil.test)";
    auto e = read(milter, audit_line("NOQUEUE", "192.0.2.7", "-", forged, 0, 2, "reject", "R-SAV-9",
                                     "553 5.7.1 <" + forged +
                                         ">: Sender address "
                                         "rejected: not logged in"));
    CHECK(e.sender == forged);
    CHECK(e.verdict == "reject");
    CHECK(e.rule == "R-SAV-9");
    CHECK_FALSE(e.ambiguous);

    // Real lines (Postfix 3.7 re-quotes "<x nrcpt=0 ...@example.org>" before the milter
    // sees it; a '"' inside the quotes is escaped, so no forged reply=" can appear).
    e = read(milter, R"L(info: NOQUEUE: client=127.0.0.1 auth=- from="q\"r nrcpt=1 reply=\"z"@e)L"
                     R"L(xample.org nrcpt=0 size=2 verdict=reject rule=R-SAV-9 reply="553 5.7.1)L"
                     R"L( <"q\"r nrcpt=1 reply=\"z"@example.org>: Sender address rejected: not )L"
                     R"L(logged in")L");
    CHECK(e.sender == R"L("q\"r nrcpt=1 reply=\"z"@example.org)L");
    CHECK(e.nrcpt == 0u);
    CHECK(e.rule == "R-SAV-9");
    CHECK(e.reply == R"L(553 5.7.1 <"q\"r nrcpt=1 reply=\"z"@example.org>: Sender address rejec)L"
                     R"L(ted: not logged in)L");
    CHECK_FALSE(e.ambiguous);
    e = read(milter, R"L(NOQUEUE: client=127.0.0.1 auth=- from="a> b"@example.org nrcpt=0 size=)L"
                     R"L(2 verdict=reject rule=R-SAV-9 reply="553 5.7.1 <"a> b"@example.org>: S)L"
                     R"L(ender address rejected: not logged in")L");
    CHECK(e.sender == R"L("a> b"@example.org)L");
    CHECK_FALSE(e.ambiguous);

    // A line Postfix never produces (an unquoted address with spaces and a bare '"': a
    // local user writing to syslog under the milter's name can): two readings parse, and
    // the event says so instead of silently trusting one.
    const std::string tail = R"(a nrcpt=0 size=0 verdict=tempfail rule=R-FAKE-1 reply="@evil.test)";
    e = read(milter, audit_line("ABCDEF1234", "192.0.2.7", "-", tail, 1, 300, "reject", "R-SAV-9",
                                "550 5.7.1 no"));
    CHECK(e.ambiguous);

    // A forged recipient line tail inside the recipient.
    e = read(milter,
             "ABCDEF1234: auth=- rcpt=\"v verdict=reject rule=R-FAKE reply=\\\"\"@x "
             "verdict=reject rule=R-TJP-2 reply=\"550 5.7.1 nope\"");
    CHECK(e.recipient == R"("v verdict=reject rule=R-FAKE reply=\""@x)");
    CHECK(e.rule == "R-TJP-2");
    CHECK(e.reply == "550 5.7.1 nope");
}

TEST_CASE("R-TJP-4: cut, huge and broken milter lines are malformed, not misread") {
    const std::string good =
        "C3044A76164: client=127.0.0.1 auth=- from=a@b nrcpt=1 size=260 "
        "verdict=reject rule=R-SAV-4 reply=\"552 5.3.4 too big\"";
    for (std::size_t cut : {20u, 40u, 60u, 75u, 85u, 100u}) {
        CAPTURE(cut);
        read(milter, good.substr(0, cut), parse_outcome::malformed);
    }
    // Cut by the logger's 4 KiB bound inside the reply: the reply says so.
    const auto e = read(milter, good.substr(0, good.size() - 5) + "...");
    CHECK(e.reply == "552 5.3.4 too...");
    // Verdict and reply disagree (the milter writes reply= exactly for refusals).
    read(milter,
         "C3044A76164: client=1.2.3.4 auth=- from=a@b nrcpt=1 size=2 verdict=accept "
         "reply=\"250 ok\"",
         parse_outcome::malformed);
    read(milter, "C3044A76164: client=1.2.3.4 auth=- from=a@b nrcpt=1 size=2 verdict=reject",
         parse_outcome::malformed);
    read(milter, "C3044A76164: client=1.2.3.4 auth=- from=a@b nrcpt=1 size=2 verdict=maybe",
         parse_outcome::malformed);
    read(milter,
         "C3044A76164: client=1.2.3.4 auth=- from=a@b nrcpt=99999999999999999999999 "
         "size=2 verdict=accept",
         parse_outcome::malformed);
    // Far longer than any line the milter writes.
    read(milter,
         "C3044A76164: client=1.2.3.4 auth=- from=" + std::string(100'000, 'a') +
             " nrcpt=1 size=2 verdict=accept",
         parse_outcome::malformed);
    // Thousands of look-alike keys cost bounded work and read as one line at most.
    std::string many;
    for (int i = 0; i < 2000; ++i) many += " nrcpt=1";
    read(milter,
         "C3044A76164: client=1.2.3.4 auth=- from=a" + many.substr(0, 7000) +
             " nrcpt=1 size=2 verdict=accept",
         parse_outcome::malformed);
    // Other milter lines are not about a message.
    read(milter, "info: started mailwarden-milter 0.1.0: config /etc/x.yaml",
         parse_outcome::ignored);
    read(milter, "alice@example.org: account lookup failed: timeout", parse_outcome::ignored);
    read(milter, "C3044A76164: subject blocked by /etc/s:3 (reject): x", parse_outcome::ignored);
}

TEST_CASE("R-TJP-4: NUL bytes in a value are data, not the end of the line") {
    std::string line = "C3044A76164: client=1.2.3.4 auth=- from=a";
    line += '\0';
    line += "b@x nrcpt=1 size=2 verdict=accept";
    const auto e = read(milter, line);
    CHECK(e.sender == std::string("a\0b@x", 5));
    CHECK(e.verdict == "accept");
}

TEST_CASE("R-TJP-4: Postfix's lines for a queue id") {
    const std::string_view smtpd = "postfix-mw-postfix-4020783709/smtpd";
    auto e = read(smtpd,
                  "C3044A76164: client=localhost[127.0.0.1], sasl_method=LOGIN, "
                  "sasl_username=alice@example.org");
    CHECK(e.kind == event_kind::pf_client);
    CHECK(e.client == "localhost[127.0.0.1]");
    CHECK(e.auth == "alice@example.org");
    e = read("postfix/smtpd", "F222AA76161: client=unknown[192.0.2.1]:4711");
    CHECK(e.client == "unknown[192.0.2.1]:4711");
    CHECK(e.auth.empty());

    e = read("postfix/cleanup", "C3044A76164: message-id=<20261123015049.018414@vm>");
    CHECK(e.kind == event_kind::pf_message_id);
    CHECK(e.message_id == "<20261123015049.018414@vm>");

    e = read("postfix/qmgr",
             "C3044A76164: from=<alice@example.org>, size=502, nrcpt=1 "
             "(queue active)");
    CHECK(e.kind == event_kind::pf_queued);
    CHECK(e.sender == "alice@example.org");
    CHECK(e.size == 502u);
    CHECK(e.nrcpt == 1u);
    e = read("postfix/qmgr", "C3044A76164: from=<>, size=3000, nrcpt=1 (queue active)");
    CHECK(e.sender == "<>");
    e = read("postfix/qmgr", "C3044A76164: from=<a@b>, status=expired, returned to sender");
    CHECK(e.kind == event_kind::pf_expired);
    e = read("postfix/qmgr", "C3044A76164: removed");
    CHECK(e.kind == event_kind::pf_removed);
    e = read("postfix/postsuper", "C3044A76164: removed");
    CHECK(e.kind == event_kind::pf_removed);

    e = read("postfix/virtual",
             "C3044A76164: to=<bob@example.org>, relay=virtual, delay=0.04, "
             "delays=0.03/0.01/0/0, dsn=2.0.0, status=sent (delivered to "
             "maildir)");
    CHECK(e.kind == event_kind::pf_delivery);
    CHECK(e.recipient == "bob@example.org");
    CHECK(e.relay == "virtual");
    CHECK(e.dsn == "2.0.0");
    CHECK(e.status == "sent");
    CHECK(e.detail == "delivered to maildir");
    e = read("postfix/smtp",
             "C3044A76164: to=<x@remote.test>, orig_to=<alias@example.org>, "
             "relay=mx.remote.test[192.0.2.9]:25, delay=301, delays=0/0/300/0, "
             "dsn=4.4.1, status=deferred (connect to mx.remote.test[192.0.2.9]:25: "
             "Connection timed out)");
    CHECK(e.orig_recipient == "alias@example.org");
    CHECK(e.status == "deferred");
    CHECK(e.relay == "mx.remote.test[192.0.2.9]:25");
    CHECK(e.detail == "connect to mx.remote.test[192.0.2.9]:25: Connection timed out");

    // Lines that are not about a message.
    read("postfix/smtpd", "connect from localhost[127.0.0.1]", parse_outcome::ignored);
    read("postfix/smtpd", "disconnect from localhost[127.0.0.1] ehlo=1 quit=1 commands=2",
         parse_outcome::ignored);
    read("postfix/master", "daemon started -- version 3.7.11", parse_outcome::ignored);
    read("postfix/smtpd", "warning: hostname x does not resolve", parse_outcome::ignored);
    read("postfix/smtp", "warning: to=<a@b>, relay=x, status=sent (ok)", parse_outcome::ignored);
    read("postfix/qmgr", "statistics: removed", parse_outcome::ignored);
    read("postfix/smtpd",
         "NOQUEUE: reject: CONNECT from x[192.0.2.1]: 554 5.7.1 go away; "
         "proto=SMTP",
         parse_outcome::ignored);
    read("dovecot", "C3044A76164: removed", parse_outcome::ignored);
}

TEST_CASE("R-TJP-4: Postfix's refusals: smtpd, cleanup's milter-reject, header checks") {
    // As Postfix 3.7 writes it (with the login at the end).
    auto e = read("postfix/smtpd",
                  "NOQUEUE: milter-reject: MAIL from localhost[127.0.0.1]: 553 5.7.1 "
                  "<bob@example.org>: Sender address rejected: not owned by user "
                  "alice@example.org; from=<bob@example.org> proto=ESMTP helo=<vm> "
                  "sasl_username=<alice@example.org>");
    CHECK(e.auth == "alice@example.org");
    CHECK(e.kind == event_kind::pf_refusal);
    CHECK(e.queue_id == "NOQUEUE");
    CHECK(e.action == "milter-reject");
    CHECK(e.stage == "MAIL");
    CHECK(e.client == "localhost[127.0.0.1]");
    CHECK(e.sender == "bob@example.org");
    CHECK(e.recipient.empty());
    CHECK(e.reply ==
          "553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user "
          "alice@example.org");

    e = read("postfix/cleanup",
             "E72F8A76161: milter-reject: END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 "
             "<bob@example.org>: From address rejected: not owned by user alice@example.org; "
             "from=<alice@example.org> to=<nobody@elsewhere.test> proto=ESMTP helo=<vm>");
    CHECK(e.stage == "END-OF-MESSAGE");
    CHECK(e.recipient == "nobody@elsewhere.test");
    CHECK(e.reply.starts_with("5.7.1 <bob@example.org>: From address rejected"));

    e = read("postfix/smtpd",
             "NOQUEUE: reject: RCPT from unknown[192.0.2.1]: 554 5.7.1 <x@remote.test>: Relay "
             "access denied; from=<spam@evil.test> to=<x@remote.test> proto=SMTP helo=<evil>");
    CHECK(e.action == "reject");
    CHECK(e.stage == "RCPT");
    CHECK(e.recipient == "x@remote.test");

    e = read("postfix/cleanup",
             "4ABCD12345: reject: header Subject: buy now; from=<x> from localhost[127.0.0.1]; "
             "from=<a@b> to=<c@d> proto=ESMTP helo=<vm>: 5.7.1 message content rejected");
    CHECK(e.stage == "header");
    CHECK(e.client == "localhost[127.0.0.1]");
    CHECK(e.sender == "a@b");
    CHECK(e.recipient == "c@d");
    CHECK(e.reply == "5.7.1 message content rejected");

    e = read("postfix/cleanup",
             "4ABCD12345: milter-hold: END-OF-MESSAGE from localhost[127.0.0.1]: milter "
             "triggers HOLD action; from=<a@b> to=<c@d> proto=ESMTP helo=<vm>");
    CHECK(e.action == "milter-hold");
}

TEST_CASE("R-TJP-4: hostile text in Postfix lines") {
    // A quoted address holding the qmgr line's own tail: read from the line's fixed end.
    auto e = read("postfix/qmgr",
                  R"L(ABCDEF1234: from=<"x>, size=1, nrcpt=99 (queue active)"@e>, size=700, )L"
                  R"L(nrcpt=2 (queue active))L");
    CHECK(e.sender == R"L("x>, size=1, nrcpt=99 (queue active)"@e)L");
    CHECK(e.size == 700u);
    CHECK(e.nrcpt == 2u);
    // A recipient with "status=" inside quotes, a remote answer with a forged status.
    e = read("postfix/smtp",
             R"L(ABCDEF1234: to=<"a>, status=sent (ok)"@x>, relay=r[192.0.2.1]:25, dela)L"
             R"L(y=1, delays=0/0/0/1, dsn=5.1.1, status=bounced (host said: 550 ok, sta)L"
             R"L(tus=sent (fine)))L");
    CHECK(e.recipient == R"L("a>, status=sent (ok)"@x)L");
    CHECK(e.status == "bounced");
    CHECK(e.dsn == "5.1.1");
    CHECK(e.detail == "host said: 550 ok, status=sent (fine)");
    // A recipient holding a forged envelope, as smtpd logs it (quoted; Postfix writes
    // HELO with every character outside a host name as '?', so it holds none).
    e = read("postfix/smtpd",
             R"L(NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 <"; from=<victim@ex)L"
             R"L(ample.org> to=<boss@example.org> proto=ESMTP helo=<"@remote.test>: Rel)L"
             R"L(ay access denied; from=<spam@evil.test> to=<"; from=<victim@example.or)L"
             R"L(g> to=<boss@example.org> proto=ESMTP helo=<"@remote.test> proto=ESMTP )L"
             R"L(helo=<x?y?from=?v?>)L");
    CHECK(e.sender == "spam@evil.test");
    CHECK(e.recipient ==
          R"L("; from=<victim@example.org> to=<boss@example.org> proto=ESMTP helo=<")L"
          R"L(@remote.test)L");
    CHECK_FALSE(e.ambiguous);
    e = read("postfix/smtpd",
             R"L(NOQUEUE: milter-reject: MAIL from localhost[127.0.0.1]: 553 5.7.1 <"a>)L"
             R"L( b"@example.org>: Sender address rejected: not logged in; from=<"a> b")L"
             R"L(@example.org> proto=ESMTP helo=<x?y?from=?v?>)L");
    CHECK(e.sender == R"L("a> b"@example.org)L");
    CHECK(e.reply == R"L(553 5.7.1 <"a> b"@example.org>: Sender address rejected: not logged in)L");
    // Cut lines.
    read("postfix/smtp", "ABCDEF1234: to=<a@b>, relay=x, delay=1", parse_outcome::malformed);
    read("postfix/smtp", "ABCDEF1234: to=<a@b", parse_outcome::malformed);
    read("postfix/qmgr", "ABCDEF1234: from=<a@b>, size=x, nrcpt=1 (queue active)",
         parse_outcome::malformed);
    read("postfix/smtpd", "NOQUEUE: reject: RCPT from x[192.0.2.1]: 554 5.7.1 denied; from=<a",
         parse_outcome::ignored);
    // Not a queue id.
    read("postfix/qmgr", "a@b: removed", parse_outcome::ignored);
    read("postfix/qmgr", "NOQUEUE: removed", parse_outcome::ignored);
}
