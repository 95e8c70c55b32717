// test_password_hash.cpp: {SSHA512} values as Dovecot's SSHA512 scheme and OpenLDAP's
// pw-sha2 read them: a known vector, verification, a fresh random salt each time.
// Rules: R-SAV-5 (provisioning.password_scheme: ssha512).
#include <doctest/doctest.h>

#include "provisioner/password_hash.hpp"

using namespace mailwarden::provisioner;

TEST_CASE("R-SAV-5: {SSHA512} is base64(SHA-512(password + salt) + salt)") {
    // python3: base64(sha512(b"secret" + salt).digest() + salt), salt "0123456789abcdef"
    CHECK(ssha512("secret", "0123456789abcdef") ==
          "{SSHA512}veVOCoSwGP72Xht1aILusDwsSUHyefI11yC6xJHBHZsnVJg6s2+oRchFr/YJLsRuAM0iTVMjwQpm2"
          "iqyxIn43DAxMjM0NTY3ODlhYmNkZWY=");
}

TEST_CASE("R-SAV-5: a made {SSHA512} verifies, with a fresh salt every time") {
    const std::string a = make_ssha512("S3cure-Pass.word");
    const std::string b = make_ssha512("S3cure-Pass.word");
    CHECK(a.rfind("{SSHA512}", 0) == 0);
    CHECK(a.size() == 9 + 108);  // base64 of 64 + 16 bytes
    CHECK(a != b);
    CHECK(verify_ssha512(a, "S3cure-Pass.word"));
    CHECK_FALSE(verify_ssha512(a, "S3cure-Pass.worD"));
    // doveadm pw -s SSHA512 -p secret (a 4-byte salt): other salt lengths verify too
    CHECK(
        verify_ssha512("{SSHA512}m69ug4gbSFj/Cx71iBk3KK/Jnp7l5cyFY00TTQufF2DxfJ2kEu8DqHGvNoR+nQHV"
                       "iDw6NA8zLwLEpYyhOw9GCcgvG4Q=",
                       "secret"));
    CHECK_FALSE(verify_ssha512("{SSHA256}abcd", "secret"));
    CHECK_FALSE(verify_ssha512("{SSHA512}not base64!", "secret"));
    CHECK_FALSE(verify_ssha512("{SSHA512}" + std::string(88, 'A'), "secret"));  // no salt
}
