// connection.cpp: the libldap handle behind ldap::connection (see connection.hpp).
// Every request is asynchronous (ldap_*_ext / ldap_passwd / ...) followed by ldap_result
// with the configured timeout, so no call can hang on a silent server; on a timeout the
// request is abandoned. Secrets never go into a result message; the bind password is read
// into a buffer that is wiped once the bind request is encoded, and libldap's buffer of a
// generated password is wiped before it is freed (libldap's own request buffers are
// beyond our reach).
// Rules: DESIGN "three outcomes", "NXXXXXX allocation", "Passwords" (see connection.hpp).
#include "core/ldap/connection.hpp"

#include <fcntl.h>
#include <ldap.h>
#include <sys/time.h>
#include <unistd.h>

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <climits>
#include <cstring>
#include <map>
#include <utility>

#include "core/ldap/ber_entry.hpp"
#include "core/util/secret_file.hpp"

namespace mailwarden::ldap {

namespace {

// A bind password longer than this is not a password but the wrong file.
constexpr std::size_t max_password_bytes = 4096;

struct message_deleter {
    void operator()(LDAPMessage* m) const { ldap_msgfree(m); }
};
using message_ptr = std::unique_ptr<LDAPMessage, message_deleter>;

struct control_deleter {
    void operator()(LDAPControl* c) const { ldap_control_free(c); }
};
using control_ptr = std::unique_ptr<LDAPControl, control_deleter>;

struct controls_deleter {
    void operator()(LDAPControl** c) const { ldap_controls_free(c); }
};
using controls_ptr = std::unique_ptr<LDAPControl*, controls_deleter>;

struct ber_deleter {
    void operator()(BerElement* b) const { ber_free(b, 1); }
};

// A decoder over a message's own buffer (ldap_get_dn_ber): the buffer belongs to the
// message, so only the decoder is freed.
struct ber_view_deleter {
    void operator()(BerElement* b) const { ber_free(b, 0); }
};

// A string that is wiped before its memory is released.
class secret {
public:
    secret() = default;
    secret(const secret&) = delete;
    secret& operator=(const secret&) = delete;
    ~secret() { wipe(); }
    std::string& value() { return value_; }
    void wipe() {
        if (!value_.empty()) explicit_bzero(value_.data(), value_.size());
        value_.clear();
    }

private:
    std::string value_;
};

void wipe_berval(berval& bv) {
    if (bv.bv_val != nullptr) {
        explicit_bzero(bv.bv_val, bv.bv_len);
        ber_memfree(bv.bv_val);
        bv.bv_val = nullptr;
        bv.bv_len = 0;
    }
}

// A berval viewing s (libldap takes non-const pointers but does not write through them).
berval view(std::string_view s) {
    return berval{static_cast<ber_len_t>(s.size()), const_cast<char*>(s.data())};
}

std::string copy(const berval& bv) {
    return bv.bv_val == nullptr ? std::string() : std::string(bv.bv_val, bv.bv_len);
}

bool has_nul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

result invalid(std::string message) {
    return result{status::invalid, LDAP_PARAM_ERROR, std::move(message)};
}

result not_connected() {
    return result{status::temporary, LDAP_SERVER_DOWN, "not connected to the LDAP server"};
}

// Reads the bind password: the whole file, minus one trailing "\n" (or "\r\n").
result read_password_file(const std::string& path, secret& out) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return invalid(fmt::format("cannot open password file {}: {}", path,
                                   std::strerror(errno)));
    secret_file::warn_if_exposed(fd, path);  // world-readable: warn once, still bind
    std::array<char, 512> chunk{};
    std::string& pw = out.value();
    pw.clear();
    // Room for the largest read below, so the buffer never moves (a move would leave a
    // copy of the secret behind, unwiped).
    pw.reserve(max_password_bytes + 2 + chunk.size());
    while (true) {
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            explicit_bzero(chunk.data(), chunk.size());
            return invalid(fmt::format("cannot read password file {}: {}", path,
                                       std::strerror(err)));
        }
        if (n == 0) break;
        pw.append(chunk.data(), static_cast<std::size_t>(n));
        if (pw.size() > max_password_bytes + 2) break;  // "+2": room for a CRLF
    }
    ::close(fd);
    explicit_bzero(chunk.data(), chunk.size());
    if (!pw.empty() && pw.back() == '\n') {
        pw.pop_back();
        if (!pw.empty() && pw.back() == '\r') pw.pop_back();
    }
    if (pw.size() > max_password_bytes)
        return invalid(fmt::format("password file {} is longer than {} bytes", path,
                                   max_password_bytes));
    if (pw.empty())
        // An empty simple bind is an anonymous bind (RFC 4513 5.1.2): refuse it.
        return invalid(fmt::format("password file {} is empty", path));
    return result{};
}

