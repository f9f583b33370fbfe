# File: cmake/targets.cmake
# The CMake build's counterparts of cc_binary, cc_test, sh_test and tests/backend_variants.bzl,
# for tests/, examples/ and benchmarks/. Binaries are built where bazel-bin puts them
# (<build>/<package>/<name>); their CMake targets are <package>_<name> (names are global in
# CMake: tests/cotangent/io_test -> tests_cotangent_io_test).
# Tests are registered with ctest under their Bazel labels (`ctest -R
# '//tests/interpreters:jvp_test'`), so that tools/check_build_lists.sh can compare the two
# sets. ctest labels: `vulkan` as Bazel's tag (`ctest -LE vulkan` skips the Vulkan runs), `tsan`.
# Every test gets its own TEST_TMPDIR (and TEST_UNDECLARED_OUTPUTS_DIR), as under Bazel, so
# parallel runs (ctest -j) never share scratch files, and runs in the source root, where
# workspace-relative paths resolve as in Bazel's runfiles root (tests/docs:doc_snippets_test).

# Bazel's timeouts by size: small 60 s, medium (the default) 300 s.
set(COTANGENT_TEST_TIMEOUT_small 60)
set(COTANGENT_TEST_TIMEOUT_medium 300)

# cotangent_target(<name> <out-var>): the CMake target of binary <name> of this package.
function(cotangent_target name out)
  file(RELATIVE_PATH package ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  string(REPLACE "/" "_" prefix "${package}")
  set(${out} ${prefix}_${name} PARENT_SCOPE)
endfunction()

# cotangent_cc_binary(<name> [SRCS ...] [LIBS ...] [EXCLUDE_FROM_ALL]): an executable linked
# with the library and with the LeakSanitizer hook Bazel links into every binary that has the
# Vulkan backend. SRCS defaults to <name>.cc. EXCLUDE_FROM_ALL is Bazel's `manual` tag.
function(cotangent_cc_binary name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "EXCLUDE_FROM_ALL" "" "SRCS;LIBS")
  if(NOT arg_SRCS)
    set(arg_SRCS ${name}.cc)
  endif()
  cotangent_target(${name} target)
  if(arg_EXCLUDE_FROM_ALL)
    add_executable(${target} EXCLUDE_FROM_ALL ${arg_SRCS})
  else()
    add_executable(${target} ${arg_SRCS})
  endif()
  set_target_properties(${target} PROPERTIES OUTPUT_NAME ${name})
  target_link_libraries(${target} PRIVATE cotangent cotangent_lsan_suppressions ${arg_LIBS})
endfunction()

# cotangent_add_test(<name> COMMAND <cmd...> [ENV <VAR=value>...] [LABELS <label>...]
#                    [SIZE small|medium]): registers //<this package>:<name> (sh_test and
# the like: the command is anything, a target's $<TARGET_FILE:...> included).
function(cotangent_add_test name)
  if(NOT COTANGENT_BUILD_TESTS)
    return()
  endif()
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "SIZE" "COMMAND;ENV;LABELS")
  if(NOT arg_SIZE)
    set(arg_SIZE medium)
  endif()
  file(RELATIVE_PATH package ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set(label "//${package}:${name}")
  set(tmp ${PROJECT_BINARY_DIR}/test_tmp/${package}/${name})
  file(MAKE_DIRECTORY ${tmp})
  add_test(NAME ${label} COMMAND ${arg_COMMAND} WORKING_DIRECTORY ${PROJECT_SOURCE_DIR})
  set(env TEST_TMPDIR=${tmp} TEST_UNDECLARED_OUTPUTS_DIR=${tmp} ${arg_ENV})
  set_tests_properties(${label} PROPERTIES
    ENVIRONMENT "${env}"
    LABELS "${arg_LABELS}"
    TIMEOUT ${COTANGENT_TEST_TIMEOUT_${arg_SIZE}})
  # The binaries the command runs, for the label's build target (cotangent_label_targets).
  string(REGEX MATCHALL "\\$<TARGET_FILE:[^>]+>" files "${arg_COMMAND}")
  foreach(file IN LISTS files)
    string(REGEX REPLACE "^\\$<TARGET_FILE:([^>]+)>$" "\\1" binary "${file}")
    foreach(test_label IN LISTS arg_LABELS)
      set_property(GLOBAL APPEND PROPERTY COTANGENT_LABELS ${test_label})
      set_property(GLOBAL APPEND PROPERTY COTANGENT_LABEL_TARGETS_${test_label} ${binary})
    endforeach()
  endforeach()
endfunction()

# cotangent_label_targets(): for each ctest label, a target `<label>_tests` that builds the
# binaries its tests run and nothing else: `cmake --build build --target mpi_tests`, then
# `ctest -L '^mpi$'` (CI's CMake half, .ci/run). Called once, after every test is declared.
function(cotangent_label_targets)
  get_property(labels GLOBAL PROPERTY COTANGENT_LABELS)
  list(REMOVE_DUPLICATES labels)
  foreach(test_label IN LISTS labels)
    get_property(binaries GLOBAL PROPERTY COTANGENT_LABEL_TARGETS_${test_label})
    list(REMOVE_DUPLICATES binaries)
    add_custom_target(${test_label}_tests)
    add_dependencies(${test_label}_tests ${binaries})
  endforeach()
endfunction()

# cotangent_cc_test(<name> [SRCS ...] [LIBS ...] [ARGS ...] [ENV ...] [LABELS ...]
#                   [SIZE small|medium] [ALL_BACKENDS])
# A GoogleTest binary with gmock's main() (//third_party:gtest_main), compiled with the tests'
# precompiled header where tests/CMakeLists.txt made one. ALL_BACKENDS runs it as
# tests/backend_variants.bzl does: <name>, <name>_vulkan (COTANGENT_BACKEND=vulkan) and
# <name>_vulkan_fused (and COTANGENT_VULKAN_FUSION=1), the last two labelled vulkan.
function(cotangent_cc_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "ALL_BACKENDS" "SIZE" "SRCS;LIBS;ARGS;ENV;LABELS")
  cotangent_cc_binary(${name} SRCS ${arg_SRCS} LIBS GTest::gmock_main GTest::gmock ${arg_LIBS})
  cotangent_target(${name} target)
  if(TARGET tests_pch)  # tests/CMakeLists.txt: GoogleTest and the public API, parsed once
    target_precompile_headers(${target} REUSE_FROM tests_pch)
    # Through the precompiled header, libstdc++'s inlined string copies lose their exemption
    # as system code from GCC 12's bounds warnings, whose known false positives on them (two,
    # in tests/examples/cli_test.cc's vector<string>::insert) then fail -Werror; the ASan run
    # checks the tests' bounds where they run.
    target_compile_options(${target} PRIVATE -Wno-array-bounds -Wno-stringop-overread
                                             -Wno-stringop-overflow)
  endif()
  set(common SIZE ${arg_SIZE} COMMAND $<TARGET_FILE:${target}> ${arg_ARGS})
  cotangent_add_test(${name} ${common} ENV ${arg_ENV} LABELS ${arg_LABELS})
  if(arg_ALL_BACKENDS)
    set(vulkan_env ${arg_ENV} COTANGENT_BACKEND=vulkan)
    cotangent_add_test(${name}_vulkan ${common} ENV ${vulkan_env} LABELS ${arg_LABELS} vulkan)
    cotangent_add_test(${name}_vulkan_fused ${common} ENV ${vulkan_env}
                       COTANGENT_VULKAN_FUSION=1 LABELS ${arg_LABELS} vulkan)
  endif()
endfunction()

# cotangent_glob_tests(<out-var> [EXCEPT name...]): the *_test.cc files of this directory, as
# test names, without those in EXCEPT (the ones the caller declares itself).
function(cotangent_glob_tests out)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "EXCEPT")
  file(GLOB sources RELATIVE ${CMAKE_CURRENT_SOURCE_DIR} CONFIGURE_DEPENDS
       ${CMAKE_CURRENT_SOURCE_DIR}/*_test.cc)
  set(names "")
  foreach(source IN LISTS sources)
    string(REGEX REPLACE "\\.cc$" "" name "${source}")
    if(NOT name IN_LIST arg_EXCEPT)
      list(APPEND names ${name})
    endif()
  endforeach()
  set(${out} ${names} PARENT_SCOPE)
endfunction()
