#pragma once
// Marks per-element arithmetic that is compiled for both the CPU loops and the CUDA kernels, so the
// CPU tests exercise exactly the math the GPU runs.
#if defined(__CUDACC__)
#define BT_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define BT_HOST_DEVICE inline
#endif

// The same, always inlined on the host too: for small math functions (models/fast_math.h) that per-element
// loops call, which exist only to be inlined there (a loop with a call per element stays scalar).
#if defined(__CUDACC__)
#define BT_HOST_DEVICE_INLINE __host__ __device__ __forceinline__
#elif defined(__GNUC__)
#define BT_HOST_DEVICE_INLINE inline __attribute__((always_inline))
#else
#define BT_HOST_DEVICE_INLINE inline
#endif