timeval to_timeval(std::chrono::milliseconds ms) {
    const auto count = ms.count();
    timeval tv{};
    tv.tv_sec = static_cast<time_t>(count / 1000);
    tv.tv_usec = static_cast<suseconds_t>((count % 1000) * 1000);
    return tv;
}

// The server-side time limit: whole seconds, rounded up, at least 1.
timeval server_time_limit(std::chrono::milliseconds ms) {
    timeval tv{};
    tv.tv_sec = static_cast<time_t>((ms.count() + 999) / 1000);
    if (tv.tv_sec == 0) tv.tv_sec = 1;
    return tv;
}

int to_ldap_scope(search_scope s) {
    switch (s) {
        case search_scope::base: return LDAP_SCOPE_BASE;
        case search_scope::one_level: return LDAP_SCOPE_ONELEVEL;
        case search_scope::subtree: return LDAP_SCOPE_SUBTREE;
    }
    return LDAP_SCOPE_BASE;
}

// Attribute lists: valid names, plus the selectors "*" (all user) and "+" (operational).
result check_attribute_list(const std::vector<std::string>& names) {
    for (const std::string& n : names)
        if (n != "*" && n != "+" && !is_valid_attribute_name(n))
            return invalid(fmt::format("not an attribute name: '{}'", n));
    return result{};
}

// A NULL-terminated char* array viewing names (nullptr when names is empty).
class name_array {
public:
    explicit name_array(const std::vector<std::string>& names) {
        for (const std::string& n : names) ptrs_.push_back(const_cast<char*>(n.c_str()));
        ptrs_.push_back(nullptr);
    }
    char** get() { return ptrs_.size() > 1 ? ptrs_.data() : nullptr; }

private:
    std::vector<char*> ptrs_;
};

// LDAPMod arrays viewing caller data; valid while the inputs live.
class mod_list {
public:
    void push(int op, const std::string& attribute, const values& vals) {
        auto& bv = values_.emplace_back();
        for (const std::string& v : vals) bv.push_back(view(v));
        mods_.push_back(LDAPMod{});
        LDAPMod& m = mods_.back();
        m.mod_op = op | LDAP_MOD_BVALUES;
        m.mod_type = const_cast<char*>(attribute.c_str());
    }
    // Pointers are taken once everything is in place (vectors no longer move).
    LDAPMod** get() {
        value_ptrs_.resize(values_.size());
        list_.clear();
        for (std::size_t i = 0; i < mods_.size(); ++i) {
            value_ptrs_[i].clear();
            for (berval& bv : values_[i]) value_ptrs_[i].push_back(&bv);
            value_ptrs_[i].push_back(nullptr);
            // No values: NULL, which for delete/replace means "the whole attribute".
            mods_[i].mod_vals.modv_bvals = values_[i].empty() ? nullptr : value_ptrs_[i].data();
            list_.push_back(&mods_[i]);
        }
        list_.push_back(nullptr);
        return list_.data();
    }

private:
    std::vector<LDAPMod> mods_;
    std::vector<std::vector<berval>> values_;
    std::vector<std::vector<berval*>> value_ptrs_;
    std::vector<LDAPMod*> list_;
};

}  // namespace

struct connection::state {
    LDAP* ld = nullptr;
    connection_options options;
    bool have_options = false;

    ~state() { drop(); }

    void drop() noexcept {
        if (ld != nullptr) {
            ldap_unbind_ext(ld, nullptr, nullptr);
            ld = nullptr;
        }
    }

