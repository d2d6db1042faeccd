// Table<T>: a std::vector for the compiled tables a check reads, whose large allocations sit on huge pages.
//
// A check reads a few cache lines at random from ~14 MB of tables (on the benchmark's large corpus). With 4 KiB
// pages nearly every one of those reads also misses the TLB, and the page walk adds to the cache miss: on the
// benchmark machine a chain of dependent reads over 16 MB took 79 ns a read on 4 KiB pages and 44 ns on 2 MiB pages.
// So allocations of kHugeTableBytes or more are made of whole 2 MiB pages, 2 MiB-aligned, and the system is asked to
// back them with huge pages (madvise(MADV_HUGEPAGE): Linux's transparent huge pages, "madvise" or "always" mode).
// It is only a request: where the system declines, the memory is ordinary and only slower. Smaller allocations, and
// all of them under AddressSanitizer (so that it checks every access), come from operator new. The cost: up to 2 MiB
// unused at the end of each large table.
#pragma once

#include <cstddef>
#include <vector>

namespace bantrack {

// Allocations of at least this many bytes get huge pages.
inline constexpr size_t kHugeTableBytes = size_t{1} << 20;
// The size of a huge page, and the alignment of those allocations.
inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Memory for `bytes` bytes (bytes > 0) aligned to `alignment` (a power of two, at most kHugePageBytes) and, from
// kHugeTableBytes on (outside AddressSanitizer builds), to kHugePageBytes; throws std::bad_alloc when there is none.
// Release it with FreeTableMemory and the same `bytes` and `alignment`.
void* AllocateTableMemory(size_t bytes, size_t alignment);
void FreeTableMemory(void* memory, size_t bytes, size_t alignment);

template <typename T>
struct TableAllocator {
  using value_type = T;
  TableAllocator() = default;
  template <typename U>
  TableAllocator(const TableAllocator<U>&) {}
  // The tables' records are often aligned to a cache line (alignas(64)), beyond what plain operator new promises.
  T* allocate(size_t n) { return static_cast<T*>(AllocateTableMemory(n * sizeof(T), alignof(T))); }
  void deallocate(T* p, size_t n) { FreeTableMemory(p, n * sizeof(T), alignof(T)); }
  template <typename U>
  bool operator==(const TableAllocator<U>&) const {
    return true;  // stateless: any instance frees what another allocated
  }
};

template <typename T>
using Table = std::vector<T, TableAllocator<T>>;

}  // namespace bantrack
