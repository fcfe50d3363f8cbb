# INTERFACE targets linked PRIVATE by first-party targets only: language settings, sanitizers and
# the warning set. Third-party include directories are SYSTEM, so their warnings do not count.
add_library(argoimg_settings INTERFACE)
target_compile_features(argoimg_settings INTERFACE cxx_std_20)
if(CMAKE_BUILD_TYPE STREQUAL "Debug")
  target_compile_definitions(argoimg_settings INTERFACE _GLIBCXX_ASSERTIONS)
endif()
set(_sanitizers "")
if(ARGOIMG_ENABLE_ASAN)
  list(APPEND _sanitizers address)
endif()
if(ARGOIMG_ENABLE_UBSAN)
  list(APPEND _sanitizers undefined)
endif()
if(_sanitizers)
  list(JOIN _sanitizers "," _sanitizer_list)
  target_compile_options(argoimg_settings INTERFACE -fsanitize=${_sanitizer_list}
                                                    -fno-omit-frame-pointer -fno-sanitize-recover=all)
  target_link_options(argoimg_settings INTERFACE -fsanitize=${_sanitizer_list})
endif()
# Fuzzing: every first-party object gets libFuzzer's coverage instrumentation with ASan and
# UBSan (the fuzz executables in test/fuzz add `-fsanitize=fuzzer` at link time); the
# libstdc++ assertions turn an out-of-range operator[] into a finding.
if(ARGOIMG_BUILD_FUZZERS)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "ARGOIMG_BUILD_FUZZERS needs clang (CC=clang-14 CXX=clang++-14)")
  endif()
  target_compile_definitions(argoimg_settings INTERFACE _GLIBCXX_ASSERTIONS)
  target_compile_options(argoimg_settings INTERFACE -fsanitize=fuzzer-no-link,address,undefined
                                                    -fno-omit-frame-pointer -fno-sanitize-recover=all
      -fsanitize-ignorelist=${PROJECT_SOURCE_DIR}/test/fuzz/ubsan_ignorelist.txt)
  target_link_options(argoimg_settings INTERFACE -fsanitize=address,undefined)
endif()

add_library(argoimg_warnings INTERFACE)
target_compile_options(argoimg_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual
  -Wcast-align -Wextra-semi -Wconversion -Wsign-conversion)
# GCC 12 reports -Wrestrict inside libstdc++ for `"literal" + std::string` at -O2/-O3 (GCC PR
# 105651, fixed in 13); it is a false positive, so it is off for those compilers only.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
  target_compile_options(argoimg_warnings INTERFACE -Wno-restrict)
endif()
