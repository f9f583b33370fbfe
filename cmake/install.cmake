# File: cmake/install.cmake
# `cmake --install build --prefix P` installs:
#   P/include/cotangent/*.h and the core/ and interpreters/ headers they include (transitively,
#     paths kept; cmake/install_headers.cmake finds them at install time)
#   P/lib/libcotangent.so.0.1.0 (+ links), or libcotangent.a with -DBUILD_SHARED_LIBS=OFF
#   P/lib/cmake/cotangent/cotangentConfig.cmake (+ Version, Targets): cotangent::cotangent
#   P/lib/pkgconfig/cotangent.pc
# and the component `distributed` (the collectives across MPI's processes, //distributed):
#   P/include/distributed/distributed.h (it includes no MPI header and no other of ours) and
#     distributed/shard_map.h (shard_map over the processes; includes cotangent/shard_map.h)
#   P/lib/libcotangent_distributed.so.0.1.0 (+ links), MPI linked privately
#   P/lib/cmake/cotangent/cotangentDistributedTargets.cmake: cotangent::distributed, through
#     find_package(cotangent COMPONENTS distributed)
#   P/lib/pkgconfig/cotangent-distributed.pc
# The Vulkan kernels are compiled into the library (kernels/CMakeLists.txt), so nothing else is
# needed at run time; tools/consumers.sh checks that no shader file is installed.
#
# Why shared by default: the Debian static archives of glslang and SPIRV-Tools (about 20 MB),
# Highway, OpenBLAS and zlib become private to libcotangent.so (their symbols kept internal
# with --exclude-libs), so a consumer links one library plus the Abseil its public headers
# use, through either CMake or pkg-config; and a process with several shared objects that use
# Cotangent still has one backend registry, one Vulkan device and one set of kernel caches.
# Bazel's own tests link the project libraries dynamically too.

include(CMakePackageConfigHelpers)

set(COTANGENT_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/cotangent)

if(BUILD_SHARED_LIBS)
  # Keep the static archives' symbols (glslang, SPIRV-Tools) out of the dynamic symbol table:
  # a consumer with its own glslang cannot clash with ours.
  target_link_options(cotangent PRIVATE LINKER:--exclude-libs,ALL)
  set(COTANGENT_STATIC OFF)
else()
  set(COTANGENT_STATIC ON)
endif()

install(TARGETS cotangent EXPORT cotangentTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT cotangentTargets
  NAMESPACE cotangent::
  DESTINATION ${COTANGENT_CMAKE_DIR})
install(TARGETS cotangent_distributed EXPORT cotangentDistributedTargets
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(EXPORT cotangentDistributedTargets
  NAMESPACE cotangent::
  DESTINATION ${COTANGENT_CMAKE_DIR})
install(FILES ${PROJECT_SOURCE_DIR}/distributed/distributed.h
  ${PROJECT_SOURCE_DIR}/distributed/shard_map.h
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/distributed)

configure_package_config_file(
  ${CMAKE_CURRENT_LIST_DIR}/cotangentConfig.cmake.in
  ${PROJECT_BINARY_DIR}/cotangentConfig.cmake
  INSTALL_DESTINATION ${COTANGENT_CMAKE_DIR})
# 0.x: a new minor version may break the API, so only the same minor version is compatible.
write_basic_package_version_file(
  ${PROJECT_BINARY_DIR}/cotangentConfigVersion.cmake
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES
  ${PROJECT_BINARY_DIR}/cotangentConfig.cmake
  ${PROJECT_BINARY_DIR}/cotangentConfigVersion.cmake
  DESTINATION ${COTANGENT_CMAKE_DIR})

# Headers: computed when installing, so an #include added since the last configure counts.
install(CODE "
  set(COTANGENT_SOURCE_DIR \"${PROJECT_SOURCE_DIR}\")
  set(COTANGENT_INCLUDE_DESTINATION \"\${CMAKE_INSTALL_PREFIX}/${CMAKE_INSTALL_INCLUDEDIR}\")
  include(\"${CMAKE_CURRENT_LIST_DIR}/install_headers.cmake\")")

# pkg-config: Abseil is public (the headers use its types) and found through its own .pc
# files; a static library also lists what it links privately (pkg-config --static).
set(COTANGENT_PC_REQUIRES "absl_flat_hash_map absl_flat_hash_set absl_function_ref absl_hash \
absl_inlined_vector absl_span absl_status absl_statusor absl_str_format absl_strings absl_time")
if(COTANGENT_STATIC)
  set(COTANGENT_PC_REQUIRES_PRIVATE "zlib libhwy")
  set(COTANGENT_PC_LIBS_PRIVATE "-lglslang-default-resource-limits -lSPIRV -lglslang \
-lMachineIndependent -lOSDependent -lGenericCodeGen -lOGLCompiler -lSPIRV-Tools-opt \
-lSPIRV-Tools -lopenblas -ldl -pthread")
else()
  set(COTANGENT_PC_REQUIRES_PRIVATE "")
  set(COTANGENT_PC_LIBS_PRIVATE "-pthread")
endif()
# The prefix is found from the .pc file's own place (${pcfiledir}), so that the file is right
# whatever --prefix `cmake --install` is given and wherever the tree is moved afterwards.
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(COTANGENT_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH up /p/${CMAKE_INSTALL_LIBDIR}/pkgconfig /p)
  string(REGEX REPLACE "/$" "" up "${up}")
  set(COTANGENT_PC_PREFIX "\${pcfiledir}/${up}")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/cotangent.pc.in ${PROJECT_BINARY_DIR}/cotangent.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cotangent.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
# cotangent-distributed.pc: a static library also needs Open MPI's (its ompi-cxx.pc).
if(COTANGENT_STATIC)
  set(COTANGENT_DISTRIBUTED_PC_REQUIRES_PRIVATE "ompi-cxx")
else()
  set(COTANGENT_DISTRIBUTED_PC_REQUIRES_PRIVATE "")
endif()
configure_file(${CMAKE_CURRENT_LIST_DIR}/cotangent-distributed.pc.in
  ${PROJECT_BINARY_DIR}/cotangent-distributed.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/cotangent-distributed.pc
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
