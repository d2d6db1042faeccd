// An immutable, compiled view of a valid Model: the thing every question is answered from.
//
// Invariants, established once by Build and relied on by every lookup afterwards:
//  - the model is valid (Validate found nothing) and sorted by id, so record indices follow id order;
//  - hierarchies are closed: for every entity, its org and territory ancestors (itself included), each with its
//    predecessor on a shortest path, sorted by index; for every publisher, its owners likewise; for every app,
//    its publisher's ancestors, origin countries and categories;
//  - the rules each entity issues with each scope form one Section, stored once: keyed by the apps and publishers
//    they name (sorted, so a check looks up the app's few keys, with a one-line filter of them that answers most
//    lookups without a search), and, for rules that select by category or origin, as 64-bit masks to scan (with the
//    bits an app must share with one of them, to pass over the scan); each attribute entry carries its rule's first
//    day, a keyed entry only the rule (one found by key before its first day is dropped when its head is read);
//  - for every entity and scope, the sections of every ancestor whose organization (device and network scopes) or
//    territory (public) contains it — the rules that could reach a device through it — are listed contiguously, in
//    a fixed-size Cover found from the entity and scope alone (or, past kInlineSections, apart), so that a check
//    reads a few small, shared sections (most of them in cache) rather than a copy per entity.
// A Snapshot is never modified after Build: share it across threads freely (std::shared_ptr<const Snapshot>).
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/id_index.h"
#include "engine/model.h"
#include "engine/query.h"
#include "engine/status.h"
#include "engine/table.h"

namespace bantrack {

class Snapshot {
 public:
  // Validates and compiles `model`. `version` names the data (the store's edit sequence, a bundle's hash):
  // it is echoed in every answer. An invalid model gives kInvalidData with one detail per Violation.
  static Result<std::shared_ptr<const Snapshot>> Build(Model model, std::string version);

  const Model& model() const { return model_; }
  const std::string& version() const { return version_; }

  // Id lookups; nullopt when nothing has that id.
  std::optional<Index> FindEntity(std::string_view id) const;
  std::optional<Index> FindPublisher(std::string_view id) const;
  std::optional<Index> FindApp(std::string_view id) const;
  std::optional<Index> FindRule(std::string_view id) const;
  // model().rules[rule].id, read from a dense copy (for answers that list many).
  std::string_view RuleId(Index rule) const { return rule_ids_.Id(rule); }
  // An app id, or a store identifier "ios:<bundle id>", "android:<package>", "web:<domain>". A web domain also
  // finds the app listing one of its parent domains (web:chat.deepseek.com finds the app of deepseek.com).
  std::optional<Index> ResolveApp(std::string_view id_or_store_identifier) const;

  // Resolves a device; unknown entity ids give kNotFound with the field ("owner", "location", "network") as path.
  Result<Device> ResolveDevice(const DeviceSpec& spec) const;

  // Answers `query` into `out` (cleared first; reuse it across calls to avoid allocation). Pure and thread-safe.
  void Evaluate(const Query& query, Decision& out) const;

  // A device prepared for many checks (an allowlist, a fleet sweep, a blocklist): the sections that could reach it,
  // gathered once from its ancestors, with a filter of the apps and publishers they name and their category and
  // origin rules grouped by mask bit. Valid only with the snapshot that made it.
  class PreparedDevice;
  // Prepares `device` into `out`, replacing what it held: reuse one across devices to avoid allocation.
  void Prepare(const Device& device, PreparedDevice& out) const;
  // The same answer as Evaluate(Query{app, device, as_of}, out), for less: the device's part is done.
  void Evaluate(const PreparedDevice& device, Index app, Date as_of, Decision& out) const;
  // A hint, no effect on answers: asks the memory system now for what checking `app` will read first, so that a
  // sweep checking one app while the next one's record is fetched waits for memory less.
  void Prefetch(Index app) const { __builtin_prefetch(&apps_[app]); }

