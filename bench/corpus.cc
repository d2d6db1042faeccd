// Drawing the synthetic corpus. Everything is drawn from bench::Rng with integer arithmetic only, and every list
// is built in a fixed order, so a (shape, seed) gives one byte-identical bundle.
//
// Acyclicity by construction: every edge (part_of, within, owned_by) points from a record to one created before
// it, and records are created level by level, so no graph can close a cycle.
#include "bench/corpus.h"

#include <algorithm>
#include <array>
#include <unordered_map>
#include <vector>

#include "bench/rng.h"
#include "engine/query.h"

namespace bantrack::bench {
namespace {

// Each part of the corpus draws from a stream of its own (see GenerateCorpus's contract).
enum class Stream : uint64_t { kEntities = 1, kPublishers, kApps, kRules };
Rng StreamOf(uint64_t seed, Stream stream) {
  return Rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(stream));
}

const Date kFirstDay = Date::FromYmd(2015, 1, 1);
const Date kLastDay = Date::FromYmd(2027, 12, 31);

// Most popular first: Rng::Skewed picks the front of these lists most often.
constexpr std::array<const char*, 20> kCategories = {
    "social-media", "messaging", "video", "ai-assistant", "shopping", "finance", "games",
    "news", "productivity", "security", "vpn", "browser", "photo", "dating",
    "health", "education", "travel", "music", "maps", "weather",
};
constexpr std::array<const char*, 6> kTags = {
    "law-enforcement", "classified", "diplomatic", "research", "military-ops", "public-affairs",
};
constexpr std::array<const char*, 6> kPublisherSuffixes = {"Inc.", "Ltd.", "Group", "Holdings", "Technologies",
                                                           "Labs"};
constexpr std::array<const char*, 5> kWebSuffixes = {".com", ".app", ".io", ".net", ".cn"};
struct Outlet {
  const char* name;
  const char* domain;
};
constexpr std::array<Outlet, 6> kOutlets = {{
    {"Official Gazette", "gazette.example.gov"},
    {"Government Press Office", "press.example.gov"},
    {"Reuters", "www.reuters.com"},
    {"Associated Press", "apnews.com"},
    {"The Record", "therecord.media"},
    {"TechCrunch", "techcrunch.com"},
}};

std::string Base36(uint64_t n) {
  std::string digits;
  do {
    digits += "0123456789abcdefghijklmnopqrstuvwxyz"[n % 36];
    n /= 36;
  } while (n > 0);
  return {digits.rbegin(), digits.rend()};
}

// A pronounceable lower-case word ("kotava"): names that read like names, never an id on their own.
std::string Word(Rng& rng, int syllables) {
  static constexpr char kConsonants[] = "bdfgklmnprstvz";
  static constexpr char kVowels[] = "aeiou";
  std::string word;
  for (int s = 0; s < syllables; ++s) {
    word += kConsonants[rng.Below(sizeof kConsonants - 1)];
    word += kVowels[rng.Below(sizeof kVowels - 1)];
  }
  return word;
}

std::string Capitalized(std::string word) {
  if (!word.empty() && word[0] >= 'a' && word[0] <= 'z') word[0] = static_cast<char>(word[0] - 'a' + 'A');
  return word;
}

// Spreads `total` records over levels 1..weights.size() with the given weights, then moves records up until no
// level is empty above a non-empty one (each record needs a parent one level up). Index 0 of the result is unused.
std::vector<size_t> LevelCounts(Rng& rng, size_t total, const std::vector<uint32_t>& weights) {
  std::vector<size_t> count(weights.size() + 1, 0);
  for (size_t i = 0; i < total; ++i) ++count[1 + rng.Weighted(weights)];
  for (size_t level = 1; level < count.size(); ++level) {
    if (count[level] > 0) continue;
    for (size_t deeper = count.size() - 1; deeper > level; --deeper) {
      if (count[deeper] > 0) {
        --count[deeper];
        ++count[level];
        break;
      }
    }
  }
  return count;
}

char KindLetter(EntityKind kind) {
  switch (kind) {
    case EntityKind::kState: return 's';
    case EntityKind::kProvince: return 'p';
    case EntityKind::kCity: return 'c';
    case EntityKind::kGovernment: return 'g';
    case EntityKind::kAgency: return 'a';
    case EntityKind::kLegislature: return 'l';
    case EntityKind::kMilitary: return 'm';
    case EntityKind::kRegulator: return 'r';
    case EntityKind::kCourt: return 'k';
    default: return 'o';
  }
}

const char* KindNoun(EntityKind kind) {
  switch (kind) {
    case EntityKind::kState: return "State";
    case EntityKind::kProvince: return "Province";
    case EntityKind::kCity: return "City";
    case EntityKind::kGovernment: return "Government";
    case EntityKind::kAgency: return "Agency";
    case EntityKind::kLegislature: return "Assembly";
    case EntityKind::kMilitary: return "Defence Force";
    case EntityKind::kRegulator: return "Authority";
    case EntityKind::kCourt: return "Court";
    default: return "Office";
  }
}

bool IsTerritorial(EntityKind kind) {
  return kind == EntityKind::kSupranational || kind == EntityKind::kCountry || kind == EntityKind::kState ||
         kind == EntityKind::kProvince || kind == EntityKind::kCity;
}

// Scope sets, in the enum's order (the order a bundle lists them in).
using Scopes = std::vector<Scope>;
const Scope kGov = Scope::kGovernmentDevices, kWork = Scope::kWorkDevices, kNet = Scope::kGovernmentNetworks,
            kPublic = Scope::kPublic;

class Generator {
 public:
  explicit Generator(const CorpusShape& shape) : shape_(shape) {}

