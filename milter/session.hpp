// session.hpp: the state of one SMTP connection as the milter sees it (client, HELO) and of
// the message in progress on it (envelope, header and body byte counts, the config snapshot
// it started with). libmilter's callbacks (callbacks.cpp) feed it one step at a time; every
// step returns a policy::verdict that the shim turns into the milter reply. No libmilter
// include, so tests drive a session directly with a fake macro_source.
// Today every verdict is accept; each message ends with ONE audit line (R-TJP-4):
//   QUEUEID: client=ADDR auth=USER|- from=SENDER|<> nrcpt=N size=BYTES verdict=accept
// Later rules (R-PSH-5/6, R-SAV-4/9, R-TJP-2/3, R-PSH-3) hook into the steps here.
// Rules: R-TJP-4 (one trace line per message), R-PSH-5 groundwork (size = headers + body).
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

#include "core/policy/verdict.hpp"
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
    // Both must outlive the session. The macros are read during each step only.
    session(const config_holder& config, const macro_source& macros);

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
    // Decides, logs the message's audit line and forgets the message.
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

    const config_holder& config_;
    const macro_source& macros_;
    std::shared_ptr<const runtime_config> connection_config_;  // for lines outside a message
    connection_state connection_;
    std::optional<message_state> message_;
};

}  // namespace mailwarden::milter
