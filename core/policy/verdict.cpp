// verdict.cpp: construction and formatting of policy verdicts (see verdict.hpp).
#include "core/policy/verdict.hpp"

#include <fmt/format.h>

#include <stdexcept>

namespace mailwarden::policy {

std::string_view to_string(action a) {
    switch (a) {
        case action::accept: return "accept";
        case action::reject: return "reject";
        case action::tempfail: return "tempfail";
        case action::discard: return "discard";
        case action::quarantine: return "quarantine";
    }
    return "accept";
}

bool valid_enhanced_code(int smtp_code, std::string_view enhanced) {
    // class "." subject "." detail; class 2, 4 or 5; subject 1-3 digits; detail 1-3 digits.
    if (enhanced.size() < 5) return false;
    const char cls = enhanced[0];
    if (cls != '2' && cls != '4' && cls != '5') return false;
    if (smtp_code / 100 != cls - '0') return false;
    if (enhanced[1] != '.') return false;
    std::size_t i = 2;
    for (int part = 0; part < 2; ++part) {
        std::size_t digits = 0;
        while (i < enhanced.size() && enhanced[i] >= '0' && enhanced[i] <= '9') {
            ++i;
            ++digits;
        }
        if (digits == 0 || digits > 3) return false;
        if (part == 0) {
            if (i >= enhanced.size() || enhanced[i] != '.') return false;
            ++i;
        }
    }
    return i == enhanced.size();
}

namespace {

void check_text(std::string_view text) {
    for (char c : text)
        if (c == '\r' || c == '\n' || c == '\0')
            throw std::invalid_argument("verdict text contains CR, LF or NUL");
}

verdict refusal(action what, int lo, int hi, int code, std::string_view enhanced,
                std::string_view text, std::string_view rule_id) {
    if (code < lo || code > hi || !valid_enhanced_code(code, enhanced))
        throw std::invalid_argument(
            fmt::format("bad reply code {} {} for {}", code, enhanced, to_string(what)));
    check_text(text);
    return verdict{what, code, std::string(enhanced), std::string(text), std::string(rule_id)};
}

}  // namespace

std::string verdict::to_smtp_string() const {
    if (enhanced_code.empty()) return fmt::format("{} {}", smtp_code, text.empty() ? "OK" : text);
    return fmt::format("{} {} {}", smtp_code, enhanced_code, text);
}

verdict accept() { return verdict{}; }

verdict reject(int smtp_code, std::string_view enhanced, std::string_view text,
               std::string_view rule_id) {
    return refusal(action::reject, 500, 599, smtp_code, enhanced, text, rule_id);
}

verdict tempfail(int smtp_code, std::string_view enhanced, std::string_view text,
                 std::string_view rule_id) {
    return refusal(action::tempfail, 400, 499, smtp_code, enhanced, text, rule_id);
}

verdict quarantine(std::string_view text, std::string_view rule_id) {
    check_text(text);
    return verdict{action::quarantine, 250, {}, std::string(text), std::string(rule_id)};
}

verdict dependency_failure(std::string_view what_failed) {
    return tempfail(451, "4.3.0",
                    fmt::format("Temporary lookup failure: {} unavailable, try again later",
                                what_failed));
}

}  // namespace mailwarden::policy