    // A result for a libldap (client-side) failure, with its diagnostic text if any.
    // Drops the handle when the connection is gone, so is_open() tells the caller.
    result client_error(int rc) {
        std::string message;
        if (ld != nullptr) {
            char* diag = nullptr;
            if (ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag) == LDAP_OPT_SUCCESS &&
                diag != nullptr) {
                message = diag;
                ldap_memfree(diag);
            }
        }
        if (message.empty()) message = options.uri;
        result r = make_result(rc, std::move(message));
        forget_if_gone(r);
        return r;
    }

    void forget_if_gone(const result& r) {
        if (r.rc == LDAP_SERVER_DOWN || r.rc == LDAP_CONNECT_ERROR) drop();
    }

    // Waits for the whole response to msgid (every entry of a search page), at most the
    // configured timeout; on timeout the request is abandoned and the result is temporary.
    result wait(int msgid, message_ptr& out) {
        timeval tv = to_timeval(options.timeout);
        LDAPMessage* msg = nullptr;
        const int type = ldap_result(ld, msgid, LDAP_MSG_ALL, &tv, &msg);
        if (type == 0) {
            if (msg != nullptr) ldap_msgfree(msg);
            ldap_abandon_ext(ld, msgid, nullptr, nullptr);
            return result{status::temporary, LDAP_TIMEOUT,
                          fmt::format("no answer from {} within {} ms", options.uri,
                                      options.timeout.count())};
        }
        if (type < 0 || msg == nullptr) {
            int rc = LDAP_OTHER;
            ldap_get_option(ld, LDAP_OPT_RESULT_CODE, &rc);
            if (rc == LDAP_SUCCESS) rc = LDAP_OTHER;
            return client_error(rc);
        }
        out.reset(msg);
        return result{};
    }

    // The LDAPResult of msg (for a search: its final message); controls if asked.
    result parse(LDAPMessage* msg, controls_ptr* controls = nullptr) {
        int rc = LDAP_OTHER;
        char* text = nullptr;
        LDAPControl** ctrls = nullptr;
        const int prc = ldap_parse_result(ld, msg, &rc, nullptr, &text, nullptr,
                                          controls != nullptr ? &ctrls : nullptr, 0);
        if (prc != LDAP_SUCCESS) return client_error(prc);
        std::string message = text != nullptr ? text : "";
        if (text != nullptr) ldap_memfree(text);
        if (controls != nullptr) controls->reset(ctrls);
        result r = make_result(rc, std::move(message));
        forget_if_gone(r);
        return r;
    }

    // The return code of a libldap send call as a result (ok: the request went out).
    result sent(int rc) { return rc == LDAP_SUCCESS ? result{} : client_error(rc); }

    // The whole exchange for operations without entries in the answer.
    result exchange(int send_rc, int msgid, message_ptr& msg, controls_ptr* controls = nullptr) {
        result r = sent(send_rc);
        if (!r.is_ok()) return r;
        r = wait(msgid, msg);
        if (!r.is_ok()) return r;
        return parse(msg.get(), controls);
    }

    result set_options();
    result start_tls();
    result bind();
    result decode_entry(LDAPMessage* m, entry& out);

    // Shared tail of add() and modify(): send (with the post-read control when asked),
    // wait, parse, decode the post-read entry.
    template <typename Send>
    entry_result write_with_post_read(std::string_view dn,
                                      const std::vector<std::string>& post_read, Send send);
};

