// envelope_parser.cpp: parse_envelope_address(), the RFC 5321 4.1.2 path (with RFC 6531
// UTF-8) as Postfix hands it to a milter at MAIL FROM / RCPT TO. A scanner over the input
// with an explicit position, one member function per grammar rule; no recursion.
// Rules: R-SAV-9 (the envelope sender is the identity the sender rules compare).
#include <fmt/format.h>

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/mail/address.hpp"
#include "core/mail/chars.hpp"
#include "core/mail/lexer.hpp"

namespace mailwarden::mail {

namespace {

error syntax_at(std::size_t at, std::string message) {
    return error{errc::syntax, at, std::move(message)};
}

class envelope_parser {
public:
    envelope_parser(std::string_view in, path_kind kind) : in_(in), kind_(kind) {}

    // Path = "<" [ A-d-l ":" ] Mailbox ">" / "<>" ; or a bare Mailbox.
    result<envelope_path> parse_path() {
        const bool angled = peek() == '<';
        if (angled) {
            ++pos_;
            if (peek() == '>') return parse_null_path();
            if (peek() == '@') {
                if (auto bad = skip_source_route()) return *bad;
            }
        }
        auto mailbox = parse_mailbox();
        if (!mailbox) return mailbox.err();
        if (angled) {
            if (at_end()) return syntax_at(0, "'<' without a closing '>'");
            if (peek() != '>')
                return syntax_at(pos_, fmt::format("unexpected {} after the domain",
                                                   lexer::describe_at(in_, pos_)));
            ++pos_;
        }
        if (!at_end()) {
            const bool stray = peek() == '>';
            return syntax_at(pos_, stray ? std::string("'>' without an opening '<'")
                                         : fmt::format("unexpected {} after the address",
                                                       lexer::describe_at(in_, pos_)));
        }
        envelope_path path(std::move(mailbox).value());
        // The canonical form must fit in a path too: IDN conversion can lengthen it.
        const std::size_t written = path.to_string().size();
        if (written > max_path_octets)
            return error{errc::too_long, 0,
                         fmt::format("path is {} octets in canonical form, more than {}", written,
                                     max_path_octets)};
        return path;
    }

private:
    bool at_end() const { return pos_ >= in_.size(); }
    char peek() const { return at_end() ? '\0' : in_[pos_]; }

    // "<>": the null reverse-path (bounces, DSNs). Not a forward-path.
    result<envelope_path> parse_null_path() {
        // pos_ is at the '>'.
        if (pos_ + 1 != in_.size())
            return syntax_at(pos_ + 1, fmt::format("unexpected {} after '<>'",
                                                   lexer::describe_at(in_, pos_ + 1)));
        if (kind_ == path_kind::forward_path)
            return syntax_at(0, "the null path '<>' is not a recipient");
        return envelope_path::null_sender();
    }

    // A-d-l ":" where A-d-l = At-domain *( "," At-domain ), At-domain = "@" Domain.
    // The route is checked (each domain must be valid) and then ignored, as RFC 5321
    // Appendix C tells servers to do.
    std::optional<error> skip_source_route() {
        for (;;) {
            ++pos_;  // '@'
            auto domain = parse_host_name("source route domain");
            if (!domain) return domain.err();
            if (peek() == ',') {
                ++pos_;
                if (peek() != '@')
                    return syntax_at(pos_, fmt::format("expected '@' in the source route, found {}",
                                                       lexer::describe_at(in_, pos_)));
                continue;
            }
            if (peek() == ':') {
                ++pos_;
                return std::nullopt;
            }
            return syntax_at(pos_, fmt::format("source route not ended by ':', found {}",
                                               lexer::describe_at(in_, pos_)));
        }
    }

    // Mailbox = Local-part "@" ( Domain / address-literal )
    result<mailbox_address> parse_mailbox() {
        const std::size_t local_start = pos_;
        auto local = parse_local_part();
        if (!local) return local.err();
        if (peek() != '@') {
            if (at_end() || peek() == '>')
                return syntax_at(pos_, "address has no domain (expected '@')");
            return syntax_at(pos_, fmt::format("unexpected {} in the local part",
                                               lexer::describe_at(in_, pos_)));
        }
        ++pos_;
        const std::size_t domain_start = pos_;
        auto domain = peek() == '[' ? lexer::scan_address_literal(in_, pos_)
                                    : lexer::scan_dot_atom(in_, pos_, "domain");
        if (!domain) return domain.err();
        return detail::make_mailbox_at(local.value(), local_start, domain.value(), domain_start);
    }

    // Local-part = Dot-string / Quoted-string (decoded).
    result<std::string> parse_local_part() {
        if (peek() == '"') return lexer::scan_quoted_string(in_, pos_);
        auto atom = lexer::scan_dot_atom(in_, pos_, "local part");
        if (!atom) return atom.err();
        return std::string(atom.value());
    }

    // A Domain that must also be valid (source route entries).
    result<std::string> parse_host_name(std::string_view what) {
        const std::size_t start = pos_;
        auto text = lexer::scan_dot_atom(in_, pos_, what);
        if (!text) return text.err();
        auto normalized = normalize_domain(text.value());
        if (!normalized) return normalized.err().shifted(start);
        return normalized;
    }

    std::string_view in_;
    path_kind kind_;
    std::size_t pos_ = 0;
};

}  // namespace

result<envelope_path> parse_envelope_address(std::string_view text, path_kind kind) {
    if (text.find_first_not_of(" \t") == std::string_view::npos)
        return error{errc::empty, 0, text.empty() ? "empty address" : "address is only whitespace"};
    if (text.size() > max_path_octets)
        return error{errc::too_long, 0,
                     fmt::format("path is {} octets, more than {}", text.size(), max_path_octets)};
    if (auto bad = chars::check_text(text, chars::whitespace::space)) return *bad;
    return envelope_parser(text, kind).parse_path();
}

}  // namespace mailwarden::mail
