# File: cmake/source_list.cmake
# cotangent_write_source_list(FILE): writes every C++ source and header (.cc, .h, .def) of
# every target of this build, workspace-relative and sorted, one per line. Generated files
# (under the binary directory) are left out. tools/check_build_lists.sh compares the list with
# the sources of Bazel's targets (`bazel query`), so a file added to one build only fails CI.

# Sets OUT to the targets of DIR and its subdirectories.
function(_cotangent_targets_under dir out)
  get_property(found DIRECTORY ${dir} PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY ${dir} PROPERTY SUBDIRECTORIES)
  foreach(subdir IN LISTS subdirs)
    _cotangent_targets_under(${subdir} below)
    list(APPEND found ${below})
  endforeach()
  set(${out} ${found} PARENT_SCOPE)
endfunction()

function(cotangent_write_source_list file)
  set(targets "")
  _cotangent_targets_under(${PROJECT_SOURCE_DIR} targets)
  set(paths "")
  foreach(target IN LISTS targets)
    get_target_property(type ${target} TYPE)
    if(type STREQUAL "UTILITY")
      continue()
    endif()
    # Header-only (INTERFACE) libraries list their headers as SOURCES too.
    get_target_property(sources ${target} SOURCES)
    if(NOT sources)
      continue()
    endif()
    get_target_property(dir ${target} SOURCE_DIR)
    foreach(source IN LISTS sources)
      if(source MATCHES "^\\$<" OR NOT source MATCHES "\\.(cc|h|def)$")
        continue()
      endif()
      get_filename_component(path "${source}" ABSOLUTE BASE_DIR ${dir})
      file(RELATIVE_PATH relative ${PROJECT_SOURCE_DIR} ${path})
      cmake_path(IS_PREFIX PROJECT_BINARY_DIR "${path}" generated)
      if(NOT generated AND NOT relative MATCHES "^\\.\\./")
        list(APPEND paths ${relative})
      endif()
    endforeach()
  endforeach()
  list(REMOVE_DUPLICATES paths)
  list(SORT paths)
  list(JOIN paths "\n" text)
  file(WRITE ${file} "${text}\n")
endfunction()
