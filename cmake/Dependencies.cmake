# The one place where third-party dependencies are found. All come from Debian 12 packages
# (scripts/install-deps.sh); the target names below are the ones those packages export.
find_package(PkgConfig REQUIRED)
find_package(CLI11 REQUIRED)                 # CLI11::CLI11 (cmd/ only)
find_package(CURL REQUIRED)                  # CURL::libcurl (registry/curl_transport.cpp only)
find_package(RapidJSON REQUIRED)             # RAPIDJSON_INCLUDE_DIRS, header-only
add_library(argoimg::rapidjson INTERFACE IMPORTED)  # a target, to link like the others
set_target_properties(argoimg::rapidjson PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${RAPIDJSON_INCLUDE_DIRS}")
find_package(yaml-cpp REQUIRED)              # yaml-cpp
find_package(tl-expected REQUIRED)           # tl::expected
find_package(fmt REQUIRED)                   # fmt::fmt (g++ 12 has no <format>)
find_package(OpenSSL REQUIRED COMPONENTS Crypto) # OpenSSL::Crypto (util/crypto.cpp only)
pkg_check_modules(RE2 REQUIRED IMPORTED_TARGET re2)          # linear-time regexps for allow-tags
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2)  # git/ only
pkg_check_modules(LIBYAML REQUIRED IMPORTED_TARGET yaml-0.1)  # app/yaml_libyaml.cpp only
# The allocator of the argoimg executable only: parsing thousands of YAML files makes millions
# of small allocations, on which mimalloc took ~20% less CPU than glibc's malloc at the same peak
# memory (test/bench/README.md, "allocator"). The sanitizers replace malloc themselves.
if(ARGOIMG_USE_MIMALLOC AND NOT (ARGOIMG_ENABLE_ASAN OR ARGOIMG_ENABLE_UBSAN OR ARGOIMG_BUILD_FUZZERS))
  find_package(mimalloc 2 REQUIRED)          # mimalloc (cmd/ links it to the executable)
  set(ARGOIMG_MIMALLOC_TARGET mimalloc)
endif()
if(ARGOIMG_BUILD_TESTS)
  find_package(Catch2 2 REQUIRED)            # v2.13: <catch2/catch.hpp>
endif()
