// trace.cpp: correlating mail-log events into message records, and the time-ordered merge
// of several log files (see trace.hpp).
// Rules: R-TJP-4.
#include "core/audit/trace.hpp"

#include <algorithm>

namespace mailwarden::audit {

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    return out;
}

// The milter's reply (its text cut at 256 bytes with "..." by the logger) is the start of
// what smtpd logs for the same refusal ("553 5.7.1 <a@b>: Sender address rejected: ...").
bool replies_agree(std::string_view milter, std::string_view postfix) {
    if (milter.ends_with("...")) milter.remove_suffix(3);
    return !milter.empty() && postfix.starts_with(milter);
}

// mailwarden logs the client's address, smtpd "name[address]".
bool clients_agree(std::string_view milter, std::string_view postfix) {
    if (milter.empty() || postfix.empty()) return true;
    const std::string bracketed = "[" + std::string(milter) + "]";
    return postfix.find(bracketed) != std::string_view::npos;
}

std::string_view status_for(std::string_view action) {
    if (action == "reject" || action == "milter-reject") return "refused";
    if (action == "discard" || action == "milter-discard") return "discarded";
    if (action == "hold" || action == "milter-hold") return "held";
    return action;
}

bool ends_message(std::string_view action) {
    return action == "reject" || action == "milter-reject" || action == "discard" ||
           action == "milter-discard";
}

void take_milter_verdict(message_record& r, const mail_event& e) {
    if (r.client.empty()) r.client = e.client;
    if (r.auth.empty()) r.auth = e.auth;
    if (r.sender.empty()) r.sender = e.sender;
    // The milter counted the message as it streamed; qmgr's size is the queue file's.
    if (e.size) r.size = e.size;
    if (e.nrcpt) r.nrcpt = e.nrcpt;
    r.verdict = e.verdict;
    r.rule = e.rule;
    r.reply = e.reply;
}

}  // namespace

bool matches(const trace_query& q, const message_record& r) {
    if (!q.queue_id.empty() && r.queue_id != q.queue_id) return false;
    if (q.since && r.time < *q.since) return false;
    if (q.until && r.time >= *q.until) return false;
    if (!q.sender.empty() && !iequals(q.sender, r.sender)) return false;
    if (!q.recipient.empty()) {
        const bool found =
            std::any_of(r.recipients.begin(), r.recipients.end(), [&](const recipient_result& x) {
                return iequals(q.recipient, x.address) || iequals(q.recipient, x.orig_address);
            });
        if (!found) return false;
    }
    return true;
}

correlator::correlator(trace_query q, trace_limits limits)
    : query_(std::move(q)), limits_(limits) {}

void correlator::add(micros time, mail_event&& e) {
    if (time > now_) now_ = time;
    expire(now_);
    ++stats_.events;
    ++events_seen_;
    if (e.ambiguous) ++stats_.ambiguous;
    // Asked for one queue id: nothing else can match, so nothing else is held.
    if (!query_.queue_id.empty() && e.queue_id != query_.queue_id) return;
    if (e.queue_id == no_queue_id)
        add_noqueue(time, std::move(e));
    else
        add_queued(time, std::move(e));
}

recipient_result* correlator::recipient(message_record& r, const std::string& address) {
    for (auto& x : r.recipients)
        if (iequals(x.address, address)) return &x;
    if (r.recipients.size() >= limits_.max_recipients) {
        ++r.recipients_not_kept;
        return nullptr;
    }
    r.recipients.emplace_back();
    r.recipients.back().address = address;
    return &r.recipients.back();
}