  // The explanation of one match of `query`: device_path runs from the device's owner, network or location up to
  // the rule's issuer; app_path from the app to what the rule named (a publisher above it, or
  // "category:<slug>" / "origin:<country>" for category and origin selectors). The views are into the snapshot:
  // valid as long as it is.
  std::vector<std::string_view> DevicePath(const Match& match) const;
  std::vector<std::string_view> AppPath(Index app, const Match& match) const;

  // Status of a rule on a date; nullopt before its first timeline entry (the rule does not exist yet).
  std::optional<RuleStatus> StatusAt(Index rule, Date date) const;
  // Whether the rule's selector picks the app (ignoring devices and dates).
  bool Selects(Index rule, Index app) const;

  // Ancestors of an entity (itself included), by index: through part_of edges only (the authorities whose
  // organization contains it) or within edges only (whose territory contains it).
  std::span<const Index> OrgAncestors(Index entity) const;
  std::span<const Index> TerritoryAncestors(Index entity) const;
  // The publisher and every publisher that owns it, transitively (itself included), by index.
  std::span<const Index> PublisherAncestors(Index publisher) const;
  // The app's origin countries (its publisher's and every owner's country), sorted, deduplicated.
  std::vector<std::string> OriginCountries(Index app) const;

 private:
  struct Range {
    uint32_t begin = 0;
    uint32_t end = 0;
    uint32_t size() const { return end - begin; }
  };
  // An ancestor with its predecessor on a shortest path up from the start vertex.
  struct Up {
    Index vertex;
    Index previous;
  };
  // One cache line: a check reads nothing else of the app unless the chain of its publisher and the publishers
  // above is longer than kInlineOwners.
  static constexpr size_t kInlineOwners = 4;
  struct alignas(64) CompiledApp {
    uint64_t categories = 0;        // its categories, as a mask
    uint64_t origins = 0;           // its origin countries, as a mask
    Index publisher = kNoIndex;
    Range publishers;  // into up_vertices_: the publisher and its owners
    Range category_symbols;  // into pool_ (symbols, sorted)
    Range origin_symbols;    // into pool_ (symbols, sorted)
    Index first_publishers[kInlineOwners];  // the first of `publishers`, copied here
  };
  struct CompiledRule {
    // Into pool_, each sorted: app and publisher indices; category, country and tag symbols.
    Range apps, publishers, categories, origins, tags;
    Range timeline;  // into timeline_
  };
  struct Step {
    int32_t days;
    RuleStatus status;
  };
  static constexpr int32_t kNeverReached = INT32_MAX;
  // What a check reads of a rule it matches, in one 32-byte record (two to a cache line), so that a match costs one
  // cache miss: the issuer, the effect, whether it needs device tags, and the timeline's first kInlineSteps entries
  // (all of them, for most rules; a longer timeline is read from timeline_). A timeline shorter than kInlineSteps is
  // padded with steps no date reaches (kNeverReached), so that its status on a date, that of the last step reached,
  // is found by counting the steps reached.
  static constexpr size_t kInlineSteps = 3;
  struct alignas(32) RuleHead {
    Index issuer = kNoIndex;
    Effect effect = Effect::kBan;
    uint8_t step_count = 0;  // the timeline's length (255: that many or more)
    bool needs_tags = false;  // it applies only to devices with its tags (CompiledRule::tags)
    Step steps[kInlineSteps];
  };
  // The rules one entity issues with one scope, in two parts:
  //  - keyed: one entry per app or publisher a rule names, sorted by key, so that a check looks up the app's few
  //    keys (the app, its publisher and the publishers above) instead of scanning — exact, no rule is read;
  //  - by attributes: the rules that select by category or origin country, scanned with 64-bit masks.
  // A rule naming apps and requiring attributes is in both; a check reports it once. A keyed entry is its key and
  // its rule, side by side, so that the line a key search ends on holds the rule it found (a dependent read fewer
  // than keys and rules in parallel arrays). A section's attribute bits let a check pass over the attribute part,
  // without reading it, for an app that none of its candidates can select (more than half of those a check meets,
  // on the benchmark's corpora).
  struct Section {
    Range keyed;       // into keyed_
    Range attributes;  // into attributes_
    uint32_t filter = 0;  // into section_filters_: of the keys in keyed (if any)
    // Of every attribute candidate, the mask it requires (its categories, or its origin countries if it requires
    // no category), folded to 32 bits (FoldedBits), ORed: categories' in [0], origins' in [1]. A candidate selects
    // only an app sharing a bit of the mask it requires, so a section whose bits the app's do not meet has none.
    uint32_t attribute_bits[2] = {};
  };
  // Bit i is set when bit i or bit i + 32 of `mask` is: two masks that share a bit have folded bits that share one.
  static uint32_t FoldedBits(uint64_t mask) { return static_cast<uint32_t>(mask | (mask >> 32)); }
  struct KeyedEntry {
    uint32_t key;  // an app index, or kPublisherKey | a publisher index
    Index rule;    // which names it; the rule may not exist yet on the date asked (its head says)
  };
  struct AttributeCandidate {
    uint64_t categories;  // the categories the rule requires, as a mask (0: none)
    uint64_t origins;     // the origin countries it requires, as a mask (0: none)
    int32_t first_day;
    Index rule;
  };
  static constexpr uint32_t kPublisherKey = 0x80000000u;
  // Mask bits: the 63 categories (countries) that rules name most have a bit each; when there are more than 64,
  // the others share the last one, and a match on that bit alone is confirmed on the rule.
  static constexpr uint64_t kSharedBit = uint64_t{1} << 63;
  // The sections that reach a device through one entity and scope, in three cache lines found from the entity and
  // scope alone, so that a check reads them with one level of misses: inline when there are at most kInlineSections
  // (nearly always), else in cover_sections_.
  static constexpr size_t kInlineSections = 6;
  struct alignas(64) Cover {
    uint32_t count = 0;
    uint32_t overflow = 0;  // into cover_sections_, when count > kInlineSections
    Section sections[kInlineSections];
  };
  static_assert(sizeof(Cover) == 192);
  // A filter of a key set, kBits bits: a key it does not have is not in the set.
  template <uint32_t kBits>
  struct alignas(64) KeyFilter {
    static_assert(kBits >= 512 && std::has_single_bit(kBits));
    uint64_t words[kBits / 64] = {};
    static uint32_t Bit(uint32_t key) { return (key * 0x9E3779B1u) >> (32 - std::countr_zero(kBits)); }
    void Add(uint32_t key) { words[Bit(key) / 64] |= uint64_t{1} << (Bit(key) % 64); }
    bool MayHave(uint32_t key) const { return (words[Bit(key) / 64] >> (Bit(key) % 64)) & 1; }
  };
  // A section's: one cache line, read instead of searching its keys for the app's (most of which it lacks).
  using SectionFilter = KeyFilter<512>;
  // A prepared device's, of the keys of all its sections: larger, as it holds more.
  using DeviceFilter = KeyFilter<2048>;
  // The keyed part of a section.
  struct KeyedView {
    std::span<const KeyedEntry> entries;  // by key, then rule
    const SectionFilter* filter;          // of their keys
  };
  // A prepared device's attribute candidates, of every scope, grouped by mask bit so that a check reads only the
  // groups of the app's bits: a candidate that requires categories is in the group of each of its category bits, one
  // that requires only origin countries in the group of each of its origin bits. A check takes a candidate from the
  // group of the lowest bit it shares with the app, so it sees each once.
  struct AttributeGroups {
    static constexpr int kGroups = 128;  // categories' bits 0-63, then origins' bits 0-63
    std::vector<AttributeCandidate> candidates;
    std::vector<uint8_t> scopes;  // parallel to candidates: the scope each reaches the device through
    uint64_t filled[2] = {};  // the bits whose group is not empty: categories', origins'
    // Group g is candidates [start[g], start[g + 1]), for the groups `filled` names (the others' are not kept).
    uint32_t start[kGroups + 1] = {};
  };
  class Check;  // one evaluation in progress (evaluate.cc)

