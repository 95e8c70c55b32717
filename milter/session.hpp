// session.hpp: the state of one SMTP connection as the milter sees it (client, HELO) and of
// the message in progress on it (envelope, header and body byte counts, the config snapshot
// it started with). libmilter's callbacks (callbacks.cpp) feed it one step at a time; every
// step returns a policy::verdict that the shim turns into the milter reply. No libmilter
// include, so tests drive a session directly with a fake macro_source.
// Each message ends with ONE audit line (R-TJP-4), at end of message or at the step that
// refused it:
//   QUEUEID: client=ADDR auth=USER|- from=SENDER|<> nrcpt=N size=BYTES verdict=accept
//   ... verdict=reject rule=R-SAV-9 reply="553 5.7.1 <x@y>: Sender address rejected: ..."
// The rules (pure logic in core/policy) run at these steps:
//   connect    Postfix's non-SMTP mail (sendmail, pickup) comes as localhost port 0: a
//              local submission (no client address), trusted like a relay
//   MAIL FROM  a login from a network not allowed to submit (R-PSH-9, 550 5.7.1), account
//              lookup of {auth_authen} (directory, at most ldap.status_cache_ttl old; LDAP
//              down -> on_dependency_failure), the sender's limits by account, class and
//              domain (core/policy/limits.hpp), sender identity of the envelope (R-SAV-9),
//              declared SIZE= (R-PSH-5, R-SAV-4)
//   RCPT       recipients per message (R-SAV-9), pending accounts (R-PSH-3), application
//              mailboxes (R-TJP-2), relaying by outsiders (R-PSH-9: 554 5.7.1), outsiders to
//              internal-only lists (R-MYO-6): that recipient is refused, 550 5.7.1; for
//              incoming mail the recipient's own size limit (class, domain) against SIZE=
//   header     From:/Sender: identity (R-SAV-9), remembered and answered at end of message
//              a running send block (R-PSH-6: 450 4.7.1 until <UTC>)
//   EOM        the refusal remembered from the headers, the counted size (552 5.3.4), the
//              subject block list (R-TJP-3: 550 5.7.1, or quarantine = Postfix hold queue),
//              then the send cap counts the message (or its recipients) and may start a
//              block; a quarantined message counts like a sent one; a pending account's
//              activation mail is recorded, and written to LDAP when the milter has a
//              write credential (R-PSH-3)
// Rules: R-TJP-4, R-SAV-9, R-PSH-5, R-SAV-4, R-MYO-7, R-PSH-9 (trusted relays, submit
// networks, relaying), R-TJP-3, R-PSH-3, R-PSH-6 (limits per class and domain).
// Threading: libmilter calls one connection's steps one after another, never at once, so a
// session has no lock; different sessions share only the config_holder (thread-safe).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy/activation.hpp"
#include "core/policy/directory.hpp"
#include "core/policy/limits.hpp"
#include "core/policy/send_cap.hpp"
#include "core/policy/sender_identity.hpp"
#include "core/policy/verdict.hpp"
#include "core/store/counter_store.hpp"
#include "core/util/clock.hpp"
#include "milter/config_holder.hpp"

namespace mailwarden::milter {

// The macros the MTA sent for the current step ("i", "{auth_authen}", "{daemon_name}").
// The shim reads them with smfi_getsymval; tests use a map.
class macro_source {
public:
    virtual ~macro_source() = default;
    // nullopt when the MTA did not send the macro; a macro may also be sent empty.
    virtual std::optional<std::string> get(std::string_view name) const = 0;
};

// What sessions share besides the config: all outlive every session; all thread-safe.
struct services {
    policy::directory* directory = nullptr;     // required
    store::counter_store* counters = nullptr;   // null: no send caps (tests of other rules)
    const clock* now = nullptr;                 // required
    // R-PSH-3: null unless ldap.write_bind_dn is set (the milter holds no write credential).
    policy::status_writer* status_writer = nullptr;
};

struct connection_state {
    std::string client_name;                 // as the MTA resolved it ("unknown" if not)
    std::optional<std::string> client_addr;  // textual IP; absent for local submissions
    std::string helo;
    std::uint64_t messages = 0;  // messages finished (eom) on this connection
};

struct message_state {
    std::shared_ptr<const runtime_config> config;  // snapshot taken at MAIL FROM
    std::string sender;                            // without <>; empty is the null sender
    std::optional<std::string> auth_user;          // {auth_authen}; absent: not authenticated
    std::optional<std::uint64_t> declared_size;    // ESMTP SIZE=, when well-formed
    std::vector<std::string> recipients;           // without <>, in RCPT order
    std::uint64_t header_bytes = 0;                // "Name: value\r\n" per header
    std::uint64_t body_bytes = 0;                  // body as the MTA sent it (CRLF lines)
    policy::client_kind client = policy::client_kind::outside;
    std::optional<policy::account> account;        // the authenticated account, once found
    std::optional<policy::verdict> header_refusal; // first refusal found in the headers
    // R-TJP-3: the raw Subject header values (every Subject: a second one must not hide a
    // blocked first), at most mail::max_rfc2047_input bytes in all; decoded and matched at
    // end of message against the snapshot's subject block list.
    std::vector<std::string> subjects;
    bool subjects_truncated = false;               // more than the bound came (logged)
    std::string cap_key;                           // the account's send-cap key, if capped
    policy::cap_params cap;                        // its cap (limit > 0 when capped)
    // The sender's limits (its class and domain, or the global ones without an account).
    policy::resolved_limits limits;
    // Incoming mail: the smallest incoming size limit of the recipients so far (0 = none);
    // unset until a recipient is accepted.
    std::optional<std::uint64_t> incoming_limit;

