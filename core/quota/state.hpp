// state.hpp: the per-mailbox quota state that must survive Dovecot restarts (since when the
// mailbox is over its soft limit, R-SAV-2; which warning level was last announced, R-SAV-1),
// as one short line of text, and reading/writing it as a small file in the user's home.
// Why a file in the home: the Dovecot plugin may do no network I/O (single-threaded event
// loops), the state belongs to the mailbox and moves with it, it is written only when it
// changes (a crossing, not every delivery), and an administrator can read or delete it.
// Rules: R-SAV-2, R-SAV-1.
// Failure: an unreadable or malformed file reads as "no state" with an error for the log
// (the grace restarts: mail is delayed at most one grace, never lost); a failed write returns
// an error and the caller logs it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/quota/grace.hpp"

namespace mailwarden::quota {

// Everything the plugin keeps per mailbox.
struct mailbox_state {
    grace_state grace;
    unsigned warned_level = 0;  // how many warning thresholds are announced (warnings.hpp)

    bool operator==(const mailbox_state&) const = default;
};

// "mailwarden-quota 1 over_since=1800000000 warned=1\n"; over_since=- when not over.
std::string format_state(const mailbox_state& state);

// The inverse of format_state. Unknown keys are ignored (a newer writer); anything else
// malformed is nullopt with *error set.
std::optional<mailbox_state> parse_state(std::string_view text, std::string* error);

// Reads path; a missing file is an empty state (no error). On error returns an empty state
// and sets *error.
mailbox_state load_state(const std::string& path, std::string* error);

// Writes path atomically (path.tmp + rename), so a crash never leaves half a state.
// Returns false with *error on failure.
bool save_state(const std::string& path, const mailbox_state& state, std::string* error);

}  // namespace mailwarden::quota
