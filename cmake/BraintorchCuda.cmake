# Decides whether the CUDA kernels are compiled (BRAINTORCH_CUDA) and prepares the toolkit so that
# the CUDA build of the torch wheel configures with the local nvcc.
#
# Why each step:
# - No GPU exists on the build machines, so Torch's architecture auto-detection would fall back to a
#   list that CUDA 13 rejects: TORCH_CUDA_ARCH_LIST is always set explicitly (default 9.0, Hopper).
# - CUDA 13 ships no libnvToolsExt; older Torch CMake files still ask for CUDA::nvToolsExt, so it is
#   provided as an alias of the header-only CUDA::nvtx3.
# - Without nvcc the CUDA wheel's CMake package fails; the library then builds CPU-only against LibTorch
#   imported by cmake/TorchCpuOnly.cmake.
set(BRAINTORCH_CUDA OFF)
if(BRAINTORCH_WITH_CUDA)
  include(CheckLanguage)
  if(NOT CMAKE_CUDA_COMPILER AND EXISTS /usr/local/cuda/bin/nvcc)
    set(CMAKE_CUDA_COMPILER /usr/local/cuda/bin/nvcc)
  endif()
  check_language(CUDA)
  if(CMAKE_CUDA_COMPILER)
    set(BRAINTORCH_CUDA ON)
  endif()
endif()

if(BRAINTORCH_CUDA)
  if(NOT DEFINED ENV{TORCH_CUDA_ARCH_LIST} AND NOT TORCH_CUDA_ARCH_LIST)
    set(TORCH_CUDA_ARCH_LIST "9.0" CACHE STRING "CUDA architectures for the kernels")
  endif()
  enable_language(CUDA)
  set(CMAKE_CUDA_STANDARD 17)
  find_package(CUDAToolkit REQUIRED)
  if(NOT TARGET CUDA::nvToolsExt AND TARGET CUDA::nvtx3)
    add_library(CUDA::nvToolsExt INTERFACE IMPORTED)
    target_link_libraries(CUDA::nvToolsExt INTERFACE CUDA::nvtx3)
    target_compile_definitions(CUDA::nvToolsExt INTERFACE TORCH_CUDA_USE_NVTX3)
  endif()
  message(STATUS "braintorch: CUDA kernels ON (nvcc ${CMAKE_CUDA_COMPILER_VERSION}, arch ${TORCH_CUDA_ARCH_LIST})")
else()
  # TorchConfig of the CUDA wheel would insist on a toolkit: cmake/TorchCpuOnly.cmake imports LibTorch.
  message(STATUS "braintorch: CUDA kernels OFF (no nvcc found, or BRAINTORCH_WITH_CUDA=OFF)")
endif()
