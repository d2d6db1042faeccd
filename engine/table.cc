#include "engine/table.h"

#include <sys/mman.h>

#include <cstdint>
#include <new>

namespace bantrack {
namespace {

size_t WholeHugePages(size_t bytes) { return (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes; }

// Under AddressSanitizer every table comes from operator new, where the sanitizer checks each access to it.
#if defined(__SANITIZE_ADDRESS__)
constexpr size_t kMappedFrom = SIZE_MAX;
#else
constexpr size_t kMappedFrom = kHugeTableBytes;
#endif

}  // namespace

// A mapping of its own for each large table: a 2 MiB-aligned range (beyond any record's alignment) cut from a larger
// anonymous mapping (mmap only promises 4 KiB alignment), so that the kernel can back it with whole huge pages, and
// gets it back when the table is freed (a snapshot replaced after a write).
void* AllocateTableMemory(size_t bytes, size_t alignment) {
  if (bytes < kMappedFrom) return ::operator new(bytes, std::align_val_t{alignment});
  const size_t size = WholeHugePages(bytes);
  void* mapped = mmap(nullptr, size + kHugePageBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (mapped == MAP_FAILED) throw std::bad_alloc();
  const uintptr_t start = reinterpret_cast<uintptr_t>(mapped);
  const uintptr_t aligned = (start + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  // The unaligned head (maybe empty) and the tail beyond `size` (never empty) go back: one huge page's worth.
  if (aligned > start) munmap(mapped, aligned - start);
  munmap(reinterpret_cast<void*>(aligned + size), start + kHugePageBytes - aligned);
  void* table = reinterpret_cast<void*>(aligned);
  madvise(table, size, MADV_HUGEPAGE);  // a request: where it fails (no THP in the kernel), ordinary pages remain
  return table;
}

void FreeTableMemory(void* memory, size_t bytes, size_t alignment) {
  if (bytes < kMappedFrom) {
    ::operator delete(memory, std::align_val_t{alignment});
  } else {
    munmap(memory, WholeHugePages(bytes));
  }
}

}  // namespace bantrack
