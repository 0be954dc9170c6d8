# The optional CUDA side of the measurement layer (lib/measure): CUPTI tracing, the injection
# library and the empirical-ceiling kernels. Everything else in ridgeline builds without it, and
# include/ridgeline/measure.hpp is the same header either way (a stub answers "not supported").
#
#   RIDGELINE_WITH_CUDA   ON by default when find_package(CUDAToolkit) finds a toolkit with CUPTI.
#
# Targets used (CMake 3.25's FindCUDAToolkit): CUDA::cudart, CUDA::cupti, CUDA::cublasLt and
# CUDA::nvtx3 (header-only; created here from the toolkit's include folder when missing).
# RIDGELINE_CUPTI_LIBRARY is the resolved libcupti path (reported; nothing runs with it baked in);
# RIDGELINE_<CUDART|CUPTI|CUBLASLT|CUDNN>_SONAME and RIDGELINE_CUDA_LIBRARY_DIRS tell the GPU plugin's
# loader what to load and where this build found it.

find_package(CUDAToolkit QUIET)

set(_ridgeline_cuda_default OFF)
if(CUDAToolkit_FOUND AND TARGET CUDA::cupti)
  set(_ridgeline_cuda_default ON)
endif()
option(RIDGELINE_WITH_CUDA "Build the CUDA measurement layer (CUPTI tracer, injection library, ceilings)"
       ${_ridgeline_cuda_default})

if(NOT RIDGELINE_WITH_CUDA)
  if(CUDAToolkit_FOUND AND NOT TARGET CUDA::cupti)
    message(STATUS "ridgeline: CUDA toolkit ${CUDAToolkit_VERSION} found without CUPTI; measurement layer "
                   "built without CUDA (install CUPTI and reconfigure to enable it)")
  else()
    message(STATUS "ridgeline: measurement layer built without CUDA (RIDGELINE_WITH_CUDA=OFF)")
  endif()
  return()
endif()

if(NOT CUDAToolkit_FOUND)
  message(FATAL_ERROR
    "RIDGELINE_WITH_CUDA is ON but no CUDA toolkit was found.\n"
    "Fix: install the CUDA toolkit (nvcc, cudart, CUPTI, cuBLAS) and point CMake at it with "
    "-DCUDAToolkit_ROOT=/usr/local/cuda (or put nvcc on PATH), or configure with -DRIDGELINE_WITH_CUDA=OFF.")
endif()
if(NOT TARGET CUDA::cupti)
  message(FATAL_ERROR
    "RIDGELINE_WITH_CUDA is ON but CUPTI was not found in the CUDA toolkit ${CUDAToolkit_VERSION} (nvcc in ${CUDAToolkit_BIN_DIR}).\n"
    "Looked for cupti.h in ${CUDAToolkit_INCLUDE_DIRS} and <toolkit>/extras/CUPTI/include, and for libcupti "
    "next to libcudart and in <toolkit>/extras/CUPTI/lib64.\n"
    "Fix: install CUPTI (Debian/Ubuntu NVIDIA repository: cuda-cupti-dev-${CUDAToolkit_VERSION_MAJOR}-"
    "${CUDAToolkit_VERSION_MINOR}; conda: cuda-cupti), or set -DCUDAToolkit_ROOT to a toolkit that has it, "
    "or configure with -DRIDGELINE_WITH_CUDA=OFF.")
endif()
foreach(_t IN ITEMS cudart cublasLt)
  if(NOT TARGET CUDA::${_t})
    message(FATAL_ERROR "RIDGELINE_WITH_CUDA is ON but the toolkit lacks lib${_t} (CUDA::${_t}). Fix: install "
                        "the toolkit's ${_t} development package, or configure with -DRIDGELINE_WITH_CUDA=OFF.")
  endif()
endforeach()
# cuDNN (the replay executor's convolutions, lib/replay/gpu): cudnn.h and libcudnn in the
# toolkit (the NVIDIA tarball/redist layout), under -DCUDNN_ROOT / $CUDNN_ROOT, or in the system
# folders (Debian/Ubuntu libcudnn9-dev-cuda-*). Imported target: ridgeline::cudnn.
find_path(RIDGELINE_CUDNN_INCLUDE_DIR cudnn.h
  HINTS ${CUDNN_ROOT} ENV CUDNN_ROOT ${CUDAToolkit_INCLUDE_DIRS} ${CUDAToolkit_LIBRARY_ROOT}
  PATH_SUFFIXES include)
