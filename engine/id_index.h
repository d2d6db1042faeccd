// IdIndex: the records of one kind (entities, publishers, apps, rules, store identifiers) by id, for the lookups
// every question makes.
//
// An open-addressing table of (hash fingerprint, record index) pairs, beside the index's own copy of the ids, one
// after another. A lookup reads one slot, usually, and an id only when the fingerprint matches — for a known id its
// slot and its id, for most unknown ids the slot alone — where std::unordered_map<std::string_view, Index> reads
// three or four places apart (bucket, node, key). The ids are compared with the copy (0.26 MB, offsets included, for
// 20,000 apps: it stays in cache under a batch), not with the records' own: a record is a struct of strings and
// lists (an app's 256 bytes), and reading one for its id was a miss of its own in megabytes of them. Questions
// arrive by id, so this is on the path of every check asked over HTTP or in a batch.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace bantrack {

class IdIndex {
 public:
  // Indexes the id of records[i] as record i, replacing what the index held: its `id` member, or the element itself
  // when it is an id (a string or a view). The ids are distinct (the model is valid) and copied: the records need
  // not outlive the index.
  template <typename Record>
  void Build(const std::vector<Record>& records) {
    text_.clear();
    offsets_.assign(1, 0);
    offsets_.reserve(records.size() + 1);
    for (const Record& record : records) {
      if constexpr (std::is_convertible_v<const Record&, std::string_view>) {
        text_ += std::string_view(record);
      } else {
        text_ += record.id;
      }
      offsets_.push_back(static_cast<uint32_t>(text_.size()));
    }
    size_t size = 16;
    while (size < records.size() * 2) size *= 2;  // at most half full: probe sequences stay short
    slots_.assign(size, Slot{0, kEmpty});
    mask_ = size - 1;
    for (uint32_t i = 0; i < records.size(); ++i) {
      const uint64_t hash = Hash(Id(i));
      size_t at = hash & mask_;
      while (slots_[at].index != kEmpty) at = (at + 1) & mask_;
      slots_[at] = {Fingerprint(hash), i};
    }
  }

  // The index of the record with this id, or nullopt (always, before Build).
  std::optional<uint32_t> Find(std::string_view id) const {
    if (slots_.empty()) return std::nullopt;
    const uint64_t hash = Hash(id);
    const uint32_t fingerprint = Fingerprint(hash);
    for (size_t at = hash & mask_;; at = (at + 1) & mask_) {
      const Slot& slot = slots_[at];
      if (slot.index == kEmpty) return std::nullopt;
      if (slot.fingerprint == fingerprint && Id(slot.index) == id) return slot.index;
    }
  }

  // The id of record `index` (< the number of records indexed), from the index's copy: valid as long as the index
  // is and not rebuilt.
  std::string_view Id(uint32_t index) const {
    return std::string_view(text_).substr(offsets_[index], offsets_[index + 1] - offsets_[index]);
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    uint32_t fingerprint;  // the hash's high half: most slots of other ids are passed without reading their id
    uint32_t index;        // kEmpty: a free slot
  };
  static uint64_t Hash(std::string_view id) { return std::hash<std::string_view>{}(id); }
  static uint32_t Fingerprint(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  std::string text_;               // every id, one after another
  std::vector<uint32_t> offsets_;  // id i is text_[offsets_[i], offsets_[i + 1])
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

}  // namespace bantrack
