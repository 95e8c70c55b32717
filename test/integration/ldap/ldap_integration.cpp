// ldap_integration.cpp: mailwarden::ldap against a real directory server (OpenLDAP slapd or
// 389 Directory Server, started by the wrapper scripts next to this file). Proves bind,
// add, search with paging, modify with post-read, the compare-and-swap counter that
// NXXXXXX allocation uses (R-PSH-1), conflicts, not_found, hostile DN and filter values,
// RFC 3062 password modify, and that an unreachable or silent server is `temporary`
// within the timeout (DESIGN "three outcomes").
//
// Environment (set by the wrapper):
//   MW_LDAP_URI, MW_LDAP_BASE, MW_LDAP_BIND_DN, MW_LDAP_PASSWORD_FILE   required
//   MW_LDAP_START_TLS=1, MW_LDAP_CA_FILE     StartTLS verified against that CA (389ds)
//   MW_LDAP_LDAPI_URI, MW_LDAP_WRONG_CA_FILE the "389ds" cases: LDAPI, and a CA that did
//                                           not sign the server's certificate
//   MW_LDAP_PAUSE_CMD, MW_LDAP_RESUME_CMD   shell commands that stop and restart the
//                                           server keeping its data (the "ldap restart"
//                                           case needs them; the slapd wrapper sets them)
// Every test case works in its own scratch subtree under MW_LDAP_BASE and removes it, so
// runs can share one server.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/ldap/connection.hpp"
#include "core/ldap/dn.hpp"
#include "core/ldap/filter.hpp"

using namespace mailwarden::ldap;
using namespace std::chrono_literals;

namespace {

std::string env(const char* name, bool required = true) {
    const char* v = std::getenv(name);
    if (v == nullptr || *v == '\0') {
        if (required) throw std::runtime_error(std::string(name) + " is not set");
        return {};
    }
    return v;
}

std::string lower_no_spaces(std::string s) {
    s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
    std::transform(s.begin(), s.end(), s.begin(),
                   [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c; });
    return s;
}

// The server the wrapper started, as connection options.
connection_options admin_options() {
    connection_options o;
    o.uri = env("MW_LDAP_URI");
    o.bind_dn = env("MW_LDAP_BIND_DN");
    o.password_file = env("MW_LDAP_PASSWORD_FILE");
    o.start_tls = env("MW_LDAP_START_TLS", false) == "1";
    o.ca_file = env("MW_LDAP_CA_FILE", false);
    o.timeout = 5000ms;
    return o;
}

std::string base() { return env("MW_LDAP_BASE"); }

// A mail address no other run can hold: mail is unique on both servers, and a run killed
// before its cleanup leaves its entries behind.
std::string unique_mail(const std::string& local) {
    return local + "-" + std::to_string(getpid()) + "@example.org";
}

// A private directory for password files, removed at the end.
struct temp_dir {
    std::string path;
    temp_dir() {
        std::string tmpl = "/tmp/mw-ldap-it.XXXXXX";
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        const std::string cmd = "rm -rf '" + path + "'";
        if (std::system(cmd.c_str()) != 0) MESSAGE("could not remove " << path);
    }
    std::string write(const std::string& name, const std::string& content) const {
        const std::string file = path + "/" + name;
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }
};

connection open_admin() {
    connection c;
    const result r = c.open(admin_options());
    INFO(r.describe());
    REQUIRE(r.is_ok());
    return c;
}

// Options to bind as dn with password (written to a file in dir).
connection_options user_options(const temp_dir& dir, const std::string& dn,
                                const std::string& password) {
    connection_options o = admin_options();
    o.bind_dn = dn;
    static int n = 0;
    o.password_file = dir.write("user" + std::to_string(++n) + ".pw", password + "\n");
    return o;
}

// Deletes dn and everything below it, deepest first. CHECKs only (no REQUIRE): it runs in
// destructors, where a throwing assertion would terminate the program.
void remove_subtree(connection& c, const std::string& dn) {
    search_request all;
    all.base = dn;
    all.attributes = {"1.1"};
    const search_result found = c.search(all);
    if (found.what == status::not_found) return;
    INFO(dn << ": " << found.describe());
    CHECK(found.is_ok());
    std::vector<std::pair<std::size_t, std::string>> by_depth;
    for (const entry& e : found.entries)
        by_depth.emplace_back(parse_dn(e.dn).value_or(std::vector<rdn>{}).size(), e.dn);
    std::sort(by_depth.rbegin(), by_depth.rend());
    for (const auto& [depth, entry_dn] : by_depth) {
        const result r = c.remove(entry_dn);
        INFO(entry_dn << ": " << r.describe());
        CHECK(r.is_ok());
    }
}

// An organizationalUnit of its own under the base for one test case, removed after.
struct scratch {
    connection admin = open_admin();
    std::string dn;

