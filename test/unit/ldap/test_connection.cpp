// test_connection.cpp: what ldap::connection decides before talking to any server:
// closed connections answer temporary, bad options and bad password files are invalid,
// and none of it throws. (test/integration/ldap covers everything with a real server.)
#include <doctest/doctest.h>

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "core/ldap/connection.hpp"

using namespace mailwarden::ldap;

namespace {

// A private temporary directory, removed at the end of the test case.
struct temp_dir {
    std::string path;
    temp_dir() {
        std::string tmpl = "/tmp/mw-ldap-unit.XXXXXX";
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        const std::string cmd = "rm -rf '" + path + "'";
        if (std::system(cmd.c_str()) != 0) std::perror("rm");
    }
    std::string write(const std::string& name, const std::string& content) {
        const std::string file = path + "/" + name;
        std::ofstream(file, std::ios::binary) << content;
        return file;
    }
};

// Nothing listens here and nothing is sent: these cases fail before connecting.
connection_options options_for(const std::string& password_file) {
    connection_options o;
    o.uri = "ldap://127.0.0.1:9";
    o.bind_dn = "cn=admin,dc=example,dc=org";
    o.password_file = password_file;
    o.timeout = std::chrono::milliseconds(200);
    return o;
}

}  // namespace

TEST_CASE("ldap connection: a closed connection answers temporary, never throws") {
    connection c;
    CHECK_FALSE(c.is_open());
    CHECK(c.search(search_request{}).what == status::temporary);
    CHECK(c.read("cn=x").what == status::temporary);
    CHECK(c.add("cn=x", {{"cn", {"x"}}}).what == status::temporary);
    CHECK(c.modify("cn=x", {{mod_op::replace, "cn", {"y"}}}).what == status::temporary);
    CHECK(c.remove("cn=x").what == status::temporary);
    CHECK(c.modify_password("cn=x", std::nullopt).what == status::temporary);
    CHECK(c.whoami().what == status::temporary);
    CHECK(c.reopen().what == status::invalid);  // nothing to reopen
    c.close();
    c.close();

    connection moved_to = std::move(c);
    CHECK_FALSE(moved_to.is_open());
    CHECK_FALSE(c.is_open());  // NOLINT(bugprone-use-after-move): a moved-from one is closed
    CHECK(c.whoami().what == status::temporary);
}

TEST_CASE("ldap connection: bad options are invalid before any network traffic") {
    temp_dir dir;
    const std::string good = dir.write("good.pw", "secret\n");
    connection c;

    connection_options no_uri = options_for(good);
    no_uri.uri.clear();
    CHECK(c.open(no_uri).what == status::invalid);

    connection_options bad_uri = options_for(good);
    bad_uri.uri = "http://127.0.0.1:9";
    CHECK(c.open(bad_uri).what == status::invalid);

    connection_options no_file = options_for(good);
    no_file.password_file.clear();
    const result r = c.open(no_file);
    CHECK(r.what == status::invalid);
    CHECK(r.message.find("without a password file") != std::string::npos);

    connection_options zero_timeout = options_for(good);
    zero_timeout.timeout = std::chrono::milliseconds(0);
    CHECK(c.open(zero_timeout).what == status::invalid);

    connection_options nul_dn = options_for(good);
    nul_dn.bind_dn = std::string("cn=a\0,dc=x", 10);
    CHECK(c.open(nul_dn).what == status::invalid);
    CHECK_FALSE(c.is_open());
}

TEST_CASE("ldap connection: password files that cannot be a password are refused") {
    temp_dir dir;
    struct row {
        std::string name;
        std::string content;
        std::string message_part;
    };
    const row table[] = {
        {"empty.pw", "", "is empty"},
        {"newline.pw", "\n", "is empty"},      // one newline stripped: nothing left
        {"crlf.pw", "\r\n", "is empty"},
        {"huge.pw", std::string(4097, 'x'), "longer than 4096 bytes"},
        {"huge-nl.pw", std::string(4097, 'x') + "\n", "longer than 4096 bytes"},
    };
    for (const row& r : table) {
        CAPTURE(r.name);
        connection c;
        const result res = c.open(options_for(dir.write(r.name, r.content)));
        CHECK(res.what == status::invalid);
        CHECK(res.message.find(r.message_part) != std::string::npos);
        CHECK_FALSE(c.is_open());
    }
    connection c;
    const result missing = c.open(options_for(dir.path + "/missing.pw"));
    CHECK(missing.what == status::invalid);
    CHECK(missing.message.find("cannot open password file") != std::string::npos);
}

TEST_CASE("ldap connection: pipelined adds on a closed connection stop at the first") {
    connection c;
    const std::vector<add_request> adds{{"cn=a,dc=x", {{"cn", {"a"}}}},
                                        {"cn=b,dc=x", {{"cn", {"b"}}}}};
    std::vector<std::pair<std::size_t, status>> seen;
    const std::size_t sent = c.add_pipelined(adds, 8, [&](std::size_t i, const result& r) {
        seen.emplace_back(i, r.what);
        return true;
    });
    CHECK(sent == 1);  // the first is reported temporary; nothing after it is tried
    REQUIRE(seen.size() == 1);
    CHECK(seen[0] == std::pair<std::size_t, status>{0, status::temporary});
}

TEST_CASE("ldap connection: SASL EXTERNAL takes no bind DN") {
    connection c;
    connection_options o;
    o.uri = "ldapi://%2Ftmp%2Fnowhere";
    o.sasl_external = true;
    o.bind_dn = "cn=admin,dc=example,dc=org";
    const result r = c.open(o);
    CHECK(r.what == status::invalid);
    CHECK(r.message.find("SASL EXTERNAL") != std::string::npos);
    CHECK_FALSE(c.is_open());
}
