// naming.cpp: see naming.hpp. ICU's transliterator is created once per thread (creating
// one parses the rules, ~ms); it is not thread-safe to share. Rules: R-SAV-6, R-TJP-1.
#include "core/account/naming.hpp"

#include <unicode/translit.h>
#include <unicode/unistr.h>

#include <memory>

namespace mailwarden::account {

namespace {

icu::Transliterator* folder() {
    thread_local std::unique_ptr<icu::Transliterator> t = [] {
        UErrorCode status = U_ZERO_ERROR;
        std::unique_ptr<icu::Transliterator> made(icu::Transliterator::createInstance(
            "Any-Latin; Latin-ASCII; Lower", UTRANS_FORWARD, status));
        if (U_FAILURE(status)) made.reset();
        return made;
    }();
    return t.get();
}

}  // namespace

std::string ascii_fold(std::string_view text) {
    icu::Transliterator* t = folder();
    if (!t) return {};
    if (text.size() > 1024) return {};  // a name, not a document
    icu::UnicodeString u = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<std::int32_t>(text.size())));
    if (u.indexOf(static_cast<UChar>(0xFFFD)) >= 0) return {};  // invalid UTF-8
    t->transliterate(u);
    std::string folded;
    u.toUTF8String(folded);
    std::string out;
    for (const char c : folded)
        if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) out += c;
    return out;
}

std::optional<std::string> alias_local_part(std::string_view given, std::string_view surname) {
    const std::string first = ascii_fold(given);
    const std::string last = ascii_fold(surname);
    if (first.empty() || last.empty()) return std::nullopt;
    return first + "." + last;
}

std::string given_from_cn(std::string_view cn, std::string_view surname) {
    std::string_view rest = cn;
    std::string out;
    while (!rest.empty()) {
        const std::size_t sp = rest.find(' ');
        const std::string_view word = rest.substr(0, sp);
        if (!word.empty() && word != surname) return std::string(word);
        if (sp == std::string_view::npos) break;
        rest.remove_prefix(sp + 1);
    }
    return out;
}

std::optional<std::string> first_free(
    const std::string& base, const std::function<std::optional<bool>(const std::string&)>& taken,
    int max_tries) {
    for (int i = 1; i <= max_tries; ++i) {
        const std::string candidate = i == 1 ? base : base + std::to_string(i);
        const auto t = taken(candidate);
        if (!t) return std::nullopt;
        if (!*t) return candidate;
    }
    return std::nullopt;
}

}  // namespace mailwarden::account
