// callbacks.cpp: the extern "C" xxfi_* callbacks libmilter calls, one thread per SMTP
// connection. Each one is a shim: it finds the connection's session (smfi_getpriv), converts
// C arguments into views, calls the session and turns its verdict into a milter reply.
// Every shim runs inside guarded(): no exception crosses into libmilter; an exception is
// logged and answered with 451 4.3.0 (tempfail), so mail is never lost and never accepted
// by mistake (Postfix's milter_default_action = tempfail does the same when we are down).
// Rules: R-MYO-12 (coexists with other milters: negotiates only the steps it uses and asks
// for no modification rights), R-TJP-4 (the session logs one line per message), R-TJP-3
// (quarantine verdicts: smfi_quarantine at end of message, the MTA holds the message).
// Security: runs unprivileged (main.cpp drops root before smfi_main); treats every macro
// and argument as hostile: NULL is handled, nothing is copied into fixed buffers.
// Failure: an exception or an out-of-order step -> error line + SMFIS_TEMPFAIL.
#include "milter/callbacks.hpp"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "milter/session.hpp"

namespace mailwarden::milter {

namespace {

// Set once by register_filter, before smfi_main starts any thread; read-only afterwards.
const config_holder* the_config = nullptr;
const services* the_services = nullptr;

// The macros the milter asks Postfix for, per stage (smfi_setsymlist). Postfix sends
// exactly these instead of its milter_*_macros defaults. The queue id "i" only exists once
// Postfix has opened the queue file (after MAIL FROM), so it is read at RCPT and EOM.
struct stage_macros {
    int stage;
    const char* names;
};
constexpr stage_macros requested_macros[] = {
    {SMFIM_CONNECT, "j {daemon_name} {daemon_addr} {client_addr} {client_name} {client_port}"},
    {SMFIM_HELO, "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}"},
    {SMFIM_ENVFROM, "i {auth_type} {auth_authen} {auth_author} {mail_addr}"},
    {SMFIM_ENVRCPT, "i {rcpt_addr} {rcpt_host} {rcpt_mailer}"},
    {SMFIM_DATA, "i"},
    {SMFIM_EOM, "i {auth_type} {auth_authen}"},
};

// Steps the session does not use: Postfix does not send them at all.
// DATA is NOT among them although the session only notes it: Postfix sends the DATA-stage
// macros even for a skipped DATA step, as a packet that gets no reply; cleanup's next write
// then waits (Nagle) for the delayed ACK of that packet, ~40 ms per message over TCP
// (measured here: 19 msg/s per session with NODATA, the unix-socket rate without).
constexpr unsigned long unused_steps = SMFIP_NOUNKNOWN | SMFIP_NOEOH;

class smfi_macro_source final : public macro_source {
public:
    explicit smfi_macro_source(SMFICTX* ctx) : ctx_(ctx) {}
    std::optional<std::string> get(std::string_view name) const override {
        std::string key(name);  // smfi_getsymval wants a mutable, NUL-terminated name
        const char* value = smfi_getsymval(ctx_, key.data());
        if (value == nullptr) return std::nullopt;
        return std::string(value);
    }

private:
    SMFICTX* ctx_;
};

// What libmilter keeps for us per connection (smfi_setpriv), owned by the shims: created
// at connect, deleted at close.
struct connection {
    explicit connection(SMFICTX* ctx) : macros(ctx), state(*the_config, macros, *the_services) {}
    smfi_macro_source macros;
    session state;
};

session& session_of(SMFICTX* ctx) {
    auto* c = static_cast<connection*>(smfi_getpriv(ctx));
    if (c == nullptr) throw std::logic_error("no session for this connection");
    return c->state;
}

// Sendmail uses a milter's reply as a format string, so milters double '%'; Postfix undoes
// the doubling and drops single '%' (milter8.c), so an unescaped '%' would be lost.
std::string escape_percent(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    for (char c : text) {
        out += c;
        if (c == '%') out += '%';
    }
    return out;
}

void set_reply(SMFICTX* ctx, const policy::verdict& v) {
    std::string code = std::to_string(v.smtp_code);
    std::string enhanced = v.enhanced_code;
    std::string text = escape_percent(v.text);
    if (smfi_setreply(ctx, code.data(), enhanced.empty() ? nullptr : enhanced.data(),
                      text.data()) != MI_SUCCESS) {
        // The MTA still refuses, with its generic text; say why ours was lost.
        the_config->current()->log.warning("smfi_setreply refused reply '{}'",
                                           log::untrusted{v.to_smtp_string()});
    }
}

sfsistat to_milter_status(SMFICTX* ctx, const policy::verdict& v) {
    switch (v.what) {
        case policy::action::accept:
            return SMFIS_CONTINUE;
        case policy::action::reject:
            set_reply(ctx, v);
            return SMFIS_REJECT;
        case policy::action::tempfail:
            set_reply(ctx, v);
            return SMFIS_TEMPFAIL;
        case policy::action::discard:
            return SMFIS_DISCARD;
        case policy::action::quarantine: {
            // R-TJP-3: Postfix puts the message on hold (its hold queue) with this reason;
            // libmilter allows it at end of message only, so a quarantine from another
            // step fails here and becomes a tempfail (guarded), never a silent accept.
            std::string reason = v.text;
            if (smfi_quarantine(ctx, reason.data()) != MI_SUCCESS)
                throw std::runtime_error("smfi_quarantine failed (not negotiated, or not at "
                                         "end of message)");
            return SMFIS_CONTINUE;
        }
    }
    throw std::logic_error("unknown verdict");
}

constexpr std::string_view internal_error_text = "Internal error in mail policy, try again later";

// Runs one step; any exception becomes an error line and a tempfail. `can_reply` is false
// where there is no SMTP reply to shape (negotiate, abort, close).
template <typename Step>
sfsistat guarded(SMFICTX* ctx, const char* step, bool can_reply, Step&& run) noexcept {
    const char* what = "unknown exception";
    std::string buffer;
    try {
        return run();
    } catch (const std::exception& e) {
        try {
            buffer = e.what();
            what = buffer.c_str();
        } catch (...) {
            what = "exception (no memory to describe it)";
        }
    } catch (...) {
    }
    try {
        the_config->current()->log.error("{}: internal error, answering tempfail: {}", step,
                                         log::untrusted{what});
        if (can_reply) set_reply(ctx, policy::tempfail(451, "4.3.0", internal_error_text));
    } catch (...) {
        // Nothing left to tell; the tempfail below still protects the message.
    }
    return SMFIS_TEMPFAIL;
}

std::optional<std::string> format_address(const sockaddr* address) {
    if (address == nullptr) return std::nullopt;  // the MTA had no peer (local submission)
    std::string text(INET6_ADDRSTRLEN, '\0');
    const char* ok = nullptr;
    if (address->sa_family == AF_INET) {
        sockaddr_in in{};
        std::memcpy(&in, address, sizeof in);
        ok = inet_ntop(AF_INET, &in.sin_addr, text.data(), static_cast<socklen_t>(text.size()));
    } else if (address->sa_family == AF_INET6) {
        sockaddr_in6 in6{};
        std::memcpy(&in6, address, sizeof in6);
        ok = inet_ntop(AF_INET6, &in6.sin6_addr, text.data(), static_cast<socklen_t>(text.size()));
    }
    if (ok == nullptr) return std::nullopt;  // AF_UNIX or unknown: no IP to report
    text.resize(std::strlen(text.c_str()));
    return text;
}

// argv from libmilter: argv[0] is the address, then ESMTP parameters, NULL-terminated.
struct envelope_args {
    std::string_view address;
    std::vector<std::string_view> parameters;
};

envelope_args split_argv(char** argv) {
    if (argv == nullptr || argv[0] == nullptr) throw std::invalid_argument("empty envelope");
    envelope_args out{argv[0], {}};
    for (char** p = argv + 1; *p != nullptr; ++p) out.parameters.emplace_back(*p);
    return out;
}

std::string_view view_or_empty(const char* s) {
    return s ? std::string_view(s) : std::string_view{};
}

}  // namespace

}  // namespace mailwarden::milter

