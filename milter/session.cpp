// session.cpp: per-connection and per-message state of the milter and the order in which
// the rules run (see session.hpp).
// Rules: R-TJP-4 (audit line per message), R-SAV-9, R-PSH-5, R-SAV-4, R-MYO-7, R-PSH-9,
// R-TJP-3 (subject block list), R-PSH-3 (activation), R-PSH-6.
#include "milter/session.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>
#include <stdexcept>

#include "core/config/limit_policy.hpp"
#include "core/mail/rfc2047.hpp"
#include "core/policy/account_rules.hpp"
#include "core/policy/client_access.hpp"
#include "core/policy/size_limit.hpp"

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

std::shared_ptr<const runtime_config> make_runtime_config(
    config::settings s, log::logger log, std::shared_ptr<const policy::subject_rules> subjects) {
    policy::sender_policy sender;
    sender.check_identity = s.sender.check_identity;
    auto domains = policy::parse_domain_list(s.sender.local_domains);
    if (!domains.error.empty())
        throw std::invalid_argument("sender.local_domains: " + domains.error);
    sender.local_domains = std::move(domains.value);
    auto networks = policy::parse_network_list(s.sender.trusted_networks);
    if (!networks.value)
        throw std::invalid_argument("sender.trusted_networks: " + networks.error);
    sender.trusted_networks = std::move(*networks.value);
    auto submit = policy::parse_network_list(s.sender.submit_networks);
    if (!submit.value) throw std::invalid_argument("sender.submit_networks: " + submit.error);
    sender.submit_networks = std::move(*submit.value);
    if (!s.sender.activation_address.empty())
        sender.activation_key = policy::address_key(s.sender.activation_address).value_or("");

    policy::limit_policy limits = config::limit_policy_of(s);
    return std::make_shared<const runtime_config>(runtime_config{
        std::move(s), std::move(log), std::move(sender), std::move(limits), std::move(subjects)});
}

session::session(const config_holder& config, const macro_source& macros,
                 const services& shared)
    : config_(config), macros_(macros), shared_(shared), connection_config_(config.current()) {
    if (shared.directory == nullptr || shared.now == nullptr)
        throw std::invalid_argument("session: directory and clock are required");
}

namespace {

std::int64_t epoch_now(const clock& c) { return c.now().time_since_epoch().count(); }

}  // namespace

void session::audit(const message_state& m, const policy::verdict& decision) {
    // The queue id is only final at end of message (Postfix assigns it after MAIL FROM).
    std::string queue_id = macros_.get("i").value_or("");
    if (queue_id.empty()) queue_id = "NOQUEUE";
    const std::string client = connection_.client_addr.value_or(std::string(absent));
    const std::string auth = m.auth_user.value_or(std::string(absent));
    const std::string_view from = m.sender.empty() ? std::string_view("<>") : m.sender;
    std::string tail;
    if (!decision.rule_id.empty()) tail += fmt::format(" rule={}", decision.rule_id);
    if (!decision.is_accept())
        tail += fmt::format(" reply=\"{}\"", log::untrusted{decision.to_smtp_string()});
    m.config->log.info("{}: client={} auth={} from={} nrcpt={} size={} verdict={}{}",
                       log::untrusted{queue_id}, log::untrusted{client}, log::untrusted{auth},
                       log::untrusted{from}, m.recipients.size(), m.size(),
                       policy::to_string(decision.what), tail);
}

