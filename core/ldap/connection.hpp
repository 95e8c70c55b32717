// connection.hpp: one LDAPv3 connection (libldap handle) with timeouts on everything, and
// the operations mailwarden needs: search (with RFC 2696 paging), read one entry, add,
// modify (with an RFC 4527 post-read of the entry as written), delete, RFC 3062 password
// modify, RFC 4532 who-am-i, and many adds pipelined on one connection (bulk imports: the
// round trips overlap instead of adding up). Every outcome is a result value (result.hpp), never an
// exception: directory answers, a server that is down and a timeout are all ordinary.
// Rules: DESIGN "three outcomes" (temporary failures are told apart so callers tempfail),
// DESIGN "NXXXXXX allocation" (modify with delete-old + add-new and post-read; rc 16 ->
// conflict), DESIGN "Passwords" (RFC 3062, the secret read from a file, never logged).
//
// Threads: a connection belongs to one thread at a time. libldap in OpenLDAP 2.5 is
// thread-safe per handle, but one handle's requests and results are not meant to be
// interleaved by several threads: give each thread its own connection (the milter keeps
// one per worker thread).
// Signals: a write to a connection the server has closed can raise SIGPIPE; programs
// using this class ignore SIGPIPE (the milter and the provisioner do at startup).
// Failure: when the server goes away (rc -1 server down, -11 connect error) the handle is
// dropped and is_open() turns false; every later call answers `temporary` until
// reopen() (or open()) succeeds. A timeout abandons the operation and keeps the handle.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/ldap/entry.hpp"
#include "core/ldap/filter.hpp"
#include "core/ldap/result.hpp"

namespace mailwarden::ldap {

struct connection_options {
    std::string uri;            // ldap://host:port, ldaps://host, ldapi://%2Frun%2Fsock
    std::string bind_dn;        // empty: anonymous (or SASL EXTERNAL, below)
    std::string password_file;  // required with bind_dn: the secret, one trailing newline
                                // stripped; read at every open, so a rotated file is used
    bool start_tls = false;     // StartTLS on ldap://, required to succeed
    std::string ca_file;        // PEM CA bundle that verifies the server; empty: the
                                // system default (ldap.conf TLS_CACERT). Always verified.
    std::chrono::milliseconds timeout{5000};  // connecting, and each operation (each page)
    // SASL EXTERNAL bind instead of a simple bind: the identity the transport proves (the
    // peer's uid/gid over ldapi://, a client certificate over TLS). No secret at all, which
    // is how OpenLDAP lets local root configure cn=config. bind_dn must be empty.
    bool sasl_external = false;
};

// One entry for add_pipelined().
struct add_request {
    std::string dn;
    attribute_map attributes;
};

enum class search_scope { base, one_level, subtree };

struct search_request {
    std::string base;
    search_scope scope = search_scope::subtree;
    ldap::filter filter;                  // default "(objectClass=*)"
    std::vector<std::string> attributes;  // empty: all user attributes; "*", "+", "1.1" ok
    std::uint32_t page_size = 0;          // > 0: RFC 2696 pages of this size
    std::uint32_t size_limit = 0;         // > 0: the server stops after this many entries
                                          // and the search fails (rc 4, status other):
                                          // a cut list is an error, never a short answer
};

struct search_result : result {
    std::vector<entry> entries;  // all pages; empty (and ok) when nothing matched
    std::uint32_t pages = 0;     // requests sent (1 without paging)
};

struct entry_result : result {
    std::optional<entry> found;  // read(): the entry; add/modify: the post-read entry
};

struct password_result : result {
    std::optional<std::string> generated;  // the server's new password, when it made one
};

struct whoami_result : result {
    std::string authzid;  // "dn:cn=admin,dc=example,dc=org", "" for anonymous
};

class connection {
public:
    connection();  // closed: every operation answers temporary until open() succeeds
    ~connection();
    connection(connection&& other) noexcept;
    connection& operator=(connection&& other) noexcept;
    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // Connect (within options.timeout), StartTLS if asked, simple bind as bind_dn with the
    // password from password_file (anonymous bind when bind_dn is empty, which also proves
    // the server answers), or a SASL EXTERNAL bind. Closes any previous handle first.
    // Fails with
    //   invalid     bad URI, bind_dn without password_file, unreadable, empty or huge
    //               (> 4 KiB) password file, non-positive timeout, sasl_external with a
    //               bind_dn;
    //   permission  wrong password (49), TLS/confidentiality required (13), EXTERNAL
    //               refused (49: the transport proves no identity the server maps);
    //   temporary   cannot connect, TLS handshake failure, timeout.
    result open(const connection_options& options);
    // open() again with the last options (after the server went away).
    result reopen();
    // Unbind and drop the handle. Safe to call on a closed connection.
    void close() noexcept;
    bool is_open() const;

    // Search; with page_size > 0, all pages are fetched (each request has its own timeout).
    search_result search(const search_request& request);

    // The entry at dn (base-scope search): ok with found set, or not_found (rc 32).
    entry_result read(std::string_view dn, const std::vector<std::string>& attributes = {});

    // Add an entry. With post_read non-empty, the RFC 4527 post-read control (critical)
    // returns those attributes of the entry as stored in found (e.g. a number a 389ds DNA
    // plugin assigned).
    entry_result add(std::string_view dn, const attribute_map& attributes,
                     const std::vector<std::string>& post_read = {});

    // Apply changes atomically (all or none). post_read as for add(). A compare-and-swap is
    // {remove old value, add new value}: when another writer got there first, the remove
    // fails with rc 16 and the result is conflict, with nothing changed.
    entry_result modify(std::string_view dn, const std::vector<modification>& changes,
                        const std::vector<std::string>& post_read = {});

    // Many adds on this connection with up to `window` (>= 1) outstanding at once, sent in
    // order. on_done(index, outcome) is called once for every add sent, in the order the
    // answers arrive; when it returns false no further add is sent (those already sent are
    // still awaited and reported). Each add is atomic on its own; the batch is not. An add
    // whose answer does not come within the timeout, or whose connection is lost, is
    // reported temporary: it may or may not have been applied, which the caller must treat
    // as unknown (a re-run that checks first settles it). Returns how many adds were sent.
    std::size_t add_pipelined(const std::vector<add_request>& adds, std::size_t window,
                              const std::function<bool(std::size_t, const result&)>& on_done);

    // Delete the entry at dn (a leaf: rc 66 -> conflict otherwise).
    result remove(std::string_view dn);

    // RFC 3062 password modify of user_dn (empty: the bound identity). With new_password
    // nullopt the server generates one and returns it in generated. old_password is what a
    // user changing their own password presents. The server hashes with its own scheme.
    // 389ds answers 13 (permission) unless the connection is TLS or LDAPI.
    password_result modify_password(std::string_view user_dn,
                                    std::optional<std::string_view> new_password,
                                    std::optional<std::string_view> old_password = {});

    // RFC 4532: who the server thinks we are.
    whoami_result whoami();

private:
    struct state;
    std::unique_ptr<state> state_;
};

}  // namespace mailwarden::ldap
