// subject_rules.hpp: the subject block list administrators fill during an outbreak
// (R-TJP-3): a rules file, parsed once per (re)load, matched against the RFC 2047-decoded
// Subject of every message (core/mail/rfc2047.hpp).
// Rules: R-TJP-3.
// File syntax (conf.d/subject-block.rules is the example), UTF-8, one rule per line:
//   # comment                      ('#' as the first non-blank character; not after a rule,
//                                  since '#' occurs in subjects)
//   literal TEXT [=> ACTION]       TEXT occurs anywhere in the subject, compared after ICU
//                                  full case folding ("SPAM", "spam", "Spam" are one)
//   regex PATTERN [=> ACTION]      an ICU regular expression, case-insensitive, searched
//                                  anywhere in the subject (anchor with ^ and $ yourself)
//   ACTION                         reject | quarantine; without it the file's default
//                                  (rules.subject_block_action) applies
// Blank lines are ignored; TEXT and PATTERN lose their leading and trailing blanks.
// XXX: a literal cannot end in " => reject" or " => quarantine" (read as the action); write
// it as a regex, e.g. `regex (?:=> reject)`.
// Errors name FILE:LINE; loading reports every error and returns no rules if there is one.
// Security: the file is trusted (root-owned) but the subject is hostile: matching is
// bounded (regex_time_limit per rule; subjects are at most 64 KiB after decoding).
// Thread-safety: a loaded subject_rules is immutable; match() may run on many threads.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy/verdict.hpp"

namespace mailwarden::policy {

// Bounds of the file (an outbreak list is tens of lines; these only stop accidents).
inline constexpr std::size_t max_subject_rules_file = 1024 * 1024;
inline constexpr std::size_t max_subject_rule_line = 4096;
// ICU regex time limit per match, in ICU "match steps" units (roughly milliseconds): a
// catastrophic pattern gives up instead of holding a milter thread.
inline constexpr int subject_regex_time_limit = 100;

struct subject_rule_match {
    int line = 0;                  // 1-based line of the rule in the file
    action what = action::reject;  // reject or quarantine
};

struct subject_match_result {
    std::optional<subject_rule_match> match;  // the first rule (in file order) that matched
    std::vector<int> timed_out;               // lines of regex rules that gave up (not a match)
};

class subject_rules {
public:
    struct rule;  // defined in the .cpp (holds an ICU pattern)

    subject_rules(std::string file, std::vector<std::unique_ptr<rule>> rules);
    ~subject_rules();
    subject_rules(const subject_rules&) = delete;
    subject_rules& operator=(const subject_rules&) = delete;

    // `subject` is UTF-8 (invalid bytes count as U+FFFD). Examples, with rules
    // "literal спам" (line 1) and "regex ^win .* now$ => quarantine" (line 2):
    //   "СПАМ в подарок" -> line 1 reject;  "WIN a car NOW" -> line 2 quarantine;
    //   "hello" -> no match.
    subject_match_result match(std::string_view subject) const;

    const std::string& file() const { return file_; }
    std::size_t size() const { return rules_.size(); }

private:
    std::string file_;
    std::vector<std::unique_ptr<rule>> rules_;
};

struct subject_rules_load {
    std::shared_ptr<const subject_rules> rules;  // set only when errors is empty
    std::vector<std::string> errors;             // "FILE:LINE: message", every one found
    bool ok() const { return rules != nullptr; }
};

// Parses the text of a rules file; `file` is only used in messages. `default_action` must
// be reject or quarantine (std::invalid_argument otherwise: a programming error).
subject_rules_load parse_subject_rules(std::string_view text, std::string_view file,
                                       action default_action);

// Reads and parses `path` (errors: "PATH: cannot read: ...", "PATH: larger than ...").
subject_rules_load load_subject_rules(const std::string& path, action default_action);

}  // namespace mailwarden::policy
