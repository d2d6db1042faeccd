// Evaluation (DESIGN.md §3) and explanation paths, reading only the tables compiled by snapshot.cc.
#include <algorithm>
#include <array>
#include <bit>
#include <cstdint>

#include "engine/snapshot.h"

namespace bantrack {
namespace {

bool Contains(std::span<const uint32_t> sorted, uint32_t value) {
  return std::binary_search(sorted.begin(), sorted.end(), value);
}

bool Intersects(std::span<const uint32_t> a, std::span<const uint32_t> b) {
  auto i = a.begin(), j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      return true;
    }
  }
  return false;
}

// Asks for every cache line of [begin, end), up to a bound: beyond it, the hardware prefetcher has seen the stride.
template <typename T>
void PrefetchLines(const T* begin, const T* end) {
  constexpr size_t kMaxLines = 8;
  const char* from = reinterpret_cast<const char*>(begin);
  const char* to = std::min(reinterpret_cast<const char*>(end), from + kMaxLines * 64);
  for (const char* line = from; line < to; line += 64) __builtin_prefetch(line);
}

// std::lower_bound by the member `key`, without branches: the comparisons of a search are unpredictable, and a
// mispredicted branch costs more than the arithmetic.
template <typename Entry>
const Entry* LowerBound(const Entry* first, const Entry* last, uint32_t key) {
  size_t n = static_cast<size_t>(last - first);
  if (n == 0) return first;
  // The answer stays within [first, first + n].
  while (n > 1) {
    const size_t half = n / 2;
    first = first[half].key < key ? first + half : first;
    n -= half;
  }
  return first + (first->key < key);
}

constexpr bool IsPending(RuleStatus status) {
  return status == RuleStatus::kUnderReview || status == RuleStatus::kAnnounced;
}

// Calls visit(vertex) for each vertex of the shortest path from `to` back down to `from`, both included, in the
// closure `ups` of `from` (sorted by vertex, each with its predecessor on a shortest path up from `from`).
template <typename Ups, typename Visit>
void WalkUp(const Ups& ups, Index from, Index to, Visit visit) {
  for (Index at = to;;) {
    visit(at);
    if (at == from) return;
    at = std::lower_bound(ups.begin(), ups.end(), at, [](const auto& up, Index v) { return up.vertex < v; })->previous;
  }
}

// Appends the ids (`id_of`) of the path from `from` up to `to` to `path`, `from` first.
template <typename Ups, typename IdOf>
void AppendPathUp(const Ups& ups, Index from, Index to, IdOf id_of, std::vector<std::string_view>& path) {
  const size_t start = path.size();
  WalkUp(ups, from, to, [&](Index at) { path.push_back(id_of(at)); });
  std::reverse(path.begin() + static_cast<std::ptrdiff_t>(start), path.end());
}

}  // namespace

std::optional<RuleStatus> Snapshot::StatusAt(Index rule, Date date) const {
  const RuleHead& head = heads_[rule];
  if (head.step_count <= kInlineSteps) {
    // Steps ascend, padded with kNeverReached: the status is that of the last step reached, found by counting
    // rather than by a loop whose length differs from one rule to the next (a mispredicted branch each).
    static_assert(kInlineSteps == 3);
    const int reached =
        (head.steps[0].days <= date.days) + (head.steps[1].days <= date.days) + (head.steps[2].days <= date.days);
    if (reached == 0) return std::nullopt;
    return head.steps[reached - 1].status;
  }
  // A longer timeline: scan back from the newest entry.
  const Range t = rules_[rule].timeline;
  for (uint32_t i = t.end; i > t.begin; --i) {
    if (timeline_[i - 1].days <= date.days) return timeline_[i - 1].status;
  }
  return std::nullopt;
}

bool Snapshot::SelectorMatches(const CompiledRule& rule, const CompiledApp& app, Index app_index) const {
  auto pool = [&](Range r) { return std::span<const uint32_t>(pool_.data() + r.begin, r.size()); };
  if (rule.apps.size() > 0 && Contains(pool(rule.apps), app_index)) return true;
  if (rule.publishers.size() > 0 && Intersects(pool(rule.publishers), PublisherAncestors(app.publisher))) return true;
  if (rule.categories.size() == 0 && rule.origins.size() == 0) return false;
  return (rule.categories.size() == 0 || Intersects(pool(rule.categories), pool(app.category_symbols))) &&
         (rule.origins.size() == 0 || Intersects(pool(rule.origins), pool(app.origin_symbols)));
}

