// syslog_line.cpp: timestamps and the header of a mail-log line (see syslog_line.hpp).
// Rules: R-TJP-4.
#include "core/audit/syslog_line.hpp"

#include <fmt/format.h>

#include <array>

namespace mailwarden::audit {

namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// n decimal digits at text[pos]; -1 when any is not a digit or text is too short.
int digits(std::string_view text, std::size_t pos, std::size_t n) {
    if (pos + n > text.size()) return -1;
    int v = 0;
    for (std::size_t i = pos; i < pos + n; ++i) {
        if (!is_digit(text[i])) return -1;
        v = v * 10 + (text[i] - '0');
    }
    return v;
}

bool valid_clock(int hour, int minute, int second) {
    return hour >= 0 && hour <= 23 && minute >= 0 && minute <= 59 && second >= 0 && second <= 60;
}

constexpr std::array<std::string_view, 12> month_names = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

// "Nov 22 10:00:01" or "Nov  2 10:00:01" at the start of text (15 bytes).
std::optional<civil_time> parse_traditional(std::string_view text) {
    if (text.size() < 15 || text[3] != ' ' || text[6] != ' ' || text[9] != ':' || text[12] != ':')
        return std::nullopt;
    civil_time c;
    c.month = 0;
    for (std::size_t i = 0; i < month_names.size(); ++i)
        if (text.substr(0, 3) == month_names[i]) c.month = static_cast<int>(i) + 1;
    if (c.month == 0) return std::nullopt;
    if (text[4] == ' ')
        c.day = digits(text, 5, 1);
    else
        c.day = digits(text, 4, 2);
    c.hour = digits(text, 7, 2);
    c.minute = digits(text, 10, 2);
    c.second = digits(text, 13, 2);
    if (c.day < 1 || c.day > 31 || !valid_clock(c.hour, c.minute, c.second)) return std::nullopt;
    return c;
}

// The year that puts a year-less stamp at or before the reference (one day of slack for
// zones and clocks): the latest such year, so a January line is this year's and a
// December line in a file written in January last year's.
std::optional<micros> resolve_year(civil_time c, const stamp_context& ctx) {
    const int ref_year = civil_from_micros(ctx.reference).year;
    for (int year = ref_year + 1; year >= ref_year - 4; --year) {
        if (!valid_date(year, c.month, c.day)) continue;  // Feb 29 of a common year
        c.year = year;
        const micros t = ctx.local_to_utc ? ctx.local_to_utc(c) : micros_from_civil(c);
        if (t <= ctx.reference + micros_per_day) return t;
    }
    return std::nullopt;
}

}  // namespace

bool valid_date(int year, int month, int day) {
    static constexpr std::array<int, 12> lengths = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month < 1 || month > 12 || day < 1) return false;
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    const int length = month == 2 && leap ? 29 : lengths[static_cast<std::size_t>(month - 1)];
    return day <= length;
}

