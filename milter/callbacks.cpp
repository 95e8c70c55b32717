// callbacks.cpp: the extern "C" xxfi_* callbacks libmilter calls, one thread per SMTP
// connection. Each one is a shim: it finds the connection's session (smfi_getpriv), converts
// C arguments into views, calls the session and turns its verdict into a milter reply.
// Every shim runs inside guarded(): no exception crosses into libmilter; an exception is
// logged and answered with 451 4.3.0 (tempfail), so mail is never lost and never accepted
// by mistake (Postfix's milter_default_action = tempfail does the same when we are down).
// Over a unix socket the steps that never refuse are "no reply" steps (callbacks.hpp,
// set_transport): their shim answers nothing, and whatever they could not say (a refusal,
// an exception) is held and given at the next step that answers: MAIL FROM for connect and
// HELO, end of message for headers and body.
// Rules: R-MYO-12 (coexists with other milters: negotiates only the steps it uses and asks
// for no modification rights; no-reply steps keep it cheap in a chain), R-TJP-4 (the
// session logs one line per message), R-TJP-3 (quarantine verdicts: smfi_quarantine at end
// of message, the MTA holds the message).
// Security: runs unprivileged (main.cpp drops root before smfi_main); treats every macro
// and argument as hostile: NULL is handled, nothing is copied into fixed buffers.
// Failure: an exception or an out-of-order step -> error line + SMFIS_TEMPFAIL (at once, or
// at the next answering step when it happened in a no-reply step).
#include "milter/callbacks.hpp"

#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>
#include <exception>
#include <memory>
#include <optional>
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

// Steps the session never uses, on every transport: the MTA does not send them at all.
constexpr unsigned long always_skipped_steps = SMFIP_NOUNKNOWN | SMFIP_NOEOH;
// Steps left out on a unix socket only. HELO: session::helo only notes the name, no rule
// reads it. DATA: session::data only checks that a message is open (the header step that
// follows checks that too). Not over TCP: Postfix still sends the macros of a skipped step,
// as a packet that gets no reply, and its next write then waits (Nagle) for the delayed ACK
// of that packet, ~40 ms per message (measured: 19 msg/s per session with NODATA).
constexpr unsigned long unix_skipped_steps = SMFIP_NOHELO | SMFIP_NODATA;
// Steps whose session call never refuses, answered with no reply on a unix socket:
//   connect  session::connect always accepts (the client rules run at MAIL FROM);
//   HELO     session::helo always accepts (and is skipped anyway when the MTA can);
//   header   session::header remembers a From:/Sender: refusal (R-SAV-9) and the Subject
//            (R-TJP-3) and answers them at end of message;
//   body     session::body only counts bytes, for the size check at end of message.
// MAIL FROM, RCPT and end of message refuse, so they always answer. SMFIP_SKIP (stop the
// body early) is not used: the size check needs every body byte, and Postfix passes no
// message size in a macro. A body chunk under no reply cannot return SMFIS_SKIP anyway.
constexpr unsigned long unix_no_reply_steps =
    SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_HDR | SMFIP_NR_BODY;

// Set by set_transport before smfi_main starts any thread; read-only afterwards.
unsigned long skipped_steps = always_skipped_steps;
unsigned long no_reply_steps = 0;

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

// What a no-reply step could not say, and until when it is owed.
enum class owed_until {
    connection,  // connect, HELO: every later MAIL FROM (and RCPT, DATA, end of message)
    message,     // header, body: the end of the message (forgotten at abort / next MAIL)
};

// A refusal or failure held for the next answering step. `failed` needs no allocation, so
// an exception (even bad_alloc) in a no-reply step can always be recorded.
struct owed_answer {
    bool failed = false;                     // internal error: answer 451 4.3.0
    std::optional<policy::verdict> refusal;  // a verdict other than accept

    bool empty() const { return !failed && !refusal; }
    void clear() {
        failed = false;
        refusal.reset();
    }
};

// What libmilter keeps for us per connection (smfi_setpriv), owned by the shims: created
// at connect, deleted at close.
struct connection {
    explicit connection(SMFICTX* ctx) : macros(ctx), state(*the_config, macros, *the_services) {}
    smfi_macro_source macros;
    session state;
    owed_answer owed_for_connection;
    owed_answer owed_for_message;
};

connection* connection_of(SMFICTX* ctx) { return static_cast<connection*>(smfi_getpriv(ctx)); }

connection& require_connection(SMFICTX* ctx) {
    connection* c = connection_of(ctx);
    if (c == nullptr) throw std::logic_error("no session for this connection");
    return *c;
}

session& session_of(SMFICTX* ctx) { return require_connection(ctx).state; }

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
                throw std::runtime_error(
                    "smfi_quarantine failed (not negotiated, or not at "
                    "end of message)");
            return SMFIS_CONTINUE;
        }
    }
    throw std::logic_error("unknown verdict");
}

