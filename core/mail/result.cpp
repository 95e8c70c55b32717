// result.cpp: names and text of mail-wing errors (see result.hpp).
#include "core/mail/result.hpp"

#include <fmt/format.h>

namespace mailwarden::mail {

std::string_view to_string(errc code) {
    switch (code) {
        case errc::empty: return "empty";
        case errc::too_long: return "too_long";
        case errc::too_many_addresses: return "too_many_addresses";
        case errc::nesting_too_deep: return "nesting_too_deep";
        case errc::bad_encoding: return "bad_encoding";
        case errc::syntax: return "syntax";
        case errc::bad_domain: return "bad_domain";
        case errc::out_of_range: return "out_of_range";
        case errc::internal: return "internal";
    }
    return "internal";
}

std::string error::to_string() const { return fmt::format("offset {}: {}", offset, message); }

}  // namespace mailwarden::mail
