# One static library per lib/ module, linked only along the edges of docs/architecture.md.
#
#   argoimg_module(<name> [DEPS <module>...] [LIBS <target>...] [PUBLIC_LIBS <target>...])
#
# makes the target argoimg_<name> from lib/<name>/CMakeLists.txt (which lists the sources).
# DEPS are the modules <name> may include; they must be declared before it, so the graph has
# no cycle. LIBS are third-party targets linked PRIVATE: their headers belong in .cpp files.
# PUBLIC_LIBS are the few that public headers are written against (fmt, tl::expected in util).
# scripts/check-layering reads the same calls in lib/CMakeLists.txt.
#
# Headers are included as "<module>/file.hpp". Each module gets an include root of its own,
# build/include/<name>/ holding one symlink <name> -> lib/<name>, so a module compiles only
# against the headers of the modules it links: a wrong #include fails the build. Edges are
# PUBLIC because public headers include the headers of the modules below (app/config.hpp
# names tag types), so a module sees its DEPS and what they see; scripts/check-layering
# holds each module to its own DEPS.
function(argoimg_module name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "DEPS;LIBS;PUBLIC_LIBS")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "argoimg_module(${name}): unknown arguments '${arg_UNPARSED_ARGUMENTS}'")
  endif()
  set(target argoimg_${name})
  add_library(${target} STATIC)
  set(root ${PROJECT_BINARY_DIR}/include/${name})
  file(MAKE_DIRECTORY ${root})
  file(CREATE_LINK ${CMAKE_CURRENT_SOURCE_DIR}/${name} ${root}/${name} SYMBOLIC)
  target_include_directories(${target} PUBLIC ${root})
  foreach(dep IN LISTS arg_DEPS)
    if(NOT TARGET argoimg_${dep})
      message(FATAL_ERROR "argoimg_module(${name}): module '${dep}' is not declared before it")
    endif()
    target_link_libraries(${target} PUBLIC argoimg_${dep})
  endforeach()
  target_link_libraries(${target} PUBLIC ${arg_PUBLIC_LIBS}
                                  PRIVATE ${arg_LIBS} argoimg_settings argoimg_warnings)
  set_property(GLOBAL APPEND PROPERTY ARGOIMG_MODULES ${name})
  add_subdirectory(${name})
endfunction()

# Links <target> to the given modules (cmd/ lists the ones it includes; the layering check
# reads that call too). PUBLIC: cmd/'s library passes them on to argoimg and argoimg-gen, whose
# main()s include its headers.
function(argoimg_link_modules target)
  foreach(module IN LISTS ARGN)
    if(NOT TARGET argoimg_${module})
      message(FATAL_ERROR "argoimg_link_modules(${target}): no module '${module}'")
    endif()
    target_link_libraries(${target} PUBLIC argoimg_${module})
  endforeach()
endfunction()
