// test_trace.cpp: correlating the mail log into one record per message for `mailwarden
// trace` (R-TJP-4), from lines as a real Postfix 3.7 and mailwarden-milter write them:
// accepted, refused at end of message, refused before a queue id (the milter's and smtpd's
// lines joined), filters, files merged by time, bounded memory, hostile lines.
#include <doctest/doctest.h>
#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/audit/trace.hpp"

using namespace mailwarden::audit;

namespace {

const std::string pf = "postfix-mw-postfix-4020783709";

micros at(int h, int m, int s) { return micros_from_civil(civil_time{2026, 11, 23, h, m, s, 0}); }

// The log of one session against a real Postfix with the milter (trimmed).
std::vector<std::string> session_log() {
    return {
        "Nov 23 01:50:49 mx " + pf + "/master[18402]: daemon started -- version 3.7.11",
        "Nov 23 01:50:49 mx " + pf + "/smtpd[18411]: connect from localhost[127.0.0.1]",
        "Nov 23 01:50:49 mx " + pf +
            "/smtpd[18411]: C3044A76164: client=localhost[127.0.0.1], "
            "sasl_method=LOGIN, sasl_username=alice@example.org",
        "Nov 23 01:50:49 mx " + pf +
            "/cleanup[18430]: C3044A76164: "
            "message-id=<20261123015049.018414@vm>",
        "Nov 23 01:50:49 mx mailwarden-milter[17302]: C3044A76164: client=127.0.0.1 "
        "auth=alice@example.org from=alice@example.org nrcpt=1 size=260 verdict=accept",
        "Nov 23 01:50:49 mx " + pf +
            "/qmgr[18404]: C3044A76164: from=<alice@example.org>, "
            "size=502, nrcpt=1 (queue active)",
        "Nov 23 01:50:49 mx " + pf +
            "/virtual[18435]: C3044A76164: to=<bob@example.org>, "
            "relay=virtual, delay=0.04, delays=0.03/0.01/0/0, dsn=2.0.0, status=sent (delivered to "
            "maildir)",
        "Nov 23 01:50:49 mx " + pf + "/qmgr[18404]: C3044A76164: removed",
        "Nov 23 01:50:50 mx mailwarden-milter[17302]: NOQUEUE: client=127.0.0.1 "
        "auth=alice@example.org from=bob@example.org nrcpt=0 size=2 verdict=reject "
        "rule=R-SAV-9 reply=\"553 5.7.1 <bob@example.org>: Sender address rejected: not owned "
        "by user alice@example.org\"",
        "Nov 23 01:50:50 mx " + pf +
            "/smtpd[18411]: NOQUEUE: milter-reject: MAIL from "
            "localhost[127.0.0.1]: 553 5.7.1 <bob@example.org>: Sender address rejected: not owned "
            "by user alice@example.org; from=<bob@example.org> proto=ESMTP helo=<vm> "
            "sasl_username=<alice@example.org>",
        "Nov 23 01:50:51 mx " + pf +
            "/smtpd[18411]: E72F8A76161: client=localhost[127.0.0.1], "
            "sasl_method=LOGIN, sasl_username=alice@example.org",
        "Nov 23 01:50:51 mx " + pf +
            "/cleanup[18430]: E72F8A76161: "
            "message-id=<20261123015049.018441@vm>",
        "Nov 23 01:50:51 mx mailwarden-milter[17302]: E72F8A76161: client=127.0.0.1 "
        "auth=alice@example.org from=alice@example.org nrcpt=2 size=280 verdict=reject "
        "rule=R-SAV-9 reply=\"550 5.7.1 <bob@example.org>: From address rejected: not owned by "
        "user alice@example.org\"",
        "Nov 23 01:50:51 mx " + pf +
            "/cleanup[18430]: E72F8A76161: milter-reject: "
            "END-OF-MESSAGE from localhost[127.0.0.1]: 5.7.1 <bob@example.org>: From address "
            "rejected: not owned by user alice@example.org; from=<alice@example.org> "
            "to=<nobody@elsewhere.test> proto=ESMTP helo=<vm>",
        "Nov 23 01:50:52 mx " + pf +
            "/smtpd[18411]: NOQUEUE: reject: RCPT from "
            "unknown[192.0.2.1]: 554 5.7.1 <x@remote.test>: Relay access denied; "
            "from=<Alice@Example.org> to=<x@remote.test> proto=SMTP helo=<evil>",
    };
}

struct memory_input {
    std::vector<std::string> lines;
    std::size_t next = 0;
};

trace_input input_of(memory_input& m, micros reference = at(23, 0, 0)) {
    trace_input in;
    in.next_line = [&m](std::string& line) {
        if (m.next == m.lines.size()) return false;
        line = m.lines[m.next++];
        return true;
    };
    in.stamps.reference = reference;
    return in;
}

std::vector<message_record> run(std::vector<std::vector<std::string>> files, trace_query q,
                                trace_stats* stats = nullptr, trace_limits limits = {}) {
    std::vector<memory_input> mem;
    for (auto& f : files) mem.push_back(memory_input{std::move(f), 0});
    std::vector<trace_input> inputs;
    for (auto& m : mem) inputs.push_back(input_of(m));
    correlator c(std::move(q), limits);
    scan(inputs, c);
    if (stats) *stats = c.stats();
    return c.take_results();
}

trace_query by_sender(std::string s) {
    trace_query q;
    q.sender = std::move(s);
    return q;
}

}  // namespace