void correlator::add_queued(micros time, mail_event&& e) {
    auto [it, created] = open_.try_emplace(e.queue_id);
    message_record& r = it->second;
    if (created) {
        r.time = time;
        r.order = events_seen_;
        r.queue_id = e.queue_id;
    }
    r.time = std::min(r.time, time);
    r.last = std::max(r.last, time);
    if (e.ambiguous) r.ambiguous = true;
    bool closes = false;
    switch (e.kind) {
        case event_kind::mw_message:
            take_milter_verdict(r, e);
            break;
        case event_kind::mw_recipient:
            if (r.auth.empty()) r.auth = e.auth;
            if (auto* x = recipient(r, e.recipient)) {
                if (x->status.empty()) x->status = "refused";
                x->rule = e.rule;
                if (x->reply.empty()) x->reply = e.reply;
            }
            break;
        case event_kind::pf_client:
            r.client = e.client;  // "name[address]": more than the milter's address
            if (!e.auth.empty()) r.auth = e.auth;
            break;
        case event_kind::pf_message_id:
            r.message_id = e.message_id;
            break;
        case event_kind::pf_queued:
            if (r.sender.empty()) r.sender = e.sender;
            if (!r.size) r.size = e.size;
            if (!r.nrcpt) r.nrcpt = e.nrcpt;
            break;
        case event_kind::pf_expired:
            if (r.sender.empty()) r.sender = e.sender;
            r.postfix_action = "expired";
            break;
        case event_kind::pf_delivery:
            if (auto* x = recipient(r, e.recipient)) {
                if (!e.orig_recipient.empty()) x->orig_address = e.orig_recipient;
                x->status = e.status;
                x->dsn = e.dsn;
                x->relay = e.relay;
                x->detail = e.detail;
                ++x->attempts;
            }
            break;
        case event_kind::pf_refusal:
            if (r.client.empty()) r.client = e.client;
            if (r.sender.empty()) r.sender = e.sender;
            if (e.stage == "RCPT") {
                // One recipient refused; the message goes on to the others.
                if (auto* x = recipient(r, e.recipient)) {
                    x->status = status_for(e.action);
                    x->reply = e.reply;
                }
            } else {
                r.postfix_action = e.action;
                r.postfix_stage = e.stage;
                r.postfix_reply = e.reply;
                if (!e.recipient.empty())
                    if (auto* x = recipient(r, e.recipient))
                        if (x->status.empty()) x->status = status_for(e.action);
                closes = ends_message(e.action);
            }
            break;
        case event_kind::pf_removed:
            closes = true;
            break;
        case event_kind::none:
            break;
    }
    if (closes && !r.finished) {
        r.finished = true;
        closing_.emplace(time + limits_.close_grace, r.queue_id);
    }
    if (open_.size() > limits_.max_open) flush_oldest_open();
}

void correlator::add_noqueue(micros time, mail_event&& e) {
    pending p;
    message_record& r = p.record;
    r.time = r.last = time;
    r.order = events_seen_;
    r.queue_id = no_queue_id;
    r.ambiguous = e.ambiguous;
    r.finished = true;  // refused before it had a queue file
    if (e.kind == event_kind::mw_message) {
        take_milter_verdict(r, e);
        p.from_milter = true;
        p.join_key = lower(e.sender);
    } else if (e.kind == event_kind::mw_recipient) {
        r.auth = e.auth;
        r.verdict = e.verdict;
        r.rule = e.rule;
        r.reply = e.reply;
        if (auto* x = recipient(r, e.recipient)) {
            x->status = "refused";
            x->rule = e.rule;
            x->reply = e.reply;
        }
        p.from_milter = true;
        p.join_key = "rcpt:" + lower(e.recipient);
    } else if (e.kind == event_kind::pf_refusal) {
        r.client = e.client;
        r.sender = e.sender;
        r.postfix_action = e.action;
        r.postfix_stage = e.stage;
        r.postfix_reply = e.reply;
        if (!e.recipient.empty())
            if (auto* x = recipient(r, e.recipient)) {
                x->status = status_for(e.action);
                x->reply = e.reply;
            }
        // Only a milter's refusal has a milter line to join; Postfix's own stands alone.
        if (e.action != "milter-reject") {
            emit(std::move(r));
            return;
        }
        p.from_postfix = true;
        p.join_key = e.stage == "RCPT" ? "rcpt:" + lower(e.recipient) : lower(e.sender);
    } else {
        return;
    }

    auto [lo, hi] = noqueue_index_.equal_range(p.join_key);
    for (auto i = lo; i != hi; ++i) {
        pending& other = i->second->second;
        if (other.from_milter == p.from_milter) continue;
        pending& milter = p.from_milter ? p : other;
        pending& postfix = p.from_milter ? other : p;
        if (!replies_agree(milter.record.reply, postfix.record.postfix_reply)) continue;
        if (!clients_agree(milter.record.client, postfix.record.client)) continue;
        // One refusal, two witnesses: smtpd's envelope and client name, the milter's
        // login, verdict and rule.
        message_record joined = std::move(postfix.record);
        const message_record& m = milter.record;
        joined.time = std::min(joined.time, m.time);
        joined.order = std::min(joined.order, m.order);
        joined.last = std::max(joined.last, m.last);
        joined.auth = m.auth;
        joined.verdict = m.verdict;
        joined.rule = m.rule;
        joined.reply = m.reply;
        if (joined.sender.empty()) joined.sender = m.sender;
        if (m.size) joined.size = m.size;
        if (m.nrcpt) joined.nrcpt = m.nrcpt;
        joined.ambiguous = joined.ambiguous || m.ambiguous;
        for (const auto& x : m.recipients)
            if (auto* y = recipient(joined, x.address))
                if (y->rule.empty()) y->rule = x.rule;
        noqueue_.erase(i->second);
        noqueue_index_.erase(i);
        emit(std::move(joined));
        return;
    }
    const auto at = noqueue_.emplace(time, std::move(p));
    noqueue_index_.emplace(at->second.join_key, at);
}

