// sender_identity.hpp: R-SAV-9 "the sender identity must be the authenticated user's",
// as pure decisions the milter session calls at MAIL FROM (envelope) and at end of message
// (From: and Sender: headers).
//   - Authenticated mail ({auth_authen}): the envelope sender and every address of From:
//     and Sender: must be owned (mail, aliases) or granted (send_as) by the account.
//     Envelope: 553 5.7.1 <addr>: Sender address rejected: not owned by user LOGIN
//     Header:   550 5.7.1 <addr>: From address rejected: not owned by user LOGIN
//     (Postfix's reject_sender_login_mismatch wording; the header variant names the header).
//   - Unauthenticated mail from a client that is not a trusted relay (R-PSH-9) claiming one
//     of our domains in the envelope or From: is forged: 553 5.7.1 / 550 5.7.1 "... not
//     logged in" (Postfix's reject_unauthenticated_sender_login_mismatch wording).
//   - Trusted relays and local submissions (no client address) are not checked.
// Addresses compare by mail::mailbox_address::comparison_key() (ASCII case-insensitive
// local part, A-label domain), so "Alice@Example.ORG" is alice@example.org.
// Hostile input: a malformed header address gets a refusal for authenticated mail (it cannot
// be proven owned) and is let through for outside mail (nothing local was claimed).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy/directory.hpp"
#include "core/policy/networks.hpp"
#include "core/policy/verdict.hpp"

namespace mailwarden::policy {

// Who is submitting, as far as sender rules care.
enum class client_kind {
    authenticated,  // SASL login ({auth_authen})
    trusted,        // a trusted relay (sender.trusted_networks) or a local submission
    outside,        // anyone else
};

struct sender_policy {
    bool check_identity = true;               // sender.check_identity
    std::vector<std::string> local_domains;   // normalised (A-labels, lowercase)
    network_list trusted_networks;            // sender.trusted_networks
    network_list submit_networks;             // sender.submit_networks (client_access.hpp)
    std::string activation_key;               // sender.activation_address, normalised
};

// The normalised comparison key of an address written "local@domain" (an LDAP value, a
// login), or nullopt when it is not an address. "Alice@Example.ORG" -> "alice@example.org".
std::optional<std::string> address_key(std::string_view address);

// Domains as configured ("Example.ORG other.example") -> normalised list; a bad one is
// reported in `error` (names the item). Empty text -> empty list.
struct domain_list_result {
    std::vector<std::string> value;
    std::string error;
};
domain_list_result parse_domain_list(std::string_view text);

// Does the account own (mail, aliases) or hold a grant for (send_as) the address key?
bool may_send_as(const account& a, std::string_view key);

// Is the domain of `key` ("user@example.org") one of ours?
bool is_local_address(const sender_policy& p, std::string_view key);

// client_addr absent (local submission) or in trusted_networks -> trusted.
client_kind classify_client(const sender_policy& p, bool authenticated,
                            const std::optional<std::string>& client_addr);

// MAIL FROM. `sender` without angle brackets ("" = null sender, always allowed: bounces
// carry no identity). `acct` is the authenticated account (required for authenticated).
verdict check_envelope_sender(const sender_policy& p, client_kind who, const account* acct,
                              std::string_view login, std::string_view sender);

// A From: or Sender: header (`name` as sent, any case). Other headers -> accept.
verdict check_header_sender(const sender_policy& p, client_kind who, const account* acct,
                            std::string_view login, std::string_view name,
                            std::string_view value);

}  // namespace mailwarden::policy