  Model Run() {
    Entities();
    Publishers();
    Apps();
    Rules();
    SortById(model_);
    return std::move(model_);
  }

 private:
  // What drawing rules needs to know of an entity beyond the Entity record.
  struct EntityInfo {
    int level = 1;        // 1 for roots; a record's parents are all on lower levels
    bool top = false;     // a supranational body or a country
    uint32_t children = 0;  // numbers the ids of its children
  };

  // ----- entities: supranational bodies and countries, then each country's territorial and organizational trees

  Index AddEntity(Entity entity, int level, bool top) {
    model_.entities.push_back(std::move(entity));
    entity_info_.push_back({level, top, 0});
    return static_cast<Index>(model_.entities.size() - 1);
  }

  std::string ChildId(Index parent, EntityKind kind) {
    return model_.entities[parent].id + "-" + KindLetter(kind) + Base36(++entity_info_[parent].children);
  }

  void Entities() {
    Rng rng = StreamOf(shape_.seed, Stream::kEntities);
    const size_t total = shape_.entities;
    // Roots and countries are named by two-letter codes, which publishers and selectors use as countries too.
    std::vector<std::string> codes;
    for (char a = 'a'; a <= 'z'; ++a) {
      for (char b = 'a'; b <= 'z'; ++b) codes.push_back({a, b});
    }
    rng.Shuffle(std::span(codes));
    const size_t supranationals = std::clamp<size_t>(total / 2500, 1, 8);
    const size_t countries = std::clamp<size_t>(total / 60, 3, 200);

    for (size_t s = 0; s < supranationals; ++s) {
      AddEntity({codes[s], Capitalized(Word(rng, 3)) + " Union", EntityKind::kSupranational, {}, {}}, 1, true);
    }
    std::vector<Index> country_index;
    for (size_t c = 0; c < countries; ++c) {
      Entity country{codes[supranationals + c], Capitalized(Word(rng, 3)), EntityKind::kCountry, {}, {}};
      int level = 1;
      if (rng.Percent(50)) {  // a member state of a supranational body
        country.within.push_back(codes[rng.Below(supranationals)]);
        level = 2;
      }
      country_codes_.push_back(country.id);
      country_index.push_back(AddEntity(std::move(country), level, true));
    }
    // Each supranational body has a government and an assembly, for its institutions' own devices.
    for (Index s = 0; s < supranationals; ++s) {
      for (EntityKind kind : {EntityKind::kGovernment, EntityKind::kLegislature}) {
        if (model_.entities.size() >= total) break;
        std::string name = model_.entities[s].name + " " + KindNoun(kind);
        AddEntity({ChildId(s, kind), std::move(name), kind, {model_.entities[s].id}, {}}, 2, false);
      }
    }
    // The rest is spread over the countries, a few large and a long tail of small ones.
    std::vector<size_t> budget(countries, 0);
    for (size_t i = model_.entities.size(); i < total; ++i) ++budget[rng.Skewed(countries)];
    for (size_t c = 0; c < countries; ++c) GrowCountry(country_index[c], budget[c], rng);
  }

