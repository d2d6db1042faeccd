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
  return (rule.categories.size() == 0 || Intersects(pool(rule.categories), pool(app.categories))) &&
         (rule.origins.size() == 0 || Intersects(pool(rule.origins), pool(app.origins)));
}

bool Snapshot::Selects(Index rule, Index app) const { return SelectorMatches(rules_[rule], apps_[app], app); }

bool Snapshot::HasAuthorityOver(Index authority, Index entity) const {
  return Contains(OrgAncestors(entity), authority) || Contains(TerritoryAncestors(entity), authority);
}

void Snapshot::Evaluate(const Query& query, Decision& out) const {
  out.matches.clear();
  out.verdict = Verdict::kAllowed;
  const CompiledApp& app = apps_[query.app];
  const Device& device = query.device;

  // The entity each scope reaches the device through (DESIGN.md §2, "scope").
  const Index through[kScopeCount] = {
      device.kind == DeviceKind::kGovernment ? device.owner : kNoIndex,
      device.kind == DeviceKind::kWork ? device.owner : kNoIndex,
      device.network,
      device.location,
  };
  for (int s = 0; s < kScopeCount; ++s) {
    if (through[s] == kNoIndex) continue;
    const Range cover = covering_[s][through[s]];
    for (uint32_t c = cover.begin; c < cover.end; ++c) {
      const Range bucket = buckets_[covering_entities_[c] * kScopeCount + s];
      for (uint32_t k = bucket.begin; k < bucket.end; ++k) {
        const Candidate& candidate = candidates_[k];
        if ((candidate.signature & app.signature) == 0) continue;
        const CompiledRule& rule = rules_[candidate.rule];
        if (!SelectorMatches(rule, app, query.app)) continue;
        if (!std::includes(device.tags.begin(), device.tags.end(), pool_.begin() + rule.tags.begin,
                           pool_.begin() + rule.tags.end)) {
          continue;
        }
        const std::optional<RuleStatus> status = StatusAt(candidate.rule, query.as_of);
        if (!status) continue;
        // A rule reaching the device through two scopes is reported once, through the first.
        const bool seen = std::any_of(out.matches.begin(), out.matches.end(),
                                      [&](const Match& m) { return m.rule == candidate.rule; });
        if (seen) continue;
        Match match;
        match.rule = candidate.rule;
        match.scope = static_cast<Scope>(s);
        match.status = *status;
        match.via = through[s];
        out.matches.push_back(match);
      }
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
  std::sort(out.matches.begin(), out.matches.end(),
            [](const Match& a, const Match& b) { return std::tie(a.role, a.rule) < std::tie(b.role, b.rule); });
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
    if (Contains(pool(app.categories), category)) {
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