policy::verdict session::refuse_message(const policy::verdict& v) {
    if (message_) audit(*message_, v);
    message_.reset();
    return v;
}

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
    // Postfix hands non-SMTP mail (sendmail -> pickup -> cleanup, non_smtpd_milters) to
    // milters as a connection from localhost, 127.0.0.1 or ::1, port 0 (cleanup_milter.c);
    // no TCP client has port 0. That is a local submission: no client address, trusted
    // like one (R-SAV-9, R-PSH-9), not an outsider on the loopback.
    if (client_addr && (*client_addr == "127.0.0.1" || *client_addr == "::1") &&
        macros_.get("{client_port}") == std::optional<std::string>("0"))
        connection_.client_addr.reset();
    log().debug("connect from {}[{}]{}", log::untrusted{client_name},
                log::untrusted{client_addr.value_or(absent)},
                connection_.client_addr || !client_addr ? "" : " (local submission)");
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

    const policy::sender_policy& sp = m.config->sender;
    m.client = policy::classify_client(sp, m.auth_user.has_value(), connection_.client_addr);
    if (m.auth_user) {
        // R-PSH-9: logins send only from the networks listed for it (before any lookup:
        // nothing about the account is revealed to a network that may not submit).
        if (auto v =
                policy::check_submit_network(sp, connection_.client_addr, connection_.client_name);
            !v.is_accept())
            return refuse_message(v);
        // The login names the account (docs/SCHEMA.md: mail = login); a login that is not
        // an address is looked up as written, lowercased by address_key when it can be.
        // The sender's entry is at most ldap.status_cache_ttl old, so a block (R-TJP-5)
        // takes effect within that time whatever ldap.cache_ttl is.
        const std::string key = policy::address_key(*m.auth_user).value_or(*m.auth_user);
        policy::lookup_result found =
            shared_.directory->lookup_recent(key, m.config->settings.ldap.status_cache_ttl);
        if (found.status == policy::lookup_status::temporary_failure) {
            log().warning("{}: account lookup failed: {}", log::untrusted{key},
                          log::untrusted{found.error});
            return refuse_message(policy::failure_verdict(
                m.config->settings.milter.on_dependency_failure, "account directory"));
        }
        if (found.value) m.account = std::move(*found.value);
        // R-TJP-5 / R-SAV-11: a blocked account does not send (it still receives).
        if (m.account) {
            if (auto v = policy::check_account_may_send(*m.account, *m.auth_user);
                !v.is_accept())
                return refuse_message(v);
        }
    }

    const policy::account* acct = m.account ? &*m.account : nullptr;
    // The sender's limits: its account, class and domain; without an account the global
    // ones (incoming mail is held to each recipient's limits at RCPT).
    m.limits = policy::resolve_sender_limits(m.config->limits, acct);
    // Which class or domain set them: a debug line (the audit line's format is what
    // `mailwarden trace` reads, core/audit/mail_event.cpp).
    if (acct != nullptr && (!m.limits.account_class.empty() || !m.limits.domain.empty()))
        log().debug("{}: limits of class {} / domain {}: out {} B, {} recipients, {} a day",
                    log::untrusted{acct->mail},
                    log::untrusted{m.limits.account_class.empty() ? std::string(absent)
                                                                  : m.limits.account_class},
                    log::untrusted{m.limits.domain.empty() ? std::string(absent) : m.limits.domain},
                    m.limits.values.max_message_size_outgoing, m.limits.values.max_recipients,
                    m.limits.values.daily_limit);
    if (auto v = policy::check_envelope_sender(sp, m.client, acct, m.auth_user.value_or(""),
                                               m.sender);
        !v.is_accept())
        return refuse_message(v);

    // R-PSH-6: a running block refuses every submission at once, before any data.
    if (m.account && shared_.counters != nullptr) {
        const auto& sc = m.config->settings.send_cap;
        // The account's own LDAP limit, else its class's or domain's, else the global one.
        m.cap = store::cap_params_from(sc, m.limits.values.daily_limit);
        if (m.cap.limit > 0) {
            m.cap_key = policy::address_key(m.account->mail).value_or(m.account->mail);
            const store::cap_answer a =
                shared_.counters->peek(m.cap_key, m.cap, epoch_now(*shared_.now));
            if (!a.ok) {
                log().warning("{}: counter store: {}", log::untrusted{m.cap_key},
                              log::untrusted{a.error});
                return refuse_message(policy::failure_verdict(
                    m.config->settings.milter.on_dependency_failure, "counter store"));
            }
            if (a.decision.outcome != policy::cap_outcome::allowed)
                return refuse_message(policy::cap_verdict(a.decision, m.cap));
        }
    }

    if (m.declared_size) {
        const bool outgoing = m.client != policy::client_kind::outside;
        // Incoming: the recipients are not known yet, so only what is too big for every
        // one of them is refused here; each recipient's own limit is checked at RCPT.
        const std::uint64_t limit = outgoing
                                        ? m.limits.values.max_message_size_outgoing
                                        : policy::largest_incoming_size_limit(m.config->limits);
        if (auto v = policy::check_size(limit, *m.declared_size, outgoing); !v.is_accept())
            return refuse_message(v);
    }
    return policy::accept();
}

