// IdIndex: the records of one kind (entities, publishers, apps, rules) by id, for the lookups every question makes.
//
// An open-addressing table of (hash fingerprint, record index) pairs; the ids themselves stay in the records. A
// lookup reads one slot, usually, and the record's id only when the fingerprint matches: two cache misses for a
// known id and one for most unknown ids, where std::unordered_map<std::string_view, Index> takes three or four
// (bucket, node, key). Questions arrive by id, so this is on the path of every check asked over HTTP or in a batch.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string_view>
#include <vector>

namespace bantrack {

template <typename Record>
class IdIndex {
 public:
  // Indexes `records` by their `id` member; ids are distinct (the model is valid). `records` must outlive the
  // index and not change: the index keeps a pointer to it.
  void Build(const std::vector<Record>& records) {
    records_ = &records;
    size_t size = 16;
    while (size < records.size() * 2) size *= 2;  // at most half full: probe sequences stay short
    slots_.assign(size, Slot{0, kEmpty});
    mask_ = size - 1;
    for (uint32_t i = 0; i < records.size(); ++i) {
      const uint64_t hash = Hash(records[i].id);
      size_t at = hash & mask_;
      while (slots_[at].index != kEmpty) at = (at + 1) & mask_;
      slots_[at] = {Fingerprint(hash), i};
    }
  }

  // The index of the record with this id, or nullopt.
  std::optional<uint32_t> Find(std::string_view id) const {
    if (slots_.empty()) return std::nullopt;
    const uint64_t hash = Hash(id);
    const uint32_t fingerprint = Fingerprint(hash);
    for (size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.index == kEmpty) return std::nullopt;
      if (slot.fingerprint == fingerprint && (*records_)[slot.index].id == id) return slot.index;
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint32_t fingerprint;  // the hash's high half: most slots of other ids are passed without reading their id
    uint32_t index;        // kEmpty: a free slot
  };
  static uint64_t Hash(std::string_view id) { return std::hash<std::string_view>{}(id); }
  static uint32_t Fingerprint(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  const std::vector<Record>* records_ = nullptr;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace bantrack