find_library(RIDGELINE_CUDNN_LIBRARY cudnn
  HINTS ${CUDNN_ROOT} ENV CUDNN_ROOT ${CUDAToolkit_LIBRARY_DIR} ${CUDAToolkit_LIBRARY_ROOT}
  PATH_SUFFIXES lib64 lib)
set(_ridgeline_cudnn_found OFF)
if(RIDGELINE_CUDNN_INCLUDE_DIR AND RIDGELINE_CUDNN_LIBRARY)
  set(_ridgeline_cudnn_found ON)
endif()
option(RIDGELINE_REPLAY_GPU "Build the replay's GPU executor (cuBLASLt, cuDNN, own kernels)" ${_ridgeline_cudnn_found})
if(NOT RIDGELINE_REPLAY_GPU)
  message(STATUS "ridgeline: replay GPU executor OFF (cuDNN found: ${_ridgeline_cudnn_found}); the rest of the "
                 "CUDA layer is built")
elseif(NOT _ridgeline_cudnn_found)
  message(FATAL_ERROR
    "RIDGELINE_REPLAY_GPU is ON but cuDNN was not found (cudnn.h: ${RIDGELINE_CUDNN_INCLUDE_DIR}; "
    "libcudnn: ${RIDGELINE_CUDNN_LIBRARY}). The GPU replay runs convolutions through cuDNN 8 or 9.\n"
    "Looked in the CUDA toolkit (${CUDAToolkit_INCLUDE_DIRS}, ${CUDAToolkit_LIBRARY_DIR}), CUDNN_ROOT and the system folders.\n"
    "Fix: install cuDNN for CUDA ${CUDAToolkit_VERSION_MAJOR} (Debian/Ubuntu NVIDIA repository: "
    "libcudnn9-dev-cuda-${CUDAToolkit_VERSION_MAJOR}; pip/conda: nvidia-cudnn-cu${CUDAToolkit_VERSION_MAJOR} / cudnn; or "
    "NVIDIA's tarball) and point CMake at it with -DCUDNN_ROOT=<folder with include/ and lib/>, "
    "or configure with -DRIDGELINE_REPLAY_GPU=OFF.")
endif()
set(RIDGELINE_CUDNN_VERSION "")
foreach(_h IN ITEMS cudnn_version.h cudnn.h)
  if(RIDGELINE_CUDNN_VERSION STREQUAL "" AND EXISTS "${RIDGELINE_CUDNN_INCLUDE_DIR}/${_h}")
    file(STRINGS "${RIDGELINE_CUDNN_INCLUDE_DIR}/${_h}" _cudnn_major REGEX "^#define CUDNN_MAJOR [0-9]+")
    file(STRINGS "${RIDGELINE_CUDNN_INCLUDE_DIR}/${_h}" _cudnn_minor REGEX "^#define CUDNN_MINOR [0-9]+")
    string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _cudnn_major "${_cudnn_major}")
    string(REGEX REPLACE ".* ([0-9]+)$" "\\1" _cudnn_minor "${_cudnn_minor}")
    if(_cudnn_major)
      set(RIDGELINE_CUDNN_VERSION "${_cudnn_major}.${_cudnn_minor}")
    endif()
  endif()
endforeach()
if(RIDGELINE_REPLAY_GPU AND RIDGELINE_CUDNN_VERSION AND RIDGELINE_CUDNN_VERSION VERSION_LESS 8)
  message(FATAL_ERROR "RIDGELINE_REPLAY_GPU is ON but the cuDNN found (${RIDGELINE_CUDNN_VERSION}, ${RIDGELINE_CUDNN_LIBRARY}) "
                      "is older than 8. Fix: install cuDNN 8 or 9 and set -DCUDNN_ROOT to it, or configure with "
                      "-DRIDGELINE_REPLAY_GPU=OFF.")
endif()
if(RIDGELINE_REPLAY_GPU AND NOT TARGET ridgeline::cudnn)
  add_library(ridgeline::cudnn UNKNOWN IMPORTED)
  set_target_properties(ridgeline::cudnn PROPERTIES IMPORTED_LOCATION "${RIDGELINE_CUDNN_LIBRARY}"
                        INTERFACE_INCLUDE_DIRECTORIES "${RIDGELINE_CUDNN_INCLUDE_DIR}")
