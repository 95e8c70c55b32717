// address.hpp: mailbox addresses (local part + domain) and the parsers the milter and the
// provisioner run on hostile input: the SMTP envelope path Postfix hands a milter at
// MAIL FROM / RCPT TO (RFC 5321, RFC 6531), and the body of From:/Sender:/To: headers
// (RFC 5322 address-list / mailbox-list, RFC 6532). Parsed addresses are validated and
// normalised once, here, and travel inward as the strong type mailbox_address.
// Rules: R-SAV-9 (the sender identity must be the authenticated user's: comparing
// identities needs one canonical form), R-PSH-1 (mailbox names NXXXXXX@domain).
//
// Normalisation and comparison (a deliberate choice):
//   - The domain is stored as lowercase ASCII: A-labels via ICU's UTS #46 (nontransitional
//     to-ASCII, STD3 rules, BiDi and CONTEXTJ checks). "BÜCHER.Example" ->
//     "xn--bcher-kva.example". Address literals are kept in brackets, rewritten to their
//     canonical text: "[IPv6:2001:DB8:0::1]" -> "[IPv6:2001:db8::1]".
//   - The local part keeps its case and its exact characters: RFC 5321 2.4 says only the
//     destination host may interpret it. It is stored decoded (no quotes, no backslashes)
//     and quoted again by to_string() only when it is not a valid dot-string.
//   - Policy compares identities with comparison_key(): ASCII-lowercased local part +
//     "@" + A-label domain, because every directory we serve (OpenLDAP, 389ds: `mail`
//     has caseIgnoreIA5Match) and Postfix/Dovecot lookups treat ASCII local parts
//     case-insensitively. Non-ASCII local parts are compared byte for byte.
//     XXX: no Unicode case folding or NFC for SMTPUTF8 local parts; none of our
//     directories stores them yet.
//
// Bounds (each an error, never truncation): local part 64 octets and domain 255 octets
// (RFC 5321 4.5.3.1.1/2), envelope path 256 octets (4.5.3.1.3), header body 64 KiB, at
// most 1000 mailboxes per header, comments nested at most 16 deep (the header parser is
// iterative: a 100,000-deep "((((" fails at depth 17 without recursion).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/mail/result.hpp"

namespace mailwarden::mail {

inline constexpr std::size_t max_local_part_octets = 64;  // RFC 5321 4.5.3.1.1
inline constexpr std::size_t max_domain_octets = 255;     // RFC 5321 4.5.3.1.2
inline constexpr std::size_t max_path_octets = 256;       // RFC 5321 4.5.3.1.3
inline constexpr std::size_t max_header_body_octets = 64 * 1024;
inline constexpr std::size_t max_header_addresses = 1000;
inline constexpr std::size_t max_comment_depth = 16;

// Validates and normalises a domain: a host name (ASCII or U-labels) to lowercase
// A-labels, or an address literal ("[192.0.2.1]", "[IPv6:2001:db8::1]") to canonical
// text. Errors: empty, too_long (over 255 octets before or after conversion), bad_encoding,
// syntax (trailing dot), bad_domain (anything UTS #46 refuses: leading/trailing hyphen,
// empty or 64+ octet label, disallowed character, BiDi/CONTEXTJ failure, bad Punycode;
// an all-digit top-level label; an unparsable or unsupported literal). Offsets are into
// `domain`.
// Examples: "BÜCHER.Example" -> "xn--bcher-kva.example";
//           "Пример.РФ" -> "xn--e1afmkfd.xn--p1ai"; "-bad-.example" -> bad_domain;
//           "example.org." -> syntax; "[IPv6:::1]" -> "[IPv6:::1]".
result<std::string> normalize_domain(std::string_view domain);

class mailbox_address;

namespace detail {
// For this wing's parsers: mailbox_address::make() with errors placed in the parser's
// input: local-part errors at local_offset (the local part's first byte), domain errors at
// domain_offset plus their position in the domain.
result<mailbox_address> make_mailbox_at(std::string_view local_part, std::size_t local_offset,
                                        std::string_view domain, std::size_t domain_offset);
}  // namespace detail

// A validated mailbox: non-empty local part within bounds (printable ASCII or well-formed
// UTF-8 without control or invisible format characters: zero-width joiners and spaces,
// bidi marks and overrides would let one identity look like another) and a normalised
// domain.
class mailbox_address {
public:
    // Builds from a DECODED local part (no surrounding quotes, no backslash escapes) and
    // a domain in any form normalize_domain() accepts. The 64-octet bound applies to the
    // local part as to_string() writes it (quotes and escapes included).
    // Examples: make("John.Doe", "Example.ORG") -> John.Doe@example.org;
    //           make("john doe", "x.example") -> "john doe"@x.example;
    //           make("", "x.example") -> syntax "empty local part".
    // Error offsets: local-part errors at 0 (the message names the character), domain
    // errors at local_part.size() + 1 + their position in the domain.
    static result<mailbox_address> make(std::string_view local_part, std::string_view domain);

    const std::string& local_part() const { return local_; }  // decoded, case kept
    const std::string& domain() const { return domain_; }     // A-labels or [literal]
    bool domain_is_literal() const { return !domain_.empty() && domain_.front() == '['; }

