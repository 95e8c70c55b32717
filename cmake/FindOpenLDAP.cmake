# FindOpenLDAP: libldap + liblber (Debian libldap-dev; OpenLDAP 2.5 has one
# thread-safe libldap). Provides OpenLDAP::ldap.
find_path(OpenLDAP_INCLUDE_DIR NAMES ldap.h)
find_library(OpenLDAP_LDAP_LIBRARY NAMES ldap)
find_library(OpenLDAP_LBER_LIBRARY NAMES lber)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(OpenLDAP
  REQUIRED_VARS OpenLDAP_LDAP_LIBRARY OpenLDAP_LBER_LIBRARY OpenLDAP_INCLUDE_DIR)
if(OpenLDAP_FOUND AND NOT TARGET OpenLDAP::ldap)
  add_library(OpenLDAP::lber UNKNOWN IMPORTED)
  set_target_properties(OpenLDAP::lber PROPERTIES IMPORTED_LOCATION "${OpenLDAP_LBER_LIBRARY}")
  add_library(OpenLDAP::ldap UNKNOWN IMPORTED)
  set_target_properties(OpenLDAP::ldap PROPERTIES
    IMPORTED_LOCATION "${OpenLDAP_LDAP_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${OpenLDAP_INCLUDE_DIR}"
    INTERFACE_COMPILE_DEFINITIONS "LDAP_DEPRECATED=0")
  target_link_libraries(OpenLDAP::ldap INTERFACE OpenLDAP::lber)
endif()
mark_as_advanced(OpenLDAP_INCLUDE_DIR OpenLDAP_LDAP_LIBRARY OpenLDAP_LBER_LIBRARY)