result connection::state::set_options() {
    const auto set = [&](int option, const void* value, std::string_view what) -> result {
        const int rc = ldap_set_option(ld, option, value);
        if (rc == LDAP_OPT_SUCCESS) return result{};
        return make_result(rc == LDAP_OPT_ERROR ? LDAP_PARAM_ERROR : rc,
                           fmt::format("cannot set LDAP option {}", what));
    };
    const int version = LDAP_VERSION3;
    const timeval tv = to_timeval(options.timeout);
    result r = set(LDAP_OPT_PROTOCOL_VERSION, &version, "protocol version 3");
    if (r.is_ok()) r = set(LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "no referral chasing");
    if (r.is_ok()) r = set(LDAP_OPT_RESTART, LDAP_OPT_ON, "restart on EINTR");
    if (r.is_ok()) r = set(LDAP_OPT_NETWORK_TIMEOUT, &tv, "network timeout");
    if (r.is_ok()) r = set(LDAP_OPT_TIMEOUT, &tv, "operation timeout");
    const bool tls = options.start_tls || options.uri.rfind("ldaps:", 0) == 0 ||
                     !options.ca_file.empty();
    if (r.is_ok() && tls) {
        // Per-handle TLS settings take effect with a new TLS context (LDAP_OPT_X_TLS_NEWCTX).
        const int demand = LDAP_OPT_X_TLS_DEMAND;
        r = set(LDAP_OPT_X_TLS_REQUIRE_CERT, &demand, "TLS certificate verification");
        if (r.is_ok() && !options.ca_file.empty())
            r = set(LDAP_OPT_X_TLS_CACERTFILE, options.ca_file.c_str(), "TLS CA file");
        const int is_server = 0;
        if (r.is_ok()) {
            r = set(LDAP_OPT_X_TLS_NEWCTX, &is_server, "a new TLS context");
            if (!r.is_ok())
                r.message = fmt::format("cannot set up TLS (CA file '{}')", options.ca_file);
        }
    }
    return r;
}

result connection::state::start_tls() {
    int msgid = -1;
    message_ptr msg;
    result r = exchange(ldap_start_tls(ld, nullptr, nullptr, &msgid), msgid, msg);
    if (!r.is_ok()) {
        r.message = "StartTLS refused: " + r.message;
        return r;
    }
    const int rc = ldap_install_tls(ld);
    if (rc != LDAP_SUCCESS) {
        r = client_error(rc);
        r.message = "TLS handshake failed: " + r.message;
    }
    return r;
}

result connection::state::bind() {
    if (options.sasl_external) {
        // One BindRequest with mechanism EXTERNAL and an empty initial response (RFC 4422
        // appendix A: no authorization identity): the server takes the identity the
        // transport proved, in one round (without the initial response it would answer 14
        // with an empty challenge first). Sent asynchronously like every other request, so
        // the timeout holds.
        char none[] = "";
        berval empty{0, none};  // present but empty: not the same as no credentials
        int msgid = -1;
        message_ptr msg;
        result r = exchange(ldap_sasl_bind(ld, "", "EXTERNAL", &empty, nullptr, nullptr, &msgid),
                            msgid, msg);
        if (!r.is_ok() && r.message.empty())
            r.message = fmt::format("SASL EXTERNAL bind refused by {}", options.uri);
        return r;
    }
    secret password;
    if (!options.bind_dn.empty()) {
        result r = read_password_file(options.password_file, password);
        if (!r.is_ok()) return r;
    }
    berval cred = view(password.value());
    int msgid = -1;
    message_ptr msg;
    const char* dn = options.bind_dn.empty() ? "" : options.bind_dn.c_str();
    const int send_rc = ldap_sasl_bind(ld, dn, LDAP_SASL_SIMPLE, &cred, nullptr, nullptr, &msgid);
    password.wipe();  // libldap has encoded it into its own buffer by now
    result r = exchange(send_rc, msgid, msg);
    if (!r.is_ok() && r.message.empty())
        r.message = fmt::format("bind as '{}' refused", options.bind_dn);
    return r;
}

result connection::state::decode_entry(LDAPMessage* m, entry& out) {
    BerElement* raw_ber = nullptr;
    berval dn{0, nullptr};
    int rc = ldap_get_dn_ber(ld, m, &raw_ber, &dn);
    const std::unique_ptr<BerElement, ber_view_deleter> ber(raw_ber);
    if (rc != LDAP_SUCCESS) return make_result(rc, "cannot decode a search result entry");
    out.dn = copy(dn);
    berval name{0, nullptr};
    berval* vals = nullptr;
    for (rc = ldap_get_attribute_ber(ld, m, raw_ber, &name, &vals); rc == LDAP_SUCCESS;
         rc = ldap_get_attribute_ber(ld, m, raw_ber, &name, &vals)) {
        if (name.bv_val == nullptr) break;  // end of the attribute list
        values& target = out.attributes[copy(name)];
        for (std::size_t i = 0; vals != nullptr && vals[i].bv_val != nullptr; ++i)
            target.push_back(copy(vals[i]));
        if (vals != nullptr) ber_memfree(vals);
        vals = nullptr;
    }
    if (rc != LDAP_SUCCESS)
        return make_result(rc, fmt::format("cannot decode the attributes of '{}'", out.dn));
    return result{};
}

