// warnings.hpp: when a mailbox owner gets a quota warning mail, as pure decisions. Thresholds
// are sizes ("25MB") or percentages of the mailbox's storage limit ("90%"); a warning goes
// out once per upward crossing (not once per delivery), and a "back under quota" notice when
// usage falls below the lowest threshold again. The announced level is kept in the mailbox
// state (state.hpp), so it survives restarts.
// Rules: R-SAV-1 (warn at 25 MB, above the 20 MB limit, during the grace of R-SAV-2).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/units.hpp"

namespace mailwarden::quota {

struct threshold {
    bool percent = false;     // value is a percentage of the storage limit
    std::uint64_t value = 0;  // bytes, or percent

    bool operator==(const threshold&) const = default;
};

// "25MB" -> {false, 25000000}; "90%" -> {true, 90}; "0%", "", "x", "-1%" -> error.
config::parsed<threshold> parse_threshold(std::string_view text);

// A space- or comma-separated list: "90% 25MB". Errors name the bad element.
config::parsed<std::vector<threshold>> parse_thresholds(std::string_view text);

// The thresholds in bytes for a storage limit, ascending, duplicates removed; percentages of
// an unlimited (0) limit are dropped (there is nothing to be a percentage of).
std::vector<std::uint64_t> resolve(const std::vector<threshold>& list, std::uint64_t limit);

enum class notice { none, warning, back_under };

struct warning_decision {
    notice send = notice::none;
    unsigned level = 0;           // the new announced level (store it)
    std::uint64_t threshold = 0;  // the crossed threshold in bytes (notice::warning)
};

// bytes = usage now; resolved = resolve(...); announced = the stored level.
//   level = how many thresholds usage has reached (>=);
//   level > announced: warning for the highest reached threshold;
//   level == 0 < announced: back_under; otherwise none (a lower, non-zero level is stored
//   silently, so crossing upward again warns again).
warning_decision check_warnings(std::uint64_t bytes, const std::vector<std::uint64_t>& resolved,
                                unsigned announced);

}  // namespace mailwarden::quota
