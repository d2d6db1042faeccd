#include "bench/questions.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "bench/rng.h"
#include "rules/batch_json.h"
#include "rules/bundle.h"

namespace bantrack::bench {
namespace {

const Date kEarliest = Date::FromYmd(2014, 1, 1);
const Date kLatest = Date::FromYmd(2028, 12, 31);

bool IsPlace(EntityKind kind) {
  return kind == EntityKind::kSupranational || kind == EntityKind::kCountry || kind == EntityKind::kState ||
         kind == EntityKind::kProvince || kind == EntityKind::kCity;
}

bool IsPending(RuleStatus status) { return status == RuleStatus::kUnderReview || status == RuleStatus::kAnnounced; }

// Which rules and timeline entries an aimed question may be built from.
enum class Aim { kAny, kBanned, kRestricted, kPending };

class Drawer {
 public:
  Drawer(const Snapshot& snapshot, uint64_t seed)
      : snapshot_(snapshot), model_(snapshot.model()), rng_(seed ^ 0x5155455354494F4EULL) {
    const size_t entities = model_.entities.size();
    org_children_.resize(entities);
    territory_children_.resize(entities);
    for (Index e = 0; e < entities; ++e) {
      const Entity& entity = model_.entities[e];
      for (const std::string& parent : entity.part_of) org_children_[*snapshot.FindEntity(parent)].push_back(e);
      for (const std::string& parent : entity.within) territory_children_[*snapshot.FindEntity(parent)].push_back(e);
      if (IsPlace(entity.kind)) places_.push_back(e);
    }
    owned_.resize(model_.publishers.size());
    apps_of_.resize(model_.publishers.size());
    for (Index p = 0; p < model_.publishers.size(); ++p) {
      for (const std::string& owner : model_.publishers[p].owned_by) owned_[*snapshot.FindPublisher(owner)].push_back(p);
    }
    for (Index a = 0; a < model_.apps.size(); ++a) {
      const App& app = model_.apps[a];
      apps_of_[*snapshot.FindPublisher(app.publisher)].push_back(a);
      for (const std::string& category : app.categories) by_category_[category].push_back(a);
      for (const std::string& origin : snapshot.OriginCountries(a)) by_origin_[origin].push_back(a);
    }
    for (const Rule& rule : model_.rules) tags_.insert(tags_.end(), rule.device_tags.begin(), rule.device_tags.end());
    std::sort(tags_.begin(), tags_.end());
    tags_.erase(std::unique(tags_.begin(), tags_.end()), tags_.end());
  }

  Question Any() {
    const uint64_t roll = rng_.Below(100);
    if (roll < 5 || model_.apps.empty()) return Unknown();
    if (roll < 35 || model_.rules.empty()) return Random();
    while (true) {
      if (std::optional<Question> question = Aimed(Aim::kAny)) return *question;
    }
  }

  // A question meant to have `outcome`, or nullopt when this draw missed (the caller draws again).
  std::optional<Question> For(size_t outcome) {
    if (outcome == kUnknownApp) return Unknown();
    if (model_.apps.empty()) return std::nullopt;
    switch (static_cast<Verdict>(outcome)) {
      case Verdict::kBanned: return Aimed(Aim::kBanned);
      case Verdict::kRestricted: return Aimed(Aim::kRestricted);
      case Verdict::kUnderReview: return Aimed(Aim::kPending);
      case Verdict::kAllowed: break;
    }
    return Random();
  }

 private:
  std::optional<Question> Aimed(Aim aim) {
    if (model_.rules.empty()) return std::nullopt;
    const Index r = static_cast<Index>(rng_.Below(model_.rules.size()));
    const Rule& rule = model_.rules[r];
    if ((aim == Aim::kBanned && rule.effect != Effect::kBan) ||
        (aim == Aim::kRestricted && rule.effect != Effect::kRestrict) ||
        (aim == Aim::kPending && rule.effect == Effect::kExempt)) {
      return std::nullopt;
    }
    std::vector<size_t> entries;
    for (size_t k = 0; k < rule.timeline.size(); ++k) {
      const RuleStatus status = rule.timeline[k].status;
      if (aim == Aim::kAny || (aim == Aim::kPending ? IsPending(status) : status == RuleStatus::kInForce)) {
        entries.push_back(k);
      }
    }
    if (entries.empty()) return std::nullopt;

    Question question;
    const Index issuer = *snapshot_.FindEntity(rule.issuer);
    question.device = DeviceReachedBy(rule.scope[rng_.Below(rule.scope.size())], issuer);
    question.device.tags = rule.device_tags;
    if (!tags_.empty() && rng_.Percent(10)) {
      const std::string& extra = tags_[rng_.Below(tags_.size())];
      if (std::find(question.device.tags.begin(), question.device.tags.end(), extra) == question.device.tags.end()) {
        question.device.tags.push_back(extra);
      }
    }
    const std::optional<Index> app = SelectedApp(r);
    question.app = AskedAs(app ? *app : static_cast<Index>(rng_.Below(model_.apps.size())));

    const size_t k = entries[rng_.Below(entries.size())];
    const int32_t start = rule.timeline[k].date.days;
    if (aim == Aim::kAny && k == 0 && rng_.Percent(4)) {
      question.as_of = Date{start - 1 - static_cast<int32_t>(rng_.Below(365))};  // before the rule existed
    } else {
      const int32_t end = k + 1 < rule.timeline.size() ? rule.timeline[k + 1].date.days : start + 700;
      question.as_of = Date{start + static_cast<int32_t>(rng_.Below(end - start))};
    }
    return question;
  }

