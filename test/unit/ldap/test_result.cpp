// test_result.cpp: LDAP result codes map to the outcomes callers act on (DESIGN "three
// outcomes": temporary must never be mistaken for a decision).
#include <doctest/doctest.h>

#include "core/ldap/result.hpp"

using namespace mailwarden::ldap;

TEST_CASE("ldap result: every code callers rely on has its outcome") {
    // RFC 4511 numbers and libldap's negative client codes, written out: the table is the
    // contract, independent of <ldap.h>.
    struct row {
        int rc;
        status expected;
    };
    const row table[] = {
        {0, status::ok},
        {32, status::not_found},   // noSuchObject
        {68, status::conflict},    // entryAlreadyExists
        {19, status::conflict},    // constraintViolation (attribute uniqueness)
        {20, status::conflict},    // attributeOrValueExists
        {16, status::conflict},    // noSuchAttribute: a stale compare-and-swap
        {66, status::conflict},    // notAllowedOnNonLeaf
        {122, status::conflict},   // assertionFailed
        {-1, status::temporary},   // server down
        {-11, status::temporary},  // connect error
        {-5, status::temporary},   // timeout
        {3, status::temporary},    // timeLimitExceeded
        {51, status::temporary},   // busy
        {52, status::temporary},   // unavailable
        {49, status::permission},  // invalidCredentials
        {50, status::permission},  // insufficientAccessRights
        {13, status::permission},  // confidentialityRequired (389ds password modify)
        {8, status::permission},   // strongerAuthRequired
        {48, status::permission},  // inappropriateAuthentication
        {34, status::invalid},     // invalidDNSyntax
        {-7, status::invalid},     // filter error (client side)
        {-9, status::invalid},     // parameter error
        {21, status::invalid},     // invalidAttributeSyntax
        {17, status::invalid},     // undefinedAttributeType
        {65, status::invalid},     // objectClassViolation
        {64, status::invalid},     // namingViolation
        {67, status::invalid},     // notAllowedOnRDN
        {4, status::other},        // sizeLimitExceeded: a cut list is not an answer
        {53, status::other},       // unwillingToPerform
        {2, status::other},        // protocolError
        {12, status::other},       // unavailableCriticalExtension
        {80, status::other},       // other
        {9999, status::other},     // unknown
        {-9999, status::other},    // unknown client code
    };
    for (const row& r : table) {
        CAPTURE(r.rc);
        CHECK(classify(r.rc) == r.expected);
    }
}

TEST_CASE("ldap result: describe names outcome, code and message") {
    const result r = make_result(68, "entry exists");
    CHECK(r.what == status::conflict);
    CHECK_FALSE(r.is_ok());
    CHECK(r.describe() == "conflict: rc 68 (Already exists): entry exists");
    CHECK(make_result(0).is_ok());
    CHECK(make_result(-1).describe() == "temporary: rc -1 (Can't contact LDAP server)");
    CHECK(to_string(status::not_found) == "not_found");
    CHECK(to_string(status::permission) == "permission");
}
