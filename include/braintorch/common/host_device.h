#pragma once
// Marks per-element arithmetic that is compiled for both the CPU loops and the CUDA kernels, so the
// CPU tests exercise exactly the math the GPU runs.
#if defined(__CUDACC__)
#define BT_HOST_DEVICE __host__ __device__ __forceinline__
#else
#define BT_HOST_DEVICE inline
#endif