constexpr std::string_view internal_error_text = "Internal error in mail policy, try again later";

// Names what an exception says, without throwing itself.
const char* describe(std::exception_ptr error, std::string& buffer) noexcept {
    try {
        std::rethrow_exception(error);
    } catch (const std::exception& e) {
        try {
            buffer = e.what();
            return buffer.c_str();
        } catch (...) {
            return "exception (no memory to describe it)";
        }
    } catch (...) {
    }
    return "unknown exception";
}

// Runs one step; any exception becomes an error line and a tempfail. `can_reply` is false
// where there is no SMTP reply to shape (negotiate, abort, close).
template <typename Step>
sfsistat guarded(SMFICTX* ctx, const char* step, bool can_reply, Step&& run) noexcept {
    std::exception_ptr error;
    try {
        return run();
    } catch (...) {
        error = std::current_exception();
    }
    std::string buffer;
    const char* what = describe(error, buffer);
    try {
        the_config->current()->log.error("{}: internal error, answering tempfail: {}", step,
                                         log::untrusted{what});
        if (can_reply) set_reply(ctx, policy::tempfail(451, "4.3.0", internal_error_text));
    } catch (...) {
        // Nothing left to tell; the tempfail below still protects the message.
    }
    return SMFIS_TEMPFAIL;
}

owed_answer& owed_in(connection& c, owed_until until) {
    return until == owed_until::connection ? c.owed_for_connection : c.owed_for_message;
}

// Runs a step that may have been negotiated as no reply (`no_reply_bit`). Without it the
// step answers as usual. With it, the MTA reads no answer: libmilter would drop ours, and
// for a refusal it would also reset its state machine, ignoring the rest of the message
// while the MTA waits for a reply to end of message. So the step always returns
// SMFIS_NOREPLY and keeps a refusal or an error for the next answering step (answer_owed).
// `run` returns the session's verdict.
template <typename Step>
sfsistat maybe_silent(SMFICTX* ctx, const char* step, unsigned long no_reply_bit, owed_until until,
                      Step&& run) noexcept {
    if ((no_reply_steps & no_reply_bit) == 0)
        return guarded(ctx, step, true, [&] { return to_milter_status(ctx, run()); });
    std::exception_ptr error;
    try {
        policy::verdict v = run();
        if (!v.is_accept()) {
            owed_answer& owed = owed_in(require_connection(ctx), until);
            if (owed.empty()) owed.refusal = std::move(v);  // the first refusal stands
        }
        return SMFIS_NOREPLY;
    } catch (...) {
        error = std::current_exception();
    }
    // Recorded before anything that may throw. Without a connection (connect failed to make
    // one) there is nothing to record in: MAIL FROM then finds no session and tempfails.
    if (connection* c = connection_of(ctx)) owed_in(*c, until).failed = true;
    std::string buffer;
    const char* what = describe(error, buffer);
    try {
        the_config->current()->log.error(
            "{}: internal error, answering tempfail at the next step that replies: {}", step,
            log::untrusted{what});
    } catch (...) {
    }
    return SMFIS_NOREPLY;
}

