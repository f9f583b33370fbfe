# File: cmake/install_headers.cmake
# Install-time script (cmake/install.cmake): installs the public headers cotangent/*.h and every
# project header they include, transitively (core/, interpreters/, core/primitives.def), with
# their workspace paths, into COTANGENT_INCLUDE_DESTINATION. A public header that reaches a
# header outside cotangent/, core/ and interpreters/ (a backend, a generated kernel header)
# would not compile for a consumer: that stops the install.

file(GLOB queue RELATIVE ${COTANGENT_SOURCE_DIR} ${COTANGENT_SOURCE_DIR}/cotangent/*.h)
set(headers "")
while(queue)
  list(POP_FRONT queue header)
  # list(FIND), not IN_LIST: install scripts run under CMake's oldest policies.
  list(FIND headers ${header} seen)
  if(NOT seen EQUAL -1)
    continue()
  endif()
  list(APPEND headers ${header})
  file(STRINGS ${COTANGENT_SOURCE_DIR}/${header} includes REGEX "^[ \t]*#[ \t]*include[ \t]+\"")
  foreach(line IN LISTS includes)
    string(REGEX REPLACE "^[ \t]*#[ \t]*include[ \t]+\"([^\"]+)\".*$" "\\1" included "${line}")
    if(NOT EXISTS ${COTANGENT_SOURCE_DIR}/${included})
      continue()  # a system header ("absl/...", "nlohmann/..."), not ours
    endif()
    if(NOT included MATCHES "^(cotangent|core|interpreters)/")
      message(FATAL_ERROR "install: ${header} includes ${included}, which is not installed")
    endif()
    list(APPEND queue ${included})
  endforeach()
endwhile()

list(SORT headers)
foreach(header IN LISTS headers)
  get_filename_component(dir ${header} DIRECTORY)
  file(INSTALL DESTINATION ${COTANGENT_INCLUDE_DESTINATION}/${dir} TYPE FILE
       FILES ${COTANGENT_SOURCE_DIR}/${header})
endforeach()
