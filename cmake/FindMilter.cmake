# FindMilter: Sendmail's libmilter (Debian libmilter-dev).
# Provides Milter::milter (headers in <libmilter/mfapi.h>).
find_path(Milter_INCLUDE_DIR NAMES libmilter/mfapi.h)
find_library(Milter_LIBRARY NAMES milter)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Milter REQUIRED_VARS Milter_LIBRARY Milter_INCLUDE_DIR)
if(Milter_FOUND AND NOT TARGET Milter::milter)
  add_library(Milter::milter UNKNOWN IMPORTED)
  set_target_properties(Milter::milter PROPERTIES
    IMPORTED_LOCATION "${Milter_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Milter_INCLUDE_DIR}")
  find_package(Threads REQUIRED)
  target_link_libraries(Milter::milter INTERFACE Threads::Threads)
endif()
mark_as_advanced(Milter_INCLUDE_DIR Milter_LIBRARY)