// Howard Hinnant's days_from_civil / civil_from_days (public domain).
std::int64_t days_from_civil(int year, int month, int day) {
    const std::int64_t y = static_cast<std::int64_t>(year) - (month <= 2 ? 1 : 0);
    const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
    const std::int64_t yoe = y - era * 400;
    const std::int64_t mp = (month + 9) % 12;
    const std::int64_t doy = (153 * mp + 2) / 5 + day - 1;
    const std::int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

civil_time civil_from_micros(micros t) {
    std::int64_t days = t / micros_per_day;
    micros in_day = t % micros_per_day;
    if (in_day < 0) {
        in_day += micros_per_day;
        --days;
    }
    const std::int64_t z = days + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    civil_time c;
    c.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
    c.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
    c.year = static_cast<int>(yoe + era * 400 + (c.month <= 2 ? 1 : 0));
    const std::int64_t seconds = in_day / micros_per_second;
    c.hour = static_cast<int>(seconds / 3600);
    c.minute = static_cast<int>(seconds / 60 % 60);
    c.second = static_cast<int>(seconds % 60);
    c.micro = static_cast<int>(in_day % micros_per_second);
    return c;
}

micros micros_from_civil(const civil_time& c) {
    const std::int64_t seconds =
        days_from_civil(c.year, c.month, c.day) * 86'400 + c.hour * 3600 + c.minute * 60 + c.second;
    return seconds * micros_per_second + c.micro;
}

std::optional<micros> parse_rfc3339(std::string_view text, std::string_view* rest) {
    // 2026-11-22T10:00:01
    if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
        (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
        return std::nullopt;
    civil_time c;
    c.year = digits(text, 0, 4);
    c.month = digits(text, 5, 2);
    c.day = digits(text, 8, 2);
    c.hour = digits(text, 11, 2);
    c.minute = digits(text, 14, 2);
    c.second = digits(text, 17, 2);
    if (c.year < 0 || !valid_date(c.year, c.month, c.day) ||
        !valid_clock(c.hour, c.minute, c.second))
        return std::nullopt;
    std::size_t pos = 19;
    if (pos < text.size() && text[pos] == '.') {
        ++pos;
        const std::size_t start = pos;
        int scale = 100'000;
        while (pos < text.size() && is_digit(text[pos])) {
            c.micro += (text[pos] - '0') * scale;  // digits past the sixth add nothing
            scale /= 10;
            ++pos;
        }
        if (pos == start || pos - start > 9) return std::nullopt;
    }
    if (pos >= text.size()) return std::nullopt;
    int offset = 0;
    if (text[pos] == 'Z' || text[pos] == 'z') {
        ++pos;
    } else if (text[pos] == '+' || text[pos] == '-') {
        const int sign = text[pos] == '-' ? -1 : 1;
        const int hours = digits(text, pos + 1, 2);
        int minutes = -1;
        std::size_t end = pos + 3;
        if (end < text.size() && text[end] == ':') {
            minutes = digits(text, end + 1, 2);
            end += 3;
        } else {
            minutes = digits(text, end, 2);
            end += 2;
        }
        if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59) return std::nullopt;
        offset = sign * (hours * 3600 + minutes * 60);
        pos = end;
    } else {
        return std::nullopt;
    }
    if (rest != nullptr) *rest = text.substr(pos);
    return micros_from_civil(c) - static_cast<micros>(offset) * micros_per_second;
}

std::string format_rfc3339(micros t, int offset_seconds) {
    const civil_time c =
        civil_from_micros(t + static_cast<micros>(offset_seconds) * micros_per_second);
    std::string zone = "Z";
    if (offset_seconds != 0) {
        const int a = offset_seconds < 0 ? -offset_seconds : offset_seconds;
        zone = fmt::format("{}{:02}:{:02}", offset_seconds < 0 ? '-' : '+', a / 3600, a / 60 % 60);
    }
    return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{}", c.year, c.month, c.day, c.hour,
                       c.minute, c.second, zone);
}

std::optional<syslog_line> parse_syslog_line(std::string_view line, const stamp_context& ctx) {
    syslog_line out;
    std::string_view rest;
    if (!line.empty() && is_digit(line.front())) {
        const auto t = parse_rfc3339(line, &rest);
        if (!t) return std::nullopt;
        out.time = *t;
    } else {
        const auto c = parse_traditional(line);
        if (!c) return std::nullopt;
        const auto t = resolve_year(*c, ctx);
        if (!t) return std::nullopt;
        out.time = *t;
        rest = line.substr(15);
    }
    // " host program[pid]: text"
    if (rest.size() < 2 || rest.front() != ' ') return std::nullopt;
    rest.remove_prefix(1);
    const std::size_t host_end = rest.find(' ');
    if (host_end == 0 || host_end == std::string_view::npos) return std::nullopt;
    out.host = rest.substr(0, host_end);
    rest.remove_prefix(host_end + 1);
    const std::size_t prog_end = rest.find_first_of("[: ");
    if (prog_end == 0 || prog_end == std::string_view::npos) return std::nullopt;
    out.program = rest.substr(0, prog_end);
    rest.remove_prefix(prog_end);
    if (rest.front() == '[') {
        const std::size_t close = rest.find(']');
        if (close == std::string_view::npos) return std::nullopt;
        out.pid = rest.substr(1, close - 1);
        for (char c : out.pid)
            if (!is_digit(c)) return std::nullopt;
        rest.remove_prefix(close + 1);
    }
    if (rest.size() < 1 || rest.front() != ':') return std::nullopt;
    rest.remove_prefix(1);
    if (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
    out.text = rest;
    return out;
}

}  // namespace mailwarden::audit
