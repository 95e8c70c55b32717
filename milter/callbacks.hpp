// callbacks.hpp: hands mailwarden's callbacks to libmilter (smfi_register). The callbacks
// are thin extern "C" shims over milter::session (session.hpp); no policy lives there.
// Rules: R-MYO-12 (negotiates only the steps it needs and modifies nothing, so it can sit
// in a chain of milters).
#pragma once

#include "milter/config_holder.hpp"
#include "milter/session.hpp"

namespace mailwarden::milter {

// Registers the filter. `config` and `shared` must outlive smfi_main(): every connection
// reads its snapshots from the one and its directory, store and clock from the other
// (which may still be completed after this call, before smfi_main). Call once. Throws
// std::runtime_error on failure.
void register_filter(const config_holder& config, const services& shared);

}  // namespace mailwarden::milter
