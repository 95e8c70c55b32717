// password_hash.hpp: {SSHA512} password values, hashed by the provisioner when
// provisioning.password_scheme is ssha512 (the default, server, lets the directory hash
// through RFC 3062). The format is the one OpenLDAP's pw-sha2 module, 389ds and Dovecot's
// SSHA512 scheme share: "{SSHA512}" + base64(SHA-512(password + salt) + salt), here with
// 16 random bytes of salt from OpenSSL's CSPRNG; Dovecot verifies it without LDAP knowing
// anything of the scheme (passdb ldap with the value as password). No slappasswd, no
// doveadm: nothing outside the program sees the password.
// Rules: R-SAV-5 (passwords), DESIGN "Passwords" (pre-hashed {SSHA512} as an option).
#pragma once

#include <string>
#include <string_view>

namespace mailwarden::provisioner {

inline constexpr std::size_t ssha512_salt_bytes = 16;

// "{SSHA512}" + base64(SHA-512(password + salt) + salt); salt as given (tests).
std::string ssha512(std::string_view password, std::string_view salt);
// The same with a fresh random salt; throws std::runtime_error when the OS has no
// randomness to give (never a weak salt).
std::string make_ssha512(std::string_view password);
// Does stored ("{SSHA512}...", any salt length >= 1) match password? Constant-time compare.
bool verify_ssha512(std::string_view stored, std::string_view password);

}  // namespace mailwarden::provisioner
