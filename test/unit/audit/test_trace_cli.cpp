// test_trace_cli.cpp: the pure parts of `mailwarden trace` (R-TJP-4): --since/--until,
// which files are the mail log's rotations, and output that hostile log text cannot
// forge: no second line, no terminal escape, no broken JSON.
#include <doctest/doctest.h>

#include <sstream>

#include "provisioner/trace.hpp"

using namespace mailwarden;
using namespace mailwarden::audit;
using provisioner::is_rotation_of;
using provisioner::parse_when;

namespace {

micros utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
    return micros_from_civil(civil_time{y, mo, d, h, mi, s, 0});
}

const provisioner::local_to_utc_fn plus_one = [](const civil_time& c) {
    return micros_from_civil(c) - 3600 * micros_per_second;  // a zone at UTC+1
};

}  // namespace

TEST_CASE("R-TJP-4: trace --since and --until") {
    const micros now = utc(2026, 11, 23, 12);
    CHECK(parse_when("30d", now, plus_one) == now - 30 * micros_per_day);
    CHECK(parse_when("7d", now, plus_one) == now - 7 * micros_per_day);
    CHECK(parse_when("12h", now, plus_one) == now - 12 * 3600 * micros_per_second);
    CHECK(parse_when("45m", now, plus_one) == now - 45 * 60 * micros_per_second);
    CHECK(parse_when("0d", now, plus_one) == now);
    // Dates and times without a zone are local time (as the admin reads the log).
    CHECK(parse_when("2026-11-01", now, plus_one) == utc(2026, 10, 31, 23));
    CHECK(parse_when("2026-11-01T10:00", now, plus_one) == utc(2026, 11, 1, 9));
    CHECK(parse_when("2026-11-01T10:00:30", now, plus_one) == utc(2026, 11, 1, 9, 0, 30));
    CHECK(parse_when("2026-11-01", now, nullptr) == utc(2026, 11, 1));
    CHECK(parse_when("2026-11-01T10:00:30Z", now, plus_one) == utc(2026, 11, 1, 10, 0, 30));
    CHECK(parse_when("2026-11-01T10:00:30+02:00", now, plus_one) == utc(2026, 11, 1, 8, 0, 30));
    for (std::string_view bad : {"", "d", "7", "7w", "-7d", "7 d", "2026-13-01", "2026-02-30",
                                 "2026-11-01T25:00", "2026-11-1", "yesterday", "1e3d"}) {
        CAPTURE(bad);
        CHECK_FALSE(parse_when(bad, now, plus_one));
    }
}

TEST_CASE("R-TJP-4: trace reads the mail log and its rotations by default") {
    for (std::string_view yes :
         {"mail.log", "mail.log.1", "mail.log.2.gz", "mail.log.30.gz", "mail.log-20261122",
          "mail.log-20261122.gz", "mail.log.20261123-023444.gz"}) {
        CAPTURE(yes);
        CHECK(is_rotation_of(yes, "mail.log"));
    }
    for (std::string_view no :
         {"mail.err", "mail.log.gz", "mail.log.", "mail.log.1.bz2", "mail.log.old", "mail.log-2026",
          "mail.info", "xmail.log", "mail.log.1.gz.tmp", "mail.log.20261123-0234.gz",
          "mail.log.2026112x-023444"}) {
        CAPTURE(no);
        CHECK_FALSE(is_rotation_of(no, "mail.log"));
    }
    CHECK(is_rotation_of("maillog-20261122.gz", "maillog"));
}

TEST_CASE("R-TJP-4: trace output: hostile values cannot forge lines, escapes or JSON") {
    provisioner::trace_report r;
    message_record m;
    m.time = utc(2026, 11, 22, 10, 0, 1);
    m.queue_id = "C3044A76164";
    m.client = "localhost[127.0.0.1]";
    m.sender = "evil\n2026-11-22T10:00:02Z  FORGED0001\n  mailwarden accept\x1b[2J\"}@x";
    m.verdict = "reject";
    m.rule = "R-SAV-9";
    m.reply = std::string("553 5.7.1 \0\x07\x9b\xff", 14);
    recipient_result x;
    x.address = "bob@example.org";
    x.status = "sent";
    x.detail = "250 ok\r\nstatus=bounced";
    m.recipients.push_back(x);
    m.finished = true;
    r.messages.push_back(m);
    r.files.push_back({"/var/log/mail.log", "read", ""});
    r.since = utc(2026, 10, 23);

    std::ostringstream text;
    provisioner::print_trace_text(
        r, [](micros) { return 3600; }, text);
    const std::string out = text.str();
    CHECK(out.find('\x1b') == std::string::npos);
    CHECK(out.find('\x07') == std::string::npos);
    CHECK(out.find('\r') == std::string::npos);
    CHECK(out.find(std::string(1, '\0')) == std::string::npos);
    CHECK(out.find("\n2026-11-22T10:00:02Z") == std::string::npos);  // no forged block
    CHECK(out.find("2026-11-22T11:00:01+01:00  C3044A76164\n") == 0);
    CHECK(out.find("  mailwarden  reject, rule R-SAV-9: 553 5.7.1 ") != std::string::npos);
    CHECK(out.find("  to          bob@example.org: sent (250 ok??status=bounced)\n") !=
          std::string::npos);
    CHECK(out.find("1 message found in 1 log file (since 2026-10-23T01:00:00+01:00)") !=
          std::string::npos);

    const std::string json = provisioner::trace_json(r);
    for (char c : json) CHECK(static_cast<unsigned char>(c) >= 0x20);
    CHECK(json.find("\"sender\":\"evil?2026-11-22T10:00:02Z  FORGED0001?  mailwarden "
                    "accept?[2J\\\"}@x\"") != std::string::npos);
    CHECK(json.find("\"time\":\"2026-11-22T10:00:01Z\",\"epoch\":1795341601") != std::string::npos);
    CHECK(json.find("\"mailwarden\":{\"verdict\":\"reject\",\"rule\":\"R-SAV-9\"") !=
          std::string::npos);
    CHECK(json.find("\"count\":1") != std::string::npos);
    CHECK(json.front() == '{');
    CHECK(json.back() == '}');
}
