// mail_event.cpp: reading mailwarden-milter's and Postfix's lines about a message (see
// mail_event.hpp for the formats and why fields are found by structure).
// Rules: R-TJP-4.
#include "core/audit/mail_event.hpp"

#include <cstdint>

namespace mailwarden::audit {

namespace {

using sv = std::string_view;
constexpr auto npos = sv::npos;

// A line longer than this is not one of the audit lines (the milter bounds its lines to
// 4 KiB); refusing it early bounds the work a forged line can cause.
constexpr std::size_t max_event_text = 8192;
// Readings tried per line: the milter bounds each value to 256 bytes, so a real line has
// few "key=" look-alikes; a forged one with thousands is cut here.
constexpr int max_candidates = 64;

bool consume(sv& s, sv prefix) {
    if (!s.starts_with(prefix)) return false;
    s.remove_prefix(prefix.size());
    return true;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }

// Postfix queue ids: short (hex, 6..12) or long (base 52/62, up to ~20): letters and
// digits only.
bool valid_queue_id(sv id) {
    if (id == no_queue_id) return true;
    if (id.size() < 5 || id.size() > 24) return false;
    // Postfix's and the milter's level words take the same place ("warning: ...").
    if (id == "warning" || id == "error" || id == "fatal" || id == "panic" || id == "debug" ||
        id == "statistics")
        return false;
    for (char c : id)
        if (!is_alnum(c)) return false;
    return true;
}

// Up to 20 decimal digits at the start of s, without overflow.
std::optional<std::uint64_t> take_number(sv& s) {
    std::size_t n = 0;
    std::uint64_t v = 0;
    while (n < s.size() && is_digit(s[n])) {
        const auto d = static_cast<std::uint64_t>(s[n] - '0');
        if (v > (UINT64_MAX - d) / 10) return std::nullopt;
        v = v * 10 + d;
        ++n;
    }
    if (n == 0) return std::nullopt;
    s.remove_prefix(n);
    return v;
}

// The lower-case word at the start of s.
sv take_word(sv& s) {
    std::size_t n = 0;
    while (n < s.size() && s[n] >= 'a' && s[n] <= 'z') ++n;
    const sv w = s.substr(0, n);
    s.remove_prefix(n);
    return w;
}

// The first `stop` character of text outside a quoted string (RFC 5321 quoting, '\'
// escapes inside quotes); npos when none.
std::size_t unquoted_find(sv text, char stop) {
    bool quoted = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (quoted) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                quoted = false;
        } else if (c == '"') {
            quoted = true;
        } else if (c == stop) {
            return i;
        }
    }
    return sv::npos;
}

// The end of an address token starting at text[0]: the first space outside a quoted
// string; text.size() when none.
std::size_t token_end(sv text) {
    const std::size_t i = unquoted_find(text, ' ');
    return i == sv::npos ? text.size() : i;
}

// The '>' that closes an address whose first character is text[0] (after '<'), quote-aware;
// npos when none.
std::size_t bracket_end(sv text) { return unquoted_find(text, '>'); }

// "<...>" at the start of s (after the key): the address, s moved past '>'.
std::optional<std::string> take_bracketed(sv& s) {
    if (!consume(s, "<")) return std::nullopt;
    const std::size_t end = bracket_end(s);
    if (end == npos) return std::nullopt;
    std::string a(s.substr(0, end));
    s.remove_prefix(end + 1);
    return a;
}

std::string sender_value(sv address) {
    return address.empty() ? std::string(null_sender) : std::string(address);
}

bool valid_verdict(sv v) {
    return v == "accept" || v == "reject" || v == "tempfail" || v == "discard" || v == "quarantine";
}

// A value the milter itself writes without spaces or quotes (client address, rule id).
bool plain_value(sv v) { return !v.empty() && v.find_first_of(" \"") == npos; }

// The reply="..." at the end of a milter line: closed by the line's last '"', or cut by
// the logger's length bound (ends in "..." then).
bool take_reply(sv& s, std::string& reply) {
    if (!consume(s, " reply=\"")) return false;
    if (s.ends_with("\"")) {
        reply = s.substr(0, s.size() - 1);
    } else if (s.ends_with("...")) {
        reply = s;
    } else {
        return false;
    }
    s = {};
    return true;
}