TEST_CASE("R-TJP-4: trace: an accepted message, one record from five programs' lines") {
    const auto r = run({session_log()}, [] {
        trace_query q;
        q.queue_id = "C3044A76164";
        return q;
    }());
    REQUIRE(r.size() == 1);
    const message_record& m = r[0];
    CHECK(m.time == at(1, 50, 49));
    CHECK(m.queue_id == "C3044A76164");
    CHECK(m.client == "localhost[127.0.0.1]");
    CHECK(m.auth == "alice@example.org");
    CHECK(m.sender == "alice@example.org");
    CHECK(m.size == 260u);  // the milter's count
    CHECK(m.nrcpt == 1u);
    CHECK(m.message_id == "<20261123015049.018414@vm>");
    CHECK(m.verdict == "accept");
    CHECK(m.rule.empty());
    CHECK(m.postfix_action.empty());
    REQUIRE(m.recipients.size() == 1);
    CHECK(m.recipients[0].address == "bob@example.org");
    CHECK(m.recipients[0].status == "sent");
    CHECK(m.recipients[0].dsn == "2.0.0");
    CHECK(m.recipients[0].detail == "delivered to maildir");
    CHECK(m.finished);
    CHECK_FALSE(m.ambiguous);
}

TEST_CASE("R-TJP-4: trace by sender: accepted, refused at end of message, refused at MAIL") {
    trace_stats stats;
    const auto r = run({session_log()}, by_sender("ALICE@example.org"), &stats);
    // Alice's accepted and refused messages, and Postfix's own relay refusal of a sender
    // spelled "Alice@Example.org"; not the message she tried to send as bob.
    REQUIRE(r.size() == 3);
    CHECK(r[0].queue_id == "C3044A76164");
    CHECK(r[1].queue_id == "E72F8A76161");
    CHECK(r[1].verdict == "reject");
    CHECK(r[1].rule == "R-SAV-9");
    CHECK(r[1].reply.starts_with("550 5.7.1 <bob@example.org>: From address rejected"));
    CHECK(r[1].postfix_action == "milter-reject");
    CHECK(r[1].postfix_stage == "END-OF-MESSAGE");
    CHECK(r[1].nrcpt == 2u);
    REQUIRE(r[1].recipients.size() == 1);
    CHECK(r[1].recipients[0].status == "refused");
    CHECK(r[1].finished);
    CHECK(r[2].queue_id == "NOQUEUE");
    CHECK(r[2].verdict.empty());
    CHECK(r[2].postfix_action == "reject");
    CHECK(r[2].recipients.at(0).address == "x@remote.test");
    CHECK(stats.malformed == 0);
    CHECK(stats.lines == session_log().size());
}

TEST_CASE("R-TJP-4: trace joins the milter's and smtpd's lines of a refusal before queueing") {
    const auto r = run({session_log()}, by_sender("bob@example.org"));
    REQUIRE(r.size() == 1);
    const message_record& m = r[0];
    CHECK(m.queue_id == "NOQUEUE");
    CHECK(m.client == "localhost[127.0.0.1]");  // smtpd's
    CHECK(m.auth == "alice@example.org");
    CHECK(m.verdict == "reject");  // the milter's
    CHECK(m.rule == "R-SAV-9");
    CHECK(m.postfix_action == "milter-reject");
    CHECK(m.postfix_stage == "MAIL");
    CHECK(m.reply ==
          "553 5.7.1 <bob@example.org>: Sender address rejected: not owned by user "
          "alice@example.org");
    CHECK(m.time == at(1, 50, 50));

    // The same two lines in the other order, and in different files.
    auto lines = session_log();
    std::swap(lines[8], lines[9]);
    CHECK(run({lines}, by_sender("bob@example.org")).size() == 1);
    std::vector<std::string> milter_file, postfix_file;
    for (const auto& l : session_log())
        (l.find("mailwarden-milter") != std::string::npos ? milter_file : postfix_file)
            .push_back(l);
    const auto split = run({milter_file, postfix_file}, by_sender("bob@example.org"));
    REQUIRE(split.size() == 1);
    CHECK(split[0].rule == "R-SAV-9");
    CHECK(split[0].client == "localhost[127.0.0.1]");
}