    // Headers + the empty line that ends them + body, saturating at UINT64_MAX.
    std::uint64_t size() const;
};

// RFC 1870 size-value (1*20DIGIT) -> bytes; nullopt when empty, not all digits, more than
// 20 digits or above UINT64_MAX. "0" -> 0, "18446744073709551615" -> UINT64_MAX.
std::optional<std::uint64_t> parse_size_parameter(std::string_view text);

// "<a@b>" -> "a@b", "<>" -> "", "a@b" -> "a@b" (Postfix always sends the brackets).
std::string_view strip_angle_brackets(std::string_view path);

class session {
public:
    // All must outlive the session. The macros are read during each step only; the
    // directory (usually a policy::cached_directory) answers account lookups, the counter
    // store keeps the send caps (R-PSH-6).
    session(const config_holder& config, const macro_source& macros, const services& shared);

    policy::verdict connect(std::string_view client_name,
                            std::optional<std::string_view> client_addr);
    policy::verdict helo(std::string_view name);
    // sender as sent ("<a@b>"); args are the ESMTP parameters ("SIZE=123", "BODY=8BITMIME").
    policy::verdict mail_from(std::string_view sender, std::span<const std::string_view> args);
    policy::verdict rcpt(std::string_view recipient, std::span<const std::string_view> args);
    // DATA: the envelope is complete (every recipient is known).
    policy::verdict data();
    policy::verdict header(std::string_view name, std::string_view value);
    policy::verdict body(std::span<const unsigned char> chunk);
    // Decides, logs the message's audit line and forgets the message. A quarantine verdict
    // (R-TJP-3) means: accept, and have the MTA hold the message (smfi_quarantine).
    policy::verdict end_of_message();
    // The message was given up (RSET, a later milter or the client dropped it).
    void abort();
    // The connection is closing; any message still open is aborted.
    void close();

    const connection_state& connection() const { return connection_; }
    // The message in progress, or null between messages.
    const message_state* message() const { return message_ ? &*message_ : nullptr; }

private:
    // Throws std::logic_error when a message step arrives outside a message (an MTA or
    // protocol bug): the shim logs it and tempfails, nothing is accepted by mistake.
    message_state& require_message(std::string_view step);
    const log::logger& log() const;
    // Logs the message's audit line with `decision` (and its rule and reply when refused).
    void audit(const message_state& m, const policy::verdict& decision);
    // A refusal of the whole message at `step`: audit line, then the message is forgotten.
    policy::verdict refuse_message(const policy::verdict& v);
    // A refusal of one recipient: logged (queue id, login, recipient, rule); the message
    // goes on with the others.
    policy::verdict refuse_recipient(const message_state& m, std::string_view address,
                                     const policy::verdict& v);
    // R-TJP-3: the verdict of the subject block list for the message (accept when none).
    policy::verdict check_subjects(const message_state& m);
    // R-PSH-3: records the activation mail of a pending account (and writes the status
    // when a status_writer is configured); the verdict to give (accept, or the failure
    // action when the record cannot be kept).
    policy::verdict record_activation(const message_state& m);

    const config_holder& config_;
    const macro_source& macros_;
    const services& shared_;
    std::shared_ptr<const runtime_config> connection_config_;  // for lines outside a message
    connection_state connection_;
    std::optional<message_state> message_;
};

}  // namespace mailwarden::milter
