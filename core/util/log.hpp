// log.hpp: one line per event, to syslog (facility mail) or stderr, or to memory in tests.
// Formats only through fmt's compile-time-checked format strings, so user data is never a
// format string; untrusted text is wrapped in untrusted{} at the call site and sanitised
// (control characters replaced, length bounded, explicit "..." when cut). The finished
// line is sanitised once more, so no value can start a second log line.
// Rules: R-TJP-4 and R-MYO-13 (audit lines go through here).
#pragma once

#include <fmt/format.h>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace mailwarden::log {

enum class level { debug, info, warning, error };

std::string_view to_string(level l);
// "debug" | "info" | "warning" | "error"; false when the text is none of them.
bool parse_level(std::string_view text, level& out);

// Replaces every byte outside printable ASCII and well-formed UTF-8 with '?', and cuts
// at max_bytes (on a character boundary) with "..." appended, so a reader can tell.
// Examples: "a\r\nb" -> "a??b"; "\xff" -> "?"; "Šťastný" -> "Šťastný".
std::string sanitize(std::string_view text, std::size_t max_bytes = 256);

// Wrap hostile text (addresses, headers, LDAP values, macros) for formatting:
//   log.info("{}: from={}", qid, log::untrusted{sender});
struct untrusted {
    std::string_view text;
    std::size_t max_bytes = 256;
};

class sink {
public:
    virtual ~sink() = default;
    virtual void write(level l, std::string_view line) = 0;
};

// syslog(3), facility LOG_MAIL. The first sink made fixes the ident for the whole process
// (openlog keeps it); later sinks share it.
std::shared_ptr<sink> make_syslog_sink(const std::string& ident);
// "<ident>[pid]: <level>: <line>" on stderr.
std::shared_ptr<sink> make_stderr_sink(const std::string& ident);

// Keeps lines in memory; for tests (log_capture).
class capture_sink final : public sink {
public:
    void write(level l, std::string_view line) override;
    std::vector<std::string> lines() const;  // "<level>: <line>"
    bool contains(std::string_view fragment) const;
    void clear();

private:
    mutable std::mutex mutex_;
    std::vector<std::string> lines_;
};

// Cheap to copy; thread-safe as long as the sink is (all sinks here are).
class logger {
public:
    logger(std::shared_ptr<sink> out, level min_level = level::info)
        : out_(std::move(out)), min_(min_level) {}

    template <typename... Args>
    void debug(fmt::format_string<Args...> f, Args&&... args) const {
        emit(level::debug, f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void info(fmt::format_string<Args...> f, Args&&... args) const {
        emit(level::info, f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void warning(fmt::format_string<Args...> f, Args&&... args) const {
        emit(level::warning, f, std::forward<Args>(args)...);
    }
    template <typename... Args>
    void error(fmt::format_string<Args...> f, Args&&... args) const {
        emit(level::error, f, std::forward<Args>(args)...);
    }

    level min_level() const { return min_; }

private:
    template <typename... Args>
    void emit(level l, fmt::format_string<Args...> f, Args&&... args) const {
        if (l < min_ || !out_) return;
        write_line(l, fmt::format(f, std::forward<Args>(args)...));
    }
    void write_line(level l, const std::string& line) const;

    std::shared_ptr<sink> out_;
    level min_;
};

}  // namespace mailwarden::log

template <>
struct fmt::formatter<mailwarden::log::untrusted> : fmt::formatter<std::string_view> {
    template <typename FormatContext>
    auto format(const mailwarden::log::untrusted& u, FormatContext& ctx) const {
        return fmt::formatter<std::string_view>::format(
            mailwarden::log::sanitize(u.text, u.max_bytes), ctx);
    }
};
