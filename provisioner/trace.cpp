// trace.cpp: `mailwarden trace` (R-TJP-4): finds messages by sender, recipient or queue id
// in the mail log (default /var/log/mail.log and its rotations, plain or gzip) over the
// last 30 days, and prints one block per message or one JSON document.
// Streaming: every file is read through zlib in 256 KiB chunks, a line at a time (lines
// over 64 KiB are cut), merged by time with the others, and only messages still in the
// queue and the matches are held (core/audit/trace.hpp): memory does not grow with the log.
// A file whose mtime is before --since holds no line in the window and is not opened.
// Exit codes: 0 (also when nothing matches: an empty result is an answer), 64 usage,
// 66 (EX_NOINPUT) when no log file could be read.
// Security: the log holds attacker-chosen text; every value printed is sanitised (control
// characters and invalid UTF-8 become '?', length bounded) and JSON-escaped.
// Rules: R-TJP-4.
#include "provisioner/trace.hpp"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <memory>
#include <set>
#include <unordered_map>

#include "core/util/log.hpp"
#include "provisioner/commands.hpp"

namespace mailwarden::provisioner {

using audit::micros;
using audit::micros_per_second;

namespace {

constexpr int ex_noinput = 66;
constexpr std::size_t max_line = 64 * 1024;
constexpr std::size_t max_value = 2048;

std::string clean(std::string_view v) { return log::sanitize(v, max_value); }
std::string js(std::string_view v) { return json_string(clean(v)); }

int digits_value(std::string_view s) {
    int v = 0;
    for (char c : s) {
        if (c < '0' || c > '9') return -1;
        v = v * 10 + (c - '0');
    }
    return s.empty() ? -1 : v;
}

// Local time through the C library (the zone database the host uses for its own log),
// cached per hour: mktime is slow and a log has few distinct hours.
class local_zone {
public:
    micros to_utc(const audit::civil_time& c) {
        const std::int64_t key = audit::days_from_civil(c.year, c.month, c.day) * 24 + c.hour;
        auto it = to_utc_.find(key);
        if (it == to_utc_.end()) {
            std::tm tm{};
            tm.tm_year = c.year - 1900;
            tm.tm_mon = c.month - 1;
            tm.tm_mday = c.day;
            tm.tm_hour = c.hour;
            tm.tm_isdst = -1;
            const std::time_t t = std::mktime(&tm);
            const std::int64_t offset = t == static_cast<std::time_t>(-1) ? 0 : key * 3600 - t;
            if (to_utc_.size() > 100'000) to_utc_.clear();
            it = to_utc_.emplace(key, offset).first;
        }
        return audit::micros_from_civil(c) - it->second * micros_per_second;
    }

    int offset_at(micros t) {
        const std::int64_t hour = t / (3600 * micros_per_second);
        auto it = offsets_.find(hour);
        if (it == offsets_.end()) {
            const std::time_t secs = static_cast<std::time_t>(t / micros_per_second);
            std::tm tm{};
            int offset = 0;
            if (::localtime_r(&secs, &tm) != nullptr) offset = static_cast<int>(tm.tm_gmtoff);
            if (offsets_.size() > 100'000) offsets_.clear();
            it = offsets_.emplace(hour, offset).first;
        }
        return it->second;
    }

private:
    std::unordered_map<std::int64_t, std::int64_t> to_utc_;
    std::unordered_map<std::int64_t, int> offsets_;
};

// Lines of a plain or gzip file (zlib reads both), bounded in length.
class line_reader {
public:
    explicit line_reader(gzFile f) : file_(f), buffer_(256 * 1024) {
        ::gzbuffer(file_, 256 * 1024);
    }
    ~line_reader() { ::gzclose(file_); }
    line_reader(const line_reader&) = delete;
    line_reader& operator=(const line_reader&) = delete;

    bool next(std::string& line) {
        line.clear();
        bool any = false;
        for (;;) {
            if (pos_ == len_) {
                if (done_) return any;
                const int n =
                    ::gzread(file_, buffer_.data(), static_cast<unsigned>(buffer_.size()));
                if (n <= 0) {
                    done_ = true;
                    if (n < 0 || !::gzeof(file_)) {
                        int code = 0;
                        const char* what = ::gzerror(file_, &code);
                        error_ = code == Z_ERRNO ? std::strerror(errno) : (what ? what : "");
                    }
                    return any;
                }
                pos_ = 0;
                len_ = static_cast<std::size_t>(n);
            }
            any = true;
            const char* start = buffer_.data() + pos_;
            const auto* nl = static_cast<const char*>(std::memchr(start, '\n', len_ - pos_));
            const std::size_t take = nl ? static_cast<std::size_t>(nl - start) : len_ - pos_;
            if (line.size() < max_line) line.append(start, std::min(take, max_line - line.size()));
            pos_ += take;
            if (nl) {
                ++pos_;
                return true;
            }
        }
    }

    const std::string& error() const { return error_; }

private:
    gzFile file_;
    std::vector<char> buffer_;
    std::size_t pos_ = 0;
    std::size_t len_ = 0;
    bool done_ = false;
    std::string error_;
};

micros now_micros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

std::string plural(std::uint64_t n, std::string_view one, std::string_view many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
}

// The default: /var/log/mail.log (Debian) or /var/log/maillog (Red Hat) and rotations.
std::vector<std::string> default_logs() {
    namespace fs = std::filesystem;
    const fs::path dir = "/var/log";
    std::error_code ec;
    std::string base = "mail.log";
    if (!fs::exists(dir / base, ec) && fs::exists(dir / "maillog", ec)) base = "maillog";
    std::vector<std::string> found;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        if (is_rotation_of(it->path().filename().string(), base))
            found.push_back(it->path().string());
    std::sort(found.begin(), found.end());
    if (found.empty()) found.push_back((dir / base).string());
    return found;
}

std::string strip_brackets(std::string a) {
    if (a.size() > 2 && a.front() == '<' && a.back() == '>') return a.substr(1, a.size() - 2);
    return a;
}

}  // namespace

std::optional<micros> parse_when(std::string_view text, micros now,
                                 const local_to_utc_fn& local_to_utc) {
    if (text.size() >= 2 && text.size() <= 7) {
        const int n = digits_value(text.substr(0, text.size() - 1));
        const char unit = text.back();
        const std::int64_t seconds = unit == 'd'   ? 86'400
                                     : unit == 'h' ? 3600
                                     : unit == 'm' ? 60
                                                   : 0;
        if (n >= 0 && seconds != 0) return now - n * seconds * micros_per_second;
    }
    // Local: "2026-11-01", "2026-11-01T10:00", "2026-11-01T10:00:30".
    if ((text.size() == 10 || text.size() == 16 || text.size() == 19) && text[4] == '-' &&
        text[7] == '-') {
        audit::civil_time c;
        c.year = digits_value(text.substr(0, 4));
        c.month = digits_value(text.substr(5, 2));
        c.day = digits_value(text.substr(8, 2));
        bool ok = c.year >= 1970 && audit::valid_date(c.year, c.month, c.day);
        if (ok && text.size() > 10) {
            ok = (text[10] == 'T' || text[10] == ' ') && text[13] == ':';
            c.hour = digits_value(text.substr(11, 2));
            c.minute = digits_value(text.substr(14, 2));
            if (text.size() == 19) {
                ok = ok && text[16] == ':';
                c.second = digits_value(text.substr(17, 2));
            }
            ok = ok && c.hour >= 0 && c.hour <= 23 && c.minute >= 0 && c.minute <= 59 &&
                 c.second >= 0 && c.second <= 59;
        }
        if (!ok) return std::nullopt;
        return local_to_utc ? local_to_utc(c) : audit::micros_from_civil(c);
    }
    std::string_view rest;
    const auto t = audit::parse_rfc3339(text, &rest);
    if (t && rest.empty()) return t;
    return std::nullopt;
}

bool is_rotation_of(std::string_view name, std::string_view base) {
    if (!name.starts_with(base)) return false;
    std::string_view rest = name.substr(base.size());
    if (rest.ends_with(".gz")) rest.remove_suffix(3);
    if (rest.empty()) return name.size() == base.size();  // "base.gz" is not a rotation
    const char sep = rest.front();
    const std::string_view number = rest.substr(1);
    // `postfix logrotate` (maillog_file): base.YYYYMMDD-HHMMSS
    if (sep == '.' && number.size() == 15 && number[8] == '-') {
        return number.substr(0, 8).find_first_not_of("0123456789") == std::string_view::npos &&
               number.substr(9).find_first_not_of("0123456789") == std::string_view::npos;
    }
    if (number.empty() || number.find_first_not_of("0123456789") != std::string_view::npos)
        return false;
    if (sep == '.') return number.size() <= 4;
    if (sep == '-') return number.size() >= 8 && number.size() <= 10;  // dateext
    return false;
}

void print_trace_text(const trace_report& r, const utc_offset_fn& offset, std::ostream& out) {
    auto when = [&](micros t) { return audit::format_rfc3339(t, offset ? offset(t) : 0); };
    for (const auto& m : r.messages) {
        out << when(m.time) << "  " << clean(m.queue_id) << "\n";
        auto field = [&](std::string_view name, const std::string& value) {
            out << fmt::format("  {:<12}{}\n", name, value);
        };
        if (!m.client.empty()) field("client", clean(m.client));
        if (!m.auth.empty()) field("login", clean(m.auth));
        if (!m.sender.empty()) field("from", clean(m.sender));
        if (m.size || m.nrcpt) {
            std::string s = m.size ? plural(*m.size, "byte", "bytes") : "";
            if (m.nrcpt) s += (s.empty() ? "" : ", ") + plural(*m.nrcpt, "recipient", "recipients");
            field("size", s);
        }
        if (!m.message_id.empty()) field("message-id", clean(m.message_id));
        if (m.verdict.empty()) {
            field("mailwarden", "no audit line");
        } else {
            std::string v = clean(m.verdict);
            if (!m.rule.empty()) v += ", rule " + clean(m.rule);
            if (!m.reply.empty()) v += ": " + clean(m.reply);
            field("mailwarden", v);
        }
        if (!m.postfix_action.empty()) {
            std::string v = clean(m.postfix_action);
            if (!m.postfix_stage.empty()) v += " at " + clean(m.postfix_stage);
            if (!m.postfix_reply.empty()) v += ": " + clean(m.postfix_reply);
            field("postfix", v);
        }
        for (const auto& x : m.recipients) {
            std::string v = clean(x.address);
            if (!x.orig_address.empty()) v += " (was " + clean(x.orig_address) + ")";
            v += ": " + (x.status.empty() ? std::string("no status") : clean(x.status));
            if (!x.dsn.empty()) v += " " + clean(x.dsn);
            if (!x.relay.empty()) v += ", relay " + clean(x.relay);
            if (!x.rule.empty()) v += ", rule " + clean(x.rule);
            if (!x.reply.empty()) v += ": " + clean(x.reply);
            if (!x.detail.empty()) v += " (" + clean(x.detail) + ")";
            if (x.attempts > 1) v += fmt::format(", after {} attempts", x.attempts);
            field("to", v);
        }
        if (m.recipients_not_kept > 0)
            field("to", fmt::format("... and {} more recipient line(s) not shown",
                                    m.recipients_not_kept));
        if (!m.finished && m.queue_id != audit::no_queue_id)
            field("note", "not finished at the end of the log (still queued, or lines missing)");
        if (m.ambiguous)
            field("warning", "a line of this message reads more than one way (forged fields?)");
        out << "\n";
    }
    std::string window = r.since ? "since " + when(*r.since) : "from the start";
    if (r.until) window += ", before " + when(*r.until);
    std::size_t read = 0;
    for (const auto& f : r.files) read += f.state == "read";
    out << fmt::format("{} found in {} ({})\n", plural(r.messages.size(), "message", "messages"),
                       plural(read, "log file", "log files"), window);
}

std::string trace_json(const trace_report& r) {
    auto time = [](micros t) { return json_string(audit::format_rfc3339(t)); };
    auto number = [](const std::optional<std::uint64_t>& n) {
        return n ? std::to_string(*n) : std::string("null");
    };
    std::string out = "{\"messages\":[";
    for (std::size_t i = 0; i < r.messages.size(); ++i) {
        const auto& m = r.messages[i];
        out += fmt::format(
            "{}{{\"time\":{},\"epoch\":{},\"queue_id\":{},\"client\":{},\"auth\":{},"
            "\"sender\":{},\"size\":{},\"nrcpt\":{},\"message_id\":{},",
            i ? "," : "", time(m.time), m.time / micros_per_second, js(m.queue_id), js(m.client),
            js(m.auth), js(m.sender), number(m.size), number(m.nrcpt), js(m.message_id));
        if (m.verdict.empty())
            out += "\"mailwarden\":null,";
        else
            out += fmt::format("\"mailwarden\":{{\"verdict\":{},\"rule\":{},\"reply\":{}}},",
                               js(m.verdict), js(m.rule), js(m.reply));
        if (m.postfix_action.empty())
            out += "\"postfix\":null,";
        else
            out += fmt::format("\"postfix\":{{\"action\":{},\"stage\":{},\"reply\":{}}},",
                               js(m.postfix_action), js(m.postfix_stage), js(m.postfix_reply));
        out += "\"recipients\":[";
        for (std::size_t j = 0; j < m.recipients.size(); ++j) {
            const auto& x = m.recipients[j];
            out += fmt::format(
                "{}{{\"address\":{},\"orig_address\":{},\"status\":{},\"dsn\":{},\"relay\":{},"
                "\"detail\":{},\"rule\":{},\"reply\":{},\"attempts\":{}}}",
                j ? "," : "", js(x.address), js(x.orig_address), js(x.status), js(x.dsn),
                js(x.relay), js(x.detail), js(x.rule), js(x.reply), x.attempts);
        }
        out += fmt::format("],\"recipients_not_kept\":{},\"finished\":{},\"ambiguous\":{}}}",
                           m.recipients_not_kept, m.finished ? "true" : "false",
                           m.ambiguous ? "true" : "false");
    }
    out += fmt::format("],\"count\":{},\"since\":{},\"until\":{},\"files\":[", r.messages.size(),
                       r.since ? time(*r.since) : "null", r.until ? time(*r.until) : "null");
    for (std::size_t i = 0; i < r.files.size(); ++i)
        out += fmt::format("{}{{\"path\":{},\"state\":{},\"error\":{}}}", i ? "," : "",
                           js(r.files[i].path), js(r.files[i].state), js(r.files[i].error));
    const auto& s = r.stats;
    out += fmt::format(
        "],\"stats\":{{\"lines\":{},\"without_header\":{},\"events\":{},\"malformed\":{},"
        "\"ambiguous\":{},\"flushed_open\":{},\"results_dropped\":{}}},\"notes\":[",
        s.lines, s.without_header, s.events, s.malformed, s.ambiguous, s.flushed_open,
        s.results_dropped);
    for (std::size_t i = 0; i < r.notes.size(); ++i) out += (i ? "," : "") + js(r.notes[i]);
    return out + "]}";
}

namespace {

int run_trace(const trace_options& o, bool json, std::ostream& out, std::ostream& err) {
    auto fail = [&](int code, const std::string& message) {
        if (json)
            out << "{\"messages\":[],\"count\":0,\"error\":" << js(message)
                << ",\"exit_code\":" << code << "}\n";
        err << "mailwarden: " << clean(message) << "\n";
        return code;
    };
    if (o.sender.empty() && o.recipient.empty() && o.queue_id.empty())
        return fail(ex_usage, "trace needs --sender, --recipient or --queue-id");

    const micros now = now_micros();
    local_zone zone;
    const local_to_utc_fn to_utc = [&zone](const audit::civil_time& c) { return zone.to_utc(c); };
    trace_report report;
    audit::trace_query q;
    q.sender = strip_brackets(o.sender);
    q.recipient = strip_brackets(o.recipient);
    q.queue_id = o.queue_id;
    report.since = parse_when(o.since.empty() ? "30d" : o.since, now, to_utc);
    if (!report.since) return fail(ex_usage, "--since takes YYYY-MM-DD[THH:MM[:SS]] or 30d, 12h");
    if (!o.until.empty()) {
        report.until = parse_when(o.until, now, to_utc);
        if (!report.until)
            return fail(ex_usage, "--until takes YYYY-MM-DD[THH:MM[:SS]] or 30d, 12h");
    }
    q.since = report.since;
    q.until = report.until;

    std::vector<std::unique_ptr<line_reader>> readers;
    std::vector<audit::trace_input> inputs;
    const std::vector<std::string> paths = o.logs.empty() ? default_logs() : o.logs;
    std::set<std::pair<dev_t, ino_t>> seen;
    for (const std::string& path : paths) {
        trace_file f{path, "read", ""};
        struct stat st {};
        gzFile g = nullptr;
        micros mtime = now;
        if (path == "-") {
            const int fd = ::dup(STDIN_FILENO);
            g = fd < 0 ? nullptr : ::gzdopen(fd, "rb");
            if (g == nullptr && fd >= 0) ::close(fd);
        } else if (::stat(path.c_str(), &st) != 0) {
            f.state = "unreadable";
            f.error = std::strerror(errno);
        } else if (!S_ISREG(st.st_mode)) {
            f.state = "unreadable";
            f.error = "not a regular file";
        } else if (!seen.emplace(st.st_dev, st.st_ino).second) {
            // Read twice, every message would be found twice.
            f.state = "skipped";
            f.error = "the same file as an earlier one";
        } else {
            mtime = static_cast<micros>(st.st_mtim.tv_sec) * micros_per_second +
                    st.st_mtim.tv_nsec / 1000;
            // No line of the file is later than its mtime: one older than --since has
            // nothing in the window.
            if (mtime < *report.since)
                f.state = "skipped";
            else
                g = ::gzopen(path.c_str(), "rb");
        }
        if (f.state == "read" && g == nullptr) {
            f.state = "unreadable";
            f.error = std::strerror(errno);
        }
        if (f.state == "unreadable")
            report.notes.push_back(fmt::format("cannot read {}: {}", path, f.error));
        if (g != nullptr) {
            readers.push_back(std::make_unique<line_reader>(g));
            line_reader* reader = readers.back().get();
            audit::trace_input in;
            in.next_line = [reader](std::string& line) { return reader->next(line); };
            in.stamps.reference = mtime;
            in.stamps.local_to_utc = to_utc;
            inputs.push_back(std::move(in));
        }
        report.files.push_back(std::move(f));
    }
    const bool any_usable =
        std::any_of(report.files.begin(), report.files.end(),
                    [](const trace_file& f) { return f.state != "unreadable"; });
    if (!any_usable) {
        for (const auto& n : report.notes) err << "mailwarden: " << clean(n) << "\n";
        return fail(ex_noinput, "no mail log could be read");
    }

    audit::correlator c(q);
    audit::scan(inputs, c);
    report.messages = c.take_results();
    report.stats = c.stats();
    std::size_t reader_index = 0;
    for (auto& f : report.files) {
        if (f.state != "read") continue;
        const std::string& e = readers[reader_index++]->error();
        if (!e.empty()) {
            f.error = e;
            report.notes.push_back(
                fmt::format("{}: read error: {} (the rest of it is not read)", f.path, e));
        }
    }
    if (report.stats.malformed > 0)
        report.notes.push_back(fmt::format(
            "{} line(s) looked like mailwarden or Postfix lines about a message but could not "
            "be read (cut short or forged)",
            report.stats.malformed));
    if (report.stats.flushed_open > 0)
        report.notes.push_back(fmt::format(
            "{} unfinished message(s) were set aside to bound memory; a later line of one "
            "shows as a second record",
            report.stats.flushed_open));
    if (report.stats.results_dropped > 0)
        report.notes.push_back(fmt::format("{} further match(es) not shown: narrow the search",
                                           report.stats.results_dropped));

    if (json) {
        out << trace_json(report) << "\n";
    } else {
        print_trace_text(
            report, [&zone](micros t) { return zone.offset_at(t); }, out);
    }
    for (const auto& n : report.notes) err << "mailwarden: " << clean(n) << "\n";
    return ex_ok;
}

}  // namespace

int trace(const trace_options& o, bool json, std::ostream& out, std::ostream& err) {
    try {
        return run_trace(o, json, out, err);
    } catch (const std::exception& e) {
        // main() dispatches trace before its own handler (no configuration is loaded).
        const std::string message = std::string("internal error: ") + e.what();
        if (json)
            out << "{\"messages\":[],\"count\":0,\"error\":" << js(message)
                << ",\"exit_code\":70}\n";
        err << "mailwarden: " << clean(message) << "\n";
        return 70;  // EX_SOFTWARE
    }
}

}  // namespace mailwarden::provisioner