// " nrcpt=N size=N verdict=WORD[ rule=ID][ reply=\"TEXT\"]" to the end of the line; the
// milter writes reply= exactly for refusals (milter/session.cpp, session::audit).
bool parse_message_tail(sv s, mail_event& e) {
    if (!consume(s, " nrcpt=")) return false;
    e.nrcpt = take_number(s);
    if (!e.nrcpt || !consume(s, " size=")) return false;
    e.size = take_number(s);
    if (!e.size || !consume(s, " verdict=")) return false;
    e.verdict = take_word(s);
    if (!valid_verdict(e.verdict)) return false;
    e.rule.clear();
    e.reply.clear();
    if (consume(s, " rule=")) {
        const std::size_t end = s.find(' ');
        e.rule = s.substr(0, end);
        if (!plain_value(e.rule)) return false;
        s.remove_prefix(e.rule.size());
    }
    const bool has_reply = !s.empty() && take_reply(s, e.reply);
    if (!s.empty()) return false;
    return has_reply == (e.verdict != "accept");
}

// " verdict=WORD rule=ID reply=\"TEXT\"" (one refused recipient) to the end of the line.
bool parse_recipient_tail(sv s, mail_event& e) {
    if (!consume(s, " verdict=")) return false;
    e.verdict = take_word(s);
    if (!valid_verdict(e.verdict) || e.verdict == "accept" || !consume(s, " rule=")) return false;
    const std::size_t end = s.find(' ');
    if (end == npos) return false;
    e.rule = s.substr(0, end);
    if (!plain_value(e.rule)) return false;
    if (e.rule == "-") e.rule.clear();
    s.remove_prefix(end);
    e.reply.clear();
    return take_reply(s, e.reply) && s.empty();
}

// body = "<address><tail>": finds where the address ends. The reading where the address
// is one well-formed token (ends at its first unquoted space) wins; otherwise the first
// position of key whose tail parses. ambiguous when several readings parse.
template <typename Tail>
bool split_address(sv body, sv key, Tail parse_tail, std::string& address, mail_event& e) {
    const std::size_t primary = token_end(body);
    std::size_t chosen = npos;
    int readings = 0;
    int tried = 0;
    for (std::size_t p = body.find(key, 1); p != npos && tried < max_candidates;
         p = body.find(key, p + 1), ++tried) {
        mail_event trial;
        if (!parse_tail(body.substr(p), trial)) continue;
        ++readings;
        if (chosen == npos || p == primary) chosen = p;
    }
    if (chosen == npos) return false;
    address = body.substr(0, chosen);
    e.ambiguous = readings > 1;
    return parse_tail(body.substr(chosen), e);
}

parse_outcome parse_mailwarden(sv text, mail_event& e) {
    // The stderr sink (and journald forwarding it) writes the level first.
    for (sv level : {"info: ", "debug: ", "warning: ", "error: "})
        if (consume(text, level)) break;
    const std::size_t colon = text.find(": ");
    if (colon == npos || !valid_queue_id(text.substr(0, colon))) return parse_outcome::ignored;
    e.queue_id = text.substr(0, colon);
    sv rest = text.substr(colon + 2);
    const bool message = consume(rest, "client=");
    const bool recipient = !message && consume(rest, "auth=");
    if (!message && !recipient) return parse_outcome::ignored;
    if (text.size() > max_event_text) return parse_outcome::malformed;

    if (message) {
        // client=C auth=A from=F nrcpt=N size=N verdict=V[ rule=R][ reply="X"]
        const std::size_t c_end = rest.find(" auth=");
        if (c_end == npos) return parse_outcome::malformed;
        e.client = rest.substr(0, c_end);
        rest.remove_prefix(c_end + 6);
        const std::size_t a_end = rest.find(" from=");
        if (c_end == 0 || a_end == npos || !plain_value(e.client)) return parse_outcome::malformed;
        e.auth = rest.substr(0, a_end);
        rest.remove_prefix(a_end + 6);
        if (!split_address(rest, " nrcpt=", parse_message_tail, e.sender, e))
            return parse_outcome::malformed;
        if (e.client == "-") e.client.clear();
        if (e.sender.empty()) e.sender = null_sender;
        e.kind = event_kind::mw_message;
    } else {
        // auth=A rcpt=R verdict=V rule=R reply="X"
        const std::size_t a_end = rest.find(" rcpt=");
        if (a_end == npos) return parse_outcome::ignored;
        e.auth = rest.substr(0, a_end);
        rest.remove_prefix(a_end + 6);
        if (!split_address(rest, " verdict=", parse_recipient_tail, e.recipient, e))
            return parse_outcome::malformed;
        e.kind = event_kind::mw_recipient;
    }
    if (e.auth == "-") e.auth.clear();
    return parse_outcome::event;
}

// Postfix refusals: "reject", "milter-reject", "milter-discard", "milter-hold", "discard",
// "hold" (smtpd for MAIL/RCPT/DATA, cleanup for END-OF-MESSAGE and header/body checks).
bool refusal_action(sv a) {
    return a == "reject" || a == "milter-reject" || a == "milter-discard" || a == "milter-hold" ||
           a == "discard" || a == "hold";
}

