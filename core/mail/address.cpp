// address.cpp: the mailbox_address type, domain normalisation through ICU's UTS #46
// and address-literal checks (see address.hpp). Rules: R-SAV-9, R-PSH-1.
#include "core/mail/address.hpp"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <netinet/in.h>
#include <unicode/uidna.h>

#include <array>
#include <climits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

#include "core/mail/chars.hpp"

namespace mailwarden::mail {

namespace {

// ---- UTS #46 -----------------------------------------------------------------------

struct uidna_closer {
    void operator()(UIDNA* p) const { uidna_close(p); }
};
using uidna_ptr = std::unique_ptr<UIDNA, uidna_closer>;

// One shared instance: ICU documents UIDNA as immutable and safe for concurrent use.
// nullptr if ICU could not open it (missing data): callers report errc::internal.
const UIDNA* uts46() {
    static const uidna_ptr instance = [] {
        UErrorCode status = U_ZERO_ERROR;
        const auto options =
            static_cast<std::uint32_t>(UIDNA_NONTRANSITIONAL_TO_ASCII | UIDNA_USE_STD3_RULES |
                                       UIDNA_CHECK_BIDI | UIDNA_CHECK_CONTEXTJ);
        uidna_ptr p(uidna_openUTS46(options, &status));
        if (U_FAILURE(status)) p.reset();
        return p;
    }();
    return instance.get();
}

struct idna_problem {
    std::uint32_t bit;
    std::string_view text;
};

// UIDNA_ERROR_DOMAIN_NAME_TOO_LONG is left out on purpose: ICU applies DNS's 253-octet
// text limit, we apply RFC 5321's 255 octets ourselves (max_domain_octets).
constexpr std::array<idna_problem, 14> idna_problems{{
    {UIDNA_ERROR_EMPTY_LABEL, "empty label"},
    {UIDNA_ERROR_LABEL_TOO_LONG, "label longer than 63 octets"},
    {UIDNA_ERROR_LEADING_HYPHEN, "label starts with a hyphen"},
    {UIDNA_ERROR_TRAILING_HYPHEN, "label ends with a hyphen"},
    {UIDNA_ERROR_HYPHEN_3_4, "label has hyphens in the third and fourth positions"},
    {UIDNA_ERROR_LEADING_COMBINING_MARK, "label starts with a combining mark"},
    {UIDNA_ERROR_DISALLOWED, "character not allowed in a domain name"},
    {UIDNA_ERROR_PUNYCODE, "invalid Punycode in an xn-- label"},
    {UIDNA_ERROR_LABEL_HAS_DOT, "label contains a dot"},
    {UIDNA_ERROR_INVALID_ACE_LABEL, "invalid xn-- label"},
    {UIDNA_ERROR_BIDI, "label breaks the IDNA BiDi rule"},
    {UIDNA_ERROR_CONTEXTJ, "label breaks the IDNA CONTEXTJ rule (ZWJ/ZWNJ)"},
    {UIDNA_ERROR_CONTEXTO_PUNCTUATION, "label breaks the IDNA CONTEXTO rule"},
    {UIDNA_ERROR_CONTEXTO_DIGITS, "label mixes Arabic-Indic digit sets"},
}};

constexpr std::uint32_t ignored_idna_errors = UIDNA_ERROR_DOMAIN_NAME_TOO_LONG;

std::string describe_idna_errors(std::uint32_t errors) {
    std::string out;
    for (const auto& p : idna_problems) {
        if ((errors & p.bit) == 0) continue;
        if (!out.empty()) out += ", ";
        out += p.text;
    }
    if (out.empty()) out = fmt::format("IDNA error 0x{:X}", errors);
    return out;
}

// Host name -> lowercase A-labels.
result<std::string> to_ascii(std::string_view name) {
    const UIDNA* idna = uts46();
    if (idna == nullptr) return error{errc::internal, 0, "ICU UTS #46 is not available"};
    // name.size() <= max_domain_octets, so the int32_t conversions below cannot overflow;
    // an A-label form is at most a few times longer than its UTF-8 input.
    std::string out(name.size() * 4 + 16, '\0');
    for (int attempt = 0; attempt < 2; ++attempt) {
        UErrorCode status = U_ZERO_ERROR;
        UIDNAInfo info{};
        info.size = static_cast<std::int16_t>(sizeof(UIDNAInfo));
        const std::int32_t n = uidna_nameToASCII_UTF8(
            idna, name.data(), static_cast<std::int32_t>(name.size()), out.data(),
            static_cast<std::int32_t>(out.size()), &info, &status);
        if (status == U_BUFFER_OVERFLOW_ERROR && attempt == 0 && n > 0) {
            out.assign(static_cast<std::size_t>(n), '\0');
            continue;
        }
        if (U_FAILURE(status))
            return error{errc::internal, 0,
                         fmt::format("ICU nameToASCII failed: {}", u_errorName(status))};
        const auto errors = info.errors & ~ignored_idna_errors;
        if (errors != 0)
            return error{errc::bad_domain, 0,
                         fmt::format("invalid domain: {}", describe_idna_errors(errors))};
        out.resize(static_cast<std::size_t>(n));
        return out;
    }
    return error{errc::internal, 0, "ICU nameToASCII: output size unstable"};
}

// ---- address literals (RFC 5321 4.1.3) -----------------------------------------------

bool starts_with_ignoring_case(std::string_view text, std::string_view prefix) {
    if (text.size() < prefix.size()) return false;
    return chars::ascii_lower(text.substr(0, prefix.size())) == chars::ascii_lower(prefix);
}

// inet_ntop into a std::string (no fixed buffer kept around).
std::string ip_to_text(int family, const void* addr) {
    std::string out(INET6_ADDRSTRLEN, '\0');
    if (inet_ntop(family, addr, out.data(), static_cast<socklen_t>(out.size())) == nullptr)
        return {};
    out.resize(std::strlen(out.c_str()));
    return out;
}

result<std::string> normalize_literal(std::string_view literal) {
    const auto bad = [](std::size_t at, std::string message) {
        return error{errc::bad_domain, at, std::move(message)};
    };
    if (literal.size() < 2 || literal.back() != ']')
        return error{errc::syntax, 0, "unterminated address literal (no ']')"};
    const std::string_view inner = literal.substr(1, literal.size() - 2);
    constexpr std::string_view v6_tag = "IPv6:";
    if (starts_with_ignoring_case(inner, v6_tag)) {
        const std::string text(inner.substr(v6_tag.size()));
        in6_addr a6{};
        if (inet_pton(AF_INET6, text.c_str(), &a6) != 1)
            return bad(1 + v6_tag.size(), "invalid IPv6 address literal");
        const std::string canon = ip_to_text(AF_INET6, &a6);
        if (canon.empty()) return bad(1, "IPv6 address literal cannot be printed");
        return fmt::format("[IPv6:{}]", canon);
    }
    if (inner.find(':') != std::string_view::npos)
        return bad(1, "unsupported address literal (only IPv4 and IPv6: are accepted)");
    // glibc's inet_pton accepts exactly four decimal parts 0..255 without leading zeros,
    // so "[1]", "[0x7f.1]" and "[010.0.0.1]" (octal to some parsers) are all refused.
    const std::string text(inner);
    in_addr a4{};
    if (inet_pton(AF_INET, text.c_str(), &a4) != 1) return bad(1, "invalid IPv4 address literal");
    const std::string canon = ip_to_text(AF_INET, &a4);
    if (canon.empty()) return bad(1, "IPv4 address literal cannot be printed");
    return fmt::format("[{}]", canon);
}

// ---- local parts ---------------------------------------------------------------------

// Can `local` be written without quotes (RFC 5321 Dot-string, RFC 6531 atext)?
bool is_dot_string(std::string_view local) {
    if (local.empty() || local.front() == '.' || local.back() == '.') return false;
    char previous = '\0';
    for (const char c : local) {
        if (c == '.' && previous == '.') return false;
        if (c != '.' && !chars::is_atext(c) && !chars::is_non_ascii(c)) return false;
        previous = c;
    }
    return true;
}

std::string quote_local_part(std::string_view local) {
    if (is_dot_string(local)) return std::string(local);
    std::string out = "\"";
    for (const char c : local) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    out += '"';
    return out;
}

// Offsets are into `local`; parsers report them at the local part's start.
std::optional<error> check_local_part(std::string_view local) {
    if (local.empty()) return error{errc::syntax, 0, "empty local part"};
    std::size_t i = 0;
    while (i < local.size()) {
        const auto b = static_cast<unsigned char>(local[i]);
        if (b < 0x80) {
            if (b < 0x20 || b == 0x7F)
                return error{errc::bad_encoding, i,
                             fmt::format("control character 0x{:02X} in the local part", b)};
            ++i;
            continue;
        }
        const chars::code_point cp = chars::decode_utf8(local, i);
        if (cp.length == 0) return error{errc::bad_encoding, i, "invalid UTF-8 in the local part"};
        if (chars::is_control(cp.value))
            return error{errc::bad_encoding, i,
                         fmt::format("control character U+{:04X} in the local part", cp.value)};
        if (chars::is_format(cp.value))
            return error{
                errc::bad_encoding, i,
                fmt::format("invisible format character U+{:04X} in the local part", cp.value)};
        i += cp.length;
    }
    const std::size_t written = quote_local_part(local).size();
    if (written > max_local_part_octets)
        return error{
            errc::too_long, 0,
            fmt::format("local part is {} octets, more than {}", written, max_local_part_octets)};
    return std::nullopt;
}

}  // namespace

// ---- public --------------------------------------------------------------------------

result<std::string> normalize_domain(std::string_view domain) {
    if (domain.empty()) return error{errc::empty, 0, "empty domain"};
    if (domain.size() > max_domain_octets)
        return error{
            errc::too_long, 0,
            fmt::format("domain is {} octets, more than {}", domain.size(), max_domain_octets)};
    if (auto bad = chars::check_text(domain, chars::whitespace::space)) return *bad;
    if (domain.front() == '[') return normalize_literal(domain);

    // RFC 5321 Domain has no root dot; UTS #46 would accept one, so refuse it first.
    if (domain.back() == '.')
        return error{errc::syntax, domain.size() - 1, "domain ends with a dot"};
    auto ascii = to_ascii(domain);
    if (!ascii) return ascii;
    const std::string& name = ascii.value();
    // Ideographic full stops map to "." in UTS #46: check the root dot again.
    if (name.empty() || name.back() == '.')
        return error{errc::syntax, domain.size() - 1, "domain ends with a dot"};
    if (name.size() > max_domain_octets)
        return error{errc::too_long, 0,
                     fmt::format("domain is {} octets as A-labels, more than {}", name.size(),
                                 max_domain_octets)};
    // An all-digit top-level label is not a host name (RFC 3696 2); "user@192.0.2.1" must
    // be written as the literal "user@[192.0.2.1]".
    const std::size_t last_dot = name.rfind('.');
    const std::string_view tld = last_dot == std::string::npos
                                     ? std::string_view(name)
                                     : std::string_view(name).substr(last_dot + 1);
    bool all_digits = true;
    for (const char c : tld) all_digits = all_digits && chars::is_ascii_digit(c);
    if (all_digits)
        return error{errc::bad_domain, 0,
                     "top-level label is all digits (write an IP address as [192.0.2.1])"};
    return ascii;
}

namespace detail {

result<mailbox_address> make_mailbox_at(std::string_view local_part, std::size_t local_offset,
                                        std::string_view domain, std::size_t domain_offset) {
    if (auto bad = check_local_part(local_part)) {
        bad->offset = local_offset;
        return *bad;
    }
    auto normalized = normalize_domain(domain);
    if (!normalized) return normalized.err().shifted(domain_offset);
    return mailbox_address(std::string(local_part), std::move(normalized).value());
}

}  // namespace detail

result<mailbox_address> mailbox_address::make(std::string_view local_part,
                                              std::string_view domain) {
    // Offsets into local_part + "@" + domain.
    return detail::make_mailbox_at(local_part, 0, domain, local_part.size() + 1);
}

std::string mailbox_address::to_string() const { return quote_local_part(local_) + "@" + domain_; }

std::string mailbox_address::comparison_key() const {
    return quote_local_part(chars::ascii_lower(local_)) + "@" + domain_;
}

bool same_mailbox(const mailbox_address& a, const mailbox_address& b) {
    return a.comparison_key() == b.comparison_key();
}

const mailbox_address& envelope_path::mailbox() const {
    if (!mailbox_) throw std::logic_error("envelope_path::mailbox() on the null sender");
    return *mailbox_;
}

std::string envelope_path::to_string() const {
    return mailbox_ ? "<" + mailbox_->to_string() + ">" : "<>";
}

}  // namespace mailwarden::mail