// At a step that answers: the answer held from earlier no-reply steps, if any. The
// connection's debt stands for the whole connection; the message's is settled here (the
// message is forgotten, nothing of it is counted). nullopt: nothing owed, run the step.
std::optional<sfsistat> answer_owed(SMFICTX* ctx, bool settles_message) {
    connection* c = connection_of(ctx);
    if (c == nullptr) return std::nullopt;  // the step's own session_of() tempfails
    owed_answer* owed = nullptr;
    if (!c->owed_for_connection.empty())
        owed = &c->owed_for_connection;
    else if (settles_message && !c->owed_for_message.empty())
        owed = &c->owed_for_message;
    if (owed == nullptr) return std::nullopt;
    const policy::verdict answer =
        owed->failed ? policy::tempfail(451, "4.3.0", internal_error_text) : *owed->refusal;
    if (settles_message) {
        c->state.abort();
        c->owed_for_message.clear();
    }
    return to_milter_status(ctx, answer);
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

using mailwarden::milter::answer_owed;
using mailwarden::milter::guarded;
using mailwarden::milter::maybe_silent;
using mailwarden::milter::owed_until;
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
        // No-reply steps only on a unix socket (set_transport). libmilter (8.14 and later)
        // offers every NR_* bit even to an MTA without them and then answers "continue"
        // itself, so the shims may always return SMFIS_NOREPLY for those steps; a libmilter
        // that does not offer them would leave the MTA waiting for answers we never send.
        if ((steps & mw::no_reply_steps) != mw::no_reply_steps)
            throw std::runtime_error("libmilter offers no no-reply steps; use an inet socket");
        *want_steps = (steps & mw::skipped_steps) | mw::no_reply_steps;
        *want_f2 = 0;
        *want_f3 = 0;
        mw::the_config->current()->log.debug(
            "negotiate: MTA offers protocol steps 0x{:x}, the milter asks for 0x{:x}", steps,
            *want_steps);
        if ((actions & SMFIF_SETSYMLIST) != 0) {
            for (const auto& m : mw::requested_macros) {
                // Macros of a skipped HELO would still come, unanswered, for nobody.
                if (m.stage == SMFIM_HELO && (*want_steps & SMFIP_NOHELO) != 0) continue;
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
    return maybe_silent(ctx, "connect", SMFIP_NR_CONN, owed_until::connection, [&] {
        // A connect without a close before it (QUIT_NC handled oddly) must not leak, and
        // libmilter must never keep pointing at the freed one if what follows throws.
        std::unique_ptr<mw::connection> stale(mw::connection_of(ctx));
        if (stale) (void)smfi_setpriv(ctx, nullptr);
        auto fresh = std::make_unique<mw::connection>(ctx);
        if (smfi_setpriv(ctx, fresh.get()) != MI_SUCCESS)
            throw std::runtime_error("smfi_setpriv failed");
        mw::connection& c = *fresh.release();  // owned by libmilter's ctx until mw_close
        const auto address = mw::format_address(hostaddr);
        return c.state.connect(mw::view_or_empty(hostname),
                               address ? std::optional<std::string_view>(*address) : std::nullopt);
    });
}

static sfsistat mw_helo(SMFICTX* ctx, char* name) {
    return maybe_silent(ctx, "helo", SMFIP_NR_HELO, owed_until::connection,
                        [&] { return session_of(ctx).helo(mw::view_or_empty(name)); });
}

static sfsistat mw_envfrom(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "mail from", true, [&] {
        // A new message: nothing of an earlier one is owed any more.
        if (auto* c = mw::connection_of(ctx)) c->owed_for_message.clear();
        if (auto owed = answer_owed(ctx, false)) return *owed;
        const auto args = mw::split_argv(argv);
        return to_milter_status(ctx, session_of(ctx).mail_from(args.address, args.parameters));
    });
}

static sfsistat mw_envrcpt(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "rcpt to", true, [&] {
        if (auto owed = answer_owed(ctx, false)) return *owed;
        const auto args = mw::split_argv(argv);
        return to_milter_status(ctx, session_of(ctx).rcpt(args.address, args.parameters));
    });
}

static sfsistat mw_data(SMFICTX* ctx) {
    return guarded(ctx, "data", true, [&] {
        if (auto owed = answer_owed(ctx, false)) return *owed;
        return to_milter_status(ctx, session_of(ctx).data());
    });
}

static sfsistat mw_header(SMFICTX* ctx, char* name, char* value) {
    return maybe_silent(ctx, "header", SMFIP_NR_HDR, owed_until::message, [&] {
        return session_of(ctx).header(mw::view_or_empty(name), mw::view_or_empty(value));
    });
}

// Postfix (and sendmail) send the end of message without body bytes; libmilter would
// otherwise pass those to this callback and skip end of message unless it returned
// SMFIS_CONTINUE, which a no-reply body step may not.
static sfsistat mw_body(SMFICTX* ctx, unsigned char* data, size_t length) {
    return maybe_silent(ctx, "body", SMFIP_NR_BODY, owed_until::message, [&] {
        const std::span<const unsigned char> chunk =
            data ? std::span<const unsigned char>(data, length) : std::span<const unsigned char>{};
        return session_of(ctx).body(chunk);
    });
}

static sfsistat mw_eom(SMFICTX* ctx) {
    return guarded(ctx, "end of message", true, [&] {
        if (auto owed = answer_owed(ctx, true)) return *owed;
        return to_milter_status(ctx, session_of(ctx).end_of_message());
    });
}

static sfsistat mw_abort(SMFICTX* ctx) {
    return guarded(ctx, "abort", false, [&] {
        // An abort can come before connect finished (then there is no session).
        if (auto* c = mw::connection_of(ctx)) {
            c->owed_for_message.clear();
            c->state.abort();
        }
        return SMFIS_CONTINUE;
    });
}

static sfsistat mw_close(SMFICTX* ctx) {
    return guarded(ctx, "close", false, [&] {
        std::unique_ptr<mw::connection> c(mw::connection_of(ctx));
        (void)smfi_setpriv(ctx, nullptr);
        if (c) c->state.close();
        return SMFIS_CONTINUE;
    });
}

}  // extern "C"

namespace mailwarden::milter {

void set_transport(transport how) {
    const bool unix_socket = how == transport::unix_socket;
    skipped_steps = always_skipped_steps | (unix_socket ? unix_skipped_steps : 0);
    no_reply_steps = unix_socket ? unix_no_reply_steps : 0;
}

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
