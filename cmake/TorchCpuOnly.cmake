# LibTorch for a build without CUDA kernels, without TorchConfig.
#
# Why: the PyPI torch wheel is a CUDA build, and its CMake package (Caffe2Config) stops with
# "Your installed Caffe2 version uses CUDA but I cannot find the CUDA libraries" on a machine with no
# CUDA toolkit. The libraries themselves load fine without one, so for a CPU-only build we import them
# directly: the include folders, libtorch/libtorch_cpu/libc10, and the C++ ABI flag the wheel uses.
foreach(prefix ${CMAKE_PREFIX_PATH})
  get_filename_component(candidate "${prefix}/../.." ABSOLUTE)
  if(EXISTS "${candidate}/lib/libtorch_cpu.so")
    set(TORCH_INSTALL_PREFIX "${candidate}")
  endif()
endforeach()
if(NOT TORCH_INSTALL_PREFIX)
  message(FATAL_ERROR "braintorch: cannot find libtorch_cpu.so; pass -DCMAKE_PREFIX_PATH=<torch.utils.cmake_prefix_path>")
endif()

set(_torch_libs)
foreach(name torch torch_cpu c10)
  find_library(_lib_${name} ${name} PATHS "${TORCH_INSTALL_PREFIX}/lib" NO_DEFAULT_PATH REQUIRED)
  list(APPEND _torch_libs "${_lib_${name}}")
endforeach()
add_library(braintorch_torch INTERFACE)
target_include_directories(braintorch_torch SYSTEM INTERFACE
  "${TORCH_INSTALL_PREFIX}/include" "${TORCH_INSTALL_PREFIX}/include/torch/csrc/api/include")
# Every Linux wheel since 2.7 uses the new libstdc++ ABI.
target_compile_definitions(braintorch_torch INTERFACE _GLIBCXX_USE_CXX11_ABI=1)
target_link_libraries(braintorch_torch INTERFACE ${_torch_libs})
set(TORCH_LIBRARIES braintorch_torch)
set(Torch_FOUND TRUE)
message(STATUS "braintorch: LibTorch (CPU only) from ${TORCH_INSTALL_PREFIX}")
