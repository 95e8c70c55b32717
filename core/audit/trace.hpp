// trace.hpp: `mailwarden trace` without the files: mail-log events correlated by queue id
// into one record per message (time, client, login, sender, size, mailwarden's verdict,
// rule and reply, Postfix's refusal and each recipient's delivery status), filtered by
// sender, recipient, queue id and time window.
// Streaming: lines are fed one at a time, merged across files by time; a message's record
// is held only while it is in Postfix's queue (it is closed by "removed" or a refusal) and
// at most limits.max_open records are held at once, so a 1 GB log needs memory for the
// messages in flight and the matches only.
// Refusals before Postfix assigns a queue id ("NOQUEUE": MAIL FROM, the first RCPT) are
// logged twice, by the milter (with the rule id) and by smtpd (with the client name and
// the envelope); the two are joined when they name the same address with the same reply
// within limits.join_window.
// Rules: R-TJP-4.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/audit/mail_event.hpp"
#include "core/audit/syslog_line.hpp"

namespace mailwarden::audit {

struct recipient_result {
    std::string address;
    std::string orig_address;  // before aliasing (Postfix orig_to=)
    std::string status;        // sent, deferred, bounced, expired, refused, held, discarded
    std::string dsn;
    std::string relay;
    std::string detail;     // the delivery agent's text (the remote server's answer)
    std::string rule;       // mailwarden's rule when it refused this recipient
    std::string reply;      // the refusal's SMTP reply
    unsigned attempts = 0;  // delivery lines seen (deferrals and the last one)
};

struct message_record {
    micros time = 0;          // its first line
    micros last = 0;          // its latest line
    std::uint64_t order = 0;  // where its first line is in the merged log (ties of time)
    std::string queue_id;
    std::string client;
    std::string auth;
    std::string sender;
    std::string message_id;
    std::optional<std::uint64_t> size;
    std::optional<std::uint64_t> nrcpt;
    // mailwarden-milter's verdict; empty when the milter logged nothing for it.
    std::string verdict;
    std::string rule;
    std::string reply;
    // Postfix's own refusal, hold or discard (its restrictions, another milter, or the
    // MTA's words for mailwarden's refusal).
    std::string postfix_action;
    std::string postfix_stage;
    std::string postfix_reply;
    std::vector<recipient_result> recipients;
    std::size_t recipients_not_kept = 0;  // beyond limits.max_recipients
    bool finished = false;   // removed from the queue, or refused: nothing more will happen
    bool ambiguous = false;  // one of its lines could be read two ways (forgery attempt)
};

struct trace_query {
    std::string sender;           // empty: any; "<>" for the null sender
    std::string recipient;        // empty: any
    std::string queue_id;         // empty: any
    std::optional<micros> since;  // records whose first line is at or after
    std::optional<micros> until;  // ... and before
};

// Does the record answer the query (addresses case-insensitive, queue id exact)?
bool matches(const trace_query& q, const message_record& r);

struct trace_limits {
    std::size_t max_open = 200'000;               // records held at once (oldest flushed first)
    std::size_t max_recipients = 1000;            // recipients kept per record
    std::size_t max_results = 100'000;            // matching records kept
    micros close_grace = 60 * micros_per_second;  // late lines of a closed record still join
    micros join_window = 10 * micros_per_second;  // NOQUEUE milter and smtpd lines join
};

struct trace_stats {
    std::uint64_t lines = 0;            // lines read
    std::uint64_t without_header = 0;   // no syslog timestamp/host/program: skipped
    std::uint64_t events = 0;           // lines about a message
    std::uint64_t malformed = 0;        // looked like one but broken (cut, forged)
    std::uint64_t ambiguous = 0;        // read one of several ways
    std::uint64_t flushed_open = 0;     // records flushed early (limits.max_open)
    std::uint64_t results_dropped = 0;  // matches beyond limits.max_results
};

class correlator {
public:
    explicit correlator(trace_query q, trace_limits limits = {});

    // Events in time order (roughly: a few seconds of disorder across files is fine).
    void add(micros time, mail_event&& e);
    // End of input: every held record is finished.
    void finish();
    // The matching records, oldest first.
    std::vector<message_record> take_results();

    trace_stats& stats() { return stats_; }
    // Records held now (in the queue, closing, or waiting for a NOQUEUE partner).
    std::size_t held() const { return open_.size() + noqueue_.size(); }

private:
    struct pending {
        message_record record;
        bool from_milter = false;   // a mailwarden-milter line made it
        bool from_postfix = false;  // an smtpd milter-reject line made it
        std::string join_key;       // lower-case address the other line names
    };
    // By time, not arrival: time can go backwards (a log given twice, overlapping
    // rotations), and a FIFO would then hold everything behind a later deadline.
    using pending_list = std::multimap<micros, pending>;

    void add_queued(micros time, mail_event&& e);
    void add_noqueue(micros time, mail_event&& e);
    void expire(micros now);
    void flush_oldest_open();
    void emit(message_record&& r);
    recipient_result* recipient(message_record& r, const std::string& address);

    trace_query query_;
    trace_limits limits_;
    trace_stats stats_;
    micros now_ = 0;
    std::uint64_t events_seen_ = 0;
    std::unordered_map<std::string, message_record> open_;
    // deadline -> queue id of closed records still open for late lines.
    std::multimap<micros, std::string> closing_;
    pending_list noqueue_;
    std::unordered_multimap<std::string, pending_list::iterator> noqueue_index_;
    std::vector<message_record> results_;
};

// One input of the merge: lines in file order, and how its stamps read.
struct trace_input {
    // The next line without its newline; false at the end.
    std::function<bool(std::string&)> next_line;
    stamp_context stamps;
};

// Reads every input to the end, merging lines by time (the oldest head first; ties in
// input order), and feeds the lines about messages to c; then c.finish().
void scan(std::vector<trace_input>& inputs, correlator& c);

}  // namespace mailwarden::audit
