// log.cpp: sinks and sanitising for log.hpp. Rules: R-TJP-4, R-MYO-13.
#include "core/util/log.hpp"

#include <syslog.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>

namespace mailwarden::log {

std::string_view to_string(level l) {
    switch (l) {
        case level::debug: return "debug";
        case level::info: return "info";
        case level::warning: return "warning";
        case level::error: return "error";
    }
    return "info";
}

bool parse_level(std::string_view text, level& out) {
    for (level l : {level::debug, level::info, level::warning, level::error}) {
        if (text == to_string(l)) {
            out = l;
            return true;
        }
    }
    return false;
}

namespace {

// Length of the well-formed UTF-8 sequence starting at s[i] (RFC 3629: no overlongs,
// no surrogates, at most U+10FFFF), or 0 if it is not one. C1 controls (U+0080..U+009F)
// count as not printable.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
    const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
    const unsigned char c = byte(i);
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;
    } else {
        return 0;
    }
    if (i + n > s.size()) return 0;
    if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
    for (std::size_t k = 2; k < n; ++k)
        if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
    if (n == 2 && c == 0xC2 && byte(i + 1) <= 0x9F) return 0;  // C1 control
    return n;
}

}  // namespace

std::string sanitize(std::string_view text, std::size_t max_bytes) {
    std::string out;
    out.reserve(std::min(text.size(), max_bytes) + 3);
    std::size_t i = 0;
    while (i < text.size()) {
        const auto c = static_cast<unsigned char>(text[i]);
        std::size_t len = 1;
        bool printable = c >= 0x20 && c < 0x7F;
        if (c >= 0x80) {
            len = utf8_sequence_length(text, i);
            printable = len != 0;
            if (len == 0) len = 1;
        }
        const std::size_t out_len = printable ? len : 1;
        if (out.size() + out_len > max_bytes) {
            out += "...";
            return out;
        }
        if (printable)
            out.append(text.substr(i, len));
        else
            out += '?';
        i += len;
    }
    return out;
}

namespace {

class syslog_sink final : public sink {
public:
    explicit syslog_sink(const std::string& ident) : ident_(ident) {
        // openlog keeps the pointer: ident_ lives as long as this sink.
        ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
    }
    void write(level l, std::string_view line) override {
        int prio = LOG_INFO;
        switch (l) {
            case level::debug: prio = LOG_DEBUG; break;
            case level::info: prio = LOG_INFO; break;
            case level::warning: prio = LOG_WARNING; break;
            case level::error: prio = LOG_ERR; break;
        }
        const std::string copy(line);
        ::syslog(prio, "%s", copy.c_str());
    }

private:
    std::string ident_;
};

class stderr_sink final : public sink {
public:
    explicit stderr_sink(std::string ident) : ident_(std::move(ident)) {}
    void write(level l, std::string_view line) override {
        const std::string text =
            fmt::format("{}[{}]: {}: {}\n", ident_, ::getpid(), to_string(l), line);
        std::lock_guard lock(mutex_);
        std::fwrite(text.data(), 1, text.size(), stderr);
        std::fflush(stderr);
    }

private:
    std::string ident_;
    std::mutex mutex_;
};

}  // namespace

std::shared_ptr<sink> make_syslog_sink(const std::string& ident) {
    return std::make_shared<syslog_sink>(ident);
}

std::shared_ptr<sink> make_stderr_sink(const std::string& ident) {
    return std::make_shared<stderr_sink>(ident);
}

void capture_sink::write(level l, std::string_view line) {
    std::lock_guard lock(mutex_);
    lines_.push_back(fmt::format("{}: {}", to_string(l), line));
}

std::vector<std::string> capture_sink::lines() const {
    std::lock_guard lock(mutex_);
    return lines_;
}

bool capture_sink::contains(std::string_view fragment) const {
    std::lock_guard lock(mutex_);
    return std::any_of(lines_.begin(), lines_.end(), [&](const std::string& l) {
        return l.find(fragment) != std::string::npos;
    });
}

void capture_sink::clear() {
    std::lock_guard lock(mutex_);
    lines_.clear();
}

void logger::write_line(level l, const std::string& line) const {
    // Every value was meant to be sanitised at the call site; this second pass keeps the
    // one-line-per-event promise even if a caller forgot (a newline becomes '?').
    out_->write(l, sanitize(line, 4096));
}

}  // namespace mailwarden::log
