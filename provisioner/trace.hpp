// trace.hpp: the pure parts of `mailwarden trace` (R-TJP-4): reading --since/--until,
// recognising the mail log's rotations, and printing the records (text or JSON) with every
// value sanitised, so an address in the log cannot forge an output line, a JSON field or a
// terminal escape. The file reading is in trace.cpp.
// Rules: R-TJP-4.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/audit/trace.hpp"

namespace mailwarden::provisioner {

using local_to_utc_fn = std::function<audit::micros(const audit::civil_time&)>;
// Seconds east of UTC of the local zone at a time (for printing).
using utc_offset_fn = std::function<int(audit::micros)>;

// --since / --until: "2026-11-01" (local midnight), "2026-11-01T10:00" or
// "2026-11-01T10:00:30" (local), RFC 3339 with a zone ("...Z", "...+01:00"), or a span
// before now: "30d", "12h", "45m". nullopt for anything else.
std::optional<audit::micros> parse_when(std::string_view text, audit::micros now,
                                        const local_to_utc_fn& local_to_utc);

// Is name (a file name, no directory) the mail log base or one of its rotations:
// base, base.N, base.N.gz, base-YYYYMMDD, base-YYYYMMDD.gz (logrotate, with or without
// dateext), base.YYYYMMDD-HHMMSS.gz (`postfix logrotate`)?
bool is_rotation_of(std::string_view name, std::string_view base);

// One input file as the report shows it.
struct trace_file {
    std::string path;
    std::string state;  // "read", "skipped" (older than --since, or given twice), "unreadable"
    std::string error;  // why unreadable or skipped twice
};

struct trace_report {
    std::vector<audit::message_record> messages;
    std::vector<trace_file> files;
    audit::trace_stats stats;
    std::optional<audit::micros> since;
    std::optional<audit::micros> until;
    std::vector<std::string> notes;
};

// One block per message, oldest first, then a summary line; times in local time.
void print_trace_text(const trace_report& r, const utc_offset_fn& offset, std::ostream& out);
// One JSON document: {"messages":[...],"count":N,"since":..,"until":..,"files":[..],
// "stats":{..},"notes":[..]}; times in UTC.
std::string trace_json(const trace_report& r);

}  // namespace mailwarden::provisioner
