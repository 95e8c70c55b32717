// callbacks.hpp: hands mailwarden's callbacks to libmilter (smfi_register). The callbacks
// are thin extern "C" shims over milter::session (session.hpp); no policy lives there.
// Rules: R-MYO-12 (negotiates only the steps it needs and modifies nothing, so it can sit
// in a chain of milters).
#pragma once

#include "milter/config_holder.hpp"

namespace mailwarden::milter {

// Registers the filter. `config` must outlive smfi_main(): every connection reads its
// snapshots from it. Call once, before smfi_main. Throws std::runtime_error on failure.
void register_filter(const config_holder& config);

}  // namespace mailwarden::milter