using mailwarden::milter::guarded;
using mailwarden::milter::session_of;
using mailwarden::milter::to_milter_status;
namespace mw = mailwarden::milter;

extern "C" {

static sfsistat mw_negotiate(SMFICTX* ctx, unsigned long actions, unsigned long steps,
                             unsigned long, unsigned long, unsigned long* want_actions,
                             unsigned long* want_steps, unsigned long* want_f2,
                             unsigned long* want_f3) {
    return guarded(ctx, "negotiate", false, [&] {
        // No modification rights: this milter only decides (R-MYO-12); quarantine is a
        // decision (R-TJP-3: hold the message), not a change to it.
        *want_actions = actions & (SMFIF_SETSYMLIST | SMFIF_QUARANTINE);
        if ((actions & SMFIF_QUARANTINE) == 0)
            mw::the_config->current()->log.warning(
                "negotiate: the MTA cannot quarantine; quarantine rules will tempfail");
        // No NR_* (no-reply) steps: every step may answer; over TCP they also stall
        // Postfix (recipes/README.md, libmilter trap 2).
        *want_steps = steps & mw::unused_steps;
        *want_f2 = 0;
        *want_f3 = 0;
        if ((actions & SMFIF_SETSYMLIST) != 0) {
            for (const auto& m : mw::requested_macros) {
                std::string names(m.names);
                if (smfi_setsymlist(ctx, m.stage, names.data()) != MI_SUCCESS)
                    mw::the_config->current()->log.warning(
                        "negotiate: smfi_setsymlist refused stage {}", m.stage);
            }
        } else {
            mw::the_config->current()->log.warning(
                "negotiate: the MTA cannot take a macro list; relying on its defaults");
        }
        return SMFIS_CONTINUE;
    });
}

static sfsistat mw_connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* hostaddr) {
    return guarded(ctx, "connect", true, [&] {
        // A connect without a close before it (QUIT_NC handled oddly) must not leak.
        std::unique_ptr<mw::connection> stale(static_cast<mw::connection*>(smfi_getpriv(ctx)));
        auto fresh = std::make_unique<mw::connection>(ctx);
        if (smfi_setpriv(ctx, fresh.get()) != MI_SUCCESS)
            throw std::runtime_error("smfi_setpriv failed");
        mw::connection& c = *fresh.release();  // owned by libmilter's ctx until mw_close
        const auto address = mw::format_address(hostaddr);
        return to_milter_status(
            ctx,
            c.state.connect(mw::view_or_empty(hostname),
                            address ? std::optional<std::string_view>(*address) : std::nullopt));
    });
}