policy::verdict session::rcpt(std::string_view recipient, std::span<const std::string_view>) {
    message_state& m = require_message("RCPT");
    const std::string_view address = strip_angle_brackets(recipient);
    // R-SAV-9: mass mailing. RFC 5321 4.5.3.1.10: 452 for too many recipients; the client
    // sends the rest in another message. The sender's class or domain may set its own.
    if (const std::uint64_t most = m.limits.values.max_recipients;
        most > 0 && m.recipients.size() >= most)
        return refuse_recipient(m, address,
                                policy::tempfail(452, "4.5.3", "Error: too many recipients",
                                                 "R-SAV-9"));
    if (m.account) {
        // R-PSH-3: a pending account writes only to the activation address. Only this
        // recipient is refused; the message goes on with the others.
        if (auto v = policy::check_pending_recipient(*m.account, m.config->sender.activation_key,
                                                     address);
            !v.is_accept())
            return refuse_recipient(m, address, v);
    }
    if (m.account) {
        // R-TJP-2: application mailboxes write only inside (plus their allow-list).
        if (auto v = policy::check_internal_only_recipient(
                *m.account, m.config->sender.local_domains, address);
            !v.is_accept())
            return refuse_recipient(m, address, v);
    }
    if (m.client == policy::client_kind::outside) {
        // R-PSH-9: without a login or trust, only our own domains (sender.submit_networks).
        if (auto v = policy::check_relay(m.config->sender, m.client, address); !v.is_accept())
            return refuse_recipient(m, address, v);
        // R-MYO-6: an outsider writing to one of our internal-only lists.
        const auto key = policy::address_key(address);
        std::optional<policy::account> local;
        if (key && policy::is_local_address(m.config->sender, *key)) {
            policy::lookup_result found = shared_.directory->lookup(*key);
            if (found.status == policy::lookup_status::temporary_failure) {
                log().warning("{}: recipient lookup failed: {}", log::untrusted{*key},
                              log::untrusted{found.error});
                return refuse_recipient(
                    m, address,
                    policy::failure_verdict(m.config->settings.milter.on_dependency_failure,
                                            "account directory"));
            }
            if (found.value) {
                if (auto v = policy::check_list_recipient(*found.value, address); !v.is_accept())
                    return refuse_recipient(m, address, v);
                local = std::move(found.value);
            }
        }
        // R-SAV-4 / R-PSH-5: this recipient's incoming limit (its class, its domain). A
        // declared SIZE= over it refuses only this recipient, as Postfix's quota-status
        // does; the counted size is held to the smallest limit at end of message.
        const std::uint64_t limit = policy::incoming_size_limit(m.config->limits, key.value_or(""),
                                                                local ? &*local : nullptr);
        if (m.declared_size) {
            if (auto v = policy::check_size(limit, *m.declared_size, false); !v.is_accept())
                return refuse_recipient(m, address, v);
        }
        m.incoming_limit = m.incoming_limit ? policy::tighter(*m.incoming_limit, limit) : limit;
    }
    m.recipients.emplace_back(address);
    return policy::accept();
}

policy::verdict session::refuse_recipient(const message_state& m, std::string_view address,
                                          const policy::verdict& v) {
    log().info("{}: auth={} rcpt={} verdict={} rule={} reply=\"{}\"",
               log::untrusted{macros_.get("i").value_or("NOQUEUE")},
               log::untrusted{m.auth_user.value_or("-")}, log::untrusted{address},
               policy::to_string(v.what), v.rule_id.empty() ? "-" : v.rule_id,
               log::untrusted{v.to_smtp_string()});
    return v;
}

