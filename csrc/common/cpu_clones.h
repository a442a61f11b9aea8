#pragma once
// Compiles a hot CPU loop twice, for AVX2 and for baseline x86-64, and picks the clone at load time, so
// one binary runs everywhere and vectorises wide where it can. Functions it marks must not be templates
// (GCC restriction); they call always-inline templates that get compiled inside each clone.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BT_CPU_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define BT_CPU_CLONES
#endif
#define BT_ALWAYS_INLINE __attribute__((always_inline)) inline
