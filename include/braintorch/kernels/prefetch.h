#pragma once
// Software prefetch that the optimiser keeps (host code only).
//
// GCC 12 at -O3 deleted every __builtin_prefetch of the row prefetch in event_csr_math.h: its local
// pure-const analysis (-fdump-tree-local-pure-const1-details) found the helper that held the prefetch
// loop "looping pure", since it only reads memory and the builtin does not count as a side effect, and a
// call to a pure function whose (void) result is unused is dead. The shipped library held not one
// prefetch instruction (objdump -d | grep -c prefetch). A prefetch written inline in the caller's loop
// survives, but an asm volatile statement cannot be deleted anywhere, so on x86-64 the instruction is
// written out; elsewhere the builtin is the best there is.

namespace braintorch::kernels {

// kL2: into L2 and below, not L1 (a row line that is read once a few hundred nanoseconds later and
// should not evict the hot output lines from L1). kL1: into every level (a line whose value feeds
// further address arithmetic soon, e.g. a CSR indptr entry).
enum class PrefetchTo { kL1, kL2 };

template <PrefetchTo level>
inline void prefetch_read(const void* p) {
#if defined(__x86_64__) && !defined(__CUDA_ARCH__) && (defined(__GNUC__) || defined(__clang__))
  if constexpr (level == PrefetchTo::kL1) {
    asm volatile("prefetcht0 %0" : : "m"(*static_cast<const char*>(p)));
  } else {
    asm volatile("prefetcht1 %0" : : "m"(*static_cast<const char*>(p)));
  }
#elif defined(__GNUC__) || defined(__clang__)
  __builtin_prefetch(p, 0, level == PrefetchTo::kL1 ? 3 : 2);
#else
  (void)p;
#endif
}

}  // namespace braintorch::kernels