policy::verdict session::data() {
    require_message("DATA");
    return policy::accept();
}

policy::verdict session::header(std::string_view name, std::string_view value) {
    message_state& m = require_message("header");
    // "Name: value\r\n": the header as it travels; the MTA strips the space after the colon.
    m.header_bytes = saturating_add(m.header_bytes, name.size() + value.size() + 4);
    if (!m.header_refusal) {
        const policy::account* acct = m.account ? &*m.account : nullptr;
        auto v = policy::check_header_sender(m.config->sender, m.client, acct,
                                             m.auth_user.value_or(""), name, value);
        // Answered at end of message, where the reply to DATA is given anyway.
        if (!v.is_accept()) m.header_refusal = std::move(v);
    }
    if (m.config->subjects && iequals(name, "Subject")) {
        // R-TJP-3: kept (bounded) for end of message, where the refusal can be given.
        std::size_t kept = 0;
        for (const auto& subject : m.subjects) kept += subject.size();
        const std::size_t room = mail::max_rfc2047_input - std::min(kept, mail::max_rfc2047_input);
        if (value.size() > room) m.subjects_truncated = true;
        if (room > 0) m.subjects.emplace_back(value.substr(0, std::min(value.size(), room)));
    }
    return policy::accept();
}

policy::verdict session::body(std::span<const unsigned char> chunk) {
    message_state& m = require_message("body");
    m.body_bytes = saturating_add(m.body_bytes, chunk.size());
    return policy::accept();
}

policy::verdict session::end_of_message() {
    message_state& m = require_message("end of message");
    policy::verdict decision = policy::accept();
    const bool outgoing = m.client != policy::client_kind::outside;
    if (m.header_refusal) {
        decision = *m.header_refusal;
    } else {
        // Outgoing: the sender's limit; incoming: the smallest of its recipients' limits.
        decision = policy::check_size(
            policy::size_limit_for(
                outgoing, m.limits.values.max_message_size_outgoing,
                m.incoming_limit.value_or(m.config->limits.global.max_message_size_incoming)),
            m.size(), outgoing);
    }
    // R-TJP-3: after the cheaper checks. A quarantine is an accept for what follows (the
    // message is taken and counted), and becomes the answer once nothing refused it.
    std::optional<policy::verdict> quarantined;
    if (decision.is_accept()) {
        policy::verdict v = check_subjects(m);
        if (v.what == policy::action::quarantine)
            quarantined = std::move(v);
        else
            decision = std::move(v);
    }
    // R-PSH-6: count only what every other rule let through; the send that would pass the
    // cap is refused (not counted) and starts the block.
    if (decision.is_accept() && !m.cap_key.empty() && shared_.counters != nullptr) {
        const std::uint64_t amount =
            m.config->settings.send_cap.count == config::count_mode::recipients
                ? m.recipients.size()
                : 1;
        const store::cap_answer a =
            shared_.counters->check_and_add(m.cap_key, m.cap, epoch_now(*shared_.now), amount);
        if (!a.ok) {
            log().warning("{}: counter store: {}", log::untrusted{m.cap_key},
                          log::untrusted{a.error});
            decision = policy::failure_verdict(m.config->settings.milter.on_dependency_failure,
                                               "counter store");
        } else {
            decision = policy::cap_verdict(a.decision, m.cap);
            if (a.decision.outcome == policy::cap_outcome::over_limit)
                log().warning("{}: send cap reached ({}/{}), blocked until {}",
                              log::untrusted{m.cap_key}, a.decision.used, m.cap.limit,
                              a.decision.blocked_until != 0
                                  ? policy::format_utc(a.decision.blocked_until)
                                  : std::string("-"));
        }
    }
    // R-PSH-3: the pending account's activation mail (every recipient was the activation
    // address, RCPT saw to that) is recorded, and written when the milter may write.
    if (decision.is_accept() && m.account && m.account->status == policy::account_status::pending)
        decision = record_activation(m);
    if (decision.is_accept() && quarantined) decision = std::move(*quarantined);
    audit(m, decision);
    ++connection_.messages;
    message_.reset();
    return decision;
}