void correlator::expire(micros now) {
    while (!closing_.empty() && closing_.begin()->first < now) {
        const auto it = open_.find(closing_.begin()->second);
        closing_.erase(closing_.begin());
        if (it != open_.end() && it->second.finished) {
            emit(std::move(it->second));
            open_.erase(it);
        }
    }
    while (!noqueue_.empty() && noqueue_.begin()->first + limits_.join_window < now) {
        const auto oldest = noqueue_.begin();
        auto [lo, hi] = noqueue_index_.equal_range(oldest->second.join_key);
        for (auto i = lo; i != hi; ++i)
            if (i->second == oldest) {
                noqueue_index_.erase(i);
                break;
            }
        emit(std::move(oldest->second.record));
        noqueue_.erase(oldest);
    }
}

void correlator::flush_oldest_open() {
    // Messages in the queue this long are rare (deferred ones); flushing the older half
    // keeps memory bounded, and a later line of one starts a second record.
    std::vector<std::pair<micros, std::string>> ages;
    ages.reserve(open_.size());
    for (const auto& [id, r] : open_) ages.emplace_back(r.last, id);
    const auto middle = ages.begin() + static_cast<std::ptrdiff_t>(ages.size() / 2);
    std::nth_element(ages.begin(), middle, ages.end());
    for (auto i = ages.begin(); i != middle; ++i) {
        const auto it = open_.find(i->second);
        emit(std::move(it->second));
        open_.erase(it);
        ++stats_.flushed_open;
    }
}

void correlator::emit(message_record&& r) {
    if (!matches(query_, r)) return;
    if (results_.size() >= limits_.max_results) {
        ++stats_.results_dropped;
        return;
    }
    results_.push_back(std::move(r));
}

void correlator::finish() {
    for (auto& [id, r] : open_) emit(std::move(r));
    open_.clear();
    closing_.clear();
    for (auto& [time, p] : noqueue_) emit(std::move(p.record));
    noqueue_.clear();
    noqueue_index_.clear();
}

std::vector<message_record> correlator::take_results() {
    std::sort(results_.begin(), results_.end(),
              [](const message_record& a, const message_record& b) {
                  return a.time != b.time ? a.time < b.time : a.order < b.order;
              });
    return std::move(results_);
}

void scan(std::vector<trace_input>& inputs, correlator& c) {
    struct head {
        std::string line;
        std::optional<syslog_line> parsed;  // views into line: heads never move
    };
    std::vector<head> heads(inputs.size());
    trace_stats& stats = c.stats();
    auto advance = [&](std::size_t i) {
        head& h = heads[i];
        h.parsed.reset();
        while (inputs[i].next_line(h.line)) {
            ++stats.lines;
            h.parsed = parse_syslog_line(h.line, inputs[i].stamps);
            if (h.parsed) return;
            ++stats.without_header;
        }
    };
    for (std::size_t i = 0; i < inputs.size(); ++i) advance(i);
    mail_event e;
    for (;;) {
        std::size_t best = heads.size();
        for (std::size_t i = 0; i < heads.size(); ++i)
            if (heads[i].parsed &&
                (best == heads.size() || heads[i].parsed->time < heads[best].parsed->time))
                best = i;
        if (best == heads.size()) break;
        const syslog_line& l = *heads[best].parsed;
        const parse_outcome outcome = parse_mail_event(l.program, l.text, e);
        if (outcome == parse_outcome::malformed) ++stats.malformed;
        if (outcome == parse_outcome::event) c.add(l.time, std::move(e));
        advance(best);
    }
    c.finish();
}

}  // namespace mailwarden::audit
