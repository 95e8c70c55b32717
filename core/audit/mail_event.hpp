// mail_event.hpp: what one mail-log line says about one message, read from the text after
// the syslog header: mailwarden-milter's audit lines (milter/session.cpp: one per message
// "<qid>: client= auth= from= nrcpt= size= verdict= [rule=] [reply=\"..\"]" and one per
// refused recipient "<qid>: auth= rcpt= verdict= rule= reply=\"..\"") and Postfix's lines
// for a queue id (smtpd client=, cleanup message-id= and refusals, qmgr from= and removed,
// the delivery agents' to= ... status=).
// Every value here is attacker-chosen text (addresses, replies quoting them, remote
// servers' answers): fields are found by the line's fixed structure, never by searching
// for "key=" alone; an address is read up to its end as Postfix quotes it (a space or '>'
// inside a quoted local part belongs to the address); when a line still admits more than
// one reading, the event is marked ambiguous and the reading where the address is a
// well-formed token wins. Values are kept as found; the printer sanitises them.
// Rules: R-TJP-4.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mailwarden::audit {

enum class event_kind {
    none,
    mw_message,     // mailwarden-milter: the verdict on one message
    mw_recipient,   // mailwarden-milter: one refused recipient
    pf_client,      // smtpd: "<qid>: client=host[ip], sasl_method=.., sasl_username=.."
    pf_message_id,  // cleanup: "<qid>: message-id=<..>"
    pf_queued,      // qmgr: "<qid>: from=<s>, size=N, nrcpt=N (queue active)"
    pf_expired,     // qmgr: "<qid>: from=<s>, status=expired, returned to sender"
    pf_delivery,    // smtp, lmtp, local, virtual, ...: "<qid>: to=<r>, .., status=sent (..)"
    pf_refusal,     // smtpd, cleanup: "<qid>|NOQUEUE: reject|milter-reject|..: STAGE .."
    pf_removed,     // qmgr, postsuper: "<qid>: removed"
};

// Which program wrote a line.
enum class log_source { other, mailwarden, postfix };
// "mailwarden-milter" -> mailwarden; "postfix/smtpd", "postfix-out/qmgr",
// "postfix/submission/smtpd" -> postfix (a Postfix syslog_name always has a '/' before
// the daemon's name).
log_source source_of(std::string_view program);

inline constexpr std::string_view no_queue_id = "NOQUEUE";
inline constexpr std::string_view null_sender = "<>";

struct mail_event {
    event_kind kind = event_kind::none;
    std::string queue_id;        // Postfix's queue id, or "NOQUEUE"
    std::string client;          // "host[ip]" (Postfix) or "ip" (mailwarden)
    std::string auth;            // SASL login; empty when none
    std::string sender;          // envelope sender without <>; "<>" for the null sender
    std::string recipient;       // without <>
    std::string orig_recipient;  // Postfix orig_to=, before aliasing
    std::optional<std::uint64_t> size;
    std::optional<std::uint64_t> nrcpt;
    std::string verdict;  // mailwarden: accept, reject, tempfail, discard, quarantine
    std::string rule;     // mailwarden: the rule id that fired ("R-SAV-9")
    std::string reply;    // the SMTP reply a refusal gave
    std::string action;   // Postfix refusal: reject, milter-reject, milter-hold, ...
    std::string stage;    // Postfix refusal: MAIL, RCPT, END-OF-MESSAGE, header, ...
    std::string status;   // delivery: sent, deferred, bounced, expired, ...
    std::string dsn;      // delivery: "2.0.0"
    std::string relay;    // delivery: "mx.example[192.0.2.1]:25", "virtual"
    std::string detail;   // delivery: the text in parentheses (the remote server's answer)
    std::string message_id;
    bool ambiguous = false;  // the line could be read more than one way (a forgery attempt)
};

enum class parse_outcome { ignored, event, malformed };

// Reads the text of a line written by program. ignored: a line that says nothing about a
// message (or another program's); malformed: it looked like one (a mailwarden audit line,
// a Postfix line for a queue id) but its structure is broken (cut short, forged).
parse_outcome parse_mail_event(std::string_view program, std::string_view text, mail_event& out);

// ASCII case-insensitive equality (addresses are compared this way; the domain part is
// case-insensitive and local parts are in practice).
bool iequals(std::string_view a, std::string_view b);

}  // namespace mailwarden::audit
