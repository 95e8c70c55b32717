// process.hpp: what the milter does to itself as a Unix process before it serves mail:
// find its account, give up root, and (without -f) become a daemon.
// Rules: none directly; DESIGN "the milter only reads": it never needs root after start
// (R-PSH-3: the optional write credential is read while still root, see secret_memfd).
// Security: drop_privileges is the line between root and the network-facing code; it
// checks its own work (setuid(0) must fail afterwards) instead of trusting return codes.
// Failure: every function throws std::runtime_error with the reason; main exits non-zero.
#pragma once

#include <sys/types.h>

#include <string>

namespace mailwarden::milter {

struct account {
    std::string user;
    uid_t uid = 0;
    std::string group;
    gid_t gid = 0;
};

// Looks up milter.user and milter.group (empty group: the user's primary group).
// Throws when either does not exist, or when the user is root (uid 0): the milter never
// runs as root, so such a configuration is refused rather than silently "dropped" to root.
account resolve_account(const std::string& user, const std::string& group);

// The primary group of `user`, if that user exists.
bool primary_group_of(const std::string& user, gid_t& gid);

// The id of group `name`, if that group exists (milter.socket_group).
bool group_id_of(const std::string& name, gid_t& gid);

// As root: supplementary groups of `to`, then gid, then uid (real, effective and saved),
// and verifies the result: uid/gid are the requested ones and setuid(0) fails.
// Not root: changes nothing and returns false (the caller decides whether that is fine).
// Throws when a step fails or the verification does not hold.
bool drop_privileges(const account& to);

// True when any of real, effective or saved uid is 0.
bool running_as_root();

// R-PSH-3, before the privilege drop: copies the secret in `path` (a password file that
// may be readable by root only) into an anonymous memory file (memfd) owned by `owner`,
// mode 0400, sealed against any change, and returns its descriptor (close-on-exec). After
// the drop, /proc/self/fd/N opens it for `owner` alone: the secret stays usable for
// reconnects without the file on disk being readable by milter.user, and no other process
// can reach it (it has no path; /proc/PID/fd of a process that changed uid is closed to
// others). One trailing newline is kept as written (the LDAP code strips it). Throws
// std::runtime_error naming `path` when it cannot be read, is empty or over 4 KiB.
int secret_memfd(const std::string& path, const account& owner);

// fork(); the parent exits 0 at once, the child continues in a new session (setsid) with
// "/" as working directory and stdin, stdout and stderr on /dev/null. Call before any
// thread is started.
void daemonize();

}  // namespace mailwarden::milter