// "from=<S>[ to=<R>][ proto=P][ helo=<H>][ sasl_username=<U>]" at the start of s; s moved past it.
bool take_envelope(sv& s, mail_event& e) {
    if (!consume(s, "from=")) return false;
    auto from = take_bracketed(s);
    if (!from) return false;
    e.sender = sender_value(*from);
    e.recipient.clear();
    if (consume(s, " to=")) {
        auto to = take_bracketed(s);
        if (!to) return false;
        e.recipient = std::move(*to);
    }
    if (consume(s, " proto=")) {
        const std::size_t end = s.find(' ');
        const sv proto = s.substr(0, end);
        if (proto.empty() || proto.find(':') != npos) return false;
        s.remove_prefix(proto.size());
    }
    if (consume(s, " helo=")) {
        if (!take_bracketed(s)) return false;
    }
    // Postfix 3.7 adds the login to smtpd's reject lines.
    if (consume(s, " sasl_username=")) {
        auto user = take_bracketed(s);
        if (!user) return false;
        e.auth = std::move(*user);
    }
    return true;
}

// After "ACTION: ":
//   smtpd, cleanup milter-*:  STAGE from CLIENT: REPLY; from=<S> to=<R> proto=P helo=<H>
//   cleanup header/body:      STAGE NAME: VALUE from CLIENT; from=<S> to=<R> ...: REPLY
// REPLY, VALUE, S, R and H are attacker-chosen; the first "; from=<" after which the
// envelope reads to the end of the line (or to ": " and the reply) is taken.
parse_outcome parse_refusal(sv rest, mail_event& e) {
    const std::size_t stage_end = rest.find(' ');
    if (stage_end == npos) return parse_outcome::malformed;
    e.stage = rest.substr(0, stage_end);
    const bool content_check = e.stage == "header" || e.stage == "body";
    int readings = 0;
    int tried = 0;
    mail_event first;
    for (std::size_t p = rest.find("; from=<", stage_end); p != npos && tried < max_candidates;
         p = rest.find("; from=<", p + 1), ++tried) {
        mail_event trial = e;
        sv env = rest.substr(p + 2);
        if (!take_envelope(env, trial)) continue;
        const sv head = rest.substr(stage_end, p - stage_end);
        if (content_check) {
            if (!consume(env, ": ")) continue;
            trial.reply = env;
            const std::size_t from = head.rfind(" from ");
            if (from == npos) continue;
            trial.client = head.substr(from + 6);
        } else {
            if (!env.empty()) continue;
            sv h = head;
            if (!consume(h, " from ")) continue;
            const std::size_t colon = h.find(": ");
            if (colon == npos) continue;
            trial.client = h.substr(0, colon);
            trial.reply = h.substr(colon + 2);
        }
        if (++readings == 1) first = std::move(trial);
    }
    // Without an envelope the refusal is not about a message (CONNECT, HELO, ETRN, ...).
    if (readings == 0) return parse_outcome::ignored;
    first.ambiguous = readings > 1;
    first.kind = event_kind::pf_refusal;
    e = std::move(first);
    return parse_outcome::event;
}

// "to=<R>, [orig_to=<O>, ]relay=.., delay=.., delays=.., dsn=X.Y.Z, status=WORD (DETAIL)"
parse_outcome parse_delivery(sv rest, mail_event& e) {
    if (!consume(rest, "to=")) return parse_outcome::ignored;
    auto to = take_bracketed(rest);
    if (!to) return parse_outcome::malformed;
    e.recipient = std::move(*to);
    if (consume(rest, ", orig_to=")) {
        auto orig = take_bracketed(rest);
        if (!orig) return parse_outcome::malformed;
        e.orig_recipient = std::move(*orig);
    }
    while (consume(rest, ", ")) {
        const std::size_t eq = rest.find('=');
        if (eq == npos) return parse_outcome::malformed;
        const sv key = rest.substr(0, eq);
        if (key.empty() || key.find(' ') != npos) return parse_outcome::malformed;
        rest.remove_prefix(eq + 1);
        if (key == "status") {
            const std::size_t end = rest.find(' ');
            e.status = rest.substr(0, end);
            rest.remove_prefix(e.status.size());
            if (consume(rest, " (")) {
                if (rest.ends_with(")")) rest.remove_suffix(1);
                e.detail = rest;
            }
            if (e.status.empty()) return parse_outcome::malformed;
            e.kind = event_kind::pf_delivery;
            return parse_outcome::event;
        }
        const std::size_t end = rest.find(", ");
        const sv value = rest.substr(0, end);
        if (key == "relay") e.relay = value;
        if (key == "dsn") e.dsn = value;
        rest.remove_prefix(value.size());
    }
    return parse_outcome::malformed;
}

