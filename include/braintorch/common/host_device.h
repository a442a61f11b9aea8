#pragma once
// Marks per-element arithmetic that is compiled for both the CPU loops and the CUDA kernels, so the
// CPU tests exercise exactly the math the GPU runs.
#if defined(__CUDACC__)
#define BT_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define BT_HOST_DEVICE inline
#endif

// The same, always inlined on the host too: for the per-element step functions a CPU loop calls once
// per element. The loop vectorises only if the whole step is inlined into it, and GCC's inliner gives up
// on a large step (an HH model under rk4, or a loop body that grew) without a word; a call per element
// is several times slower.
#if defined(__CUDACC__)
#define BT_HOST_DEVICE_INLINE __host__ __device__ __forceinline__
#elif defined(__GNUC__)
#define BT_HOST_DEVICE_INLINE inline __attribute__((always_inline))
#else
#define BT_HOST_DEVICE_INLINE inline
#endif