bool Snapshot::Selects(Index rule, Index app) const { return SelectorMatches(rules_[rule], apps_[app], app); }

bool Snapshot::HasAuthorityOver(Index authority, Index entity) const {
  return Contains(OrgAncestors(entity), authority) || Contains(TerritoryAncestors(entity), authority);
}

std::array<Index, kScopeCount> Snapshot::Through(const Device& device) {
  return {device.kind == DeviceKind::kGovernment ? device.owner : kNoIndex,
          device.kind == DeviceKind::kWork ? device.owner : kNoIndex, device.network, device.location};
}

Snapshot::KeyedView Snapshot::Keyed(const Section& section) const {
  return {{keyed_.data() + section.keyed.begin, section.keyed.size()}, section_filters_.data() + section.filter};
}

std::span<const Snapshot::AttributeCandidate> Snapshot::Attributes(const Section& section) const {
  return {attributes_.data() + section.attributes.begin, section.attributes.size()};
}

// One check in progress: the app's keys and the matches noted so far. Evaluate feeds it the sections that reach the
// device (from the device's covers, or a PreparedDevice's), then Finish decides.
class Snapshot::Check {
 public:
  Check(const Snapshot& snapshot, Index app, const Device& device, const std::array<Index, kScopeCount>& through,
        Date as_of, Decision& out)
      : snapshot_(snapshot), app_(snapshot.apps_[app]), app_index_(app), device_(device), through_(through),
        as_of_(as_of), out_(out) {
    out.matches.clear();
    out.verdict = Verdict::kAllowed;
    // The keys a rule can name this app by, ascending: the app itself, its publisher and every publisher above it.
    keys_[key_count_++] = app;
    for (uint32_t i = 0; i < app_.publishers.size() && key_count_ < kMaxKeys; ++i) {
      keys_[key_count_++] = kPublisherKey | (i < kInlineOwners ? app_.first_publishers[i]
                                                                : snapshot.up_vertices_[app_.publishers.begin + i]);
    }
    deep_ownership_ = app_.publishers.size() + 1 > kMaxKeys;  // beyond: confirm on the rule
  }

  // Whether an attribute candidate of `section` may select the app: false when none can (Section::attribute_bits).
  bool MaySelectByAttributes(const Section& section) const {
    return ((section.attribute_bits[0] & folded_categories_) | (section.attribute_bits[1] & folded_origins_)) != 0;
  }

  // Scan* note the rules of a section that select the app: by attributes (those that exist on the date), from a
  // section or a prepared device's groups, and by the app's keys (Finish drops those that do not exist yet). A
  // section reaches the device through scope s; a prepared device's entries each say their own.
  void ScanAttributes(const Section& section, int s) {
    if (!MaySelectByAttributes(section)) return;
    for (const AttributeCandidate& c : snapshot_.Attributes(section)) Consider(c, s);
  }

  void ScanAttributes(const AttributeGroups& groups) {
    for (int kind = 0; kind < 2; ++kind) {
      const uint64_t app_bits = kind == 0 ? app_.categories : app_.origins;
      for (uint64_t bits = app_bits & groups.filled[kind]; bits != 0; bits &= bits - 1) {
        const uint64_t bit = bits & (0 - bits);
        const int group = kind * 64 + std::countr_zero(bits);
        for (uint32_t i = groups.start[group]; i < groups.start[group + 1]; ++i) {
          const AttributeCandidate& c = groups.candidates[i];
          const uint64_t shared = (kind == 0 ? c.categories : c.origins) & app_bits;
          if ((shared & (0 - shared)) == bit) Consider(c, groups.scopes[i]);  // else in an earlier group of the app's
        }
      }
    }
  }

  void ScanKeys(const KeyedView& section, int s) {
    const Snapshot& snap = snapshot_;
    if (deep_ownership_) {
      for (const KeyedEntry& entry : section.entries) {
        if (snap.SelectorMatches(snap.rules_[entry.rule], app_, app_index_)) Note(entry.rule, s);
      }
      return;
    }
    // Both the app's keys and the entries' ascend: each search starts where the last one ended.
    const KeyedEntry* const begin = section.entries.data();
    const KeyedEntry* const end = begin + section.entries.size();
    if (begin == end) return;  // no keys, and no filter
    const KeyedEntry* at = begin;
    // The keys the filter lets through, tested all at once: whether it lets one through is unpredictable.
    uint32_t passed = 0;
    for (size_t k = 0; k < key_count_; ++k) passed |= uint32_t{section.filter->MayHave(keys_[k])} << k;
    for (; passed != 0 && at != end; passed &= passed - 1) {
      const size_t k = static_cast<size_t>(std::countr_zero(passed));
      for (at = LowerBound(at, end, keys_[k]); at != end && at->key == keys_[k]; ++at) Note(at->rule, s);
    }
  }

