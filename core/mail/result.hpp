// result.hpp: how the mail wing reports failure without exceptions. Parsers of hostile
// input (envelope paths, header bodies, mailbox ids) return result<T>: a value, or an
// error that says what is wrong and at which byte offset of the caller's input.
// Rules: R-SAV-9 and R-PSH-1 callers turn these errors into SMTP replies or CLI messages;
// an error is never dropped silently (the value accessor refuses to run on an error).
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace mailwarden::mail {

// Coarse classes, so callers can pick a reply (e.g. 501 5.1.7 vs 552) without
// matching message text.
enum class errc {
    empty,               // nothing to parse (empty or whitespace only)
    too_long,            // a length bound was exceeded (never truncated instead)
    too_many_addresses,  // more mailboxes than a header may carry
    nesting_too_deep,    // comments nested deeper than allowed
    bad_encoding,        // invalid UTF-8, NUL, CR, LF or another control character
    syntax,              // the grammar does not match
    bad_domain,          // not a valid host name / IDN / address literal
    out_of_range,        // a number outside its allowed range (mailbox ids)
    internal,            // ICU could not be initialised; not the input's fault
};

std::string_view to_string(errc code);

struct error {
    errc code = errc::syntax;
    std::size_t offset = 0;  // byte offset in the input given to the public function
    std::string message;     // lowercase, says what is wrong: "unterminated quoted string"

    // "offset 12: unterminated quoted string"
    std::string to_string() const;
    // The same error, moved by `base` bytes (used when a sub-parser saw a slice).
    error shifted(std::size_t base) const { return {code, offset + base, message}; }
};

// A value or an error, never both. Reading value() of an error is a programming error
// and throws std::logic_error (callers must test ok() first).
template <typename T>
class result {
public:
    result(T value) : v_(std::move(value)) {}          // NOLINT: implicit by design
    result(error failure) : v_(std::move(failure)) {}  // NOLINT: implicit by design

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }

    const T& value() const& {
        if (!ok()) throw std::logic_error("mail::result: value() on an error: " + error_().message);
        return std::get<0>(v_);
    }
    T&& value() && {
        if (!ok()) throw std::logic_error("mail::result: value() on an error: " + error_().message);
        return std::get<0>(std::move(v_));
    }
    const error& err() const {
        if (ok()) throw std::logic_error("mail::result: err() on a value");
        return error_();
    }

private:
    const error& error_() const { return std::get<1>(v_); }
    std::variant<T, error> v_;
};

}  // namespace mailwarden::mail
