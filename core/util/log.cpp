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

class syslog_sink final : public sink {
public:
    explicit syslog_sink(const std::string& ident) {
        // openlog(3) keeps the pointer for every later syslog() call in the process,
        // libmilter's included, so the ident must outlive any sink: it is never freed.
        static const std::string* const process_ident = new std::string(ident);
        ::openlog(process_ident->c_str(), LOG_PID | LOG_NDELAY, LOG_MAIL);
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