  // Drops the app's keys that `filter` does not have; false when no section of that filter can name the app.
  bool KeepKeys(const DeviceFilter& filter) {
    if (deep_ownership_) return true;  // the keys are not searched: every candidate is confirmed on its rule
    size_t kept = 0;
    for (size_t k = 0; k < key_count_; ++k) {
      if (filter.MayHave(keys_[k])) keys_[kept++] = keys_[k];
    }
    key_count_ = kept;
    return kept > 0;
  }

  // Notes the pending attribute candidates, drops the rules whose tags the device lacks and those that do not exist
  // yet on the date (found by key), reads the others' status, and decides (DESIGN.md §3).
  void Finish();

  // Notes the attribute candidates that passed (Finish does too).
  void NotePending() {
    for (size_t i = 0; i < pending_count_; ++i) Note(pending_[i].rule, pending_[i].scope);
    pending_count_ = 0;
  }

 private:
  void Consider(const AttributeCandidate& c, int s) {
    const Snapshot& snap = snapshot_;
    const uint64_t categories = c.categories & app_.categories;
    const uint64_t origins = c.origins & app_.origins;
    // No branch on the three tests: most candidates fail one, and which one is unpredictable. The candidate is
    // written to the pending list either way and kept only if it passed.
    const bool fails =
        ((c.categories != 0) & (categories == 0)) | ((c.origins != 0) & (origins == 0)) | (c.first_day > as_of_.days);
    // A match on the shared bit alone may be two different symbols: confirm on the rule. The two conditions are
    // combined before the one branch, which is then nearly always not taken (`!fails && ...` branched on `fails`).
    const bool on_shared_bit = ((categories == snap.confirm_match_[0]) | (origins == snap.confirm_match_[1])) & !fails;
    if (on_shared_bit && !snap.SelectorMatches(snap.rules_[c.rule], app_, app_index_)) return;
    if (pending_count_ == kMaxPending) NotePending();
    pending_[pending_count_] = {c.rule, s};
    pending_count_ += !fails;
  }

  // A rule reaching the device through two scopes, or selecting the app two ways, is noted once, through its first
  // scope. Its head is asked for now and read in Finish, so that the cache misses of the matches overlap.
  void Note(Index r, int s) {
    for (Match& m : out_.matches) {
      if (m.rule != r) continue;
      if (s < static_cast<int>(m.scope)) {
        m.scope = static_cast<Scope>(s);
        m.via = through_[s];
      }
      return;
    }
    __builtin_prefetch(&snapshot_.heads_[r]);
    Match match;
    match.rule = r;
    match.scope = static_cast<Scope>(s);
    match.via = through_[s];
    out_.matches.push_back(match);
  }

  static constexpr size_t kMaxKeys = 16;
  const Snapshot& snapshot_;
  const CompiledApp& app_;
  const Index app_index_;
  const uint32_t folded_categories_ = FoldedBits(app_.categories), folded_origins_ = FoldedBits(app_.origins);
  const Device& device_;
  const std::array<Index, kScopeCount>& through_;
  const Date as_of_;
  Decision& out_;
  uint32_t keys_[kMaxKeys];
  size_t key_count_ = 0;
  bool deep_ownership_ = false;
  // Attribute candidates that passed, noted together (NotePending) when the scan is over or this is full.
  struct Pending {
    Index rule;
    int scope;
  };
  static constexpr size_t kMaxPending = 32;
  Pending pending_[kMaxPending];
  size_t pending_count_ = 0;
};

// The role of a match (DESIGN.md §3), from its status, its effect, whether an exemption lifts it, and the verdict.
constexpr Role RoleOf(RuleStatus status, Effect effect, bool lifted, Verdict verdict) {
  if (status == RuleStatus::kSuspended || status == RuleStatus::kLifted) return Role::kInactive;
  if (IsPending(status)) {
    return verdict == Verdict::kUnderReview && effect != Effect::kExempt ? Role::kDecisive : Role::kPending;
  }
  if (effect == Effect::kExempt) return Role::kExempting;
  if (lifted) return Role::kLifted;
  if (effect == Effect::kBan) return Role::kDecisive;  // an unlifted active ban: the verdict is banned
  return verdict == Verdict::kRestricted ? Role::kDecisive : Role::kActive;
}