connection::connection() : state_(std::make_unique<state>()) {}
connection::~connection() = default;
connection::connection(connection&& other) noexcept = default;
connection& connection::operator=(connection&& other) noexcept = default;

bool connection::is_open() const { return state_ != nullptr && state_->ld != nullptr; }

void connection::close() noexcept {
    if (state_) state_->drop();
}

result connection::open(const connection_options& options) {
    if (!state_) state_ = std::make_unique<state>();
    state& s = *state_;
    s.drop();
    s.options = options;
    s.have_options = true;
    if (options.uri.empty() || has_nul(options.uri)) return invalid("no LDAP URI given");
    if (has_nul(options.bind_dn) || has_nul(options.password_file) || has_nul(options.ca_file))
        return invalid("a connection option contains a NUL byte");
    if (options.sasl_external && !options.bind_dn.empty())
        return invalid(fmt::format("SASL EXTERNAL binds as the transport's identity: bind DN "
                                   "'{}' must be empty",
                                   options.bind_dn));
    if (!options.sasl_external && !options.bind_dn.empty() && options.password_file.empty())
        return invalid(fmt::format("bind DN '{}' given without a password file", options.bind_dn));
    if (options.timeout.count() <= 0) return invalid("the LDAP timeout must be positive");

    const int rc = ldap_initialize(&s.ld, options.uri.c_str());
    if (rc != LDAP_SUCCESS || s.ld == nullptr) {
        s.ld = nullptr;
        return invalid(fmt::format("bad LDAP URI '{}'", options.uri));
    }
    result r = s.set_options();
    if (r.is_ok() && options.start_tls) r = s.start_tls();
    if (r.is_ok()) r = s.bind();
    if (!r.is_ok()) s.drop();  // half-open (unbound, or TLS not up): never usable
    return r;
}

result connection::reopen() {
    if (!state_ || !state_->have_options) return invalid("reopen() before open()");
    const connection_options options = state_->options;
    return open(options);
}

search_result connection::search(const search_request& request) {
    search_result out;
    const auto fail = [&out](result r) {
        out.entries.clear();  // a partial list is never an answer
        static_cast<result&>(out) = std::move(r);
        return std::move(out);
    };
    if (!is_open()) return fail(not_connected());
    state& s = *state_;
    if (has_nul(request.base)) return fail(invalid("search base contains a NUL byte"));
    if (has_nul(request.filter.text())) return fail(invalid("filter contains a NUL byte"));
    if (result r = check_attribute_list(request.attributes); !r.is_ok()) return fail(r);
    if (request.page_size > INT_MAX || request.size_limit > INT_MAX)
        return fail(invalid("page size or size limit out of range"));

    name_array attrs(request.attributes);
    std::string cookie;
    timeval limit = server_time_limit(s.options.timeout);
    do {
        control_ptr page;
        std::array<LDAPControl*, 2> server_controls{nullptr, nullptr};
        if (request.page_size > 0) {
            berval cookie_bv = view(cookie);
            LDAPControl* raw = nullptr;
            const int rc = ldap_create_page_control(s.ld, static_cast<ber_int_t>(request.page_size),
                                                    cookie.empty() ? nullptr : &cookie_bv, 0, &raw);
            if (rc != LDAP_SUCCESS) return fail(s.client_error(rc));
            page.reset(raw);
            server_controls[0] = raw;
        }
        int msgid = -1;
        const int rc = ldap_search_ext(s.ld, request.base.c_str(), to_ldap_scope(request.scope),
                                       request.filter.text().c_str(), attrs.get(), 0,
                                       server_controls.data(), nullptr, &limit,
                                       static_cast<int>(request.size_limit), &msgid);
        if (rc != LDAP_SUCCESS) return fail(s.client_error(rc));
        ++out.pages;
        message_ptr msg;
        if (result r = s.wait(msgid, msg); !r.is_ok()) return fail(r);
        // Entries first; search references (referrals) are not followed and not returned.
        for (LDAPMessage* m = ldap_first_entry(s.ld, msg.get()); m != nullptr;
             m = ldap_next_entry(s.ld, m)) {
            entry e;
            if (result r = s.decode_entry(m, e); !r.is_ok()) return fail(r);
            out.entries.push_back(std::move(e));
        }
        controls_ptr controls;
        result r = s.parse(msg.get(), &controls);
        if (!r.is_ok()) return fail(r);
        cookie.clear();
        if (request.page_size > 0) {
            // No response control: the server ignored paging and sent everything at once.
            LDAPControl* response =
                ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, controls.get(), nullptr);
            if (response != nullptr) {
                ber_int_t estimate = 0;
                berval next{0, nullptr};
                const int prc = ldap_parse_pageresponse_control(s.ld, response, &estimate, &next);
                if (prc != LDAP_SUCCESS) return fail(s.client_error(prc));
                cookie = copy(next);
                ber_memfree(next.bv_val);
            }
        }
    } while (!cookie.empty());
    // XXX: a search failing between pages leaves the server's paging state until it
    // expires; abandoning it needs one more request with size 0, not worth it here.
    return out;
}

