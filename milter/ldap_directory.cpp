// ldap_directory.cpp: account lookups over LDAP with a connection pool (see the header).
// Rules: R-SAV-9, R-PSH-3 (and its status write), R-TJP-5, R-PSH-6, R-TJP-2, R-MYO-6,
// R-PSH-5 / R-SAV-4 (class attribute).
// Security: read-only searches; values are RFC 4515-escaped by ldap::eq, never pasted. The
// status writer changes one attribute of one entry, by DN, with its own credential.
// Failure: reconnect once per lookup or write, then temporary_failure / failed; never an
// exception.
#include "milter/ldap_directory.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <charconv>

namespace mailwarden::milter {

namespace {

bool iequals(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        auto low = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
        if (low(a[i]) != low(b[i])) return false;
    }
    return true;
}

}  // namespace

std::optional<policy::account> to_account(const ldap::entry& e,
                                          const config::attribute_settings& names,
                                          const config::account_status_settings& words,
                                          std::string* problem, std::string_view class_attribute) {
    auto note = [&](std::string text) {
        if (problem != nullptr && problem->empty()) *problem = std::move(text);
    };
    policy::account a;
    a.dn = e.dn;
    if (!class_attribute.empty()) a.classes = e.get(class_attribute);
    const auto& mails = e.get(names.mail);
    if (!mails.empty()) a.mail = mails.front();
    a.aliases = e.get(names.alias);
    a.send_as = e.get(names.send_as);
    a.allowed_recipients = e.get(names.allowed_recipient);
    const auto& status = e.get(names.status);
    if (!status.empty()) {
        a.status_word = status.front();
        if (a.status_word == words.deleted) return std::nullopt;
        if (a.status_word == words.active) a.status = policy::account_status::active;
        else if (a.status_word == words.pending) a.status = policy::account_status::pending;
        else if (a.status_word == words.blocked) a.status = policy::account_status::blocked;
        else {
            a.status = policy::account_status::unknown;
            note(fmt::format("unknown {} value", names.status));
        }
    }
    const auto& limit = e.get(names.daily_send_limit);
    if (!limit.empty()) {
        std::uint64_t v = 0;
        const std::string& t = limit.front();
        const auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
        if (ec == std::errc{} && p == t.data() + t.size() && !t.empty() && v > 0)
            a.daily_limit = v;
        else if (!(t == "0"))
            note(fmt::format("{} is not a number", names.daily_send_limit));
    }
    const auto& internal = e.get(names.internal_only);
    if (!internal.empty()) {
        if (iequals(internal.front(), "TRUE")) a.internal_only = true;
        else if (!iequals(internal.front(), "FALSE"))
            note(fmt::format("{} is not TRUE or FALSE", names.internal_only));
    }
    for (const std::string& oc : e.get("objectClass"))
        if (iequals(oc, "groupOfNames") || iequals(oc, "mailwardenList")) a.is_list = true;
    // R-MYO-6: a list is internal-only unless its policy says "open" (docs/SCHEMA.md:
    // internal is the default), or when flagged internal-only outright.
    if (a.is_list) {
        const auto& policy = e.get(names.list_policy);
        if (policy.empty() || !iequals(policy.front(), "open")) a.internal_only = true;
    }
    return a;
}

ldap_directory::ldap_directory(const config::settings& s, log::logger log)
    : base_dn_(s.ldap.base_dn),
      names_(s.attributes),
      words_(s.account_status),
      log_(std::move(log)),
      class_attribute_(s.classes.attribute) {
    options_.uri = s.ldap.uri;
    options_.bind_dn = s.ldap.bind_dn;
    options_.password_file = s.ldap.bind_password_file;
    options_.start_tls = s.ldap.start_tls;
    options_.ca_file = s.ldap.ca_file;
    options_.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(s.ldap.timeout);
}

std::unique_ptr<ldap::connection> ldap_directory::take() {
    {
        std::lock_guard lock(mutex_);
        if (!idle_.empty()) {
            auto c = std::move(idle_.back());
            idle_.pop_back();
            return c;
        }
    }
    return std::make_unique<ldap::connection>();
}

void ldap_directory::give_back(std::unique_ptr<ldap::connection> c) {
    std::lock_guard lock(mutex_);
    idle_.push_back(std::move(c));
}

void ldap_directory::set_class_attribute(std::string name) {
    std::lock_guard lock(mutex_);
    class_attribute_ = std::move(name);
}

std::string ldap_directory::warm_up() {
    auto c = take();
    const ldap::result r = c->open(options_);
    give_back(std::move(c));
    return r.is_ok() ? std::string{} : r.describe();
}