// RoleOf of every combination, looked up rather than branched through: which branch a match takes is unpredictable.
class RoleTable {
 public:
  constexpr RoleTable() {
    for (int status = 0; status < kStatuses; ++status) {
      for (int effect = 0; effect < kEffects; ++effect) {
        for (bool lifted : {false, true}) {
          for (int verdict = 0; verdict < kVerdicts; ++verdict) {
            const auto s = static_cast<RuleStatus>(status);
            const auto e = static_cast<Effect>(effect);
            const auto v = static_cast<Verdict>(verdict);
            roles_[Slot(s, e, lifted, v)] = RoleOf(s, e, lifted, v);
          }
        }
      }
    }
  }
  Role operator()(RuleStatus status, Effect effect, bool lifted, Verdict verdict) const {
    return roles_[Slot(status, effect, lifted, verdict)];
  }

 private:
  static constexpr int kStatuses = static_cast<int>(RuleStatus::kLifted) + 1;
  static constexpr int kEffects = static_cast<int>(Effect::kExempt) + 1;
  static constexpr int kVerdicts = static_cast<int>(Verdict::kBanned) + 1;
  static constexpr size_t Slot(RuleStatus status, Effect effect, bool lifted, Verdict verdict) {
    return ((static_cast<size_t>(status) * kEffects + static_cast<size_t>(effect)) * 2 + lifted) * kVerdicts +
           static_cast<size_t>(verdict);
  }
  std::array<Role, kStatuses * kEffects * 2 * kVerdicts> roles_{};
};
constexpr RoleTable kRoleOf;

void Snapshot::Check::Finish() {
  NotePending();
  const Snapshot& snap = snapshot_;
  std::vector<Match>& matches = out_.matches;
  bool exemption_in_force = false;
  size_t kept = 0;
  for (Match& m : matches) {
    const RuleHead& head = snap.heads_[m.rule];
    if (head.needs_tags) {
      const Range tags = snap.rules_[m.rule].tags;
      if (!std::includes(device_.tags.begin(), device_.tags.end(), snap.pool_.begin() + tags.begin,
                         snap.pool_.begin() + tags.end)) {
        continue;
      }
    }
    // A rule found by key may not exist yet (keyed entries do not carry its first day; attribute entries do).
    const std::optional<RuleStatus> status = snap.StatusAt(m.rule, as_of_);
    if (!status) continue;
    m.status = *status;
    exemption_in_force |= (head.effect == Effect::kExempt) & (m.status == RuleStatus::kInForce);
    matches[kept++] = m;
  }
  matches.resize(kept);
  if (matches.empty()) return;

  // Exemptions: an active exempt rule lifts the active ban/restrict rules of its own and its subordinates'
  // issuers (R.issuer ∈ org(X.issuer) ∪ territory(X.issuer)), never a superior's. The flags are ORed rather than
  // branched on, and the exemptions looked for only when one is in force (rarely).
  bool banned = false, restricted = false, pending = false;
  for (Match& m : matches) {
    const RuleHead& rule = snap.heads_[m.rule];
    const bool active = (m.status == RuleStatus::kInForce) & (rule.effect != Effect::kExempt);
    if (active && exemption_in_force) {
      for (const Match& x : matches) {
        const RuleHead& exemption = snap.heads_[x.rule];
        if (x.status == RuleStatus::kInForce && exemption.effect == Effect::kExempt &&
            snap.HasAuthorityOver(exemption.issuer, rule.issuer) && x.rule < m.lifted_by) {
          m.lifted_by = x.rule;
        }
      }
    }
    const bool binding = active & (m.lifted_by == kNoIndex);
    banned |= binding & (rule.effect == Effect::kBan);
    restricted |= binding & (rule.effect == Effect::kRestrict);
    pending |= IsPending(m.status) & (rule.effect != Effect::kExempt);
  }
  const Verdict verdict = banned       ? Verdict::kBanned
                          : restricted ? Verdict::kRestricted
                          : pending    ? Verdict::kUnderReview
                                       : Verdict::kAllowed;
  out_.verdict = verdict;

  for (Match& m : matches) m.role = kRoleOf(m.status, snap.heads_[m.rule].effect, m.lifted_by != kNoIndex, verdict);
  if (matches.size() > 1) {
    // By role, then rule: one integer comparison a pair, where a tuple's would branch on each field.
    auto order = [](const Match& m) { return uint64_t{static_cast<uint8_t>(m.role)} << 32 | m.rule; };
    std::sort(matches.begin(), matches.end(), [&](const Match& a, const Match& b) { return order(a) < order(b); });
  }
}

