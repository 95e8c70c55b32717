# FindDovecot: reads Dovecot's own build description, dovecot-config (a shell file from
# dovecot-dev), by sourcing it in sh so that its quoting rules apply, not ours.
#
# Provides:
#   Dovecot::headers          interface target: include dirs + Dovecot's own CFLAGS (C only)
#   DOVECOT_VERSION           e.g. 2.3.19.1 (from config.h DOVECOT_VERSION)
#   DOVECOT_ABI_VERSION       e.g. 2.3.ABIv19(2.3.19.1): the string a plugin must export
#   DOVECOT_MODULEDIR         where mail plugins live (/usr/lib/dovecot/modules)
#   DOVECOT_PKGLIBDIR         libdovecot*.so
#   DOVECOT_INCLUDE_DIR
# Input: DOVECOT_CONFIG (default /usr/lib/dovecot/dovecot-config).
set(DOVECOT_CONFIG "/usr/lib/dovecot/dovecot-config" CACHE FILEPATH "Path to Dovecot's dovecot-config")

if(EXISTS "${DOVECOT_CONFIG}")
  execute_process(
    COMMAND sh -c ". \"$1\"; printf '%s\\n' \"$DOVECOT_CFLAGS\" \"$LIBDOVECOT_INCLUDE\" \"$dovecot_moduledir\" \"$dovecot_pkglibdir\" \"$dovecot_pkgincludedir\""
            sh "${DOVECOT_CONFIG}"
    OUTPUT_VARIABLE _dc_out
    RESULT_VARIABLE _dc_rc)
  if(_dc_rc EQUAL 0)
    string(REPLACE "\n" ";" _dc_lines "${_dc_out}")
    list(GET _dc_lines 0 _dc_cflags)
    list(GET _dc_lines 1 _dc_include)
    list(GET _dc_lines 2 DOVECOT_MODULEDIR)
    list(GET _dc_lines 3 DOVECOT_PKGLIBDIR)
    list(GET _dc_lines 4 DOVECOT_INCLUDE_DIR)
    separate_arguments(DOVECOT_CFLAGS UNIX_COMMAND "${_dc_cflags}")
    # -flto from Debian's build flags would make our static glue objects LTO-only;
    # -std=gnu99 is overridden by our C11 (gnu11) standard. Keep the rest.
    list(FILTER DOVECOT_CFLAGS EXCLUDE REGEX "^-flto|^-ffat-lto-objects$|^-std=")
    if(EXISTS "${DOVECOT_INCLUDE_DIR}/config.h")
      file(STRINGS "${DOVECOT_INCLUDE_DIR}/config.h" _dc_ver REGEX "^#define DOVECOT_VERSION \"")
      string(REGEX REPLACE ".*\"(.*)\".*" "\\1" DOVECOT_VERSION "${_dc_ver}")
      file(STRINGS "${DOVECOT_INCLUDE_DIR}/config.h" _dc_abi REGEX "^#define DOVECOT_ABI_VERSION \"")
      string(REGEX REPLACE ".*\"(.*)\".*" "\\1" DOVECOT_ABI_VERSION "${_dc_abi}")
    endif()
  endif()
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Dovecot
  REQUIRED_VARS DOVECOT_INCLUDE_DIR DOVECOT_MODULEDIR DOVECOT_ABI_VERSION
  VERSION_VAR DOVECOT_VERSION)

if(Dovecot_FOUND AND DOVECOT_VERSION VERSION_LESS 2.3)
  message(FATAL_ERROR "Dovecot ${DOVECOT_VERSION} is not supported (2.3 is)")
endif()

if(Dovecot_FOUND AND NOT TARGET Dovecot::headers)
  add_library(Dovecot::headers INTERFACE IMPORTED)
  set_target_properties(Dovecot::headers PROPERTIES
    INTERFACE_INCLUDE_DIRECTORIES "${DOVECOT_INCLUDE_DIR}"
    INTERFACE_COMPILE_OPTIONS "$<$<COMPILE_LANGUAGE:C>:${DOVECOT_CFLAGS}>"
    INTERFACE_COMPILE_DEFINITIONS "HAVE_CONFIG_H")
endif()
