// verdict.hpp: what a policy decision tells the MTA. A verdict is accept, or a refusal
// carrying a three-digit SMTP code, an RFC 3463 enhanced status code and a text in
// Postfix's wording, plus the rule id that fired (for the audit line, R-TJP-4).
// The classes agree by construction: a 5xx reply has a 5.x.x code, a 4xx a 4.x.x one.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailwarden::policy {

enum class action {
    accept,      // let it through
    reject,      // permanent refusal (5xx)
    tempfail,    // temporary refusal (4xx): the client retries, nothing is lost
    discard,     // accept and drop (never used for rule failures; for admin rules only)
    quarantine,  // accept into Postfix's hold queue (R-TJP-3 outbreak subjects)
};

std::string_view to_string(action a);

struct verdict {
    action what = action::accept;
    int smtp_code = 250;         // 250 for accept
    std::string enhanced_code;   // "5.7.1"; empty for accept
    std::string text;            // human text without codes
    std::string rule_id;         // "R-PSH-6"; empty when no rule fired

    bool is_accept() const { return what == action::accept; }
    // "550 5.7.1 text" (what an SMTP client sees); "250 OK" style for accept.
    std::string to_smtp_string() const;
};

// Factories validate their input and throw std::invalid_argument on a mismatch
// (a programming error, caught by unit tests): code 500..599 with "5.x.y",
// 400..499 with "4.x.y"; x and y are 1..3 digits; text has no CR, LF or NUL.
verdict accept();
verdict reject(int smtp_code, std::string_view enhanced, std::string_view text,
               std::string_view rule_id = {});
verdict tempfail(int smtp_code, std::string_view enhanced, std::string_view text,
                 std::string_view rule_id = {});
verdict quarantine(std::string_view text, std::string_view rule_id);

// The project-wide answer when a dependency (LDAP, counter store) fails: 451 4.3.0.
verdict dependency_failure(std::string_view what_failed);

// Is this a well-formed RFC 3463 status code whose class matches smtp_code?
bool valid_enhanced_code(int smtp_code, std::string_view enhanced);

}  // namespace mailwarden::policy
