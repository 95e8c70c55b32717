// test_subject_rules.cpp: the R-TJP-3 subject block list: file syntax (literal/regex,
// action suffix, default action, comments), errors with FILE:LINE, case-insensitive
// matching after Unicode case folding (Cyrillic, Slovak), first match wins, and a
// catastrophic regex that gives up instead of hanging.
#include <doctest/doctest.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "core/policy/subject_rules.hpp"

using namespace mailwarden::policy;

namespace {

std::shared_ptr<const subject_rules> parse_ok(std::string_view text, action def = action::reject) {
    auto r = parse_subject_rules(text, "test.rules", def);
    for (const auto& e : r.errors) FAIL_CHECK(e);
    REQUIRE(r.ok());
    return r.rules;
}

}  // namespace

TEST_CASE("R-TJP-3: subject rules: literal, regex, action suffix, comments, first match") {
    const auto rules = parse_ok(
        "# outbreak 2026-11\n"
        "\n"
        "literal спам в подарок\n"
        "   literal  Invoice overdue   => quarantine  \r\n"
        "regex ^win .* now$ => quarantine\n"
        "regex \\bviagra\\b => reject\n"
        "literal # not a comment here\n"
        "literal Žluťoučký KŮŇ\n");
    CHECK(rules->size() == 6);
    CHECK(rules->file() == "test.rules");
    struct row {
        std::string_view subject;
        int line;  // 0: no match
        action what;
    };
    const row rows[] = {
        {"СПАМ В ПОДАРОК!", 3, action::reject},  // Cyrillic case folding
        {"Re: Спам в подарок", 3, action::reject},
        {"Your INVOICE OVERDUE notice", 4, action::quarantine},
        {"WIN a car NOW", 5, action::quarantine},
        {"you can win a car now, really", 0, action::reject},  // ^ and $ anchor
        {"Cheap VIAGRA here", 6, action::reject},
        {"viagraX", 0, action::reject},
        {"a # Not A Comment Here b", 7, action::reject},
        {"žluťoučký kůň", 8, action::reject},  // Slovak, case folded
        {"Quarterly report", 0, action::reject},
        {"", 0, action::reject},
    };
    for (const row& r : rows) {
        CAPTURE(r.subject);
        const auto m = rules->match(r.subject);
        CHECK(m.timed_out.empty());
        if (r.line == 0) {
            CHECK_FALSE(m.match);
        } else {
            REQUIRE(m.match);
            CHECK(m.match->line == r.line);
            CHECK(m.match->what == r.what);
        }
    }
    // The first rule in file order wins when several match.
    const auto m = rules->match("спам в подарок: invoice overdue");
    REQUIRE(m.match);
    CHECK(m.match->line == 3);
}

TEST_CASE("R-TJP-3: subject rules: lines without an action take the file's default") {
    const auto rules = parse_ok("literal outbreak\nliteral other => reject\n", action::quarantine);
    CHECK(rules->match("OUTBREAK").match->what == action::quarantine);
    CHECK(rules->match("other").match->what == action::reject);
    // "=>" without a known action word is part of the text
    const auto odd = parse_ok("literal a => b\n");
    CHECK(odd->match("x a => b y").match);
    CHECK_FALSE(odd->match("a").match);
    CHECK_THROWS_AS(parse_subject_rules("", "f", action::accept), std::invalid_argument);
}

TEST_CASE("R-TJP-3: subject rules: every error is reported with FILE:LINE, no rules then") {
    const auto r = parse_subject_rules(
        "literal fine\n"
        "word text\n"
        "literal\n"
        "regex (unclosed\n"
        "regex   => quarantine\n"
        "literal bad \xff byte\n"
        "literal ctl \x01 char\n",
        "/etc/mailwarden/subject-block.rules", action::reject);
    CHECK_FALSE(r.ok());
    REQUIRE(r.errors.size() == 6);
    CHECK(r.errors[0] ==
          "/etc/mailwarden/subject-block.rules:2: expected \"literal TEXT\" or \"regex "
          "PATTERN\", got \"word\"");
    CHECK(r.errors[1] == "/etc/mailwarden/subject-block.rules:3: literal: nothing to match");
    CHECK(r.errors[2].starts_with("/etc/mailwarden/subject-block.rules:4: regex: U_REGEX_"));
    CHECK(r.errors[3] == "/etc/mailwarden/subject-block.rules:5: regex: nothing to match");
    CHECK(r.errors[4].starts_with("/etc/mailwarden/subject-block.rules:6: not UTF-8"));
    CHECK(r.errors[5].starts_with("/etc/mailwarden/subject-block.rules:7: control character"));

    const std::string long_line = "literal " + std::string(max_subject_rule_line, 'a');
    const auto too_long = parse_subject_rules(long_line, "f", action::reject);
    REQUIRE(too_long.errors.size() == 1);
    CHECK(too_long.errors[0].starts_with("f:1: line too long"));

    // An empty file (or only comments) is a valid, empty list.
    CHECK(parse_ok("# nothing yet\n")->size() == 0);
    CHECK(parse_ok("")->size() == 0);
}

TEST_CASE("R-TJP-3: subject rules: a catastrophic regex gives up quickly, no match") {
    const auto rules = parse_ok("regex ^(a+)+$\nliteral zzz\n");
    const std::string evil = std::string(40, 'a') + "!";
    const auto start = std::chrono::steady_clock::now();
    const auto m = rules->match(evil);
    const auto took = std::chrono::steady_clock::now() - start;
    CHECK_FALSE(m.match);
    REQUIRE(m.timed_out.size() == 1);
    CHECK(m.timed_out[0] == 1);
    CHECK(took < std::chrono::seconds(5));
    // The rules after it still run.
    const auto later = rules->match(std::string(40, 'a') + "! zzz");
    REQUIRE(later.match);
    CHECK(later.match->line == 2);
}

TEST_CASE("R-TJP-3: subject rules: load_subject_rules reads a file, names it in errors") {
    const std::string path = "test_subject_rules.tmp.rules";
    {
        std::ofstream out(path, std::ios::binary);
        out << "literal one\nregex [\n";
    }
    const auto bad = load_subject_rules(path, action::reject);
    REQUIRE(bad.errors.size() == 1);
    CHECK(bad.errors[0].starts_with(path + ":2: regex:"));
    {
        std::ofstream out(path, std::ios::binary);
        out << "literal one\n";
    }
    const auto good = load_subject_rules(path, action::reject);
    REQUIRE(good.ok());
    CHECK(good.rules->match("ONE").match->line == 1);
    std::remove(path.c_str());
    const auto missing = load_subject_rules("/nonexistent/x.rules", action::reject);
    REQUIRE(missing.errors.size() == 1);
    CHECK(missing.errors[0] == "/nonexistent/x.rules: cannot read the subject rules file");
}
