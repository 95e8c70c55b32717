# MAILWARDEN_SANITIZE=ON builds everything with AddressSanitizer + UndefinedBehaviorSanitizer.
# The Dovecot plugin is left out: a sanitized .so cannot be loaded into an unsanitized
# Dovecot process without LD_PRELOAD of the runtime; its pure core is covered by unit tests.
option(MAILWARDEN_SANITIZE "Build with -fsanitize=address,undefined" OFF)
if(MAILWARDEN_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
