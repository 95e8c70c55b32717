// notice.cpp: composing quota warning / back-under mails (notice.hpp). Rules: R-SAV-1, R-SAV-2.
#include "core/quota/notice.hpp"

#include <fmt/format.h>

#include <array>
#include <ctime>

#include "core/util/log.hpp"

namespace mailwarden::quota {

namespace {

// One language's texts; {to} {usage} {limit} {grace_end} are filled in by compose_notice.
struct templates {
    std::string_view lang;
    std::string_view subject_warning;
    std::string_view subject_back_under;
    std::string_view usage_line;  // {to} {usage}
    std::string_view limit_line;  // {limit}
    std::string_view unlimited_line;
    std::string_view grace_line;  // {grace_end}
    std::string_view refusing_line;
    std::string_view advice_line;
    std::string_view back_under_line;  // {to} {usage} {limit}
};

constexpr std::array<templates, 3> all_templates{{
    {"en", "Your mailbox is nearly full", "Your mailbox is back under its quota",
     "Your mailbox {to} now holds {usage}.", "Its limit is {limit}.", "It has no size limit.",
     "It is over the limit: mail is still delivered until {grace_end}; after that it is returned "
     "to the senders until you delete mail to get back under the limit.",
     "It is over the limit: new mail is returned to the senders until you delete mail.",
     "Please delete messages you no longer need (and empty the Trash).",
     "Your mailbox {to} now holds {usage} and is back under its limit of {limit}. Mail is "
     "delivered as usual."},
    {"sk", "Vaša schránka je takmer plná", "Vaša schránka je opäť pod limitom",
     "Vaša poštová schránka {to} má teraz obsadených {usage}.", "Jej limit je {limit}.",
     "Nemá obmedzenú veľkosť.",
     "Limit je prekročený: pošta sa doručuje do {grace_end}, potom sa bude vracať "
     "odosielateľom, kým nevymažete správy pod limit.",
     "Limit je prekročený: nová pošta sa vracia odosielateľom, kým nevymažete správy.",
     "Prosím, vymažte správy, ktoré už nepotrebujete (a vyprázdnite Kôš).",
     "Vaša poštová schránka {to} má teraz obsadených {usage} a je opäť pod limitom {limit}. "
     "Pošta sa doručuje normálne."},
    {"ru", "Ваш почтовый ящик почти заполнен", "Ваш почтовый ящик снова в пределах квоты",
     "Ваш почтовый ящик {to} сейчас занимает {usage}.", "Его лимит: {limit}.",
     "Его размер не ограничен.",
     "Лимит превышен: почта доставляется до {grace_end}, после этого письма будут "
     "возвращаться отправителям, пока вы не удалите часть писем.",
     "Лимит превышен: новые письма возвращаются отправителям, пока вы не удалите часть писем.",
     "Пожалуйста, удалите ненужные письма (и очистите Корзину).",
     "Ваш почтовый ящик {to} сейчас занимает {usage} и снова укладывается в лимит {limit}. "
     "Почта доставляется как обычно."},
}};

const templates& find_templates(std::string_view lang) {
    for (const auto& t : all_templates)
        if (t.lang == lang) return t;
    return all_templates[0];
}

std::string human_size(std::uint64_t bytes) {
    if (bytes < 1'000'000) return fmt::format("{} bytes", bytes);
    return fmt::format("{:.1f} MB", static_cast<double>(bytes) / 1e6);
}

std::tm utc_tm(time_point t) {
    const std::time_t tt = static_cast<std::time_t>(t.time_since_epoch().count());
    std::tm tm{};
    gmtime_r(&tt, &tm);
    return tm;
}

// "2027-01-22 08:00 UTC": the grace end, unambiguous in every language.
std::string utc_day_time(time_point t) {
    const std::tm tm = utc_tm(t);
    return fmt::format("{:04}-{:02}-{:02} {:02}:{:02} UTC", tm.tm_year + 1900, tm.tm_mon + 1,
                       tm.tm_mday, tm.tm_hour, tm.tm_min);
}

// RFC 5322 date-time in UTC (English names whatever the process locale).
std::string rfc5322_date(time_point t) {
    static constexpr std::array<std::string_view, 7> days{"Sun", "Mon", "Tue", "Wed",
                                                          "Thu", "Fri", "Sat"};
    static constexpr std::array<std::string_view, 12> months{
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::tm tm = utc_tm(t);
    return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000",
                       days[static_cast<std::size_t>(tm.tm_wday) % 7], tm.tm_mday,
                       months[static_cast<std::size_t>(tm.tm_mon) % 12], tm.tm_year + 1900,
                       tm.tm_hour, tm.tm_min, tm.tm_sec);
}

// Replaces {name} placeholders (names without braces in the values: no re-expansion).
std::string fill(std::string_view text, std::string_view to, std::string_view usage,
                 std::string_view limit, std::string_view grace_end) {
    std::string out;
    for (std::size_t i = 0; i < text.size();) {
        const auto try_key = [&](std::string_view key, std::string_view value) {
            if (text.substr(i, key.size()) != key) return false;
            out += value;
            i += key.size();
            return true;
        };
        if (text[i] == '{' && (try_key("{to}", to) || try_key("{usage}", usage) ||
                               try_key("{limit}", limit) || try_key("{grace_end}", grace_end)))
            continue;
        out += text[i++];
    }
    return out;
}

std::string base64(std::string_view in) {
    static constexpr char table[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    std::size_t i = 0;
    for (; i + 2 < in.size(); i += 3) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16 |
                           static_cast<unsigned char>(in[i + 1]) << 8 |
                           static_cast<unsigned char>(in[i + 2]);
        out += {table[v >> 18 & 63], table[v >> 12 & 63], table[v >> 6 & 63], table[v & 63]};
    }
    if (i + 1 == in.size()) {
        const unsigned v = static_cast<unsigned char>(in[i]) << 16;
        out += {table[v >> 18 & 63], table[v >> 12 & 63], '=', '='};
    } else if (i + 2 == in.size()) {
        const unsigned v =
            static_cast<unsigned char>(in[i]) << 16 | static_cast<unsigned char>(in[i + 1]) << 8;
        out += {table[v >> 18 & 63], table[v >> 12 & 63], table[v >> 6 & 63], '='};
    }
    return out;
}

// RFC 2047 for a non-ASCII subject; ASCII stays readable.
std::string encode_header_text(std::string_view text) {
    for (const char c : text)
        if (static_cast<unsigned char>(c) >= 0x80) return "=?UTF-8?B?" + base64(text) + "?=";
    return std::string(text);
}

// A header value without control characters (no CR/LF: no injected headers), bounded.
std::string header_safe(std::string_view value) {
    std::string out;
    for (const char c : value.substr(0, 320))
        if (static_cast<unsigned char>(c) >= 0x20 && c != 0x7f) out += c;
    return out;
}

}  // namespace

std::string_view template_language(std::string_view lang) {
    std::string primary;
    for (const char c : lang) {
        if (c == '-' || c == '_' || c == ';' || c == ',' || c == ' ') break;
        primary += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    }
    for (const auto& t : all_templates)
        if (t.lang == primary) return t.lang;
    return all_templates[0].lang;
}

std::string compose_notice(const notice_facts& f) {
    const templates& t = find_templates(template_language(f.language));
    const std::string to = header_safe(f.to), from = header_safe(f.from);
    const std::string usage = human_size(f.usage_bytes);
    const std::string limit = f.limit_bytes == 0 ? std::string("-") : human_size(f.limit_bytes);
    const std::string grace_end = f.grace_end ? utc_day_time(*f.grace_end) : "";
    const bool warning = f.kind == notice_kind::warning;

    std::string body;
    const auto line = [&](std::string_view text) {
        body += fill(text, to, usage, limit, grace_end);
        body += "\r\n";
    };
    if (warning) {
        line(t.usage_line);
        line(f.limit_bytes == 0 ? t.unlimited_line : t.limit_line);
        if (f.grace_end && *f.grace_end > f.now)
            line(t.grace_line);
        else if (f.limit_bytes != 0 && f.usage_bytes > f.limit_bytes)
            line(t.refusing_line);
        body += "\r\n";
        line(t.advice_line);
    } else {
        line(t.back_under_line);
    }

    std::string msg;
    msg += fmt::format("From: {}\r\n", from);
    msg += fmt::format("To: {}\r\n", to);
    msg += fmt::format("Subject: {}\r\n",
                       encode_header_text(warning ? t.subject_warning : t.subject_back_under));
    msg += fmt::format("Date: {}\r\n", rfc5322_date(f.now));
    msg += fmt::format("Message-ID: <mailwarden-quota.{}.{}@{}>\r\n",
                       warning ? "warning" : "back-under", f.now.time_since_epoch().count(),
                       header_safe(f.message_id_host));
    msg += "Auto-Submitted: auto-generated\r\n";
    msg += fmt::format("X-Mailwarden-Quota: {}\r\n", warning ? "warning" : "back-under");
    msg += fmt::format("Content-Language: {}\r\n", t.lang);
    msg += "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=UTF-8\r\n";
    msg += "Content-Transfer-Encoding: 8bit\r\n\r\n";
    msg += body;
    return msg;
}

}  // namespace mailwarden::quota
