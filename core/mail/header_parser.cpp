// header_parser.cpp: parse_header_addresses(), the RFC 5322 3.4 address-list and
// mailbox-list (RFC 6532 UTF-8) of From:/Sender:/To: header bodies. A scanner over the
// body with an explicit position and one member function per grammar rule. Nothing
// recurses on input: groups cannot nest and comments are skipped with a depth counter,
// so hostile nesting costs a bounded amount of stack.
// Rules: R-SAV-9 (forged or altered sender headers are judged on these mailboxes).
#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/mail/address.hpp"
#include "core/mail/chars.hpp"
#include "core/mail/lexer.hpp"

namespace mailwarden::mail {

namespace {

error syntax_at(std::size_t at, std::string message) {
    return error{errc::syntax, at, std::move(message)};
}

bool is_atom_byte(char c) { return chars::is_atext(c) || chars::is_non_ascii(c); }

class header_parser {
public:
    header_parser(std::string_view in, header_list kind) : in_(in), kind_(kind) {}

    // address-list = (address *("," address)) / obs-addr-list (empty elements allowed).
    result<std::vector<header_mailbox>> parse_address_list() {
        std::size_t addresses = 0;
        bool need_separator = false;
        for (;;) {
            if (auto bad = skip_cfws()) return *bad;
            if (at_end()) break;
            if (peek() == ',') {
                ++pos_;
                need_separator = false;
                continue;
            }
            if (need_separator)
                return syntax_at(pos_, fmt::format("expected ',' between addresses, found {}",
                                                   lexer::describe_at(in_, pos_)));
            if (auto bad = parse_address(nullptr)) return *bad;
            ++addresses;
            need_separator = true;
        }
        if (addresses == 0) return error{errc::empty, 0, "no address in the header"};
        return std::move(out_);
    }

private:
    struct phrase {
        std::string text;
        std::size_t words = 0;
    };

    bool at_end() const { return pos_ >= in_.size(); }
    char peek() const { return at_end() ? '\0' : in_[pos_]; }
    std::string unexpected(std::string_view where) const {
        return fmt::format("unexpected {} {}", lexer::describe_at(in_, pos_), where);
    }

    // CFWS = runs of WSP, line folds (check_text() guarantees each CR/LF is a fold) and
    // comments.
    std::optional<error> skip_cfws() {
        for (;;) {
            const char c = peek();
            if (chars::is_wsp(c) || c == '\r' || c == '\n') {
                ++pos_;
            } else if (c == '(') {
                if (auto bad = skip_comment()) return bad;
            } else {
                return std::nullopt;
            }
        }
    }

    // comment = "(" *([FWS] ccontent) [FWS] ")", ccontent = ctext / quoted-pair / comment.
    // Iterative with a depth counter: "((((" x 100,000 fails at depth 17.
    std::optional<error> skip_comment() {
        const std::size_t open = pos_;
        std::size_t depth = 0;
        while (!at_end()) {
            const char c = in_[pos_];
            if (c == '(') {
                if (++depth > max_comment_depth)
                    return error{errc::nesting_too_deep, pos_,
                                 fmt::format("comments nested deeper than {}", max_comment_depth)};
            } else if (c == ')') {
                if (--depth == 0) {
                    ++pos_;
                    return std::nullopt;
                }
            } else if (c == '\\') {
                if (pos_ + 1 >= in_.size()) break;
                if (in_[pos_ + 1] == '\r' || in_[pos_ + 1] == '\n')
                    return syntax_at(pos_, "backslash before a line break in a comment");
                ++pos_;  // skip the escaped byte below (a UTF-8 lead byte: the rest is ctext)
            }
            ++pos_;
        }
        return syntax_at(open, "unterminated comment (no ')')");
    }

    // address = mailbox / group; mailbox = name-addr / addr-spec. `group` is the name of
    // the enclosing group, nullptr at the top level. The caller skipped CFWS.
    std::optional<error> parse_address(const std::string* group) {
        const std::size_t start = pos_;
        auto name = parse_phrase();
        if (!name) return name.err();
        switch (peek()) {
            case '<': return parse_angle_addr(std::move(name).value().text, group, start);
            case ':':
                if (name.value().words == 0) return syntax_at(pos_, "group has no name");
                if (group != nullptr) return syntax_at(start, "group inside a group");
                if (kind_ == header_list::mailbox_list)
                    return syntax_at(start, "group not allowed here (mailbox-list header)");
                return parse_group(std::move(name).value().text, start);
            case '@': {
                // The phrase was a local part: read it again as one, strictly.
                pos_ = start;
                auto mailbox = parse_addr_spec();
                if (!mailbox) return mailbox.err();
                return add(start, {}, group, std::move(mailbox).value());
            }
            default:
                if (name.value().words > 0 && (at_end() || peek() == ',' || peek() == ';'))
                    return syntax_at(start, "address has no '@domain'");
                return syntax_at(pos_, unexpected("in an address"));
        }
    }

    // phrase = 1*word / obs-phrase (words and "." with CFWS between), decoded: comments
    // dropped, quoted strings unquoted, one space where CFWS separated two tokens.
    // Stops before the first byte that cannot continue a phrase ('<', ':', '@', ...).
    result<phrase> parse_phrase() {
        phrase p;
        const auto append = [&p](std::string_view token, bool gap) {
            if (gap && !p.text.empty()) p.text += ' ';
            p.text += token;
        };
        for (;;) {
            const std::size_t before = pos_;
            if (auto bad = skip_cfws()) return *bad;
            const bool gap = pos_ != before;
            const char c = peek();
            if (c == '"') {
                auto quoted = lexer::scan_quoted_string(in_, pos_);
                if (!quoted) return quoted.err();
                append(quoted.value(), gap);
                ++p.words;
            } else if (c == '.') {
                ++pos_;
                append(".", gap);
            } else if (!at_end() && is_atom_byte(c)) {
                const std::size_t atom_start = pos_;
                while (!at_end() && is_atom_byte(peek())) ++pos_;
                append(in_.substr(atom_start, pos_ - atom_start), gap);
                ++p.words;
            } else {
                return p;
            }
        }
    }

