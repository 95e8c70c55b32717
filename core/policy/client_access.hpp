// client_access.hpp: R-PSH-9 part 2, "access only from the national IP address range or
// over the operator's VPN": which client networks may submit at all, as pure decisions the
// session calls. Both are off while sender.submit_networks is empty (the default); setting
// it turns on the whole model (conf.d/mailwarden.yaml, sender.submit_networks):
//   - authenticated submission (a SASL login) only from submit_networks, trusted_networks
//     or a local submission (sendmail, no client address); from anywhere else, at MAIL FROM:
//       550 5.7.1 <NAME[ADDR]>: Client host rejected: submission from this network is not
//       allowed
//   - a client that is neither authenticated nor a trusted relay may only deliver to our
//     domains (sender.local_domains): no relaying; other recipients, at RCPT, in Postfix's
//     wording:
//       554 5.7.1 <rcpt>: Relay access denied
//     (Postfix's reject_unauth_destination says the same; the milter holds the line even
//     when mynetworks or smtpd_relay_restrictions is wider than sender.trusted_networks.)
// A submit network grants nothing without a login: unauthenticated clients in it are
// outsiders, as anywhere else (relaying without a login needs trusted_networks).
// Hostile input: a malformed client address matches no network; a recipient that is not
// an address is not ours (refused as relaying), except RFC 5321's bare <postmaster>.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/policy/sender_identity.hpp"
#include "core/policy/verdict.hpp"

namespace mailwarden::policy {

// Is the R-PSH-9 access model on (sender.submit_networks set)?
inline bool client_access_checked(const sender_policy& p) { return !p.submit_networks.empty(); }

// At MAIL FROM of an authenticated client. `client_addr` absent = local submission;
// `client_name` as the MTA resolved it (only shown in the reply).
verdict check_submit_network(const sender_policy& p, const std::optional<std::string>& client_addr,
                             std::string_view client_name);

// At RCPT: refuses a recipient outside our domains from a client of kind outside.
verdict check_relay(const sender_policy& p, client_kind who, std::string_view recipient);

}  // namespace mailwarden::policy