  // Adds `budget` bodies and places under a country, level by level down to the corpus depth; deeper levels are
  // wider (weights 1, 3, 5, 6, 6, ...).
  void GrowCountry(Index country, size_t budget, Rng& rng) {
    const int below = shape_.depth - entity_info_[country].level;
    std::vector<uint32_t> weights;
    for (int r = 1; r <= below; ++r) weights.push_back(static_cast<uint32_t>(std::min(2 * r - 1, 6)));
    const std::vector<size_t> count = LevelCounts(rng, budget, weights);
    std::vector<std::vector<Index>> at(count.size());  // at[r]: the country's records r levels below it
    at[0] = {country};
    for (size_t r = 1; r < count.size(); ++r) {
      for (size_t k = 0; k < count[r]; ++k) {
        const Index parent = at[r - 1][rng.Skewed(at[r - 1].size())];
        at[r].push_back(AddChild(parent, r, at, rng));
      }
    }
  }

  Index AddChild(Index parent, size_t r, const std::vector<std::vector<Index>>& at, Rng& rng) {
    const EntityKind parent_kind = model_.entities[parent].kind;
    Entity child;
    if (IsTerritorial(parent_kind) && rng.Percent(55)) {
      child.kind = r == 1 ? (rng.Percent(70) ? EntityKind::kState : EntityKind::kProvince) : EntityKind::kCity;
      child.within.push_back(model_.entities[parent].id);
    } else {
      child.kind = OrgKind(parent_kind, rng);
      child.part_of.push_back(model_.entities[parent].id);
      auto earlier = [&]() -> Index {  // a record of the same country on a level above the child's
        const std::vector<Index>& level = at[rng.Below(r)];
        return level[rng.Below(level.size())];
      };
      // A field office: part of its agency and within a place of its country.
      if (r >= 2 && rng.Percent(20)) {
        const Index place = earlier();
        if (place != parent && IsTerritorial(model_.entities[place].kind)) {
          child.within.push_back(model_.entities[place].id);
        }
      }
      // A joint body of two organizations.
      if (r >= 2 && rng.Percent(3)) {
        const Index other = earlier();
        if (other != parent && !IsTerritorial(model_.entities[other].kind)) {
          child.part_of.push_back(model_.entities[other].id);
        }
      }
    }
    child.id = ChildId(parent, child.kind);
    child.name = Capitalized(Word(rng, 2 + static_cast<int>(rng.Below(2)))) + " " + KindNoun(child.kind);
    return AddEntity(std::move(child), entity_info_[parent].level + 1, false);
  }