    // group = display-name ":" [group-list] ";" [CFWS]; group-list = mailbox-list / CFWS,
    // empty list elements allowed as in obs-group-list.
    std::optional<error> parse_group(std::string name, std::size_t start) {
        ++pos_;  // ':'
        bool need_separator = false;
        for (;;) {
            if (auto bad = skip_cfws()) return bad;
            if (at_end()) return syntax_at(start, "group not ended by ';'");
            if (peek() == ';') {
                ++pos_;
                return std::nullopt;
            }
            if (peek() == ',') {
                ++pos_;
                need_separator = false;
                continue;
            }
            if (need_separator)
                return syntax_at(pos_, unexpected("in a group (expected ',' or ';')"));
            if (auto bad = parse_address(&name)) return bad;
            need_separator = true;
        }
    }

    // angle-addr = [CFWS] "<" [obs-route] addr-spec ">" [CFWS]
    std::optional<error> parse_angle_addr(std::string display, const std::string* group,
                                          std::size_t start) {
        const std::size_t open = pos_;
        ++pos_;  // '<'
        if (auto bad = skip_cfws()) return bad;
        if (peek() == '>') return syntax_at(open, "empty angle address '<>'");
        if (peek() == '@') {
            if (auto bad = skip_obs_route()) return bad;
        }
        auto mailbox = parse_addr_spec();
        if (!mailbox) return mailbox.err();
        if (auto bad = skip_cfws()) return bad;
        if (at_end()) return syntax_at(open, "'<' without a closing '>'");
        if (peek() != '>') return syntax_at(pos_, unexpected("in an angle address (expected '>')"));
        ++pos_;
        return add(start, std::move(display), group, std::move(mailbox).value());
    }

    // obs-route = obs-domain-list ":"; each route domain must be valid, then it is dropped.
    std::optional<error> skip_obs_route() {
        for (;;) {
            ++pos_;  // '@'
            if (auto bad = skip_cfws()) return bad;
            const std::size_t domain_start = pos_;
            auto text = peek() == '[' ? lexer::scan_address_literal(in_, pos_)
                                      : lexer::scan_dot_atom(in_, pos_, "route domain");
            if (!text) return text.err();
            auto domain = normalize_domain(text.value());
            if (!domain) return domain.err().shifted(domain_start);
            if (auto bad = skip_cfws()) return bad;
            while (peek() == ',') {
                ++pos_;
                if (auto bad = skip_cfws()) return bad;
            }
            if (peek() == '@') continue;
            if (peek() == ':') {
                ++pos_;
                return std::nullopt;
            }
            return syntax_at(pos_, unexpected("in a source route (expected ':')"));
        }
    }

    // addr-spec = local-part "@" domain; local-part = dot-atom / quoted-string;
    // domain = dot-atom / domain-literal; CFWS allowed around each part, not inside.
    result<mailbox_address> parse_addr_spec() {
        if (auto bad = skip_cfws()) return *bad;
        const std::size_t local_start = pos_;
        std::string local;
        if (peek() == '"') {
            auto quoted = lexer::scan_quoted_string(in_, pos_);
            if (!quoted) return quoted.err();
            local = std::move(quoted).value();
        } else {
            auto atom = lexer::scan_dot_atom(in_, pos_, "local part");
            if (!atom) return atom.err();
            local = std::string(atom.value());
        }
        if (auto bad = skip_cfws()) return *bad;
        if (peek() != '@') {
            if (at_end() || peek() == ',' || peek() == ';' || peek() == '>')
                return syntax_at(local_start, "address has no '@domain'");
            return syntax_at(pos_, unexpected("after the local part (expected '@')"));
        }
        ++pos_;
        if (auto bad = skip_cfws()) return *bad;
        const std::size_t domain_start = pos_;
        auto domain = peek() == '[' ? lexer::scan_address_literal(in_, pos_)
                                    : lexer::scan_dot_atom(in_, pos_, "domain");
        if (!domain) return domain.err();
        return detail::make_mailbox_at(local, local_start, domain.value(), domain_start);
    }

    std::optional<error> add(std::size_t at, std::string display, const std::string* group,
                             mailbox_address mailbox) {
        if (out_.size() >= max_header_addresses)
            return error{errc::too_many_addresses, at,
                         fmt::format("more than {} addresses in the header", max_header_addresses)};
        out_.push_back(
            header_mailbox{std::move(display), group ? *group : std::string(), std::move(mailbox)});
        return std::nullopt;
    }

    std::string_view in_;
    header_list kind_;
    std::size_t pos_ = 0;
    std::vector<header_mailbox> out_;
};

}  // namespace

result<std::vector<header_mailbox>> parse_header_addresses(std::string_view body,
                                                           header_list kind) {
    if (body.size() > max_header_body_octets)
        return error{errc::too_long, 0,
                     fmt::format("header body is {} octets, more than {}", body.size(),
                                 max_header_body_octets)};
    if (auto bad = chars::check_text(body, chars::whitespace::folding)) return *bad;
    return header_parser(body, kind).parse_address_list();
}

}  // namespace mailwarden::mail