  Question Random() {
    Question question;
    question.device.kind = static_cast<DeviceKind>(rng_.Below(3));
    if (question.device.kind != DeviceKind::kPersonal) question.device.owner = AnyEntity();
    if (!places_.empty() && rng_.Percent(80)) question.device.location = Id(places_[rng_.Below(places_.size())]);
    if (rng_.Percent(20)) question.device.network = AnyEntity();
    if (!tags_.empty() && rng_.Percent(5)) question.device.tags = {tags_[rng_.Below(tags_.size())]};
    question.app = AskedAs(static_cast<Index>(rng_.Percent(50) ? rng_.Skewed(model_.apps.size())
                                                                : rng_.Below(model_.apps.size())));
    question.as_of = AnyDate();
    return question;
  }

  Question Unknown() {
    Question question = model_.apps.empty() ? Question{} : Random();
    if (model_.apps.empty()) question.as_of = AnyDate();
    static constexpr const char* kForms[][2] = {
        {"unknown-app-", ""}, {"ios:org.example.unknown.", ""}, {"android:org.example.unknown_", ""},
        {"web:unknown-", ".example"}};
    do {
      const auto& form = kForms[rng_.Below(4)];
      question.app = form[0] + std::to_string(rng_.Below(1'000'000'000)) + form[1];
    } while (snapshot_.ResolveApp(question.app));
    return question;
  }

  DeviceSpec DeviceReachedBy(Scope scope, Index issuer) {
    DeviceSpec device;
    switch (scope) {
      case Scope::kGovernmentDevices:
      case Scope::kWorkDevices:
        device.kind = scope == Scope::kGovernmentDevices ? DeviceKind::kGovernment : DeviceKind::kWork;
        device.owner = Id(Down(issuer, org_children_));
        if (!places_.empty() && rng_.Percent(30)) device.location = Id(places_[rng_.Below(places_.size())]);
        break;
      case Scope::kGovernmentNetworks:
        device.kind = static_cast<DeviceKind>(rng_.Below(3));
        device.network = Id(Down(issuer, org_children_));
        if (device.kind != DeviceKind::kPersonal) device.owner = rng_.Percent(60) ? device.network : AnyEntity();
        break;
      case Scope::kPublic: {
        static constexpr uint32_t kKindWeights[] = {25, 15, 60};  // government, work, personal
        device.kind = static_cast<DeviceKind>(rng_.Weighted(kKindWeights));
        device.location = Id(Down(issuer, territory_children_));
        if (device.kind != DeviceKind::kPersonal) device.owner = AnyEntity();
        break;
      }
    }
    return device;
  }

  // A random walk down a hierarchy from `from`, stopping at each step with probability 30 %.
  Index Down(Index from, const std::vector<std::vector<Index>>& children) {
    Index at = from;
    while (!children[at].empty() && !rng_.Percent(30)) at = children[at][rng_.Below(children[at].size())];
    return at;
  }

  std::optional<Index> SelectedApp(Index r) {
    const Rule& rule = model_.rules[r];
    std::vector<int> parts;
    if (!rule.apps.empty()) parts.push_back(0);
    if (!rule.publishers.empty()) parts.push_back(1);
    if (!rule.categories.empty() || !rule.origin_countries.empty()) parts.push_back(2);
    switch (parts[rng_.Below(parts.size())]) {
      case 0: return snapshot_.FindApp(rule.apps[rng_.Below(rule.apps.size())]);
      case 1: {
        const Index named = *snapshot_.FindPublisher(rule.publishers[rng_.Below(rule.publishers.size())]);
        for (int attempt = 0; attempt < 8; ++attempt) {
          const std::vector<Index>& apps = apps_of_[Down(named, owned_)];
          if (!apps.empty()) return apps[rng_.Below(apps.size())];
        }
        return std::nullopt;
      }
      default: {
        const auto& index = rule.categories.empty() ? by_origin_ : by_category_;
        const auto& keys = rule.categories.empty() ? rule.origin_countries : rule.categories;
        auto it = index.find(keys[rng_.Below(keys.size())]);
        if (it == index.end()) return std::nullopt;
        for (int attempt = 0; attempt < 32; ++attempt) {
          const Index app = it->second[rng_.Below(it->second.size())];
          if (snapshot_.Selects(r, app)) return app;
        }
        return std::nullopt;
      }
    }
  }

  // The app's id, or (one time in five) one of its store identifiers; web ones sometimes by a subdomain.
  std::string AskedAs(Index a) {
    const App& app = model_.apps[a];
    std::vector<int> platforms;
    for (int p = 0; p < kPlatformCount; ++p) {
      if (!app.identifiers[p].empty()) platforms.push_back(p);
    }
    if (platforms.empty() || !rng_.Percent(20)) return app.id;
    const int p = platforms[rng_.Below(platforms.size())];
    std::string text = std::string(Name(static_cast<Platform>(p))) + ":";
    if (static_cast<Platform>(p) == Platform::kWeb && rng_.Percent(30)) text += rng_.Percent(50) ? "www." : "m.";
    return text + app.identifiers[p][rng_.Below(app.identifiers[p].size())];
  }

  std::string AnyEntity() { return Id(static_cast<Index>(rng_.Below(model_.entities.size()))); }
  const std::string& Id(Index entity) const { return model_.entities[entity].id; }
  Date AnyDate() { return Date{static_cast<int32_t>(rng_.Between(kEarliest.days, kLatest.days))}; }

  const Snapshot& snapshot_;
  const Model& model_;
  Rng rng_;
  std::vector<std::vector<Index>> org_children_, territory_children_;  // by entity: who is part_of / within it
  std::vector<Index> places_;
  std::vector<std::vector<Index>> owned_, apps_of_;  // by publisher
  std::unordered_map<std::string, std::vector<Index>> by_category_, by_origin_;  // apps, in index order
  std::vector<std::string> tags_;  // every tag a rule requires
};

}  // namespace

std::string_view OutcomeName(size_t outcome) {
  return outcome == kUnknownApp ? "unknown" : Name(static_cast<Verdict>(outcome));
}

size_t OutcomeOf(const Snapshot& snapshot, const Question& question, Decision& decision) {
  const std::optional<Index> app = snapshot.ResolveApp(question.app);
  if (!app) return kUnknownApp;
  Result<Device> device = snapshot.ResolveDevice(question.device);
  if (!device.ok()) return kUnknownApp;
  snapshot.Evaluate(Query{*app, std::move(device).value(), question.as_of}, decision);
  return static_cast<size_t>(decision.verdict);
}

OutcomeCounts CountOutcomes(const Snapshot& snapshot, const std::vector<Question>& questions) {
  OutcomeCounts counts{};
  Decision decision;
  for (const Question& question : questions) ++counts[OutcomeOf(snapshot, question, decision)];
  return counts;
}

DrawnQuestions DrawQuestions(const Snapshot& snapshot, size_t count, uint64_t seed) {
  if (snapshot.model().entities.empty()) return {};
  Drawer drawer(snapshot, seed);
  DrawnQuestions drawn;
  std::vector<size_t> outcome_of;
  Decision decision;
  for (size_t i = 0; i < count; ++i) {
    drawn.questions.push_back(drawer.Any());
    outcome_of.push_back(OutcomeOf(snapshot, drawn.questions.back(), decision));
    ++drawn.outcomes[outcome_of.back()];
  }
  if (count < kOutcomeCount) return drawn;
  for (size_t wanted = 0; wanted < kOutcomeCount; ++wanted) {
    if (drawn.outcomes[wanted] > 0) continue;
    for (int attempt = 0; attempt < 20'000; ++attempt) {
      std::optional<Question> question = drawer.For(wanted);
      if (!question || OutcomeOf(snapshot, *question, decision) != wanted) continue;
      // Replace the last question of the commonest outcome (which has more than one: count >= kOutcomeCount).
      const size_t commonest = std::max_element(drawn.outcomes.begin(), drawn.outcomes.end()) - drawn.outcomes.begin();
      size_t at = count;
      while (outcome_of[--at] != commonest) {
      }
      --drawn.outcomes[commonest];
      ++drawn.outcomes[wanted];
      outcome_of[at] = wanted;
      drawn.questions[at] = std::move(*question);
      break;
    }
  }
  return drawn;
}

std::string QueriesJson(const std::vector<Question>& questions) {
  std::string out = "{\"queries\":[\n";
  for (size_t i = 0; i < questions.size(); ++i) {
    const Question& q = questions[i];
    if (i > 0) out += ",\n";
    out += "{\"device\":{\"kind\":";
    rules::AppendJsonString(out, Name(q.device.kind));
    const std::pair<const char*, const std::string*> fields[] = {
        {"owner", &q.device.owner}, {"location", &q.device.location}, {"network", &q.device.network}};
    for (const auto& [name, value] : fields) {
      if (value->empty()) continue;
      out += ",\"";
      out += name;
      out += "\":";
      rules::AppendJsonString(out, *value);
    }
    if (!q.device.tags.empty()) {
      out += ",\"tags\":[";
      for (size_t t = 0; t < q.device.tags.size(); ++t) {
        if (t > 0) out += ',';
        rules::AppendJsonString(out, q.device.tags[t]);
      }
      out += ']';
    }
    out += "},\"app\":";
    rules::AppendJsonString(out, q.app);
    out += ",\"as_of\":\"" + q.as_of.ToString() + "\"}";
  }
  out += "\n]}\n";
  return out;
}

Result<std::vector<Question>> ParseQueries(std::string_view json_text, Date today) {
  Result<nlohmann::json> document = rules::ParseJson(json_text);
  if (!document.ok()) return std::move(document).take_error();
  auto problem = [](const std::string& path, const std::string& message) {
    return Error(ErrorCode::kInvalidData, path + ": " + message, {{path, message}});
  };
  const nlohmann::json& body = document.value();
  if (!body.is_object() || !(body.contains("apps") || (body.contains("queries") && body["queries"].is_array()))) {
    return problem("$", "expected {\"queries\": [...]} or {\"device\": ..., \"apps\": [...]}");
  }
  // An object's as_of, or `fallback` when it has none: a question's falls back on the body's, the body's on today.
  auto date_of = [&](const nlohmann::json& item, const std::string& prefix, Date fallback) -> Result<Date> {
    if (!item.contains("as_of")) return fallback;
    std::optional<Date> as_of;
    if (item["as_of"].is_string()) as_of = Date::Parse(item["as_of"].get<std::string>());
    if (!as_of) return problem(prefix + "as_of", "expected a date YYYY-MM-DD");
    return *as_of;
  };
  auto device_of = [&](const nlohmann::json& item, const std::string& prefix) -> Result<DeviceSpec> {
    if (!item.contains("device")) return problem(prefix + "device", "missing");
    return rules::ParseDeviceJson(item["device"], prefix + "device");
  };
  auto app_of = [&](const nlohmann::json& app, const std::string& path) -> Result<std::string> {
    if (!app.is_string()) return problem(path, "expected a string");
    return app.get<std::string>();
  };
  const Result<Date> body_date = date_of(body, "", today);
  if (!body_date.ok()) return body_date.error();

  std::vector<Question> questions;
  if (body.contains("apps")) {
    Result<DeviceSpec> device = device_of(body, "");
    if (!device.ok()) return std::move(device).take_error();
    if (!body["apps"].is_array()) return problem("apps", "expected an array");
    for (size_t i = 0; i < body["apps"].size(); ++i) {
      Result<std::string> app = app_of(body["apps"][i], "apps[" + std::to_string(i) + "]");
      if (!app.ok()) return std::move(app).take_error();
      questions.push_back({device.value(), std::move(app).value(), body_date.value()});
    }
    return questions;
  }
  for (size_t i = 0; i < body["queries"].size(); ++i) {
    const nlohmann::json& item = body["queries"][i];
    const std::string path = "queries[" + std::to_string(i) + "]";
    if (!item.is_object()) return problem(path, "expected an object");
    if (!item.contains("app")) return problem(path + ".app", "missing");
    Result<DeviceSpec> device = device_of(item, path + ".");
    if (!device.ok()) return std::move(device).take_error();
    Result<std::string> app = app_of(item["app"], path + ".app");
    if (!app.ok()) return std::move(app).take_error();
    const Result<Date> as_of = date_of(item, path + ".", body_date.value());
    if (!as_of.ok()) return as_of.error();
    questions.push_back({std::move(device).value(), std::move(app).value(), as_of.value()});
  }
  return questions;
}

}  // namespace bantrack::bench
