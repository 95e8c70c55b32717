// test_schema.cpp: the one schema source parses into the definitions every dialect is
// written from; malformed sources are errors; dialects carry every definition; indexes
// and uniqueness follow the configured attribute names (R-MYO-8, R-MYO-10).
#include <doctest/doctest.h>

#include "provisioner/schema.hpp"

using namespace mailwarden;
using namespace mailwarden::provisioner;

TEST_CASE("R-MYO-10: the built-in schema source parses into its definitions") {
    const auto defs = parse_schema(schema_source());
    REQUIRE(defs.error.empty());
    CHECK(defs.attribute_types.size() == 22);
    CHECK(defs.object_classes.size() == 6);
    CHECK(defs.attribute_types.front().starts_with(
        "( 2.25.304932149296818093939595416689169263282.1.1 NAME 'mwAlias' DESC"));
    for (const auto& d : defs.attribute_types) {
        CAPTURE(d);
        CHECK(d.find("  ") == std::string::npos);  // one line, spaces collapsed
        CHECK(d.back() == ')');
    }
}

TEST_CASE("schema: comments, keywords in any case, and quotes holding parentheses") {
    const auto defs = parse_schema(
        "# c\nAttributeType ( 1.2 NAME 'a' DESC 'x ( y' )\n"
        "objectclass ( 1.3 NAME 'o'\n   MAY a )\n");
    REQUIRE(defs.error.empty());
    REQUIRE(defs.attribute_types.size() == 1);
    CHECK(defs.attribute_types[0] == "( 1.2 NAME 'a' DESC 'x ( y' )");
    CHECK(defs.object_classes[0] == "( 1.3 NAME 'o' MAY a )");
}

TEST_CASE("schema: malformed sources are errors naming the line") {
    CHECK(parse_schema("attributetype ( 1.2 NAME 'a'\n").error == "line 1: unbalanced parentheses");
    CHECK(parse_schema("\n\nfoo ( 1 )").error == "line 3: unknown keyword 'foo'");
    CHECK(parse_schema("objectclass ( 1 NAME 'x )").error == "line 1: a quote is not closed");
    CHECK(parse_schema("attributetype 1.2").error == "line 1: a definition must start with '('");
}

TEST_CASE("R-MYO-10: every dialect carries every definition") {
    const auto defs = parse_schema(schema_source());
    const std::string ol = openldap_ldif(defs);
    const std::string ds = ds389_ldif(defs);
    // Unfold the LDIF continuation lines, then count definitions.
    auto unfold = [](std::string s) {
        std::string out;
        for (std::size_t i = 0; i < s.size(); ++i) {
            if (s[i] == '\n' && i + 1 < s.size() && s[i + 1] == ' ') {
                ++i;
                continue;
            }
            out += s[i];
        }
        return out;
    };
    const std::string olu = unfold(ol), dsu = unfold(ds);
    for (const auto& d : defs.attribute_types) {
        CHECK(olu.find("olcAttributeTypes: " + d + "\n") != std::string::npos);
        CHECK(dsu.find("attributeTypes: " + with_origin(d) + "\n") != std::string::npos);
    }
    for (const auto& d : defs.object_classes) {
        CHECK(olu.find("olcObjectClasses: " + d + "\n") != std::string::npos);
        CHECK(dsu.find("objectClasses: " + with_origin(d) + "\n") != std::string::npos);
    }
    for (const std::string* text : {&ol, &ds}) {
        std::size_t start = 0;
        while (start < text->size()) {
            const std::size_t end = text->find('\n', start);
            if ((*text)[start] != '#') CHECK(end - start <= 78);
            start = end + 1;
        }
    }
}

TEST_CASE("schema: X-ORIGIN goes before the closing parenthesis") {
    CHECK(with_origin("( 1.2 NAME 'a' )") == "( 1.2 NAME 'a' X-ORIGIN 'mailwarden' )");
}

TEST_CASE("R-MYO-8 R-MYO-10: indexes and uniqueness use the configured attribute names") {
    config::settings s;
    s.attributes.tenant = "tenant-id";
    s.attributes.alias = "alias";
    const auto ol = openldap_index_ldif(s, "olcDatabase={1}mdb,cn=config");
    CHECK(ol.find("olcDbIndex: tenant-id eq\n") != std::string::npos);
    CHECK(ol.find("olcDbIndex: employeeNumber eq\n") != std::string::npos);
    CHECK(ol.find("olcDbIndex: employeeType eq\n") != std::string::npos);
    CHECK(ol.find("olcUniqueURI: ldap:///?mail,alias?sub\n") != std::string::npos);
    const auto ds = ds389_index_ldif(s, "userRoot", "dc=x");
    CHECK(ds.find("dn: cn=tenant-id,cn=index,cn=userRoot,cn=ldbm database,cn=plugins,"
                  "cn=config\n") != std::string::npos);
    CHECK(ds.find("uniqueness-attribute-name: mail\nuniqueness-attribute-name: alias\n") !=
          std::string::npos);
    CHECK(ds.find("uniqueness-subtrees: dc=x\n") != std::string::npos);
}

TEST_CASE("R-MYO-10: object classes compare by what they allow, not by spelling") {
    const std::string ours =
        "( 2.25.1.2.3 NAME 'mailwardenTenant' DESC 'a tenant' SUP top AUXILIARY MUST mwTenant "
        "MAY ( mwDefaultDomain $ mwMailDomain $ mwMaxMailboxes ) )";
    CHECK(class_attributes(ours) ==
          std::set<std::string>{"must:mwtenant", "may:mwdefaultdomain", "may:mwmaildomain",
                                "may:mwmaxmailboxes"});
    // A server's spelling (389ds adds X-ORIGIN, case differs): the same.
    CHECK(class_attributes("( 2.25.1.2.3 NAME 'mailwardenTenant' DESC 'a tenant' SUP top "
                           "AUXILIARY MUST ( MWTENANT ) MAY ( mwMaxMailboxes $ mwMailDomain $ "
                           "mwDefaultDomain ) X-ORIGIN 'mailwarden' )") == class_attributes(ours));
    // An older mailwarden's class lacks one: different.
    CHECK(class_attributes("( 2.25.1.2.3 NAME 'mailwardenTenant' SUP top AUXILIARY MUST "
                           "mwTenant MAY ( mwDefaultDomain $ mwMailDomain ) )") !=
          class_attributes(ours));
    CHECK(class_attributes("( 2.25.1.2.4 NAME 'x' SUP top STRUCTURAL MUST ( cn $ a ) )") ==
          std::set<std::string>{"must:cn", "must:a"});
    CHECK(class_attributes("( 2.25.1.2.5 NAME 'y' DESC 'users MAY send' MAY b )") ==
          std::set<std::string>{"may:b"});  // words in DESC are not the list
}