  Snapshot() = default;
  void Compile();
  Range AddToPool(std::vector<uint32_t> values);  // sorts and appends
  void AssignMaskBits();
  // Compiles the rules an entity issues with one scope (by index) into a section.
  Section AddSection(std::span<const Index> rules);
  uint64_t Mask(Range symbols) const;  // the mask of the category or country symbols in pool_
  uint32_t Intern(char kind, std::string_view name);
  std::optional<uint32_t> Symbol(char kind, std::string_view name) const;
  // The entity each scope reaches the device through (DESIGN.md §2, "scope"), or kNoIndex.
  static std::array<Index, kScopeCount> Through(const Device& device);
  std::span<const Section> CoverSections(Index entity, int scope) const;
  std::span<const Section> CoverSections(const Cover& cover) const;
  KeyedView Keyed(const Section& section) const;
  std::span<const AttributeCandidate> Attributes(const Section& section) const;
  bool SelectorMatches(const CompiledRule& rule, const CompiledApp& app, Index app_index) const;
  bool HasAuthorityOver(Index authority, Index entity) const;
  std::span<const Up> EntityUps(Index entity, Scope scope) const;
  std::span<const Up> PublisherUps(Index publisher) const;

  Model model_;
  std::string version_;

  // By id, each with its own copy of the ids (read by RuleId too: answers that list many rules read their ids from
  // one dense array).
  IdIndex entity_ids_;
  IdIndex publisher_ids_;
  IdIndex app_ids_;
  IdIndex rule_ids_;
  // Store identifiers, by platform: store_ids_[p] finds identifier i, whose app is store_identifier_apps_[p][i].
  IdIndex store_ids_[kPlatformCount];
  std::vector<Index> store_identifier_apps_[kPlatformCount];
  // Categories ('c'), countries ('o') and tags ('t') share one symbol table, keyed by kind + name.
  std::unordered_map<std::string, uint32_t> symbol_ids_;
  std::vector<std::string> symbol_names_;  // without the kind
  std::vector<std::string> symbol_labels_;  // as an app path shows them: "category:<name>", "origin:<name>" (tags: "")
  Table<uint32_t> pool_;

