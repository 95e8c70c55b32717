// callbacks.hpp: hands mailwarden's callbacks to libmilter (smfi_register). The callbacks
// are thin extern "C" shims over milter::session (session.hpp); no policy lives there.
// Rules: R-MYO-12 (negotiates only the steps it needs and modifies nothing, so it can sit
// in a chain of milters; leaves out the replies nobody needs, so the chain stays fast).
#pragma once

#include "milter/config_holder.hpp"
#include "milter/session.hpp"

namespace mailwarden::milter {

// How the MTA reaches the milter; decides which replies the milter may leave out.
//   unix_socket: the steps that never refuse (connect, HELO, each header, each body chunk)
//                are negotiated "no reply" (SMFIP_NR_*) and HELO and DATA are not sent at
//                all, so a message costs three round trips (MAIL, RCPT, end of message)
//                instead of eight or more;
//   tcp:         every step answers. An unanswered packet over TCP makes Postfix's next
//                write wait for the delayed ACK of the last one (Nagle on Postfix's side,
//                which our TCP_NODELAY cannot change): ~40 ms per message
//                (recipes/README.md, libmilter trap 2; test_milter_tcp.sh).
enum class transport { tcp, unix_socket };

// Called once, before smfi_main starts any thread (open_listener does, when it has opened
// the socket). Until then, or if never called, the milter negotiates as over TCP.
void set_transport(transport how);

// Registers the filter. `config` and `shared` must outlive smfi_main(): every connection
// reads its snapshots from the one and its directory, store and clock from the other
// (which may still be completed after this call, before smfi_main). Call once. Throws
// std::runtime_error on failure.
void register_filter(const config_holder& config, const services& shared);

}  // namespace mailwarden::milter