entry_result connection::read(std::string_view dn, const std::vector<std::string>& attributes) {
    search_request request;
    request.base = std::string(dn);
    request.scope = search_scope::base;
    request.attributes = attributes;
    search_result found = search(request);
    entry_result out;
    static_cast<result&>(out) = static_cast<result&>(found);
    if (found.is_ok()) {
        if (found.entries.size() == 1) {
            out.found = std::move(found.entries.front());
        } else {
            // A base search answers with the entry or with rc 32; anything else is odd.
            out.what = found.entries.empty() ? status::not_found : status::other;
            out.message = fmt::format("base search of '{}' returned {} entries", dn,
                                      found.entries.size());
        }
    }
    return out;
}

namespace {

// The RFC 4527 post-read request control for attributes (critical: a server that cannot
// return the entry must refuse the whole operation rather than silently skip it).
int make_post_read_control(const std::vector<std::string>& attributes, control_ptr& out) {
    std::unique_ptr<BerElement, ber_deleter> ber(ber_alloc_t(LBER_USE_DER));
    if (!ber) return LDAP_NO_MEMORY;
    name_array names(attributes);
    if (ber_printf(ber.get(), "{v}", names.get()) == -1) return LDAP_ENCODING_ERROR;
    berval value{0, nullptr};
    if (ber_flatten2(ber.get(), &value, 0) == -1) return LDAP_ENCODING_ERROR;
    LDAPControl* raw = nullptr;
    const int rc = ldap_control_create(LDAP_CONTROL_POST_READ, 1, &value, 1, &raw);
    out.reset(raw);
    return rc;
}

}  // namespace

template <typename Send>
entry_result connection::state::write_with_post_read(std::string_view dn,
                                                     const std::vector<std::string>& post_read,
                                                     Send send) {
    entry_result out;
    const auto fail = [&out](result r) {
        static_cast<result&>(out) = std::move(r);
        return std::move(out);
    };
    if (has_nul(dn)) return fail(invalid("DN contains a NUL byte"));
    if (result r = check_attribute_list(post_read); !r.is_ok()) return fail(r);
    control_ptr control;
    std::array<LDAPControl*, 2> server_controls{nullptr, nullptr};
    if (!post_read.empty()) {
        const int rc = make_post_read_control(post_read, control);
        if (rc != LDAP_SUCCESS) return fail(client_error(rc));
        server_controls[0] = control.get();
    }
    int msgid = -1;
    const std::string dn_text(dn);
    const int send_rc = send(dn_text.c_str(), server_controls.data(), &msgid);
    message_ptr msg;
    controls_ptr controls;
    result r = exchange(send_rc, msgid, msg, &controls);
    static_cast<result&>(out) = r;
    if (!r.is_ok() || post_read.empty()) return out;
    LDAPControl* response = ldap_control_find(LDAP_CONTROL_POST_READ, controls.get(), nullptr);
    // The write happened either way: report ok and say why there is no entry.
    if (response == nullptr) {
        out.message = "the server returned no post-read entry";
    } else {
        entry e;
        std::string error;
        if (decode_ber_entry(std::string_view(response->ldctl_value.bv_val,
                                              response->ldctl_value.bv_len),
                             e, error))
            out.found = std::move(e);
        else
            out.message = "cannot decode the post-read entry: " + error;
    }
    return out;
}

