// ldif.hpp: a reader for the LDIF content records `mailwarden export` writes (RFC 2849),
// so `mailwarden import FILE.ldif` can restore a backup onto an existing directory
// (R-MYO-9: `ldapadd -c` only adds missing entries; this also updates the ones that
// differ). It reads: an optional "version: 1" line; comments ('#' lines, folded
// continuations included); folded lines (a line starting with one space continues the
// previous one); "attr: value", "attr:: base64" (strictly decoded) and "attr:" (empty);
// records separated by blank lines; CRLF or LF. It refuses, naming the line: change
// records (changetype:, "-"), "attr:< URL" (it never reads other files), bad base64, a
// record without "dn:" first, attribute names that are not RFC 4512 names, a file larger
// than the caller's limits. Pure: the file's text in, records or the first error out.
// Rules: R-MYO-9.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/ldap/entry.hpp"

namespace mailwarden::provisioner {

struct ldif_record {
    int line = 0;  // the line of its "dn:"
    std::string dn;
    ldap::attribute_map attributes;  // values in file order
    // The line of each value, parallel to attributes (for messages naming the line).
    std::map<std::string, std::vector<int>, ldap::attribute_name_less> lines;
};

struct ldif_parse {
    std::vector<ldif_record> records;  // in file order
    std::string error;                 // "line 12: ..."; non-empty: records is incomplete
};

ldif_parse parse_ldif(std::string_view text, std::size_t max_records = 1'000'000);

// RFC 4648 base64 with padding.
std::string encode_base64(std::string_view in);
// RFC 4648 base64 with padding; false on any other character or a bad length.
bool decode_base64(std::string_view in, std::string& out);

}  // namespace mailwarden::provisioner
