# File: cmake/glsl.cmake
# CMake twins of tools/glsl.bzl, fed from kernels/BUILD.bazel itself so that the shader list
# has one source of truth:
#   cotangent_read_bazel_call(FILE RULE OUT)  the text of the one RULE(...) call in FILE
#   cotangent_glsl_spirv_library(TARGET CALL) compiles the call's shaders with glslangValidator
#       (srcs, then variants in their order) and embeds them with embed_spirv: kernels.h +
#       kernels_spirv.cc, the very files glsl.bzl generates (tools/cmake_test.sh compares them)
#   cotangent_glsl_text_library(TARGET CALL)  embeds GLSL sources as text (glsl_sources.h/.cc)
# Both add the generated sources to TARGET, with a custom target that generates them first.
# The reader accepts the plain layout of kernels/BUILD.bazel (one call per rule, string lists,
# `variants` as "stem": ["src", "DEFINE", ...]); anything else stops the configure step.

# Sets OUT to the text of the single `RULE(` ... `\n)` call in FILE, brackets turned into
# parentheses (CMake lists treat [ ] specially), comment lines dropped.
function(cotangent_read_bazel_call file rule out)
  file(READ ${file} content)
  string(REPLACE "[" "(" content "${content}")
  string(REPLACE "]" ")" content "${content}")
  string(REPLACE ";" "," content "${content}")
  string(REPLACE "\n" ";" lines "${content}")
  set(text "")
  set(inside FALSE)
  set(count 0)
  foreach(line IN LISTS lines)
    if(line MATCHES "^${rule}\\($")
      set(inside TRUE)
      math(EXPR count "${count} + 1")
    elseif(inside AND line STREQUAL ")")
      set(inside FALSE)
    elseif(inside AND NOT line MATCHES "^[ \t]*#")
      string(APPEND text "\n${line}")
    endif()
  endforeach()
  if(NOT count EQUAL 1 OR inside)
    message(FATAL_ERROR "${file}: expected one ${rule}(...) call ending in a `)` line")
  endif()
  set(${out} "${text}\n" PARENT_SCOPE)
endfunction()

# Sets OUT to the strings of `ATTR = ( "a", "b", )` in CALL (empty when ATTR is absent).
function(_cotangent_string_list call attr out)
  set(values "")
  if(call MATCHES "\n[ ]*${attr} = \\(([^)]*)\\)")
    string(REGEX MATCHALL "\"[^\"]*\"" quoted "${CMAKE_MATCH_1}")
    foreach(item IN LISTS quoted)
      string(REGEX REPLACE "^\"(.*)\"$" "\\1" item "${item}")
      list(APPEND values "${item}")
    endforeach()
  endif()
  set(${out} "${values}" PARENT_SCOPE)
endfunction()

# Sets OUT to `name = "..."` of CALL.
function(_cotangent_name call out)
  if(NOT call MATCHES "\n[ ]*name = \"([^\"]+)\"")
    message(FATAL_ERROR "glsl: no name = \"...\" in ${call}")
  endif()
  set(${out} "${CMAKE_MATCH_1}" PARENT_SCOPE)
endfunction()

# glsl.bzl's _pascal_case: "reduce_sum_f32_sg" -> "ReduceSumF32Sg".
function(_cotangent_pascal_case stem out)
  string(REPLACE "-" "_" stem "${stem}")
  string(REPLACE "_" ";" parts "${stem}")
  set(result "")
  foreach(part IN LISTS parts)
    if(NOT part STREQUAL "")
      string(SUBSTRING "${part}" 0 1 head)
      string(SUBSTRING "${part}" 1 -1 tail)
      string(TOUPPER "${head}" head)
      string(APPEND result "${head}${tail}")
    endif()
  endforeach()
  set(${out} "${result}" PARENT_SCOPE)
endfunction()

