# ridgeline_warnings(target): the project's warning set, applied to its own targets only.
function(ridgeline_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor
                                           -Wold-style-cast -Wcast-align -Woverloaded-virtual)
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12 reports false -Wrestrict positives inside libstdc++'s std::string concatenation
    # (GCC bug 105329, fixed in 13).
    target_compile_options(${target} PRIVATE -Wno-restrict)
  endif()
endfunction()