    explicit scratch(const std::string& name) {
        static int n = 0;
        dn = make_dn({{"ou", name + "-" + std::to_string(getpid()) + "-" + std::to_string(++n)}},
                     base());
        remove_subtree(admin, dn);  // a leftover of an earlier, killed run
        const entry_result r =
            admin.add(dn, {{"objectClass", {"organizationalUnit"}},
                           {"ou", {parse_dn(dn).value().front().front().value}}});
        INFO(r.describe());
        REQUIRE(r.is_ok());
    }
    ~scratch() { remove_subtree(admin, dn); }

    // An inetOrgPerson uid=<uid> in the scratch subtree.
    std::string add_person(const std::string& uid, attribute_map extra = {}) {
        const std::string person = make_dn({{"uid", uid}}, dn);
        extra["objectClass"] = {"inetOrgPerson"};
        extra["uid"] = {uid};
        if (extra.find("cn") == extra.end()) extra["cn"] = {uid};
        if (extra.find("sn") == extra.end()) extra["sn"] = {"Test"};
        const entry_result r = admin.add(person, extra);
        INFO(person << ": " << r.describe());
        REQUIRE(r.is_ok());
        return person;
    }
};

// A 127.0.0.1 TCP port where nothing listens: bound, read, closed.
int closed_port() {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    socklen_t len = sizeof addr;
    REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    close(fd);
    return ntohs(addr.sin_port);
}

// A listening socket that never accepts: connect succeeds (the kernel completes the
// handshake), but no LDAP answer ever comes.
struct silent_server {
    int fd = -1;
    int port = 0;
    silent_server() {
        fd = socket(AF_INET, SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
        REQUIRE(listen(fd, 8) == 0);
        socklen_t len = sizeof addr;
        REQUIRE(getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
        port = ntohs(addr.sin_port);
    }
    ~silent_server() { close(fd); }
};

}  // namespace

TEST_CASE("ldap: bind as the configured identity, and whoami names it") {
    connection c = open_admin();
    CHECK(c.is_open());
    const whoami_result who = c.whoami();
    INFO(who.describe());
    REQUIRE(who.is_ok());
    CHECK(lower_no_spaces(who.authzid) == "dn:" + lower_no_spaces(env("MW_LDAP_BIND_DN")));
}

TEST_CASE("ldap: a wrong password is a permission outcome and is never echoed") {
    temp_dir dir;
    connection_options o = admin_options();
    const std::string wrong = "Wr0ng-Passw0rd-Not-Echoed";
    o.password_file = dir.write("wrong.pw", wrong + "\n");
    connection c;
    const result r = c.open(o);
    INFO(r.describe());
    CHECK(r.what == status::permission);
    CHECK(r.rc == 49);
    CHECK(r.describe().find(wrong) == std::string::npos);
    CHECK_FALSE(c.is_open());
}

TEST_CASE("ldap: add, then search finds exactly that entry with its values") {
    scratch s("add");
    const std::string mail = unique_mail("alice");
    const std::string dn =
        s.add_person("alice", {{"mail", {mail}}, {"description", {"Šťastný", "second"}}});
    search_request q;
    q.base = s.dn;
    q.filter = eq("uid", "alice");
    q.attributes = {"mail", "description"};
    const search_result found = s.admin.search(q);
    INFO(found.describe());
    REQUIRE(found.is_ok());
    REQUIRE(found.entries.size() == 1);
    const entry& e = found.entries.front();
    CHECK(lower_no_spaces(e.dn) == lower_no_spaces(dn));
    CHECK(e.single("mail") == std::optional<std::string>(mail));
    values description = e.get("description");
    std::sort(description.begin(), description.end());
    CHECK(description == values{"second", "Šťastný"});
    CHECK(e.get("sn").empty());  // not asked for

    const entry_result read = s.admin.read(dn, {"uid"});
    REQUIRE(read.is_ok());
    CHECK(read.found->single("uid") == std::optional<std::string>("alice"));
}

TEST_CASE("R-MYO-5: a paged search returns 25 entries through 3 pages of 10") {
    scratch s("paged");
    for (int i = 0; i < 25; ++i) s.add_person("p" + std::to_string(i));
    search_request q;
    q.base = s.dn;
    q.scope = search_scope::one_level;
    q.filter = eq("objectClass", "inetOrgPerson");
    q.attributes = {"uid"};
    q.page_size = 10;
    const search_result paged = s.admin.search(q);
    INFO(paged.describe());
    REQUIRE(paged.is_ok());
    CHECK(paged.pages == 3);
    CHECK(paged.entries.size() == 25);
    std::set<std::string> uids;
    for (const entry& e : paged.entries) uids.insert(e.single("uid").value_or(""));
    CHECK(uids.size() == 25);  // no entry twice, none lost between pages

    q.page_size = 0;
    const search_result whole = s.admin.search(q);
    REQUIRE(whole.is_ok());
    CHECK(whole.pages == 1);
    CHECK(whole.entries.size() == 25);

    // A size limit the result exceeds is an error, never a silently short list.
    q.size_limit = 5;
    const search_result cut = s.admin.search(q);
    INFO(cut.describe());
    CHECK(cut.what == status::other);
    CHECK(cut.rc == 4);
    CHECK(cut.entries.empty());
}

TEST_CASE("ldap: modify with post-read returns the entry as written") {
    scratch s("postread");
    const std::string dn = s.add_person("bob", {{"description", {"v1"}}});
    const std::string mail = unique_mail("bob");
    const entry_result r = s.admin.modify(
        dn, {{mod_op::replace, "description", {"v2"}}, {mod_op::add, "mail", {mail}}},
        {"description", "mail"});
    INFO(r.describe());
    REQUIRE(r.is_ok());
    REQUIRE(r.found.has_value());
    CHECK(lower_no_spaces(r.found->dn) == lower_no_spaces(dn));
    CHECK(r.found->single("description") == std::optional<std::string>("v2"));
    CHECK(r.found->single("mail") == std::optional<std::string>(mail));

    // Without post-read: no entry, still ok; the change is there.
    const entry_result plain = s.admin.modify(dn, {{mod_op::remove, "mail", {}}});
    REQUIRE(plain.is_ok());
    CHECK_FALSE(plain.found.has_value());
    CHECK(s.admin.read(dn, {"mail"}).found->get("mail").empty());

    // Post-read on add returns the stored entry too.
    const entry_result added = s.admin.add(make_dn({{"uid", "carol"}}, s.dn),
                                           {{"objectClass", {"inetOrgPerson"}},
                                            {"uid", {"carol"}},
                                            {"cn", {"Carol"}},
                                            {"sn", {"C"}}},
                                           {"cn"});
    REQUIRE(added.is_ok());
    REQUIRE(added.found.has_value());
    CHECK(added.found->single("cn") == std::optional<std::string>("Carol"));
}

TEST_CASE("R-PSH-1: compare-and-swap counter: a stale old value is a conflict") {
    scratch s("counter");
    const std::string counter = make_dn({{"cn", "counter"}}, s.dn);
    REQUIRE(s.admin
                .add(counter, {{"objectClass", {"inetOrgPerson", "posixAccount"}},
                               {"cn", {"counter"}},
                               {"sn", {"counter"}},
                               {"uid", {"counter"}},
                               {"uidNumber", {"7000123"}},
                               {"gidNumber", {"7000000"}},
                               {"homeDirectory", {"/nonexistent"}}})
                .is_ok());
    const auto swap = [&](connection& c, const std::string& from, const std::string& to) {
        return c.modify(counter,
                        {{mod_op::remove, "uidNumber", {from}}, {mod_op::add, "uidNumber", {to}}},
                        {"uidNumber"});
    };
    const entry_result first = swap(s.admin, "7000123", "7000124");
    INFO(first.describe());
    REQUIRE(first.is_ok());
    REQUIRE(first.found.has_value());
    CHECK(first.found->single("uidNumber") == std::optional<std::string>("7000124"));

    const entry_result stale = swap(s.admin, "7000123", "7000124");
    INFO(stale.describe());
    CHECK(stale.what == status::conflict);
    CHECK(stale.rc == 16);
    CHECK(s.admin.read(counter, {"uidNumber"}).found->single("uidNumber") ==
          std::optional<std::string>("7000124"));

    // Four writers, one connection each, ten allocations each: every number is handed out
    // exactly once, as the allocator's retry loop will do it.
    constexpr int writers = 4, per_writer = 10;
    std::vector<std::vector<long>> got(writers);
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int w = 0; w < writers; ++w) {
        threads.emplace_back([&, w] {
            connection c;
            if (!c.open(admin_options()).is_ok()) {
                ++failures;
                return;
            }
            for (int n = 0; n < per_writer; ++n) {
                for (int attempt = 0; attempt < 1000; ++attempt) {
                    const entry_result now = c.read(counter, {"uidNumber"});
                    if (!now.is_ok()) break;
                    const long value = std::stol(now.found->single("uidNumber").value_or("0"));
                    const entry_result r =
                        swap(c, std::to_string(value), std::to_string(value + 1));
                    if (r.is_ok()) {
                        got[static_cast<std::size_t>(w)].push_back(value + 1);
                        break;
                    }
                    if (r.what != status::conflict) {
                        ++failures;
                        return;
                    }
                }
            }
        });
    }
    for (std::thread& t : threads) t.join();
    CHECK(failures == 0);
    std::set<long> all;
    std::size_t total = 0;
    for (const auto& g : got) {
        total += g.size();
        all.insert(g.begin(), g.end());
    }
    CHECK(total == static_cast<std::size_t>(writers * per_writer));
    CHECK(all.size() == total);  // no number twice
    CHECK(*all.begin() == 7000125);
    CHECK(*all.rbegin() == 7000124 + writers * per_writer);
}

TEST_CASE("ldap: a duplicate add, or a duplicate unique mail, is a conflict") {
    scratch s("dup");
    const std::string mail = unique_mail("dave");
    const std::string dn = s.add_person("dave", {{"mail", {mail}}});
    const entry_result again = s.admin.add(
        dn, {{"objectClass", {"inetOrgPerson"}}, {"uid", {"dave"}}, {"cn", {"x"}}, {"sn", {"x"}}});
    INFO(again.describe());
    CHECK(again.what == status::conflict);
    CHECK(again.rc == 68);

    // Both harness servers enforce unique mail (slapo-unique, 389ds attribute uniqueness).
    const entry_result same_mail = s.admin.add(make_dn({{"uid", "dave2"}}, s.dn),
                                               {{"objectClass", {"inetOrgPerson"}},
                                                {"uid", {"dave2"}},
                                                {"cn", {"x"}},
                                                {"sn", {"x"}},
                                                {"mail", {mail}}});
    INFO(same_mail.describe());
    CHECK(same_mail.what == status::conflict);
    CHECK(same_mail.rc == 19);

    // Adding a value that is already there.
    const entry_result value_exists =
        s.admin.modify(dn, {{mod_op::add, "mail", {mail}}});
    CHECK(value_exists.what == status::conflict);
    CHECK(value_exists.rc == 20);
}

TEST_CASE("ldap: delete, then the entry is not_found") {
    scratch s("delete");
    const std::string dn = s.add_person("erin");
    REQUIRE(s.admin.remove(dn).is_ok());
    const entry_result gone = s.admin.read(dn);
    CHECK(gone.what == status::not_found);
    CHECK(gone.rc == 32);
    CHECK_FALSE(gone.found.has_value());
    search_request q;
    q.base = s.dn;
    q.filter = eq("uid", "erin");
    const search_result none = s.admin.search(q);
    CHECK(none.is_ok());  // a search that matches nothing is an answer, not an error
    CHECK(none.entries.empty());
    CHECK(s.admin.remove(dn).what == status::not_found);
    q.base = dn;  // a base that does not exist
    CHECK(s.admin.search(q).what == status::not_found);
    // A non-leaf cannot be deleted.
    s.add_person("frank");
    CHECK(s.admin.remove(s.dn).what == status::conflict);
}

TEST_CASE("ldap: a filter built from a hostile value matches nothing") {
    scratch s("filter");
    s.add_person("gina", {{"cn", {"Gina"}}});
    s.add_person("hank", {{"cn", {"Hank"}}});
    search_request q;
    q.base = s.dn;
    q.attributes = {"1.1"};
    const std::string hostile[] = {")(|(objectClass=*", "*", ")(uid=*", "\\", "*)(cn=*"};
    for (const std::string& v : hostile) {
        CAPTURE(v);
        q.filter = eq("cn", v);
        const search_result r = s.admin.search(q);
        INFO(r.describe());
        CHECK(r.is_ok());
        CHECK(r.entries.empty());
    }
    q.filter = and_({eq("objectClass", "inetOrgPerson"), or_({eq("cn", "gina"), eq("uid", "hank")})});
    CHECK(s.admin.search(q).entries.size() == 2);
    q.filter = filter::from_text("(&(objectClass=inetOrgPerson)(!(cn=Gina)))");
    CHECK(s.admin.search(q).entries.size() == 1);
}

TEST_CASE("ldap: entries named by hostile values are added, found and deleted") {
    scratch s("hostile");
    const std::string values_to_try[] = {
        "a,b+c=\"d\" <e>;", " lead", "trail ", "#x", "Šťastný Čížek", "back\\slash",
        "x=y", "*", ")(|(objectClass=*", "semi;colon", "日本語",
    };
    for (const std::string& v : values_to_try) {
        CAPTURE(v);
        const std::string dn = make_dn({{"cn", v}}, s.dn);
        const entry_result added =
            s.admin.add(dn, {{"objectClass", {"person"}}, {"cn", {v}}, {"sn", {"x"}}});
        INFO(dn << ": " << added.describe());
        REQUIRE(added.is_ok());

        search_request q;
        q.base = s.dn;
        q.scope = search_scope::one_level;
        q.filter = eq("cn", v);
        q.attributes = {"cn"};
        const search_result found = s.admin.search(q);
        INFO(found.describe());
        REQUIRE(found.is_ok());
        REQUIRE(found.entries.size() == 1);
        const auto parsed = parse_dn(found.entries.front().dn);
        REQUIRE(parsed.has_value());
        CHECK(parsed->front().front().value == v);  // the server's DN names the same value
        CHECK(found.entries.front().single("cn") == std::optional<std::string>(v));

        REQUIRE(s.admin.remove(found.entries.front().dn).is_ok());
        CHECK(s.admin.read(dn).what == status::not_found);
    }
    // Invalid UTF-8 is refused by the server as invalid, not accepted, not a crash.
    const std::string bad = "bad\xff";
    const entry_result refused = s.admin.add(make_dn({{"cn", bad}}, s.dn),
                                             {{"objectClass", {"person"}}, {"cn", {bad}}, {"sn", {"x"}}});
    INFO(refused.describe());
    CHECK(refused.what == status::invalid);
}

TEST_CASE("ldap: password modify sets a password the user can bind with") {
    scratch s("passwd");
    temp_dir dir;
    const std::string dn = s.add_person("ivan");

    const std::string chosen = "Ch0sen-Pa55word!";
    const password_result set = s.admin.modify_password(dn, chosen);
    INFO(set.describe());
    REQUIRE(set.is_ok());
    CHECK_FALSE(set.generated.has_value());
    {
        connection user;
        const result bound = user.open(user_options(dir, dn, chosen));
        INFO(bound.describe());
        REQUIRE(bound.is_ok());
        CHECK(lower_no_spaces(user.whoami().authzid) == "dn:" + lower_no_spaces(dn));
    }

    const password_result generated = s.admin.modify_password(dn, std::nullopt);
    INFO(generated.describe());
    REQUIRE(generated.is_ok());
    REQUIRE(generated.generated.has_value());
    CHECK(generated.generated->size() >= 6);
    {
        connection user;
        const result bound = user.open(user_options(dir, dn, *generated.generated));
        INFO(bound.describe());
        CHECK(bound.is_ok());
        connection old;
        CHECK(old.open(user_options(dir, dn, chosen)).what == status::permission);
    }
    CHECK(s.admin.modify_password(make_dn({{"uid", "nobody"}}, s.dn), chosen).what ==
          status::not_found);
}

TEST_CASE("ldap: an unreachable server is temporary, within the timeout") {
    connection_options o = admin_options();
    o.uri = "ldap://127.0.0.1:" + std::to_string(closed_port());
    o.timeout = 2000ms;
    connection c;
    const auto start = std::chrono::steady_clock::now();
    const result r = c.open(o);
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(r.describe());
    CHECK(r.what == status::temporary);
    CHECK(took < 2000ms);
    CHECK_FALSE(c.is_open());
    CHECK(c.search(search_request{}).what == status::temporary);
}

TEST_CASE("ldap: a server that accepts but never answers is temporary after the timeout") {
    silent_server silent;
    connection_options o = admin_options();
    o.uri = "ldap://127.0.0.1:" + std::to_string(silent.port);
    o.start_tls = false;
    o.timeout = 300ms;
    connection c;
    const auto start = std::chrono::steady_clock::now();
    const result r = c.open(o);
    const auto took = std::chrono::steady_clock::now() - start;
    INFO(r.describe());
    CHECK(r.what == status::temporary);
    CHECK(r.rc == -5);  // LDAP_TIMEOUT
    CHECK(took >= 300ms);
    CHECK(took < 3000ms);
    CHECK_FALSE(c.is_open());
}

TEST_CASE("ldap restart: operations while the server is down are temporary; reopen recovers") {
    const std::string pause = env("MW_LDAP_PAUSE_CMD");
    const std::string resume = env("MW_LDAP_RESUME_CMD");
    scratch s("restart");
    const std::string dn = s.add_person("judy");
    connection c = open_admin();
    REQUIRE(c.read(dn).is_ok());

    REQUIRE(std::system(pause.c_str()) == 0);
    const entry_result down = c.read(dn);
    INFO(down.describe());
    CHECK(down.what == status::temporary);
    CHECK_FALSE(c.is_open());  // the dead handle is dropped
    CHECK(c.reopen().what == status::temporary);

    REQUIRE(std::system(resume.c_str()) == 0);
    const result back = c.reopen();
    INFO(back.describe());
    REQUIRE(back.is_ok());
    CHECK(c.read(dn).is_ok());  // same data after the restart
    // The scratch's own connection went through the restart too: reconnect it for cleanup.
    REQUIRE(s.admin.reopen().is_ok());
}

TEST_CASE("389ds: password modify needs TLS or LDAPI; on a plain connection it is rc 13") {
    scratch s("tlsneeded");
    const std::string dn = s.add_person("kate");
    connection_options plain = admin_options();
    plain.start_tls = false;
    plain.ca_file.clear();
    connection c;
    REQUIRE(c.open(plain).is_ok());
    const password_result refused = c.modify_password(dn, "Pl41n-Refused!");
    INFO(refused.describe());
    CHECK(refused.what == status::permission);
    CHECK(refused.rc == 13);

    connection_options local = plain;
    local.uri = env("MW_LDAP_LDAPI_URI");
    connection l;
    const result opened = l.open(local);
    INFO(opened.describe());
    REQUIRE(opened.is_ok());
    const password_result accepted = l.modify_password(dn, "L0cal-Accepted!");
    INFO(accepted.describe());
    CHECK(accepted.is_ok());
}

TEST_CASE("389ds: StartTLS verifies the server certificate against the CA given") {
    connection_options o = admin_options();
    o.start_tls = true;
    o.ca_file = env("MW_LDAP_WRONG_CA_FILE");
    connection c;
    const result r = c.open(o);
    INFO(r.describe());
    CHECK_FALSE(r.is_ok());
    CHECK(r.what == status::temporary);  // a connect error (-11), as libldap reports it
    CHECK(r.message.find("TLS") != std::string::npos);
    CHECK_FALSE(c.is_open());
}

int main(int argc, char** argv) {
    // A write to a connection the server closed must be an error, not a SIGPIPE death
    // (connection.hpp: programs ignore SIGPIPE).
    signal(SIGPIPE, SIG_IGN);
    doctest::Context context;
    context.applyCommandLine(argc, argv);
    return context.run();
}