TEST_CASE("R-TJP-4: trace from two files gives what one file gives") {
    std::vector<std::string> milter_file, postfix_file;
    for (const auto& l : session_log())
        (l.find("mailwarden-milter") != std::string::npos ? milter_file : postfix_file)
            .push_back(l);
    const auto one = run({session_log()}, by_sender("alice@example.org"));
    const auto two = run({postfix_file, milter_file}, by_sender("alice@example.org"));
    REQUIRE(one.size() == two.size());
    for (std::size_t i = 0; i < one.size(); ++i) {
        CHECK(one[i].queue_id == two[i].queue_id);
        CHECK(one[i].verdict == two[i].verdict);
        CHECK(one[i].rule == two[i].rule);
        CHECK(one[i].client == two[i].client);
        CHECK(one[i].recipients.size() == two[i].recipients.size());
    }
}

TEST_CASE("R-TJP-4: trace by recipient and within a time window") {
    trace_query q;
    q.recipient = "BOB@example.org";
    auto r = run({session_log()}, q);
    REQUIRE(r.size() == 1);
    CHECK(r[0].queue_id == "C3044A76164");

    q = by_sender("alice@example.org");
    q.since = at(1, 50, 50);
    r = run({session_log()}, q);
    REQUIRE(r.size() == 2);  // the one at :49 is before the window
    CHECK(r[0].queue_id == "E72F8A76161");
    q.until = at(1, 50, 52);
    r = run({session_log()}, q);
    REQUIRE(r.size() == 1);  // until is exclusive
    CHECK(r[0].queue_id == "E72F8A76161");
}

TEST_CASE("R-TJP-4: trace: a milter refusal whose smtpd line is far away stays alone") {
    auto lines = session_log();
    lines[9].replace(0, 15, "Nov 23 01:59:50");  // ten minutes later: another event
    const auto r = run({lines}, by_sender("bob@example.org"));
    REQUIRE(r.size() == 2);
    CHECK(r[0].rule == "R-SAV-9");
    CHECK(r[0].postfix_action.empty());
    CHECK(r[1].verdict.empty());
    CHECK(r[1].postfix_action == "milter-reject");
}

TEST_CASE("R-TJP-4: trace: deferred then delivered, still queued, and refused recipients") {
    const std::vector<std::string> lines = {
        "Nov 23 02:00:00 mx postfix/smtpd[1]: ABCDE11111: client=x[192.0.2.1]",
        "Nov 23 02:00:00 mx mailwarden-milter[2]: ABCDE11111: auth=- rcpt=list@example.org "
        "verdict=reject rule=R-MYO-6 reply=\"550 5.7.1 <list@example.org>: internal list\"",
        "Nov 23 02:00:00 mx postfix/smtpd[1]: ABCDE11111: milter-reject: RCPT from "
        "x[192.0.2.1]: 550 5.7.1 <list@example.org>: internal list; from=<a@remote.test> "
        "to=<list@example.org> proto=ESMTP helo=<x>",
        "Nov 23 02:00:01 mx postfix/qmgr[3]: ABCDE11111: from=<a@remote.test>, size=900, "
        "nrcpt=1 (queue active)",
        "Nov 23 02:00:02 mx postfix/smtp[4]: ABCDE11111: to=<c@far.test>, relay=none, delay=1, "
        "delays=0/0/1/0, dsn=4.4.1, status=deferred (connect to far.test: Connection refused)",
        "Nov 23 02:30:02 mx postfix/smtp[4]: ABCDE11111: to=<C@far.test>, relay=far.test[192.0.2."
        "5]:25, delay=1802, delays=0/0/1/1, dsn=2.0.0, status=sent (250 ok)",
        "Nov 23 02:30:02 mx postfix/qmgr[3]: ABCDE11111: removed",
        "Nov 23 03:00:00 mx postfix/smtpd[1]: ABCDE22222: client=x[192.0.2.1]",
        "Nov 23 03:00:00 mx postfix/qmgr[3]: ABCDE22222: from=<a@remote.test>, size=900, "
        "nrcpt=1 (queue active)",
    };
    const auto r = run({lines}, by_sender("a@remote.test"));
    REQUIRE(r.size() == 2);
    REQUIRE(r[0].recipients.size() == 2);
    CHECK(r[0].recipients[0].address == "list@example.org");
    CHECK(r[0].recipients[0].status == "refused");
    CHECK(r[0].recipients[0].rule == "R-MYO-6");
    CHECK(r[0].recipients[0].reply == "550 5.7.1 <list@example.org>: internal list");
    CHECK(r[0].recipients[1].status == "sent");
    CHECK(r[0].recipients[1].attempts == 2);
    CHECK(r[0].finished);
    CHECK(r[0].verdict.empty());  // the milter logged no message line (no DATA seen here)
    CHECK_FALSE(r[1].finished);   // still in the queue when the log ends
}

