# FindLibev: libev, the event loop of wakebench's real-time backend.
#
#   find_package(Libev)             Libev_FOUND tells
#   find_package(Libev REQUIRED)    a clear error when missing
#
# Result: the imported target Libev::libev (header <ev.h>, library libev),
# plus Libev_INCLUDE_DIR, Libev_LIBRARY and Libev_VERSION (from ev.h's
# EV_VERSION_MAJOR/MINOR). Hints: Libev_ROOT or the LIBEV_ROOT environment
# variable point at a prefix holding include/ev.h and lib/libev.*.

find_path(Libev_INCLUDE_DIR NAMES ev.h
  HINTS ${Libev_ROOT} ENV LIBEV_ROOT
  PATH_SUFFIXES include include/libev)
find_library(Libev_LIBRARY NAMES ev libev
  HINTS ${Libev_ROOT} ENV LIBEV_ROOT
  PATH_SUFFIXES lib lib64)

if(Libev_INCLUDE_DIR AND EXISTS "${Libev_INCLUDE_DIR}/ev.h")
  file(STRINGS "${Libev_INCLUDE_DIR}/ev.h" _libev_major REGEX "^#define EV_VERSION_MAJOR [0-9]+")
  file(STRINGS "${Libev_INCLUDE_DIR}/ev.h" _libev_minor REGEX "^#define EV_VERSION_MINOR [0-9]+")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _libev_major "${_libev_major}")
  string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _libev_minor "${_libev_minor}")
  if(_libev_major MATCHES "^[0-9]+$" AND _libev_minor MATCHES "^[0-9]+$")
    set(Libev_VERSION "${_libev_major}.${_libev_minor}")
  endif()
  unset(_libev_major)
  unset(_libev_minor)
endif()

set(_libev_reason
  "libev (header ev.h and library libev) was not found. On Debian/Ubuntu install the package libev-dev (sudo apt-get install libev-dev), which scripts/setup.sh does for you. Elsewhere, set Libev_ROOT to the prefix holding include/ev.h and lib/libev.")
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(Libev
  REQUIRED_VARS Libev_LIBRARY Libev_INCLUDE_DIR
  VERSION_VAR Libev_VERSION
  REASON_FAILURE_MESSAGE "${_libev_reason}")
unset(_libev_reason)

if(Libev_FOUND AND NOT TARGET Libev::libev)
  add_library(Libev::libev UNKNOWN IMPORTED)
  set_target_properties(Libev::libev PROPERTIES
    IMPORTED_LOCATION "${Libev_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${Libev_INCLUDE_DIR}")
endif()

mark_as_advanced(Libev_INCLUDE_DIR Libev_LIBRARY)