void Snapshot::Evaluate(const Query& query, Decision& out) const {
  const std::array<Index, kScopeCount> through = Through(query.device);
  // A check is bound by memory latency, not by instructions: ask for what it will read at once — the app and the
  // device's covers, then, once the covers say where, the sections of each scope — so that the misses overlap
  // instead of following one another.
  __builtin_prefetch(&apps_[query.app]);
  // The covers of the scopes that reach the device, listed without a branch: the passes below loop over them rather
  // than over every scope, testing whether it reaches the device (which ones do differs from question to question).
  struct Reach {
    size_t cover;  // into covers_
    int scope;
  };
  Reach reach[kScopeCount];
  int reach_count = 0;
  for (int s = 0; s < kScopeCount; ++s) {
    // For kNoIndex, an entry past the list's end, overwritten or never read.
    reach[reach_count] = {size_t{through[s]} * kScopeCount + static_cast<size_t>(s), s};
    reach_count += through[s] != kNoIndex;
  }
  for (int i = 0; i < reach_count; ++i) PrefetchLines(&covers_[reach[i].cover], &covers_[reach[i].cover] + 1);
  Check check(*this, query.app, query.device, through, query.as_of, out);  // waits for the app, as for the covers
  for (int i = 0; i < reach_count; ++i) {
    for (const Section& section : CoverSections(covers_[reach[i].cover])) {
      if (section.keyed.size() > 0) {
        // With the filter, the lines of the first and last entries: all of a section of eight entries or fewer
        // (more than half of those a check meets), so that the search for a key the filter lets through does not
        // wait for memory in the middle of the scan. A large section is shared widely and mostly in cache.
        __builtin_prefetch(&section_filters_[section.filter]);
        __builtin_prefetch(&keyed_[section.keyed.begin]);
        __builtin_prefetch(&keyed_[section.keyed.end - 1]);
      }
      if (check.MaySelectByAttributes(section)) {
        PrefetchLines(&attributes_[section.attributes.begin], &attributes_[section.attributes.end - 1] + 1);
      }
    }
  }
  for (int i = 0; i < reach_count; ++i) {
    for (const Section& section : CoverSections(covers_[reach[i].cover])) {
      check.ScanAttributes(section, reach[i].scope);
      check.ScanKeys(Keyed(section), reach[i].scope);
    }
  }
  check.Finish();
}

void Snapshot::Prepare(const Device& device, PreparedDevice& out) const {
  out.device_ = device;
  out.through_ = Through(device);
  // Every section that reaches the device, with the scope it reaches it through.
  auto for_each_section = [&](auto visit) {
    for (int s = 0; s < kScopeCount; ++s) {
      if (out.through_[s] == kNoIndex) continue;
      for (const Section& section : CoverSections(out.through_[s], s)) visit(section, s);
    }
  };
  out.keyed_.clear();
  out.keys_ = {};
  for_each_section([&](const Section& section, int s) {
    if (section.keyed.size() == 0) return;
    out.keyed_.push_back({section, s});
    for (const KeyedEntry& entry : Keyed(section).entries) out.keys_.Add(entry.key);
  });

  // Attributes, grouped (AttributeGroups) by counting: each group's size, then the start of each group that is not
  // empty (only those are read), then its candidates.
  AttributeGroups& groups = out.attributes_;
  auto for_each_group = [&](const AttributeCandidate& c, auto visit) {
    const int kind = c.categories != 0 ? 0 : 1;
    for (uint64_t bits = kind == 0 ? c.categories : c.origins; bits != 0; bits &= bits - 1) {
      visit(kind * 64 + std::countr_zero(bits));
    }
  };
  uint32_t next[AttributeGroups::kGroups] = {};  // sizes, then where each group's next candidate goes
  groups.filled[0] = groups.filled[1] = 0;
  for_each_section([&](const Section& section, int) {
    for (const AttributeCandidate& c : Attributes(section)) {
      for_each_group(c, [&](int g) {
        ++next[g];
        groups.filled[g / 64] |= uint64_t{1} << (g % 64);
      });
    }
  });
  uint32_t placed = 0;
  for (int kind = 0; kind < 2; ++kind) {
    for (uint64_t bits = groups.filled[kind]; bits != 0; bits &= bits - 1) {
      const int g = kind * 64 + std::countr_zero(bits);
      groups.start[g] = placed;
      placed += next[g];
      groups.start[g + 1] = placed;
      next[g] = groups.start[g];
    }
  }
  groups.candidates.resize(placed);
  groups.scopes.resize(placed);
  for_each_section([&](const Section& section, int s) {
    for (const AttributeCandidate& c : Attributes(section)) {
      for_each_group(c, [&](int g) {
        groups.scopes[next[g]] = static_cast<uint8_t>(s);
        groups.candidates[next[g]++] = c;
      });
    }
  });
}

