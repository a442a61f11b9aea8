# One CPU and (with CUDA) one CUDA translation unit per line of csrc/models/model_list.h, generated
# into the build tree: each model's instantiations (methods x dtypes x twins) compile in parallel with
# the others, and adding a model needs no CMake edit. Sets BRAINTORCH_MODEL_SOURCES.
file(STRINGS ${CMAKE_SOURCE_DIR}/csrc/models/model_list.h _bt_model_lines REGEX "^BT_NEURON_MODEL\\(")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/csrc/models/model_list.h)
set(BRAINTORCH_MODEL_SOURCES)
foreach(_line ${_bt_model_lines})
  if(NOT _line MATCHES "^BT_NEURON_MODEL\\(([A-Za-z0-9_]+), *([a-z0-9_]+)\\)")
    message(FATAL_ERROR "csrc/models/model_list.h: cannot parse '${_line}'")
  endif()
  set(_model ${CMAKE_MATCH_1})
  set(_header braintorch/models/neurons/${CMAKE_MATCH_2}.h)
  if(NOT EXISTS ${CMAKE_SOURCE_DIR}/include/${_header})
    message(FATAL_ERROR "csrc/models/model_list.h: ${_model}: no header include/${_header}")
  endif()
  set(_dir ${CMAKE_BINARY_DIR}/generated/models)
  file(CONFIGURE OUTPUT ${_dir}/neuron_${_model}_cpu.cpp CONTENT
"// Generated from csrc/models/model_list.h by cmake/NeuronModels.cmake.
#include \"csrc/models/instantiate_cpu.h\"
#include \"${_header}\"
BT_NEURON_MODEL_CPU(${_model})
" @ONLY)
  list(APPEND BRAINTORCH_MODEL_SOURCES ${_dir}/neuron_${_model}_cpu.cpp)
  # The per-neuron loops vectorise only with these (Library.VectorisesTheLifStep checks it):
  # - -fno-tree-sink: otherwise GCC sinks the integration into the not-refractory branch (it is only
  #   needed there), the input loads become conditional and the refractory select turns into control flow;
  # - -fno-trapping-math: the selects of models::fused_step and of fast_math.h (expm1's two ranges,
  #   z / (e^z - 1) at 0) compute divisions on both sides, which GCC otherwise refuses to if-convert in
  #   case they trap. No code of ours reads floating-point exception flags.
  set_source_files_properties(${_dir}/neuron_${_model}_cpu.cpp PROPERTIES COMPILE_OPTIONS "-fno-tree-sink;-fno-trapping-math")
  if(BRAINTORCH_CUDA)
    file(CONFIGURE OUTPUT ${_dir}/neuron_${_model}_cuda.cu CONTENT
"// Generated from csrc/models/model_list.h by cmake/NeuronModels.cmake.
#include \"csrc/models/fused_cuda.cuh\"
#include \"${_header}\"
BT_NEURON_MODEL_CUDA(${_model})
" @ONLY)
    list(APPEND BRAINTORCH_MODEL_SOURCES ${_dir}/neuron_${_model}_cuda.cu)
  endif()
endforeach()