static sfsistat mw_helo(SMFICTX* ctx, char* name) {
    return guarded(ctx, "helo", true, [&] {
        return to_milter_status(ctx, session_of(ctx).helo(mw::view_or_empty(name)));
    });
}

static sfsistat mw_envfrom(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "mail from", true, [&] {
        const auto args = mw::split_argv(argv);
        return to_milter_status(ctx, session_of(ctx).mail_from(args.address, args.parameters));
    });
}

static sfsistat mw_envrcpt(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "rcpt to", true, [&] {
        const auto args = mw::split_argv(argv);
        return to_milter_status(ctx, session_of(ctx).rcpt(args.address, args.parameters));
    });
}

static sfsistat mw_data(SMFICTX* ctx) {
    return guarded(ctx, "data", true,
                   [&] { return to_milter_status(ctx, session_of(ctx).data()); });
}

static sfsistat mw_header(SMFICTX* ctx, char* name, char* value) {
    return guarded(ctx, "header", true, [&] {
        return to_milter_status(
            ctx, session_of(ctx).header(mw::view_or_empty(name), mw::view_or_empty(value)));
    });
}

static sfsistat mw_body(SMFICTX* ctx, unsigned char* data, size_t length) {
    return guarded(ctx, "body", true, [&] {
        const std::span<const unsigned char> chunk =
            data ? std::span<const unsigned char>(data, length) : std::span<const unsigned char>{};
        return to_milter_status(ctx, session_of(ctx).body(chunk));
    });
}

static sfsistat mw_eom(SMFICTX* ctx) {
    return guarded(ctx, "end of message", true,
                   [&] { return to_milter_status(ctx, session_of(ctx).end_of_message()); });
}

static sfsistat mw_abort(SMFICTX* ctx) {
    return guarded(ctx, "abort", false, [&] {
        // An abort can come before connect finished (then there is no session).
        if (auto* c = static_cast<mw::connection*>(smfi_getpriv(ctx))) c->state.abort();
        return SMFIS_CONTINUE;
    });
}

static sfsistat mw_close(SMFICTX* ctx) {
    return guarded(ctx, "close", false, [&] {
        std::unique_ptr<mw::connection> c(static_cast<mw::connection*>(smfi_getpriv(ctx)));
        (void)smfi_setpriv(ctx, nullptr);
        if (c) c->state.close();
        return SMFIS_CONTINUE;
    });
}

}  // extern "C"

namespace mailwarden::milter {

void register_filter(const config_holder& config, const services& shared) {
    the_config = &config;
    the_services = &shared;
    // smfiDesc wants a mutable name; it must live as long as the process.
    static std::string name = "mailwarden-milter";
    smfiDesc desc{};
    desc.xxfi_name = name.data();
    desc.xxfi_version = SMFI_VERSION;
    desc.xxfi_flags = SMFIF_QUARANTINE;  // R-TJP-3 quarantine rules
    desc.xxfi_connect = mw_connect;
    desc.xxfi_helo = mw_helo;
    desc.xxfi_envfrom = mw_envfrom;
    desc.xxfi_envrcpt = mw_envrcpt;
    desc.xxfi_header = mw_header;
    desc.xxfi_eoh = nullptr;
    desc.xxfi_body = mw_body;
    desc.xxfi_eom = mw_eom;
    desc.xxfi_abort = mw_abort;
    desc.xxfi_close = mw_close;
    desc.xxfi_unknown = nullptr;
    desc.xxfi_data = mw_data;
    desc.xxfi_negotiate = mw_negotiate;
    if (smfi_register(desc) != MI_SUCCESS) throw std::runtime_error("smfi_register failed");
}

}  // namespace mailwarden::milter
