// password_hash.cpp: see password_hash.hpp (OpenSSL libcrypto: SHA-512, RAND_bytes,
// CRYPTO_memcmp). Intermediate buffers holding the password are wiped.
// Rules: R-SAV-5.
#include "provisioner/password_hash.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>
#include <stdexcept>

#include "provisioner/ldif.hpp"

namespace mailwarden::provisioner {

namespace {

constexpr std::string_view prefix = "{SSHA512}";
constexpr std::size_t digest_bytes = 64;

// SHA-512 of password + salt.
std::array<unsigned char, digest_bytes> digest(std::string_view password, std::string_view salt) {
    std::array<unsigned char, digest_bytes> out{};
    EVP_MD_CTX* md = EVP_MD_CTX_new();
    unsigned int len = 0;
    const bool ok = md != nullptr && EVP_DigestInit_ex(md, EVP_sha512(), nullptr) == 1 &&
                    EVP_DigestUpdate(md, password.data(), password.size()) == 1 &&
                    EVP_DigestUpdate(md, salt.data(), salt.size()) == 1 &&
                    EVP_DigestFinal_ex(md, out.data(), &len) == 1 && len == digest_bytes;
    EVP_MD_CTX_free(md);
    if (!ok) throw std::runtime_error("SHA-512 is not available from libcrypto");
    return out;
}

}  // namespace

std::string ssha512(std::string_view password, std::string_view salt) {
    const auto d = digest(password, salt);
    std::string raw(reinterpret_cast<const char*>(d.data()), d.size());
    raw.append(salt);
    std::string out = std::string(prefix) + encode_base64(raw);
    OPENSSL_cleanse(raw.data(), raw.size());
    return out;
}

std::string make_ssha512(std::string_view password) {
    std::array<unsigned char, ssha512_salt_bytes> salt{};
    if (RAND_bytes(salt.data(), static_cast<int>(salt.size())) != 1)
        throw std::runtime_error("no randomness for a password salt (RAND_bytes failed)");
    return ssha512(password,
                   std::string_view(reinterpret_cast<const char*>(salt.data()), salt.size()));
}

bool verify_ssha512(std::string_view stored, std::string_view password) {
    if (!stored.starts_with(prefix)) return false;
    std::string raw;
    if (!decode_base64(stored.substr(prefix.size()), raw) || raw.size() <= digest_bytes)
        return false;
    const auto d = digest(password, std::string_view(raw).substr(digest_bytes));
    return CRYPTO_memcmp(d.data(), raw.data(), digest_bytes) == 0;
}

}  // namespace mailwarden::provisioner
