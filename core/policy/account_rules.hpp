// account_rules.hpp: what an account's status lets it send (pure decisions; the session
// calls them with the account from the directory).
//   R-TJP-5 / R-SAV-11: a blocked account cannot send (receiving and login are untouched):
//     550 5.7.1 <login>: Sender address rejected: account is blocked
//     (a status word the config does not know is refused the same way, never trusted).
//   R-PSH-3: a pending account may only send to the activation address (sender.
//     activation_address); other recipients get, at RCPT,
//     550 5.7.1 <rcpt>: Recipient address rejected: account not activated; send a message
//     to <activation> first
//     A message whose recipients are all the activation address activates the account: the
//     session records it in the counter store for `mailwarden user activate-pending`.
//   R-TJP-2: an internal-only account (application mailbox) may write to our domains and to
//     its allow-list (mwAllowedRecipient: "user@dom" or "@dom"); others get, at RCPT,
//     550 5.7.1 <rcpt>: Recipient address rejected: only internal recipients allowed for
//     this account
//   R-MYO-6: an internal-only distribution list refuses senders from outside (neither
//     authenticated nor a trusted relay), at RCPT:
//     550 5.7.1 <list>: Recipient address rejected: this list accepts internal senders only
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/policy/directory.hpp"
#include "core/policy/verdict.hpp"

namespace mailwarden::policy {

// At MAIL FROM: accept for active and pending accounts, refuse blocked and unknown ones.
verdict check_account_may_send(const account& a, std::string_view login);

// At RCPT for a pending account: `activation_key` is the normalised activation address
// ("" = none configured: a pending account may not send at all).
verdict check_pending_recipient(const account& a, std::string_view activation_key,
                                std::string_view recipient);

// At RCPT for an internal-only sender account (R-TJP-2). `local_domains` normalised.
verdict check_internal_only_recipient(const account& sender,
                                      const std::vector<std::string>& local_domains,
                                      std::string_view recipient);

// At RCPT when an outside client writes to `list` (R-MYO-6): refuse internal-only lists.
verdict check_list_recipient(const account& list, std::string_view recipient);

}  // namespace mailwarden::policy