policy::verdict session::record_activation(const message_state& m) {
    std::string error;
    const std::string key = policy::address_key(m.account->mail).value_or(m.account->mail);
    if (shared_.counters == nullptr ||
        !shared_.counters->record_activation(key, epoch_now(*shared_.now), error)) {
        log().warning("{}: cannot record the activation: {}", log::untrusted{key},
                      log::untrusted{error.empty() ? "no counter store" : error});
        return policy::failure_verdict(m.config->settings.milter.on_dependency_failure,
                                       "counter store");
    }
    if (shared_.status_writer == nullptr || m.account->dn.empty()) {
        log().info("{}: activation mail seen (R-PSH-3); run mailwarden user activate-pending",
                   log::untrusted{key});
        return policy::accept();
    }
    // The record stands whatever happens next: a failed write is left for
    // `mailwarden user activate-pending`, and the mail is accepted either way.
    const policy::activation_result written = shared_.status_writer->activate(*m.account);
    switch (written.outcome) {
        case policy::activation_outcome::written:
            log().info("{}: activation mail seen (R-PSH-3); account activated in LDAP ({})",
                       log::untrusted{key}, log::untrusted{m.account->dn});
            break;
        case policy::activation_outcome::not_pending:
            log().warning(
                "{}: activation mail seen (R-PSH-3); its status is no longer pending "
                "in LDAP, left as it is: {}",
                log::untrusted{key}, log::untrusted{written.error});
            break;
        case policy::activation_outcome::failed:
            log().warning(
                "{}: activation mail seen (R-PSH-3); cannot write the status ({}); "
                "left for mailwarden user activate-pending",
                log::untrusted{key}, log::untrusted{written.error});
            return policy::accept();
    }
    // Written, or settled by someone else: the record has nothing left to apply (a stale
    // one would activate the account again should it ever be set pending).
    if (!shared_.counters->clear_activation(key, error))
        log().warning("{}: activation record not cleared: {}", log::untrusted{key},
                      log::untrusted{error});
    // The next message must see the status as it is now, not the cached "pending".
    shared_.directory->forget(key);
    if (m.auth_user) {
        // The login's own key, as mail_from looked it up (an alias logs in too).
        const std::string login = policy::address_key(*m.auth_user).value_or(*m.auth_user);
        if (login != key) shared_.directory->forget(login);
    }
    return policy::accept();
}

policy::verdict session::check_subjects(const message_state& m) {
    const policy::subject_rules* rules = m.config->subjects.get();
    if (rules == nullptr || m.subjects.empty()) return policy::accept();
    const std::string queue_id = macros_.get("i").value_or("NOQUEUE");
    if (m.subjects_truncated)
        log().warning("{}: Subject longer than {} bytes: only its start is checked (R-TJP-3)",
                      log::untrusted{queue_id}, mail::max_rfc2047_input);
    for (const std::string& raw : m.subjects) {
        const mail::rfc2047_result decoded = mail::decode_rfc2047(raw);
        const policy::subject_match_result found = rules->match(decoded.text);
        for (int line : found.timed_out)
            log().warning("{}: {}:{}: regex gave up (time limit); rule skipped for this "
                          "message",
                          log::untrusted{queue_id}, rules->file(), line);
        if (!found.match) continue;
        const int line = found.match->line;
        log().info("{}: subject blocked by {}:{} ({}): {}", log::untrusted{queue_id},
                   rules->file(), line, policy::to_string(found.match->what),
                   log::untrusted{decoded.text});
        // Postfix's header_checks wording ("Message content rejected"), plus the rule line
        // so the sender's admin can quote it and ours can find it.
        if (found.match->what == policy::action::quarantine)
            return policy::quarantine(fmt::format("subject blocked by rule {}", line),
                                      "R-TJP-3");
        return policy::reject(
            550, "5.7.1",
            fmt::format("Message content rejected: subject blocked by rule {}", line), "R-TJP-3");
    }
    return policy::accept();
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
