// session.cpp: per-connection and per-message state of the milter (see session.hpp).
// Rules: R-TJP-4 (audit line per message), R-PSH-5 groundwork (message size accounting).
#include "milter/session.hpp"

#include <fmt/format.h>

#include <limits>
#include <stdexcept>

namespace mailwarden::milter {

namespace {

constexpr std::uint64_t uint64_max = std::numeric_limits<std::uint64_t>::max();

std::uint64_t saturating_add(std::uint64_t a, std::uint64_t b) {
    return b > uint64_max - a ? uint64_max : a + b;
}

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (lower(a[i]) != lower(b[i])) return false;
    }
    return true;
}

// What an absent value looks like in the audit line.
constexpr std::string_view absent = "-";

}  // namespace

std::uint64_t message_state::size() const {
    return saturating_add(saturating_add(header_bytes, 2), body_bytes);
}

std::optional<std::uint64_t> parse_size_parameter(std::string_view text) {
    if (text.empty() || text.size() > 20) return std::nullopt;
    std::uint64_t value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        const auto digit = static_cast<std::uint64_t>(c - '0');
        if (value > (uint64_max - digit) / 10) return std::nullopt;
        value = value * 10 + digit;
    }
    return value;
}

std::string_view strip_angle_brackets(std::string_view path) {
    if (path.size() >= 2 && path.front() == '<' && path.back() == '>')
        return path.substr(1, path.size() - 2);
    return path;
}

session::session(const config_holder& config, const macro_source& macros)
    : config_(config), macros_(macros), connection_config_(config.current()) {}

const log::logger& session::log() const {
    return message_ ? message_->config->log : connection_config_->log;
}

message_state& session::require_message(std::string_view step) {
    if (!message_) throw std::logic_error(fmt::format("{} outside a message", step));
    return *message_;
}

policy::verdict session::connect(std::string_view client_name,
                                 std::optional<std::string_view> client_addr) {
    connection_config_ = config_.current();
    message_.reset();
    connection_ = connection_state{};
    connection_.client_name = std::string(client_name);
    if (client_addr) connection_.client_addr = std::string(*client_addr);
    log().debug("connect from {}[{}]", log::untrusted{client_name},
                log::untrusted{client_addr.value_or(absent)});
    return policy::accept();
}

policy::verdict session::helo(std::string_view name) {
    connection_.helo = std::string(name);
    return policy::accept();
}

policy::verdict session::mail_from(std::string_view sender,
                                   std::span<const std::string_view> args) {
    // A new MAIL without an abort in between cannot happen with libmilter (it sends abort
    // on RSET), but if it does, the old message is simply forgotten, never logged as sent.
    message_.reset();
    message_state& m = message_.emplace();
    m.config = config_.current();
    m.sender = std::string(strip_angle_brackets(sender));
    if (auto auth = macros_.get("{auth_authen}"); auth && !auth->empty())
        m.auth_user = std::move(*auth);

    bool size_seen = false;
    for (std::string_view arg : args) {
        const auto eq = arg.find('=');
        if (!iequals(arg.substr(0, eq), "SIZE")) continue;
        const std::string_view value =
            eq == std::string_view::npos ? std::string_view{} : arg.substr(eq + 1);
        const auto parsed = parse_size_parameter(value);
        if (size_seen || !parsed) {
            // Postfix checks SIZE= itself, so this is a bug or an attack: record nothing
            // rather than a guess, and say so.
            m.declared_size.reset();
            log().warning("NOQUEUE: client={}: ignoring {} ESMTP parameter: {}",
                          log::untrusted{connection_.client_addr.value_or(std::string(absent))},
                          size_seen ? "duplicate" : "malformed", log::untrusted{arg});
        } else {
            m.declared_size = *parsed;
        }
        size_seen = true;
    }
    return policy::accept();
}

policy::verdict session::rcpt(std::string_view recipient, std::span<const std::string_view>) {
    require_message("RCPT").recipients.emplace_back(strip_angle_brackets(recipient));
    return policy::accept();
}

policy::verdict session::data() {
    require_message("DATA");
    return policy::accept();
}

policy::verdict session::header(std::string_view name, std::string_view value) {
    message_state& m = require_message("header");
    // "Name: value\r\n": the header as it travels; the MTA strips the space after the colon.
    m.header_bytes = saturating_add(m.header_bytes, name.size() + value.size() + 4);
    return policy::accept();
}

policy::verdict session::body(std::span<const unsigned char> chunk) {
    message_state& m = require_message("body");
    m.body_bytes = saturating_add(m.body_bytes, chunk.size());
    return policy::accept();
}

policy::verdict session::end_of_message() {
    message_state& m = require_message("end of message");
    const policy::verdict decision = policy::accept();

    // The queue id is only final at end of message (Postfix assigns it after MAIL FROM).
    std::string queue_id = macros_.get("i").value_or("");
    if (queue_id.empty()) queue_id = "NOQUEUE";
    const std::string client = connection_.client_addr.value_or(std::string(absent));
    const std::string auth = m.auth_user.value_or(std::string(absent));
    const std::string_view from = m.sender.empty() ? std::string_view("<>") : m.sender;
    m.config->log.info("{}: client={} auth={} from={} nrcpt={} size={} verdict={}",
                       log::untrusted{queue_id}, log::untrusted{client}, log::untrusted{auth},
                       log::untrusted{from}, m.recipients.size(), m.size(),
                       policy::to_string(decision.what));
    ++connection_.messages;
    message_.reset();
    return decision;
}

void session::abort() { message_.reset(); }

void session::close() {
    message_.reset();
    log().debug("disconnect from {}[{}] after {} message(s)",
                log::untrusted{connection_.client_name},
                log::untrusted{connection_.client_addr.value_or(std::string(absent))},
                connection_.messages);
}

}  // namespace mailwarden::milter