entry_result connection::add(std::string_view dn, const attribute_map& attributes,
                             const std::vector<std::string>& post_read) {
    if (!is_open()) {
        entry_result out;
        static_cast<result&>(out) = not_connected();
        return out;
    }
    mod_list mods;
    for (const auto& [name, vals] : attributes) {
        if (!is_valid_attribute_name(name) || vals.empty()) {
            entry_result out;
            static_cast<result&>(out) =
                invalid(fmt::format("add of '{}': attribute '{}' is not a name or has no value",
                                    dn, name));
            return out;
        }
        mods.push(LDAP_MOD_ADD, name, vals);
    }
    LDAP* ld = state_->ld;
    return state_->write_with_post_read(dn, post_read,
                                [&](const char* target, LDAPControl** ctrls, int* msgid) {
                                    return ldap_add_ext(ld, target, mods.get(), ctrls, nullptr,
                                                        msgid);
                                });
}

entry_result connection::modify(std::string_view dn, const std::vector<modification>& changes,
                                const std::vector<std::string>& post_read) {
    entry_result out;
    if (!is_open()) {
        static_cast<result&>(out) = not_connected();
        return out;
    }
    if (changes.empty()) {
        static_cast<result&>(out) = invalid(fmt::format("modify of '{}' without changes", dn));
        return out;
    }
    mod_list mods;
    for (const modification& m : changes) {
        if (!is_valid_attribute_name(m.attribute) || (m.op == mod_op::add && m.vals.empty())) {
            static_cast<result&>(out) = invalid(fmt::format(
                "modify of '{}': attribute '{}' is not a name or an add has no value", dn,
                m.attribute));
            return out;
        }
        const int op = m.op == mod_op::add      ? LDAP_MOD_ADD
                       : m.op == mod_op::remove ? LDAP_MOD_DELETE
                                                : LDAP_MOD_REPLACE;
        mods.push(op, m.attribute, m.vals);
    }
    LDAP* ld = state_->ld;
    return state_->write_with_post_read(dn, post_read,
                                [&](const char* target, LDAPControl** ctrls, int* msgid) {
                                    return ldap_modify_ext(ld, target, mods.get(), ctrls,
                                                           nullptr, msgid);
                                });
}

std::size_t connection::add_pipelined(
    const std::vector<add_request>& adds, std::size_t window,
    const std::function<bool(std::size_t, const result&)>& on_done) {
    if (window == 0) window = 1;
    std::size_t sent = 0;
    std::map<int, std::size_t> in_flight;  // msgid -> index into adds
    bool stop = false;
    // Everything still in flight gets `why` (the connection is gone, or a timeout).
    const auto fail_in_flight = [&](const result& why) {
        for (const auto& [msgid, index] : in_flight) {
            if (is_open()) ldap_abandon_ext(state_->ld, msgid, nullptr, nullptr);
            on_done(index, why);
        }
        in_flight.clear();
        stop = true;
    };
    while (true) {
        // Fill the window.
        while (!stop && sent < adds.size() && in_flight.size() < window) {
            const add_request& a = adds[sent];
            const std::size_t index = sent++;
            if (!is_open()) {
                on_done(index, not_connected());
                stop = true;
                break;
            }
            if (has_nul(a.dn)) {
                stop = !on_done(index, invalid("DN contains a NUL byte"));
                continue;
            }
            mod_list mods;
            bool ok = true;
            for (const auto& [name, vals] : a.attributes) {
                if (!is_valid_attribute_name(name) || vals.empty()) {
                    ok = false;
                    stop = !on_done(index, invalid(fmt::format(
                                               "add of '{}': attribute '{}' is not a name or "
                                               "has no value",
                                               a.dn, name)));
                    break;
                }
                mods.push(LDAP_MOD_ADD, name, vals);
            }
            if (!ok) continue;
            int msgid = -1;
            // libldap encodes the request before returning: mods may go out of scope.
            const int rc =
                ldap_add_ext(state_->ld, a.dn.c_str(), mods.get(), nullptr, nullptr, &msgid);
            if (rc != LDAP_SUCCESS) {
                const result r = state_->client_error(rc);
                stop = !on_done(index, r) || !is_open();
                continue;
            }
            in_flight.emplace(msgid, index);
        }
        if (in_flight.empty()) break;
        // The next answer, whichever it is.
        timeval tv = to_timeval(state_->options.timeout);
        LDAPMessage* raw = nullptr;
        const int type = ldap_result(state_->ld, LDAP_RES_ANY, LDAP_MSG_ALL, &tv, &raw);
        message_ptr msg(raw);
        if (type == 0) {
            fail_in_flight(result{status::temporary, LDAP_TIMEOUT,
                                  fmt::format("no answer from {} within {} ms",
                                              state_->options.uri,
                                              state_->options.timeout.count())});
            break;
        }
        if (type < 0 || !msg) {
            int rc = LDAP_OTHER;
            ldap_get_option(state_->ld, LDAP_OPT_RESULT_CODE, &rc);
            if (rc == LDAP_SUCCESS) rc = LDAP_OTHER;
            fail_in_flight(state_->client_error(rc));
            break;
        }
        const auto it = in_flight.find(ldap_msgid(msg.get()));
        if (it == in_flight.end()) continue;  // an answer to something abandoned earlier
        const std::size_t index = it->second;
        in_flight.erase(it);
        const result r = state_->parse(msg.get());
        if (!on_done(index, r)) stop = true;
        if (!is_open()) {
            fail_in_flight(not_connected());
            break;
        }
    }
    return sent;
}