  static EntityKind OrgKind(EntityKind parent, Rng& rng) {
    using K = EntityKind;
    struct Choice {
      K kind;
      uint32_t weight;
    };
    auto draw = [&rng](std::initializer_list<Choice> choices) {
      std::vector<uint32_t> weights;
      for (const Choice& c : choices) weights.push_back(c.weight);
      return (choices.begin() + rng.Weighted(weights))->kind;
    };
    if (parent == K::kCountry) {
      return draw({{K::kGovernment, 35}, {K::kLegislature, 10}, {K::kCourt, 10}, {K::kMilitary, 15},
                   {K::kRegulator, 15}, {K::kAgency, 15}});
    }
    if (IsTerritorial(parent)) {
      return draw({{K::kGovernment, 25}, {K::kAgency, 40}, {K::kRegulator, 15}, {K::kCourt, 10}, {K::kLegislature, 10}});
    }
    if (parent == K::kMilitary) return draw({{K::kMilitary, 70}, {K::kAgency, 30}});
    return draw({{K::kAgency, 55}, {K::kRegulator, 10}, {K::kMilitary, 5}, {K::kCourt, 5}, {K::kOrganization, 25}});
  }

  // ----- publishers: an ownership forest, conglomerates on top; most publishers based in a few countries

  void Publishers() {
    Rng rng = StreamOf(shape_.seed, Stream::kPublishers);
    const int depth = shape_.ownership_depth;
    std::vector<uint32_t> weights;
    for (int l = 1; l <= depth; ++l) weights.push_back(static_cast<uint32_t>(std::min(l, depth - l + 1) + 1));
    const std::vector<size_t> count = LevelCounts(rng, shape_.publishers, weights);
    std::vector<std::vector<Index>> at(count.size());
    for (size_t l = 1; l < count.size(); ++l) {
      for (size_t k = 0; k < count[l]; ++k) {
        const Index index = static_cast<Index>(model_.publishers.size());
        const std::string word = Word(rng, 2 + static_cast<int>(rng.Below(2)));
        Publisher publisher;
        publisher.id = word + "-" + Base36(index);
        publisher.name = Capitalized(word) + " " + kPublisherSuffixes[rng.Below(kPublisherSuffixes.size())];
        publisher.country = country_codes_[rng.Popular(country_codes_.size())];
        if (l > 1) {
          const Publisher& owner = model_.publishers[at[l - 1][rng.Skewed(at[l - 1].size())]];
          publisher.owned_by.push_back(owner.id);
          if (rng.Percent(75)) publisher.country = owner.country;  // most subsidiaries are based at home
          if (l > 2 && rng.Percent(4)) {  // a joint venture
            const std::vector<Index>& level = at[1 + rng.Below(l - 1)];
            const std::string& second = model_.publishers[level[rng.Below(level.size())]].id;
            if (second != owner.id) publisher.owned_by.push_back(second);
          }
        }
        model_.publishers.push_back(std::move(publisher));
        at[l].push_back(index);
      }
    }
  }

  // ----- apps: store identifiers on most platforms; a few publishers (the conglomerates) publish many

