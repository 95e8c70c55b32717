// listener.hpp: opens the milter's listening socket through libmilter while the process is
// still root, then fixes what libmilter leaves undone:
//   - inet: TCP_NODELAY on the listening socket (accepted sockets inherit it); libmilter
//     never sets it and each reply split over two packets then waits ~40 ms for a delayed
//     ACK (recipes/README.md, libmilter trap 1);
//   - unix: owner = the milter's account, group = Postfix's group, mode 0660, so Postfix
//     can connect and other local users cannot (a local user who could talk to the milter
//     could forge {auth_authen} and, once send caps exist, block someone else: R-PSH-6);
//   - both: tells the callbacks the transport (set_transport), which decides whether the
//     steps that never refuse may go unanswered (unix socket only).
// Rules: R-MYO-12 (listens where Postfix's smtpd_milters points).
// Security: called as root, before the privilege drop; changes only the socket it made.
// Failure: throws std::runtime_error; main exits with EX_OSERR/EX_CONFIG.
#pragma once

#include "core/util/log.hpp"
#include "milter/process.hpp"
#include "milter/socket_spec.hpp"

namespace mailwarden::milter {

// smfi_setconn + smfi_opensocket (removing a stale unix socket first), then the fixes
// above. smfi_register must have been called. `owner` owns a unix socket, `socket_group`
// (milter.socket_group, the MTA's group) is its group; a group that does not exist falls
// back to the owner's group with a warning. A fix that cannot be applied but does not
// endanger mail (TCP_NODELAY) is a warning on `log`.
void open_listener(const socket_spec& spec, const account& owner, const std::string& socket_group,
                   const log::logger& log);

}  // namespace mailwarden::milter