# glsl_spirv_library: <name>.h and <name>_spirv.cc in this directory's binary directory, with
# `#include "<dir>/<name>.h"` as Bazel's package-relative path. Defaults as in glsl.bzl.
function(cotangent_glsl_spirv_library target call)
  _cotangent_name("${call}" name)
  _cotangent_string_list("${call}" srcs srcs)
  _cotangent_string_list("${call}" hdrs hdrs)
  _cotangent_string_list("${call}" defines defines)
  set(namespace "cotangent::kernels")
  set(target_env "vulkan1.1")
  # (stem, source, extra defines), srcs first, then variants in their order, as glsl.bzl.
  set(shaders "")
  foreach(src IN LISTS srcs)
    get_filename_component(stem "${src}" NAME)
    string(REGEX REPLACE "\\.[^.]*$" "" stem "${stem}")
    list(APPEND shaders "${stem}|${src}|")
  endforeach()
  if(call MATCHES "\n[ ]*variants = {([^}]*)}")
    string(REGEX MATCHALL "\"[A-Za-z0-9_-]+\": \\([^)]*\\)" entries "${CMAKE_MATCH_1}")
    foreach(entry IN LISTS entries)
      string(REGEX MATCH "^\"([^\"]+)\"" _ "${entry}")
      set(stem "${CMAKE_MATCH_1}")
      string(REGEX MATCHALL "\"[^\"]*\"" spec "${entry}")
      list(REMOVE_AT spec 0)
      list(TRANSFORM spec REPLACE "^\"(.*)\"$" "\\1")
      list(POP_FRONT spec src)
      string(REPLACE ";" "," extra "${spec}")
      list(APPEND shaders "${stem}|${src}|${extra}")
    endforeach()
  endif()

  set(hdr_paths "")
  foreach(hdr IN LISTS hdrs)
    list(APPEND hdr_paths ${CMAKE_CURRENT_SOURCE_DIR}/${hdr})
  endforeach()
  set(spvs "")
  set(args "")
  # glslangValidator does not create directories (and exits 0 when it cannot write).
  file(MAKE_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR}/${name}_spv)
  foreach(shader IN LISTS shaders)
    string(REPLACE "|" ";" shader "${shader}")
    list(GET shader 0 stem)
    list(GET shader 1 src)
    list(GET shader 2 extra)
    string(REPLACE "," ";" extra "${extra}")
    set(flags "")
    foreach(define IN LISTS defines extra)
      list(APPEND flags "-D${define}")
    endforeach()
    set(spv ${CMAKE_CURRENT_BINARY_DIR}/${name}_spv/${stem}.spv)
    # --quiet: glslangValidator otherwise prints each file name on success (Bazel hides it).
    add_custom_command(
      OUTPUT ${spv}
      COMMAND ${COTANGENT_GLSLANG_VALIDATOR} --quiet -V --target-env ${target_env} ${flags}
              -o ${spv} ${CMAKE_CURRENT_SOURCE_DIR}/${src}
      DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/${src} ${hdr_paths}
      COMMENT "glslangValidator ${src} -> ${stem}.spv"
      VERBATIM)
    list(APPEND spvs ${spv})
    _cotangent_pascal_case("${stem}" pascal)
    list(APPEND args "k${pascal}Spirv=${src}=${spv}")
  endforeach()

  file(RELATIVE_PATH package ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set(header ${CMAKE_CURRENT_BINARY_DIR}/${name}.h)
  set(source ${CMAKE_CURRENT_BINARY_DIR}/${name}_spirv.cc)
  add_custom_command(
    OUTPUT ${header} ${source}
    COMMAND embed_spirv --header=${header} --source=${source} --include=${package}/${name}.h
            --namespace=${namespace} ${args}
    DEPENDS embed_spirv ${spvs}
    COMMENT "embed_spirv ${package}/${name}.h"
    VERBATIM)
  _cotangent_add_generated(${target} ${name} ${header} ${source})
endfunction()

# glsl_text_library: <name>.h and <name>_glsl.cc declaring `std::string_view k<Stem>Glsl`.
function(cotangent_glsl_text_library target call)
  _cotangent_name("${call}" name)
  _cotangent_string_list("${call}" srcs srcs)
  file(RELATIVE_PATH package ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_SOURCE_DIR})
  set(header ${CMAKE_CURRENT_BINARY_DIR}/${name}.h)
  set(source ${CMAKE_CURRENT_BINARY_DIR}/${name}_glsl.cc)
  set(src_paths "")
  foreach(src IN LISTS srcs)
    list(APPEND src_paths ${CMAKE_CURRENT_SOURCE_DIR}/${src})
  endforeach()
  string(REPLACE ";" "," src_arg "${srcs}")
  add_custom_command(
    OUTPUT ${header} ${source}
    COMMAND ${CMAKE_COMMAND} -DHEADER=${header} -DSOURCE=${source}
            -DINCLUDE=${package}/${name}.h -DNAMESPACE=cotangent::kernels
            -DDIR=${CMAKE_CURRENT_SOURCE_DIR} -DSRCS=${src_arg}
            -P ${PROJECT_SOURCE_DIR}/cmake/embed_glsl_text.cmake
    DEPENDS ${src_paths} ${PROJECT_SOURCE_DIR}/cmake/embed_glsl_text.cmake
    COMMENT "embed GLSL text ${package}/${name}.h"
    VERBATIM)
  _cotangent_add_generated(${target} ${name} ${header} ${source})
endfunction()

# Adds generated sources to TARGET (defined in another directory) and a custom target here
# that generates them first: every generator, Makefiles included, then knows the rule.
function(_cotangent_add_generated target name header source)
  add_custom_target(${target}_${name}_generated DEPENDS ${header} ${source})
  add_dependencies(${target} ${target}_${name}_generated)
  target_sources(${target} PRIVATE ${header} ${source})
endfunction()