// qmgr: "from=<S>, size=N, nrcpt=N (queue active)" or "from=<S>, status=expired, returned
// to sender", read from the fixed end of the line (S may contain anything).
parse_outcome parse_queued(sv rest, mail_event& e) {
    if (!consume(rest, "from=<")) return parse_outcome::ignored;
    constexpr sv expired = ">, status=expired, returned to sender";
    if (rest.ends_with(expired)) {
        e.sender = sender_value(rest.substr(0, rest.size() - expired.size()));
        e.kind = event_kind::pf_expired;
        return parse_outcome::event;
    }
    constexpr sv active = " (queue active)";
    if (!rest.ends_with(active)) return parse_outcome::ignored;
    const std::size_t mark = rest.rfind(">, size=");
    if (mark == npos) return parse_outcome::malformed;
    sv tail = rest.substr(mark + 8, rest.size() - mark - 8 - active.size());
    e.size = take_number(tail);
    if (!e.size || !consume(tail, ", nrcpt=")) return parse_outcome::malformed;
    e.nrcpt = take_number(tail);
    if (!e.nrcpt || !tail.empty()) return parse_outcome::malformed;
    e.sender = sender_value(rest.substr(0, mark));
    e.kind = event_kind::pf_queued;
    return parse_outcome::event;
}

// smtpd: "client=host[ip][:port][, sasl_method=M, sasl_username=U][, ...]"
parse_outcome parse_client(sv rest, mail_event& e) {
    const std::size_t end = rest.find(", ");
    e.client = rest.substr(0, end);
    if (e.client.empty()) return parse_outcome::malformed;
    const std::size_t user = rest.find(", sasl_username=");
    if (user != npos) {
        sv u = rest.substr(user + 16);
        e.auth = u.substr(0, u.find(", "));
    }
    e.kind = event_kind::pf_client;
    return parse_outcome::event;
}

parse_outcome parse_postfix(sv program, sv text, mail_event& e) {
    const sv daemon = program.substr(program.rfind('/') + 1);
    const std::size_t colon = text.find(": ");
    if (colon == npos || !valid_queue_id(text.substr(0, colon))) return parse_outcome::ignored;
    e.queue_id = text.substr(0, colon);
    sv rest = text.substr(colon + 2);
    const bool noqueue = e.queue_id == no_queue_id;
    if (daemon == "smtpd" || daemon == "cleanup") {
        const std::size_t action_end = rest.find(": ");
        if (action_end != npos && refusal_action(rest.substr(0, action_end))) {
            if (text.size() > max_event_text) return parse_outcome::malformed;
            e.action = rest.substr(0, action_end);
            return parse_refusal(rest.substr(action_end + 2), e);
        }
        if (noqueue) return parse_outcome::ignored;
        if (daemon == "smtpd" && consume(rest, "client=")) return parse_client(rest, e);
        if (daemon == "cleanup" && consume(rest, "message-id=")) {
            e.message_id = rest;
            e.kind = event_kind::pf_message_id;
            return parse_outcome::event;
        }
        return parse_outcome::ignored;
    }
    if (noqueue) return parse_outcome::ignored;
    if ((daemon == "qmgr" || daemon == "postsuper") && rest == "removed") {
        e.kind = event_kind::pf_removed;
        return parse_outcome::event;
    }
    if (daemon == "qmgr") return parse_queued(rest, e);
    // Delivery agents: smtp, lmtp, local, virtual, pipe, discard, error, retry, ...
    if (rest.starts_with("to=<")) return parse_delivery(rest, e);
    return parse_outcome::ignored;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

log_source source_of(std::string_view program) {
    if (program == "mailwarden-milter") return log_source::mailwarden;
    const std::size_t slash = program.rfind('/');
    if (slash != npos && slash > 0 && slash + 1 < program.size()) return log_source::postfix;
    return log_source::other;
}

parse_outcome parse_mail_event(std::string_view program, std::string_view text, mail_event& out) {
    out = mail_event{};
    parse_outcome r = parse_outcome::ignored;
    switch (source_of(program)) {
        case log_source::mailwarden:
            r = parse_mailwarden(text, out);
            break;
        case log_source::postfix:
            r = parse_postfix(program, text, out);
            break;
        case log_source::other:
            return parse_outcome::ignored;
    }
    if (r != parse_outcome::event) out = mail_event{};
    return r;
}

}  // namespace mailwarden::audit