endif()
# NVTX v3 is header-only; CMake older than 3.25 (or odd toolkit layouts) may not define the target.
if(NOT TARGET CUDA::nvtx3)
  find_path(RIDGELINE_NVTX3_INCLUDE_DIR nvtx3/nvToolsExt.h HINTS ${CUDAToolkit_INCLUDE_DIRS})
  if(RIDGELINE_NVTX3_INCLUDE_DIR)
    add_library(CUDA::nvtx3 INTERFACE IMPORTED)
    target_include_directories(CUDA::nvtx3 SYSTEM INTERFACE ${RIDGELINE_NVTX3_INCLUDE_DIR})
    target_link_libraries(CUDA::nvtx3 INTERFACE ${CMAKE_DL_LIBS})
  endif()
endif()
get_target_property(RIDGELINE_CUPTI_LIBRARY CUDA::cupti IMPORTED_LOCATION)

# The sonames of the CUDA libraries the GPU plugin (libridgeline_gpu.so) links, and the folders they
# were found in: libridgeline loads each by soname before it loads the plugin, from the folders it
# searches (these among them; lib/measure/gpu_loader.cpp), and names the missing one.
function(_ridgeline_soname out library)
  set(_name "")
  if(CMAKE_OBJDUMP AND EXISTS "${library}")
    execute_process(COMMAND ${CMAKE_OBJDUMP} -p "${library}" OUTPUT_VARIABLE _dump ERROR_QUIET RESULT_VARIABLE _rc)
    if(_rc EQUAL 0 AND _dump MATCHES "SONAME +([^\n ]+)")
      set(_name "${CMAKE_MATCH_1}")
    endif()
  endif()
  if(NOT _name)  # no objdump: the versioned file name, cut after the major version
    file(REAL_PATH "${library}" _real)
    get_filename_component(_name "${_real}" NAME)
    string(REGEX REPLACE "^(.*\\.so\\.[0-9]+).*$" "\\1" _name "${_name}")
  endif()
  set(${out} "${_name}" PARENT_SCOPE)
endfunction()
set(RIDGELINE_CUDA_LIBRARY_DIRS "")
foreach(_lib IN ITEMS cudart cupti cublasLt cudnn)
  string(TOUPPER ${_lib} _up)
  if(_lib STREQUAL "cudnn")
    set(_path "${RIDGELINE_CUDNN_LIBRARY}")
  else()
    get_target_property(_path CUDA::${_lib} IMPORTED_LOCATION)
  endif()
  if(_path AND EXISTS "${_path}")
    _ridgeline_soname(RIDGELINE_${_up}_SONAME "${_path}")
    get_filename_component(_dir "${_path}" DIRECTORY)
    list(APPEND RIDGELINE_CUDA_LIBRARY_DIRS "${_dir}")
  endif()
endforeach()
list(REMOVE_DUPLICATES RIDGELINE_CUDA_LIBRARY_DIRS)

# The CUDA language, only now. Architectures: Turing SASS+PTX (runs anywhere newer through the JIT)
# plus Ampere and Hopper SASS, unless the caller chose (-DCMAKE_CUDA_ARCHITECTURES=native on a GPU box).
if(NOT CMAKE_CUDA_COMPILER AND CUDAToolkit_NVCC_EXECUTABLE)
  set(CMAKE_CUDA_COMPILER ${CUDAToolkit_NVCC_EXECUTABLE})
endif()
if(NOT DEFINED CMAKE_CUDA_ARCHITECTURES)
  set(CMAKE_CUDA_ARCHITECTURES 75 80-real 90-real)
endif()
# One CUDA runtime in the process: the shared one that CUDA::cudart names (never cudart_static too).
set(CMAKE_CUDA_RUNTIME_LIBRARY Shared)
enable_language(CUDA)
# C++17 for device code: CMake 3.25 knows no CUDA20 dialect for nvcc. The .cu files include only
# public headers, which are C++17-clean.
set(CMAKE_CUDA_STANDARD 17)
set(CMAKE_CUDA_STANDARD_REQUIRED ON)
message(STATUS "ridgeline: CUDA measurement layer ON (toolkit ${CUDAToolkit_VERSION}, CUPTI ${RIDGELINE_CUPTI_LIBRARY}, "
               "architectures ${CMAKE_CUDA_ARCHITECTURES})")