void Snapshot::Evaluate(const PreparedDevice& device, Index app, Date as_of, Decision& out) const {
  Check check(*this, app, device.device_, device.through_, as_of, out);
  check.ScanAttributes(device.attributes_);
  check.NotePending();  // their heads asked for before the keys are searched
  if (check.KeepKeys(device.keys_)) {
    for (const PreparedDevice::ScopedSection& keyed : device.keyed_) check.ScanKeys(Keyed(keyed.section), keyed.scope);
  }
  check.Finish();
}

std::span<const Snapshot::Section> Snapshot::CoverSections(Index entity, int scope) const {
  return CoverSections(covers_[entity * kScopeCount + scope]);
}

std::span<const Snapshot::Section> Snapshot::CoverSections(const Cover& cover) const {
  if (cover.count <= kInlineSections) return {cover.sections, cover.count};
  return {cover_sections_.data() + cover.overflow, cover.count};
}

std::span<const Snapshot::Up> Snapshot::EntityUps(Index entity, Scope scope) const {
  const Range r = scope == Scope::kPublic ? territory_[entity] : org_[entity];
  return {ups_.data() + r.begin, r.size()};
}

std::span<const Snapshot::Up> Snapshot::PublisherUps(Index publisher) const {
  const Range r = publisher_up_[publisher];
  return {ups_.data() + r.begin, r.size()};
}

std::vector<std::string_view> Snapshot::DevicePath(const Match& match) const {
  std::vector<std::string_view> path;
  AppendPathUp(EntityUps(match.via, match.scope), match.via, heads_[match.rule].issuer,
               [&](Index e) -> std::string_view { return model_.entities[e].id; }, path);
  return path;
}

std::vector<std::string_view> Snapshot::AppPath(Index app_index, const Match& match) const {
  const CompiledRule& rule = rules_[match.rule];
  const CompiledApp& app = apps_[app_index];
  const std::span<const Up> owners = PublisherUps(app.publisher);
  auto publisher_id = [&](Index p) -> std::string_view { return model_.publishers[p].id; };
  auto pool = [&](Range r) { return std::span<const uint32_t>(pool_.data() + r.begin, r.size()); };

  std::vector<std::string_view> path = {model_.apps[app_index].id};
  if (Contains(pool(rule.apps), app_index)) return path;

  // The nearest publisher (fewest ownership steps, then lowest index) among those `accept` takes, or kNoIndex.
  auto nearest_publisher = [&](auto accept) {
    Index nearest = kNoIndex;
    size_t fewest = SIZE_MAX;
    for (const Up& up : owners) {  // by index
      if (!accept(up.vertex)) continue;
      size_t steps = 0;
      WalkUp(owners, app.publisher, up.vertex, [&](Index) { ++steps; });
      if (steps < fewest) {
        nearest = up.vertex;
        fewest = steps;
      }
    }
    return nearest;
  };
  const Index named = nearest_publisher([&](Index p) { return Contains(pool(rule.publishers), p); });
  if (named != kNoIndex) {
    AppendPathUp(owners, app.publisher, named, publisher_id, path);
    return path;
  }
  for (uint32_t category : pool(rule.categories)) {
    if (Contains(pool(app.category_symbols), category)) {
      path.push_back(symbol_labels_[category]);
      break;
    }
  }
  if (rule.origins.size() > 0) {
    const Index from = nearest_publisher([&](Index p) { return Contains(pool(rule.origins), publisher_origins_[p]); });
    if (from != kNoIndex) {
      AppendPathUp(owners, app.publisher, from, publisher_id, path);
      path.push_back(symbol_labels_[publisher_origins_[from]]);
    }
  }
  return path;
}

}  // namespace bantrack