policy::lookup_result ldap_directory::search_with(ldap::connection& c, std::string_view key) {
    ldap::search_request req;
    req.base = base_dn_;
    req.scope = ldap::search_scope::subtree;
    req.filter = ldap::or_({ldap::eq(names_.mail, key), ldap::eq(names_.alias, key)});
    req.attributes = {names_.mail,           names_.alias,         names_.send_as,
                      names_.status,         names_.daily_send_limit, names_.internal_only,
                      names_.allowed_recipient, names_.list_policy, "objectClass"};
    std::string class_attribute;
    {
        std::lock_guard lock(mutex_);
        class_attribute = class_attribute_;
    }
    if (!class_attribute.empty()) req.attributes.push_back(class_attribute);
    req.size_limit = 2;  // more than one entry is an error we must see, not a list
    ldap::search_result r = c.search(req);
    if (r.what == ldap::status::ok) {
        if (r.entries.empty()) return policy::lookup_result::not_found();
        if (r.entries.size() > 1) {
            log_.error("ldap: {}: {} entries hold this address; refusing to guess",
                       log::untrusted{key}, r.entries.size());
            return policy::lookup_result::temporary("address is not unique in the directory");
        }
        std::string problem;
        auto a = to_account(r.entries.front(), names_, words_, &problem, class_attribute);
        if (!problem.empty())
            log_.warning("ldap: {}: {}: {}", log::untrusted{r.entries.front().dn},
                         log::untrusted{key}, problem);
        if (!a) return policy::lookup_result::not_found();
        return policy::lookup_result::found(std::move(*a));
    }
    if (r.rc == 4) {  // size limit: several entries
        log_.error("ldap: {}: several entries hold this address; refusing to guess",
                   log::untrusted{key});
        return policy::lookup_result::temporary("address is not unique in the directory");
    }
    if (r.what == ldap::status::not_found)  // the base DN itself is missing
        return policy::lookup_result::temporary("ldap.base_dn not found: " + r.describe());
    return policy::lookup_result::temporary(r.describe());
}

policy::lookup_result ldap_directory::lookup(std::string_view key) {
    auto c = take();
    policy::lookup_result out;
    // Two tries: a pooled connection may have died while idle (server restarted); the
    // second try reconnects first.
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!c->is_open() || attempt > 0) {
            const ldap::result r = c->open(options_);
            if (!r.is_ok()) {
                out = policy::lookup_result::temporary("connect: " + r.describe());
                continue;
            }
        }
        out = search_with(*c, key);
        if (out.status != policy::lookup_status::temporary_failure) break;
    }
    if (out.status == policy::lookup_status::temporary_failure) {
        log_.warning("ldap: lookup of {} failed: {}", log::untrusted{key},
                     log::untrusted{out.error});
        c->close();  // start afresh next time
    }
    give_back(std::move(c));
    return out;
}

std::vector<ldap::modification> activation_changes(const std::string& status_attribute,
                                                   const std::string& pending,
                                                   const std::string& active) {
    // DESIGN: "delete old value + add new value" in one modify works on OpenLDAP and 389ds
    // alike and fails with rc 16 (no such value) when the old value is gone: a status an
    // admin changed meanwhile is never overwritten.
    return {{ldap::mod_op::remove, status_attribute, {pending}},
            {ldap::mod_op::add, status_attribute, {active}}};
}

ldap_status_writer::ldap_status_writer(const config::settings& s, int secret_fd, log::logger log)
    : status_attribute_(s.attributes.status),
      pending_(s.account_status.pending),
      active_(s.account_status.active),
      secret_fd_(secret_fd),
      log_(std::move(log)) {
    options_.uri = s.ldap.uri;
    options_.bind_dn = s.ldap.write_bind_dn;
    // Read at every (re)connect through this process's own descriptor table, so it works
    // after the privilege drop although the file it came from may be root's only.
    options_.password_file = fmt::format("/proc/self/fd/{}", secret_fd);
    options_.start_tls = s.ldap.start_tls;
    options_.ca_file = s.ldap.ca_file;
    options_.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(s.ldap.timeout);
}

ldap_status_writer::~ldap_status_writer() {
    if (secret_fd_ >= 0) ::close(secret_fd_);
}

std::string ldap_status_writer::open() {
    std::lock_guard lock(mutex_);
    const ldap::result r = connection_.open(options_);
    return r.is_ok() ? std::string{} : r.describe();
}

policy::activation_result ldap_status_writer::activate(const policy::account& a) {
    const auto changes = activation_changes(status_attribute_, pending_, active_);
    std::lock_guard lock(mutex_);
    ldap::result r;
    // Two tries: the connection may have died while idle (server restarted).
    for (int attempt = 0; attempt < 2; ++attempt) {
        if (!connection_.is_open() || attempt > 0) {
            r = connection_.open(options_);
            if (!r.is_ok()) continue;
        }
        r = connection_.modify(a.dn, changes);
        if (r.what != ldap::status::temporary) break;
    }
    if (r.is_ok()) return {policy::activation_outcome::written, {}};
    if (r.what == ldap::status::conflict || r.what == ldap::status::not_found)
        return {policy::activation_outcome::not_pending, r.describe()};
    if (r.what == ldap::status::temporary) connection_.close();  // afresh next time
    log_.warning("ldap: status write of {} failed: {}", log::untrusted{a.dn},
                 log::untrusted{r.describe()});
    return {policy::activation_outcome::failed, r.describe()};
}

}  // namespace mailwarden::milter
