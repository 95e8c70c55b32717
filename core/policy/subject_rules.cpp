// subject_rules.cpp: parsing and matching of the subject block list (see subject_rules.hpp).
// Rules: R-TJP-3.
// Why ICU for both kinds: case-insensitive matching of Cyrillic and Slovak subjects needs
// Unicode case folding (ASCII tolower would let "СПАМ" past "спам"), and ICU regexes have
// a time limit, which std::regex lacks.
#include "core/policy/subject_rules.hpp"

#include <fmt/format.h>
#include <unicode/regex.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utypes.h>

#include <fstream>
#include <stdexcept>

#include "core/util/log.hpp"
#include "core/util/utf8.hpp"

namespace mailwarden::policy {

struct subject_rules::rule {
    int line = 0;
    action what = action::reject;
    icu::UnicodeString folded_literal;           // literal rules
    std::unique_ptr<icu::RegexPattern> pattern;  // regex rules
};

subject_rules::subject_rules(std::string file, std::vector<std::unique_ptr<rule>> rules)
    : file_(std::move(file)), rules_(std::move(rules)) {}

subject_rules::~subject_rules() = default;

subject_match_result subject_rules::match(std::string_view subject) const {
    subject_match_result result;
    const icu::UnicodeString text = icu::UnicodeString::fromUTF8(
        icu::StringPiece(subject.data(), static_cast<int32_t>(subject.size())));
    icu::UnicodeString folded = text;
    folded.foldCase(U_FOLD_CASE_DEFAULT);
    for (const auto& r : rules_) {
        bool hit = false;
        if (r->pattern) {
            UErrorCode status = U_ZERO_ERROR;
            std::unique_ptr<icu::RegexMatcher> m(r->pattern->matcher(text, status));
            if (U_SUCCESS(status)) m->setTimeLimit(subject_regex_time_limit, status);
            if (U_SUCCESS(status)) hit = m->find(status);
            if (status == U_REGEX_TIME_OUT || status == U_REGEX_STACK_OVERFLOW) {
                result.timed_out.push_back(r->line);
                hit = false;
            } else if (U_FAILURE(status)) {
                // Out of memory or similar inside ICU: not a match, but reported like a
                // time-out so the caller logs it.
                result.timed_out.push_back(r->line);
                hit = false;
            }
        } else {
            hit = folded.indexOf(r->folded_literal) >= 0;
        }
        if (hit) {
            result.match = subject_rule_match{r->line, r->what};
            break;
        }
    }
    return result;
}

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
    return s;
}

// Empty when `s` is UTF-8 without control characters other than TAB.
std::string text_problem(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto b = static_cast<unsigned char>(s[i]);
        if (b < 0x20 && b != '\t') return fmt::format("control character 0x{:02x}", b);
        if (b == 0x7f) return "control character 0x7f";
        const std::size_t n = utf8::sequence_length(s, i);
        if (n == 0) return fmt::format("not UTF-8 (byte 0x{:02x} at column {})", b, i + 1);
        i += n;
    }
    return {};
}

// " => reject" / " => quarantine" at the end of `body`: the action, and body without it.
std::optional<action> split_action(std::string_view& body) {
    const std::size_t arrow = body.rfind("=>");
    // At 0 the line had only blanks before it ("regex  => reject"): an empty rule.
    if (arrow == std::string_view::npos || (arrow > 0 && !is_blank(body[arrow - 1])))
        return std::nullopt;
    const std::string_view word = trim(body.substr(arrow + 2));
    std::optional<action> a;
    if (word == "reject") a = action::reject;
    if (word == "quarantine") a = action::quarantine;
    if (a) body = trim(body.substr(0, arrow));
    return a;
}

}  // namespace

subject_rules_load parse_subject_rules(std::string_view text, std::string_view file,
                                       action default_action) {
    if (default_action != action::reject && default_action != action::quarantine)
        throw std::invalid_argument(
            "subject rules: the default action must be reject or quarantine");
    subject_rules_load out;
    std::vector<std::unique_ptr<subject_rules::rule>> rules;
    auto error = [&](int line, std::string_view message) {
        out.errors.push_back(fmt::format("{}:{}: {}", file, line, message));
    };
    int line_no = 0;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (line.size() > max_subject_rule_line) {
            error(line_no, fmt::format("line too long: {} bytes, at most {}", line.size(),
                                       max_subject_rule_line));
            continue;
        }
        if (auto p = text_problem(line); !p.empty()) {
            error(line_no, p);
            continue;
        }
        line = trim(line);
        if (line.empty() || line.front() == '#') continue;
        std::size_t sep = 0;
        while (sep < line.size() && !is_blank(line[sep])) ++sep;
        const std::string_view kind = line.substr(0, sep);
        std::string_view body = trim(line.substr(sep));
        if (kind != "literal" && kind != "regex") {
            error(line_no, fmt::format("expected \"literal TEXT\" or \"regex PATTERN\", got "
                                       "\"{}\"",
                                       log::sanitize(kind, 40)));
            continue;
        }
        const action what = split_action(body).value_or(default_action);
        if (body.empty()) {
            error(line_no, fmt::format("{}: nothing to match", kind));
            continue;
        }
        auto r = std::make_unique<subject_rules::rule>();
        r->line = line_no;
        r->what = what;
        const icu::UnicodeString u = icu::UnicodeString::fromUTF8(
            icu::StringPiece(body.data(), static_cast<int32_t>(body.size())));
        if (kind == "literal") {
            r->folded_literal = u;
            r->folded_literal.foldCase(U_FOLD_CASE_DEFAULT);
        } else {
            UParseError where{};
            UErrorCode status = U_ZERO_ERROR;
            r->pattern.reset(icu::RegexPattern::compile(u, UREGEX_CASE_INSENSITIVE, where, status));
            if (U_FAILURE(status) || !r->pattern) {
                error(line_no,
                      fmt::format("regex: {} at offset {}", u_errorName(status), where.offset));
                continue;
            }
        }
        rules.push_back(std::move(r));
    }
    if (out.errors.empty())
        out.rules = std::make_shared<const subject_rules>(std::string(file), std::move(rules));
    return out;
}

subject_rules_load load_subject_rules(const std::string& path, action default_action) {
    subject_rules_load out;
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        out.errors.push_back(fmt::format("{}: cannot read the subject rules file", path));
        return out;
    }
    std::string text;
    std::vector<char> buffer(8192);
    while (in.read(buffer.data(), static_cast<std::streamsize>(buffer.size())) || in.gcount() > 0) {
        text.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
        if (text.size() > max_subject_rules_file) {
            out.errors.push_back(
                fmt::format("{}: larger than {} bytes", path, max_subject_rules_file));
            return out;
        }
    }
    if (in.bad()) {
        out.errors.push_back(fmt::format("{}: read error", path));
        return out;
    }
    return parse_subject_rules(text, path, default_action);
}

}  // namespace mailwarden::policy