  // Closures: org_[e], territory_[e] and publisher_up_[p] index into ups_ (sorted by vertex), with a parallel
  // index-only copy in up_vertices_ for spans of plain indices.
  Table<Range> org_, territory_, publisher_up_;
  std::vector<uint32_t> publisher_origins_;  // by publisher: the symbol of its country
  std::vector<Up> ups_;
  Table<Index> up_vertices_;

  Table<CompiledApp> apps_;
  Table<CompiledRule> rules_;
  Table<RuleHead> heads_;  // by rule
  Table<Step> timeline_;

  // covers_[e * kScopeCount + s]: the sections that could reach a device through entity e with scope s — those of
  // every ancestor whose organization (device and network scopes) or territory (public) contains it that issues
  // rules with that scope — as copies; cover_sections_ holds the lists too long for a Cover.
  Table<Cover> covers_;
  Table<Section> cover_sections_;
  Table<KeyedEntry> keyed_;
  Table<SectionFilter> section_filters_;
  Table<AttributeCandidate> attributes_;
  std::vector<uint8_t> mask_bit_;  // by symbol: its bit in the masks of its kind
  // Of categories ([0]) and origins ([1]): the mask a match must equal to be confirmed on its rule — kSharedBit when
  // it stands for several symbols, else one that a match never equals unless it has all 64 bits (and then only
  // costs a needless confirmation) — compared without a branch by every attribute candidate a check considers.
  uint64_t confirm_match_[2] = {~uint64_t{0}, ~uint64_t{0}};
};

// Filled by Snapshot::Prepare and read only by Snapshot::Evaluate: the device's sections, with a filter of every key
// they hold (most apps have none of them, and the check then searches no section), and their attribute candidates
// grouped by mask bit.
class Snapshot::PreparedDevice {
  friend class Snapshot;
  struct ScopedSection {
    Section section;
    int scope;  // the scope it reaches the device through
  };
  Device device_;
  std::array<Index, kScopeCount> through_{};
  std::vector<ScopedSection> keyed_;  // the sections with keys
  DeviceFilter keys_;
  AttributeGroups attributes_;
};

}  // namespace bantrack