    // Canonical text: local part quoted only when needed, "@", domain.
    // "\"john doe\"@x.example", "John.Doe@xn--bcher-kva.example".
    std::string to_string() const;
    // The identity policy compares (see the file comment): "john.doe@example.org".
    std::string comparison_key() const;

    // Exact equality (local part case-sensitive). Use same_mailbox() for policy.
    friend bool operator==(const mailbox_address&, const mailbox_address&) = default;

private:
    friend result<mailbox_address> detail::make_mailbox_at(std::string_view, std::size_t,
                                                           std::string_view, std::size_t);
    mailbox_address(std::string local, std::string domain)
        : local_(std::move(local)), domain_(std::move(domain)) {}
    std::string local_;
    std::string domain_;
};

// Do a and b name the same mailbox for policy purposes (comparison keys equal)?
bool same_mailbox(const mailbox_address& a, const mailbox_address& b);

// ---- SMTP envelope (RFC 5321 4.1.2, RFC 6531) ----------------------------------------

// MAIL FROM takes a reverse-path (may be the null sender "<>"); RCPT TO a forward-path.
enum class path_kind { reverse_path, forward_path };

// A parsed envelope path: a mailbox, or the null sender (bounces, DSNs).
class envelope_path {
public:
    static envelope_path null_sender() { return envelope_path(std::nullopt); }
    explicit envelope_path(mailbox_address mailbox) : mailbox_(std::move(mailbox)) {}

    bool is_null_sender() const { return !mailbox_.has_value(); }
    // The mailbox; throws std::logic_error for the null sender (test is_null_sender()).
    const mailbox_address& mailbox() const;
    // "<>" or "<local@domain>" in canonical form.
    std::string to_string() const;

    friend bool operator==(const envelope_path&, const envelope_path&) = default;

private:
    explicit envelope_path(std::optional<mailbox_address> m) : mailbox_(std::move(m)) {}
    std::optional<mailbox_address> mailbox_;
};

// Parses one envelope address as Postfix hands it to a milter (argv[0] of xxfi_envfrom /
// xxfi_envrcpt), or as a CLI/LDAP value:
//   "<user@example.org>"       -> user@example.org
//   "user@example.org"         -> user@example.org (bare form, no brackets)
//   "<>"                       -> null sender (reverse_path only; an error for forward_path)
//   "<@a.example,@b.example:user@x.example>" -> user@x.example (source route checked for
//                                 syntax, then dropped, RFC 5321 Appendix C)
//   "<\"john doe\"@x.example>" -> local part `john doe`
//   "<user@[192.0.2.1]>", "<user@[IPv6:2001:db8::1]>" -> address literals
// Refused: anything around the path (spaces, ESMTP parameters), a path over 256 octets
// (as given, and in canonical form), "<postmaster>" and other addresses without a domain,
// "a@b@c", unbalanced brackets or quotes, controls, invalid UTF-8, and every bound and
// domain error of mailbox_address::make(). Offsets are into `text`.
result<envelope_path> parse_envelope_address(std::string_view text,
                                             path_kind kind = path_kind::reverse_path);

// ---- Header bodies (RFC 5322 3.4, RFC 6532) -------------------------------------------

// From:, Reply-To: and Resent-From: carry a mailbox-list (no groups); To:, Cc:, Bcc: an
// address-list (groups allowed). Sender: is one mailbox: parse as mailbox_list and check
// the count.
enum class header_list { address_list, mailbox_list };

struct header_mailbox {
    // Display name with comments removed, quoted strings decoded, runs of whitespace
    // folded to one space; RFC 2047 encoded words are kept as they are. Empty if none.
    std::string display_name;
    // Display name of the enclosing group ("team" in "team: a@x;"), empty outside groups.
    std::string group;
    mailbox_address address;
};

// Parses a header body (the text after "From:", folded or not) into every mailbox, in
// order. Accepted besides RFC 5322's current syntax: FWS folded with LF as well as CRLF
// (how milters receive folded headers); these obsolete forms, because real mail uses
// them and they cannot change which mailbox is meant:
//   - "." in display names (obs-phrase): `John Q. Public <jqp@x.example>`;
//   - empty list elements (obs-addr-list): `a@x.example, , b@y.example,`;
//   - a source route in an angle address (obs-route), dropped: `<@relay:u@x.example>`.
// Refused obsolete forms: CFWS inside a dot-atom (`john . doe@x`), mixed quoted/atom
// local parts (`"john".doe@x`), a group without its ";", nested groups.
// Empty groups ("undisclosed-recipients:;") contribute no mailbox: the result may be an
// empty vector only then. Errors say what is wrong and at which offset of `body`:
// empty/whitespace only, over 64 KiB, more than 1000 mailboxes, comments nested deeper
// than 16, unterminated quotes/comments/angle brackets, invalid UTF-8 or controls, and
// every error of mailbox_address::make().
// Example: "\"Doe, John\" <john@x.example>, team: a@y.example;" ->
//          [{"Doe, John", "", john@x.example}, {"", "team", a@y.example}]
result<std::vector<header_mailbox>> parse_header_addresses(
    std::string_view body, header_list kind = header_list::address_list);

}  // namespace mailwarden::mail