TEST_CASE("R-TJP-4: trace memory is bounded: open records and recipients") {
    std::vector<std::string> lines;
    for (int i = 0; i < 50; ++i)
        lines.push_back(
            fmt::format("Nov 23 02:{:02}:00 mx postfix/smtpd[1]: ABCDE{:05}: "
                        "client=x[192.0.2.1]",
                        i, i));
    for (int i = 0; i < 30; ++i)
        lines.push_back(
            fmt::format("Nov 23 03:00:00 mx postfix/smtp[1]: ABCDE00049: "
                        "to=<r{}@x.test>, relay=none, dsn=2.0.0, status=sent (ok)",
                        i));
    trace_limits limits;
    limits.max_open = 10;
    limits.max_recipients = 5;
    trace_stats stats;
    const auto r = run({lines}, trace_query{}, &stats, limits);  // no filter: every record
    CHECK(r.size() == 50);
    CHECK(stats.flushed_open > 0);
    const auto last = std::find_if(
        r.begin(), r.end(), [](const message_record& m) { return m.queue_id == "ABCDE00049"; });
    REQUIRE(last != r.end());
    CHECK(last->recipients.size() == 5);
    CHECK(last->recipients_not_kept == 25);
}

TEST_CASE("R-TJP-4: trace survives hostile lines in the stream") {
    auto lines = session_log();
    lines.insert(lines.begin() + 3, std::string(200'000, 'A'));
    lines.insert(lines.begin() + 3, std::string("Nov 23 01:50:49 mx mailwarden-milter[1]: "
                                                "C3044A76164: client=\0\0\0",
                                                64));
    lines.insert(lines.begin() + 3,
                 "Nov 23 01:50:49 mx mailwarden-milter[1]: C3044A76164: "
                 "client=1.2.3.4 auth=- from=a@b nrc");
    lines.insert(lines.begin() + 3, "\x1b]0;pwned\x07");
    lines.insert(lines.begin() + 3, "");
    trace_stats stats;
    const auto r = run({lines}, by_sender("alice@example.org"), &stats);
    REQUIRE(r.size() == 3);
    CHECK(r[0].verdict == "accept");
    CHECK(stats.without_header == 3);
    CHECK(stats.malformed == 2);
}

TEST_CASE("R-TJP-4: trace: time going backwards (overlapping logs) holds nothing back") {
    // The session, a message closed an hour later, the session again (time goes back an
    // hour), one more line.
    std::vector<std::string> lines = session_log();
    lines.push_back("Nov 23 02:50:00 mx postfix/qmgr[3]: ABCDE99999: removed");
    const auto again = session_log();
    lines.insert(lines.end(), again.begin(), again.end());
    const std::size_t last = lines.size();
    lines.push_back("Nov 23 03:00:00 mx postfix/qmgr[3]: ABCDE88888: removed");
    correlator c(by_sender("alice@example.org"));
    std::size_t held_before_last = 99;
    std::size_t next = 0;
    std::vector<trace_input> inputs(1);
    inputs[0].stamps.reference = at(23, 0, 0);
    inputs[0].next_line = [&](std::string& line) {
        if (next == last) held_before_last = c.held();
        if (next == lines.size()) return false;
        line = lines[next++];
        return true;
    };
    scan(inputs, c);
    // Only ABCDE99999 (closed at 02:50, its grace running); the second session's closed
    // records are out although their deadlines sort before it.
    CHECK(held_before_last == 1);
    CHECK(c.take_results().size() == 6);
}