result connection::remove(std::string_view dn) {
    if (!is_open()) return not_connected();
    if (has_nul(dn)) return invalid("DN contains a NUL byte");
    state& s = *state_;
    const std::string target(dn);
    int msgid = -1;
    message_ptr msg;
    return s.exchange(ldap_delete_ext(s.ld, target.c_str(), nullptr, nullptr, &msgid), msgid, msg);
}

password_result connection::modify_password(std::string_view user_dn,
                                            std::optional<std::string_view> new_password,
                                            std::optional<std::string_view> old_password) {
    password_result out;
    if (!is_open()) {
        static_cast<result&>(out) = not_connected();
        return out;
    }
    state& s = *state_;
    berval user = view(user_dn);
    berval new_pw = view(new_password.value_or(std::string_view{}));
    berval old_pw = view(old_password.value_or(std::string_view{}));
    if (new_password && new_password->empty()) {
        static_cast<result&>(out) = invalid("the new password is empty");
        return out;
    }
    int msgid = -1;
    message_ptr msg;
    const int send_rc = ldap_passwd(s.ld, user_dn.empty() ? nullptr : &user,
                                    old_password ? &old_pw : nullptr,
                                    new_password ? &new_pw : nullptr, nullptr, nullptr, &msgid);
    static_cast<result&>(out) = s.exchange(send_rc, msgid, msg);
    if (!out.is_ok() || new_password) return out;
    berval generated{0, nullptr};
    const int rc = ldap_parse_passwd(s.ld, msg.get(), &generated);
    if (rc == LDAP_SUCCESS && generated.bv_val != nullptr && generated.bv_len > 0) {
        out.generated = copy(generated);
    } else {
        // The password did change, to a value we do not know: say so loudly.
        out.what = status::other;
        out.rc = rc == LDAP_SUCCESS ? LDAP_OTHER : rc;
        out.message = "the server changed the password but returned no generated password";
    }
    wipe_berval(generated);
    return out;
}

whoami_result connection::whoami() {
    whoami_result out;
    if (!is_open()) {
        static_cast<result&>(out) = not_connected();
        return out;
    }
    state& s = *state_;
    int msgid = -1;
    message_ptr msg;
    static_cast<result&>(out) =
        s.exchange(ldap_whoami(s.ld, nullptr, nullptr, &msgid), msgid, msg);
    if (!out.is_ok()) return out;
    berval* authzid = nullptr;
    const int rc = ldap_parse_whoami(s.ld, msg.get(), &authzid);
    if (rc != LDAP_SUCCESS) {
        static_cast<result&>(out) = s.client_error(rc);
        return out;
    }
    if (authzid != nullptr) {
        out.authzid = copy(*authzid);
        ber_bvfree(authzid);
    }
    return out;
}

}  // namespace mailwarden::ldap
