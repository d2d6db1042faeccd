// Evaluation (DESIGN.md §3) and explanation paths, reading only the tables compiled by snapshot.cc.
#include <algorithm>

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

bool IsPending(RuleStatus status) { return status == RuleStatus::kUnderReview || status == RuleStatus::kAnnounced; }

}  // namespace

std::optional<RuleStatus> Snapshot::StatusAt(Index rule, Date date) const {
  const Range t = rules_[rule].timeline;
  // Timelines are short and ascend: scan back from the newest entry.
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

void Snapshot::Evaluate(const Query& query, Decision& out) const {
  out.matches.clear();
  out.verdict = Verdict::kAllowed;
  const Device& device = query.device;
  // The entity each scope reaches the device through (DESIGN.md §2, "scope").
  const Index through[kScopeCount] = {
      device.kind == DeviceKind::kGovernment ? device.owner : kNoIndex,
      device.kind == DeviceKind::kWork ? device.owner : kNoIndex,
      device.network,
      device.location,
  };
  // A check is bound by memory latency: ask for the device's entries first, all at once.
  for (Index entity : through) {
    if (entity != kNoIndex) __builtin_prefetch(&covers_[entity]);
  }
  const CompiledApp& app = apps_[query.app];
  const int32_t today = query.as_of.days;

  // The keys a rule can name this app by: the app itself, its publisher and every publisher above it.
  constexpr size_t kMaxKeys = 16;
  uint32_t keys[kMaxKeys];
  size_t key_count = 0;
  keys[key_count++] = query.app;
  for (uint32_t i = app.publishers.begin; i < app.publishers.end && key_count < kMaxKeys; ++i) {
    keys[key_count++] = kPublisherKey | up_vertices_[i];
  }
  const bool deep_ownership = app.publishers.size() + 1 > kMaxKeys;  // beyond: confirm on the rule

  // Adds a rule that selects the app and reaches the device through scope s, if the device has its tags.
  auto consider = [&](Index r, uint32_t flags, int s) {
    const CompiledRule& rule = rules_[r];
    if ((flags & kNeedsTags) && !std::includes(device.tags.begin(), device.tags.end(), pool_.begin() + rule.tags.begin,
                                                pool_.begin() + rule.tags.end)) {
      return;
    }
    // A rule reaching the device through two scopes, or selecting the app two ways, is reported once.
    if (std::any_of(out.matches.begin(), out.matches.end(), [&](const Match& m) { return m.rule == r; })) return;
    Match match;
    match.rule = r;
    match.scope = static_cast<Scope>(s);
    match.status = *StatusAt(r, query.as_of);  // it exists: its first day has come
    match.via = through[s];
    out.matches.push_back(match);
  };

  for (int s = 0; s < kScopeCount; ++s) {
    if (through[s] == kNoIndex) continue;
    const Cover& cover = covers_[through[s]];
    const KeyedCandidate* keyed_begin = keyed_.data() + cover.keyed[s].begin;
    const KeyedCandidate* keyed_end = keyed_.data() + cover.keyed[s].end;
    if (keyed_begin != keyed_end) {
      // The keys ascend (the app, then publishers by index), so each search starts where the last one ended.
      const KeyedCandidate* from = keyed_begin;
      for (size_t k = 0; k < key_count && keyed_end[-1].key >= keys[k]; ++k) {
        from = std::lower_bound(from, keyed_end, keys[k], [](const KeyedCandidate& c, uint32_t key) { return c.key < key; });
        for (; from != keyed_end && from->key == keys[k]; ++from) {
          if (from->first_day <= today) consider(from->rule, from->flags, s);
        }
      }
      if (deep_ownership) {
        for (const KeyedCandidate* it = keyed_begin; it != keyed_end; ++it) {
          if (it->first_day <= today && SelectorMatches(rules_[it->rule], app, query.app)) consider(it->rule, it->flags, s);
        }
      }
    }
    const Range attributes = cover.attributes[s];
    for (uint32_t k = attributes.begin; k < attributes.end; ++k) {
      const AttributeCandidate& c = attributes_[k];
      if (c.first_day > today) continue;
      if (c.categories != 0 && (c.categories & app.categories) == 0) continue;
      if (c.origins != 0 && (c.origins & app.origins) == 0) continue;
      // A hashed mask may have matched on a collision: confirm on the rule.
      if ((c.flags & (kHashedCategories | kHashedOrigins)) && !SelectorMatches(rules_[c.rule], app, query.app)) continue;
      consider(c.rule, c.flags, s);
    }
  }
  if (out.matches.empty()) return;

  // Exemptions: an active exempt rule lifts the active ban/restrict rules of its own and its subordinates'
  // issuers (R.issuer ∈ org(X.issuer) ∪ territory(X.issuer)), never a superior's.
  bool banned = false, restricted = false, pending = false;
  for (Match& m : out.matches) {
    const CompiledRule& rule = rules_[m.rule];
    if (m.status == RuleStatus::kInForce && rule.effect != Effect::kExempt) {
      for (const Match& x : out.matches) {
        const CompiledRule& exemption = rules_[x.rule];
        if (x.status == RuleStatus::kInForce && exemption.effect == Effect::kExempt &&
            HasAuthorityOver(exemption.issuer, rule.issuer) && x.rule < m.lifted_by) {
          m.lifted_by = x.rule;
        }
      }
      if (m.lifted_by == kNoIndex) (rule.effect == Effect::kBan ? banned : restricted) = true;
    } else if (IsPending(m.status) && rule.effect != Effect::kExempt) {
      pending = true;
    }
  }
  out.verdict = banned       ? Verdict::kBanned
                : restricted ? Verdict::kRestricted
                : pending    ? Verdict::kUnderReview
                             : Verdict::kAllowed;

  for (Match& m : out.matches) {
    const Effect effect = rules_[m.rule].effect;
    if (m.status == RuleStatus::kSuspended || m.status == RuleStatus::kLifted) {
      m.role = Role::kInactive;
    } else if (IsPending(m.status)) {
      m.role = out.verdict == Verdict::kUnderReview && effect != Effect::kExempt ? Role::kDecisive : Role::kPending;
    } else if (effect == Effect::kExempt) {
      m.role = Role::kExempting;
    } else if (m.lifted_by != kNoIndex) {
      m.role = Role::kLifted;
    } else if (effect == Effect::kBan) {
      m.role = Role::kDecisive;  // an unlifted active ban: the verdict is banned
    } else {
      m.role = out.verdict == Verdict::kRestricted ? Role::kDecisive : Role::kActive;
    }
  }
  if (out.matches.size() > 1) {
    std::sort(out.matches.begin(), out.matches.end(),
              [](const Match& a, const Match& b) { return std::tie(a.role, a.rule) < std::tie(b.role, b.rule); });
  }
}

std::span<const Snapshot::Up> Snapshot::EntityUps(Index entity, Scope scope) const {
  const Range r = scope == Scope::kPublic ? territory_[entity] : org_[entity];
  return {ups_.data() + r.begin, r.size()};
}

std::span<const Snapshot::Up> Snapshot::PublisherUps(Index publisher) const {
  const Range r = publisher_up_[publisher];
  return {ups_.data() + r.begin, r.size()};
}

std::vector<std::string> Snapshot::PathUp(std::span<const Up> ups, Index from, Index to,
                                          const std::function<const std::string&(Index)>& id_of) {
  std::vector<std::string> path;
  Index at = to;
  while (true) {
    path.push_back(id_of(at));
    if (at == from) break;
    auto it = std::lower_bound(ups.begin(), ups.end(), at, [](const Up& up, Index v) { return up.vertex < v; });
    at = it->previous;
  }
  std::reverse(path.begin(), path.end());
  return path;
}

std::vector<std::string> Snapshot::DevicePath(const Match& match) const {
  return PathUp(EntityUps(match.via, match.scope), match.via, rules_[match.rule].issuer,
                [&](Index e) -> const std::string& { return model_.entities[e].id; });
}

std::vector<std::string> Snapshot::AppPath(Index app_index, const Match& match) const {
  const CompiledRule& rule = rules_[match.rule];
  const CompiledApp& app = apps_[app_index];
  const std::span<const Up> owners = PublisherUps(app.publisher);
  auto publisher_id = [&](Index p) -> const std::string& { return model_.publishers[p].id; };
  auto pool = [&](Range r) { return std::span<const uint32_t>(pool_.data() + r.begin, r.size()); };

  std::vector<std::string> path = {model_.apps[app_index].id};
  if (Contains(pool(rule.apps), app_index)) return path;

  // The nearest publisher (fewest ownership steps, then lowest index) among those `accept` takes.
  auto nearest_publisher = [&](auto accept) -> std::vector<std::string> {
    std::vector<std::string> best;
    for (const Up& up : owners) {
      if (!accept(up.vertex)) continue;
      std::vector<std::string> chain = PathUp(owners, app.publisher, up.vertex, publisher_id);
      if (best.empty() || chain.size() < best.size()) best = std::move(chain);
    }
    return best;
  };
  std::vector<std::string> named = nearest_publisher([&](Index p) { return Contains(pool(rule.publishers), p); });
  if (!named.empty()) {
    path.insert(path.end(), named.begin(), named.end());
    return path;
  }
  for (uint32_t category : pool(rule.categories)) {
    if (Contains(pool(app.category_symbols), category)) {
      path.push_back("category:" + symbol_names_[category]);
      break;
    }
  }
  if (rule.origins.size() > 0) {
    // Every publisher's country was interned at compile time.
    auto named_origin = [&](Index p) { return Contains(pool(rule.origins), *Symbol('o', model_.publishers[p].country)); };
    std::vector<std::string> chain = nearest_publisher(named_origin);
    if (!chain.empty()) {
      const std::string& country = model_.publishers[*FindPublisher(chain.back())].country;
      path.insert(path.end(), chain.begin(), chain.end());
      path.push_back("origin:" + country);
    }
  }
  return path;
}

}  // namespace bantrack