  void Apps() {
    Rng rng = StreamOf(shape_.seed, Stream::kApps);
    const size_t publishers = model_.publishers.size();
    for (size_t a = 0; a < shape_.apps; ++a) {
      const std::string word = Word(rng, 2 + static_cast<int>(rng.Below(2)));
      const std::string tag = Base36(a);
      App app;
      app.id = word + "-" + tag;
      app.name = Capitalized(word);
      if (rng.Percent(30)) app.name += " " + Capitalized(Word(rng, 2));
      const Publisher& publisher = model_.publishers[rng.Percent(50) ? rng.Skewed(publishers) : rng.Below(publishers)];
      app.publisher = publisher.id;
      const size_t category_count = 1 + rng.Percent(40) + rng.Percent(15);
      while (app.categories.size() < category_count) {
        std::string category = kCategories[rng.Skewed(kCategories.size())];
        if (std::find(app.categories.begin(), app.categories.end(), category) == app.categories.end()) {
          app.categories.push_back(std::move(category));
        }
      }
      const std::string package = "com." + publisher.id.substr(0, publisher.id.find('-')) + "." + word + tag;
      if (rng.Percent(85)) {
        app.identifiers[static_cast<int>(Platform::kIos)].push_back(package);
        if (rng.Percent(60)) app.store_urls[0] = "https://apps.apple.com/app/id" + std::to_string(1'000'000'000 + a);
      }
      if (rng.Percent(90)) {
        app.identifiers[static_cast<int>(Platform::kAndroid)].push_back(package);
        if (rng.Percent(60)) app.store_urls[1] = "https://play.google.com/store/apps/details?id=" + package;
      }
      if (rng.Percent(50)) {
        app.identifiers[static_cast<int>(Platform::kWeb)].push_back(word + "-" + tag +
                                                                    kWebSuffixes[rng.Below(kWebSuffixes.size())]);
      }
      model_.apps.push_back(std::move(app));
    }
  }

  // ----- rules

  // Who issues a rule: one in ten rules comes from a supranational body or a country, skewed so that a handful of
  // them issue many; the rest from bodies and places below, deeper levels more often (weight = level). An issuer
  // issues at most its cap: 150 rules for a supranational body or country, max(24, 4 x rules / entities) for the
  // others; the share of full top authorities goes to bodies (a larger world has more governments, not more rules
  // per government), so a device faces about as many candidate rules in every corpus.
  struct Issuers {
    std::vector<Index> top;
    std::vector<std::vector<Index>> by_level;  // the others, by level
    std::vector<uint32_t> level_weights;
    std::vector<uint32_t> issued;  // by entity
    uint32_t top_cap = 0, body_cap = 0;
  };

  Issuers MakeIssuers() const {
    Issuers issuers;
    issuers.by_level.resize(shape_.depth + 1);
    for (Index e = 0; e < entity_info_.size(); ++e) {
      if (entity_info_[e].top) {
        issuers.top.push_back(e);
      } else {
        issuers.by_level[entity_info_[e].level].push_back(e);
      }
    }
    for (size_t level = 0; level < issuers.by_level.size(); ++level) {
      issuers.level_weights.push_back(issuers.by_level[level].empty() ? 0 : static_cast<uint32_t>(level));
    }
    issuers.issued.assign(entity_info_.size(), 0);
    const size_t rules = shape_.rules;
    const size_t entities = entity_info_.size();
    issuers.top_cap = 150;
    issuers.body_cap = static_cast<uint32_t>(std::max<size_t>(24, (4 * rules + entities - 1) / entities));
    return issuers;
  }

  uint32_t CapOf(const Issuers& issuers, Index e) const {
    return entity_info_[e].top ? issuers.top_cap : issuers.body_cap;
  }

  Index PickIssuer(Issuers& issuers, Rng& rng) const {
    const bool bodies = std::any_of(issuers.level_weights.begin(), issuers.level_weights.end(),
                                    [](uint32_t w) { return w > 0; });
    if (rng.Percent(10) || !bodies) {
      for (int attempt = 0; attempt < 16; ++attempt) {
        const Index e = issuers.top[rng.Skewed(issuers.top.size())];
        if (issuers.issued[e] < issuers.top_cap) return e;
      }
    }
    for (int attempt = 0; bodies && attempt < 16; ++attempt) {
      const std::vector<Index>& level = issuers.by_level[rng.Weighted(issuers.level_weights)];
      const Index e = level[rng.Below(level.size())];
      if (issuers.issued[e] < issuers.body_cap) return e;
    }
    // Every issuer tried was full: the first one with room from a random start (the caps leave plenty).
    const size_t entities = entity_info_.size();
    const size_t start = rng.Below(entities);
    for (size_t i = 0; i < entities; ++i) {
      const Index e = static_cast<Index>((start + i) % entities);
      if (issuers.issued[e] < CapOf(issuers, e)) return e;
    }
    return static_cast<Index>(start);  // unreachable: the caps add up to several times the rules
  }

  static Scopes DrawScopes(bool territorial, Rng& rng) {
    struct Choice {
      Scopes scopes;
      uint32_t weight;
    };
    // Places mostly issue nationwide (public) rules; bodies rules for their own devices and networks.
    static const std::vector<Choice> kPlace = {{{kPublic}, 40}, {{kGov}, 25}, {{kGov, kWork}, 12},
                                               {{kGov, kNet}, 8},   {{kGov, kPublic}, 10}, {{kGov, kWork, kNet}, 5}};
    static const std::vector<Choice> kBody = {{{kGov}, 45}, {{kGov, kWork}, 20}, {{kGov, kNet}, 15}, {{kNet}, 5},
                                              {{kWork}, 5}, {{kGov, kWork, kNet}, 8}, {{kPublic}, 2}};
    const std::vector<Choice>& choices = territorial ? kPlace : kBody;
    std::vector<uint32_t> weights;
    for (const Choice& c : choices) weights.push_back(c.weight);
    return choices[rng.Weighted(weights)].scopes;
  }

  // What may follow `status` in a status history; every status occurs.
  static RuleStatus NextStatus(RuleStatus status, Rng& rng) {
    using S = RuleStatus;
    switch (status) {
      case S::kUnderReview: return rng.Percent(40) ? S::kAnnounced : rng.Percent(75) ? S::kInForce : S::kLifted;
      case S::kAnnounced: return rng.Percent(80) ? S::kInForce : rng.Percent(50) ? S::kSuspended : S::kLifted;
      case S::kInForce: return rng.Percent(45) ? S::kSuspended : S::kLifted;
      case S::kSuspended: return rng.Percent(60) ? S::kInForce : S::kLifted;
      case S::kLifted: break;
    }
    return rng.Percent(60) ? S::kInForce : S::kUnderReview;  // re-imposed, or under review again
  }

  // A status history: 1-4 entries (45/30/15/10 %), ascending dates from `start`, 20-720 days apart, never after
  // 2027-12-31 (a history that would run past it stops early).
  static std::vector<TimelineEntry> DrawTimeline(Date start, RuleStatus first, Rng& rng) {
    static constexpr uint32_t kLengthWeights[] = {45, 30, 15, 10};
    const size_t length = 1 + rng.Weighted(kLengthWeights);
    std::vector<TimelineEntry> timeline = {{start, first, ""}};
    while (timeline.size() < length) {
      const Date date{timeline.back().date.days + static_cast<int32_t>(rng.Between(20, 720))};
      if (date > kLastDay) break;
      timeline.push_back({date, NextStatus(timeline.back().status, rng), ""});
    }
    for (TimelineEntry& entry : timeline) {
      if (rng.Percent(30)) entry.note = "Status " + std::string(Name(entry.status)) + " per the issuer's notice";
    }
    return timeline;
  }

  // The selector of a ban or restriction: named apps 40 %, publishers 18 %, categories 12 %, origin countries
  // 14 %, category and origin together 10 %, named apps and a publisher 6 %. Targets are skewed: a few apps,
  // publishers and countries are named by many rules.
  void DrawSelector(Rule& rule, Rng& rng) const {
    static constexpr uint32_t kKindWeights[] = {40, 18, 12, 14, 10, 6};
    const size_t kind = rng.Weighted(kKindWeights);
    auto add_unique = [](std::vector<std::string>& list, std::string value) {
      if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(std::move(value));
    };
    auto apps = [&](size_t n) {
      for (size_t i = 0; i < n; ++i) add_unique(rule.apps, model_.apps[rng.Popular(model_.apps.size())].id);
    };
    auto publishers = [&](size_t n) {
      for (size_t i = 0; i < n; ++i) {
        add_unique(rule.publishers, model_.publishers[rng.Skewed(model_.publishers.size())].id);
      }
    };
    auto categories = [&](size_t n) {
      for (size_t i = 0; i < n; ++i) add_unique(rule.categories, kCategories[rng.Skewed(kCategories.size())]);
    };
    auto origins = [&](size_t n) {
      for (size_t i = 0; i < n; ++i) add_unique(rule.origin_countries, country_codes_[rng.Popular(country_codes_.size())]);
    };
    switch (kind) {
      case 0: apps(1 + rng.Below(4)); break;
      case 1: publishers(1 + rng.Below(2)); break;
      case 2: categories(1 + rng.Below(2)); break;
      case 3: origins(1 + rng.Below(3)); break;
      case 4: categories(1); origins(1 + rng.Below(2)); break;
      default: apps(1 + rng.Below(2)); publishers(1); break;
    }
  }

  // An exemption carves out of an earlier ban or restriction of the same issuer: one of its apps or publishers
  // (or its categories and origins), through its scopes, often only for tagged devices, from a later date.
  // Returns false when `base` cannot be carved out of (the caller draws a plain rule instead).
  bool DrawExemption(Rule& rule, const Rule& base, Rng& rng) const {
    const Date start{base.timeline.front().date.days + static_cast<int32_t>(rng.Between(30, 400))};
    if (base.effect == Effect::kExempt || start > kLastDay) return false;
    rule.issuer = base.issuer;
    rule.scope = base.scope;
    if (!base.apps.empty()) {
      rule.apps = {base.apps[rng.Below(base.apps.size())]};
    } else if (!base.publishers.empty()) {
      rule.publishers = {base.publishers[rng.Below(base.publishers.size())]};
    } else {
      rule.categories = base.categories;
      rule.origin_countries = base.origin_countries;
    }
    if (rng.Percent(40)) rule.device_tags = {kTags[rng.Skewed(kTags.size())]};
    rule.timeline = {{start, RuleStatus::kInForce, "Carve-out takes effect"}};
    const Date lifted{start.days + static_cast<int32_t>(rng.Between(60, 700))};
    if (rng.Percent(20) && lifted <= kLastDay) rule.timeline.push_back({lifted, RuleStatus::kLifted, ""});
    return true;
  }

  // "Ban on the app kotava-1k and apps of zelmi-3 on government devices", "Restriction on video apps from qx
  // nationwide": ids, not names, so that a title says exactly what the selector holds.
  static std::string Title(const Rule& rule) {
    static constexpr const char* kEffect[] = {"Ban on ", "Restriction on ", "Exemption for "};
    std::vector<std::string> parts;
    if (rule.apps.size() == 1) parts.push_back("the app " + rule.apps[0]);
    if (rule.apps.size() > 1) parts.push_back(std::to_string(rule.apps.size()) + " named apps");
    if (!rule.publishers.empty()) parts.push_back("apps of " + rule.publishers[0]);
    if (!rule.categories.empty() || !rule.origin_countries.empty()) {
      std::string part = rule.categories.empty() ? "apps" : rule.categories[0] + " apps";
      if (!rule.origin_countries.empty()) part += " from " + rule.origin_countries[0];
      parts.push_back(std::move(part));
    }
    static constexpr const char* kScope[] = {" on government devices", " on work devices", " on government networks",
                                             " nationwide"};
    std::string title = kEffect[static_cast<int>(rule.effect)] + parts[0];
    for (size_t i = 1; i < parts.size(); ++i) title += " and " + parts[i];
    return title + kScope[static_cast<int>(rule.scope.front())];
  }

  void Rules() {
    Rng rng = StreamOf(shape_.seed, Stream::kRules);
    for (Index e = 0; e < model_.entities.size(); ++e) entity_index_.emplace(model_.entities[e].id, e);
    Issuers issuers = MakeIssuers();
    static constexpr uint32_t kEffectWeights[] = {72, 24, 4};       // ban, restrict, exempt
    static constexpr uint32_t kInstrumentWeights[] = {14, 8, 30, 10, 20, 12, 6};  // in Instrument's order
    static constexpr uint32_t kFirstStatusWeights[] = {25, 20, 55};  // under-review, announced, in-force
    const int32_t first_days = kFirstDay.days;
    const int32_t last_start = Date::FromYmd(2026, 12, 31).days;
    model_.rules.reserve(shape_.rules);
    for (size_t r = 0; r < shape_.rules; ++r) {
      Rule rule;
      rule.effect = static_cast<Effect>(rng.Weighted(kEffectWeights));
      rule.instrument = static_cast<Instrument>(rng.Weighted(kInstrumentWeights));
      bool drawn = false;
      if (rule.effect == Effect::kExempt && r > 0) {
        const Rule& base = model_.rules[rng.Below(r)];
        const Index issuer = entity_index_.at(base.issuer);
        drawn = issuers.issued[issuer] < CapOf(issuers, issuer) && DrawExemption(rule, base, rng);
        if (drawn) ++issuers.issued[issuer];
      }
      if (!drawn) {
        if (rule.effect == Effect::kExempt) rule.effect = Effect::kBan;
        const Index issuer = PickIssuer(issuers, rng);
        ++issuers.issued[issuer];
        rule.issuer = model_.entities[issuer].id;
        rule.scope = DrawScopes(IsTerritorial(model_.entities[issuer].kind), rng);
        DrawSelector(rule, rng);
        if (rng.Percent(6)) rule.device_tags = {kTags[rng.Skewed(kTags.size())]};
        const Date start{static_cast<int32_t>(rng.Between(first_days, last_start))};
        static constexpr RuleStatus kFirst[] = {RuleStatus::kUnderReview, RuleStatus::kAnnounced, RuleStatus::kInForce};
        rule.timeline = DrawTimeline(start, kFirst[rng.Weighted(kFirstStatusWeights)], rng);
      }
      const std::string suffix = "-" + rule.timeline.front().date.ToString() + "-" + Base36(r);
      std::string prefix = rule.issuer.substr(0, 64 - suffix.size());
      while (prefix.back() == '-') prefix.pop_back();
      rule.id = prefix + suffix;
      rule.title = Title(rule);
      const size_t sources = 1 + rng.Percent(30);
      for (size_t s = 0; s < sources; ++s) {
        const Outlet& outlet = kOutlets[rng.Skewed(kOutlets.size())];
        const Date published = rule.timeline.front().date;
        Source source;
        source.url = std::string("https://") + outlet.domain + "/" + std::to_string(published.year()) + "/" + rule.id;
        if (s > 0) source.url += "-" + std::to_string(s);
        source.title = rule.title;
        if (rng.Percent(90)) source.outlet = outlet.name;
        if (rng.Percent(90)) source.published = published;
        rule.sources.push_back(std::move(source));
      }
      if (rng.Percent(30)) rule.summary = "Issued by " + model_.entities[entity_index_.at(rule.issuer)].name + ".";
      model_.rules.push_back(std::move(rule));
    }
  }

  const CorpusShape shape_;
  Model model_;
  std::vector<EntityInfo> entity_info_;  // parallel to model_.entities, in generation order
  std::vector<std::string> country_codes_;
  std::unordered_map<std::string_view, Index> entity_index_;  // by id, for drawing rules
};

}  // namespace

std::optional<CorpusShape> Preset(std::string_view name) {
  if (name == "small") return CorpusShape{1, 200, 60, 300, 500, 6, 4};
  if (name == "large") return CorpusShape{1, 10'000, 1'000, 20'000, 50'000, 6, 4};
  if (name == "huge") return CorpusShape{1, 100'000, 10'000, 200'000, 500'000, 6, 4};
  return std::nullopt;
}

std::string ShapeProblem(const CorpusShape& shape) {
  if (shape.entities < 16 || shape.entities > 10'000'000) return "--entities must be 16 to 10,000,000";
  if (shape.publishers < 1 || shape.publishers > 10'000'000) return "--publishers must be 1 to 10,000,000";
  if (shape.apps < 1 || shape.apps > 100'000'000) return "--apps must be 1 to 100,000,000";
  if (shape.rules > 100'000'000) return "--rules must be at most 100,000,000";
  if (shape.depth < 3 || shape.depth > 10) return "--depth must be 3 to 10";
  if (shape.ownership_depth < 1 || shape.ownership_depth > 8) return "--ownership-depth must be 1 to 8";
  return "";
}

Model GenerateCorpus(const CorpusShape& shape) { return Generator(shape).Run(); }

}  // namespace bantrack::bench
