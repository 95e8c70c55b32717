// notice.hpp: the quota warning and "back under quota" mails a mailbox owner gets, composed
// from a template per language with the usage, the limit and the end of the grace period.
// Pure text (RFC 5322 message with a UTF-8 body and an RFC 2047 subject); the Dovecot plugin
// saves it into the user's INBOX. Languages: en (the fallback), sk, ru.
// Rules: R-SAV-1 (warning at 25 MB), R-SAV-2 (the mail says when the grace ends).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/util/clock.hpp"

namespace mailwarden::quota {

enum class notice_kind { warning, back_under };

struct notice_facts {
    notice_kind kind = notice_kind::warning;
    std::uint64_t usage_bytes = 0;
    std::uint64_t limit_bytes = 0;        // 0 = unlimited
    std::uint64_t threshold_bytes = 0;    // the crossed warning threshold
    std::optional<time_point> grace_end;  // set while over the limit with a grace
    std::string language;                 // from the directory ("sk", "ru-RU", "en"); may be ""
    std::string to;                       // the user's address
    std::string from;                     // e.g. postmaster@example.org
    time_point now{};
    std::string message_id_host = "localhost";
};

// The language used for lang: its primary subtag, lowercased, when we have a template for
// it, else "en".   "sk" -> "sk"; "ru-RU" -> "ru"; "SK" -> "sk"; "de" -> "en"; "" -> "en".
std::string_view template_language(std::string_view lang);

// The whole message, CRLF line ends, ending in CRLF. Header values are made safe (control
// characters removed), so a hostile address cannot add a header.
std::string compose_notice(const notice_facts& facts);

}  // namespace mailwarden::quota
