// secret_file.hpp: the check that a file holding a secret (ldap.bind_password_file) is not
// open to every local user. It warns and does not refuse: a host that worked yesterday must
// not lose its mail flow over a mode bit, but the administrator must hear about it.
// What counts as exposed: any permission for others (read, write or execute), or write for
// the group. Read for the group is the intended layout, not an exposure: root:mailwarden
// 0640 lets the milter read the file again after it has dropped root (every LDAP
// reconnect reads it), and the group holds only the milter's own user.
// Rules: DESIGN "Passwords" (the secret lives in a file, never in the YAML or argv).
#pragma once

#include <sys/types.h>

#include <string>
#include <string_view>

namespace mailwarden::secret_file {

// Why a secret file with this st_mode is exposed, or "" when it is not. Examples:
//   0600, 0640, 0400 -> ""
//   0644 -> "readable by every local user (mode 0644)"
//   0660 -> "writable by its group (mode 0660)"
std::string exposure(mode_t mode);

// fstat()s the open file and, when exposure() finds a problem, writes one warning line to
// standard error (the milter runs in the foreground under systemd, so it reaches the
// journal; the CLI's user sees it), at most once per path per process:
//   "<program>: warning: secret file PATH is readable by every local user (mode 0644);
//    chmod o-rwx,g-w PATH"
// Returns the warning text ("" when none was due). Never throws; an fstat failure is not
// reported here (the read that follows fails with the reason).
std::string warn_if_exposed(int fd, std::string_view path);

}  // namespace mailwarden::secret_file
