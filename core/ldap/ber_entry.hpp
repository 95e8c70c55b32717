// ber_entry.hpp: decoding of one BER-encoded SearchResultEntry (RFC 4511 4.5.2), the form in
// which the RFC 4527 post-read control returns the entry as written. Input is whatever the
// server sent: malformed, truncated or trailing bytes give an error, never a crash or a
// half-read entry. Bytes in, plain values out: no libldap type in this header.
// Rules: DESIGN "NXXXXXX allocation" (the counter is read back with the post-read control).
#pragma once

#include <string>
#include <string_view>

#include "core/ldap/entry.hpp"

namespace mailwarden::ldap {

// Decodes bytes (SEQUENCE { objectName, attributes SEQUENCE OF { type, SET OF value } },
// any tag on the outer SEQUENCE, as APPLICATION 4 is) into out. false with a reason in
// error when the bytes are not exactly one such entry; out is then unchanged.
bool decode_ber_entry(std::string_view bytes, entry& out, std::string& error);

}  // namespace mailwarden::ldap
