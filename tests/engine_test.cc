// The engine, in memory: validation, snapshot compilation, and a table of semantic cases covering every clause of
// DESIGN.md §3 (scopes, org vs territory, ownership, category/origin selectors, tags, timelines, exemptions,
// precedence and the explanation).
#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "engine/id_index.h"
#include "engine/snapshot.h"
#include "engine/table.h"
#include "tests/model_builders.h"

namespace bantrack {
namespace {

using testing::D;
using testing::E;
using testing::R;

constexpr auto kGov = Scope::kGovernmentDevices;
constexpr auto kWorkScope = Scope::kWorkDevices;
constexpr auto kNet = Scope::kGovernmentNetworks;
constexpr auto kPub = Scope::kPublic;
constexpr auto kInForce = RuleStatus::kInForce;

// A small world with both hierarchies, ownership two levels deep, and one rule per clause under test.
Model World() {
  Model m;
  m.entities = {
      E("us", EntityKind::kCountry),
      E("us-dod", EntityKind::kAgency, {"us"}),
      E("us-navy", EntityKind::kMilitary, {"us-dod"}),
      E("us-tx", EntityKind::kState, {}, {"us"}),
      E("us-tx-dps", EntityKind::kAgency, {"us-tx"}),
      E("us-tx-austin", EntityKind::kCity, {}, {"us-tx"}),
      E("eu", EntityKind::kSupranational),
      E("it", EntityKind::kCountry, {}, {"eu"}),
      E("it-gov", EntityKind::kGovernment, {"it"}),
      E("it-garante", EntityKind::kRegulator, {"it"}),
  };
  m.publishers = {
      {"bytedance", "ByteDance", "cn", {}},
      {"tiktok-pte", "TikTok Pte. Ltd.", "sg", {"bytedance"}},
      {"tiktok-us", "TikTok US", "us", {"tiktok-pte"}},
      {"high-flyer", "High-Flyer", "cn", {}},
      {"deepseek-co", "DeepSeek", "cn", {"high-flyer"}},
      {"openai", "OpenAI", "us", {}},
  };
  auto app = [](std::string id, std::string publisher, std::vector<std::string> categories) {
    App a;
    a.id = id;
    a.name = "Name of " + id;
    a.publisher = std::move(publisher);
    a.categories = std::move(categories);
    return a;
  };
  m.apps = {app("tiktok", "tiktok-us", {"social-media", "video"}), app("capcut", "tiktok-pte", {"video"}),
            app("deepseek", "deepseek-co", {"ai-assistant"}), app("chatgpt", "openai", {"ai-assistant"})};
  m.apps[2].identifiers[static_cast<int>(Platform::kAndroid)] = {"com.deepseek.chat"};
  m.apps[2].identifiers[static_cast<int>(Platform::kWeb)] = {"deepseek.com"};

  auto add = [&](Rule rule, auto&& fill) {
    fill(rule);
    m.rules.push_back(std::move(rule));
  };
  // Texas: DeepSeek banned on state devices and work devices from 2025-01-31.
  add(R("tx-deepseek", "us-tx", Effect::kBan, {kGov, kWorkScope}, {{"2025-01-31", kInForce}}),
      [](Rule& r) { r.apps = {"deepseek"}; });
  // Federal: ByteDance apps (by publisher, two ownership levels down) banned on federal devices and networks.
  add(R("us-bytedance", "us", Effect::kBan, {kGov, kNet}, {{"2023-02-27", kInForce}}),
      [](Rule& r) { r.publishers = {"bytedance"}; });
  // Federal nationwide: AI assistants of Chinese origin under review, then announced.
  add(R("us-cn-ai", "us", Effect::kBan, {kPub}, {{"2025-03-01", RuleStatus::kUnderReview}, {"2025-06-01", RuleStatus::kAnnounced}}),
      [](Rule& r) {
        r.categories = {"ai-assistant"};
        r.origin_countries = {"cn"};
      });
  // Italy: DeepSeek blocked nationwide, in force, then suspended, then in force again.
  add(R("it-deepseek", "it", Effect::kBan, {kPub},
        {{"2025-01-30", kInForce}, {"2025-05-01", RuleStatus::kSuspended}, {"2025-07-01", kInForce}}),
      [](Rule& r) { r.apps = {"deepseek"}; });
  // Italy's government: video apps restricted on government devices.
  add(R("it-video", "it", Effect::kRestrict, {kGov}, {{"2024-01-01", kInForce}}),
      [](Rule& r) { r.categories = {"video"}; });
  // Italy's government exempts its own law-enforcement devices from its restrictions and bans.
  add(R("it-le-exempt", "it", Effect::kExempt, {kGov}, {{"2024-06-01", kInForce}}), [](Rule& r) {
    r.categories = {"video", "ai-assistant"};
    r.device_tags = {"law-enforcement"};
  });
  // The EU bans TikTok on government devices of its members (no org path from Italy's government to eu).
  add(R("eu-tiktok", "eu", Effect::kBan, {kGov}, {{"2023-03-15", kInForce}}), [](Rule& r) { r.apps = {"tiktok"}; });
  // The Navy's own exemption for research devices cannot lift the federal ByteDance rule (a superior's).
  add(R("navy-exempt", "us-navy", Effect::kExempt, {kGov}, {{"2024-01-01", kInForce}}), [](Rule& r) {
    r.publishers = {"bytedance"};
    r.device_tags = {"research"};
  });
  // The Navy bans video apps of Chinese origin on its devices; the DoD's exemption lifts it (a superior's).
  add(R("navy-cn-video", "us-navy", Effect::kBan, {kGov}, {{"2024-01-01", kInForce}}), [](Rule& r) {
    r.categories = {"video"};
    r.origin_countries = {"cn"};
  });
  add(R("dod-video-exempt", "us-dod", Effect::kExempt, {kGov}, {{"2024-01-01", kInForce}, {"2024-12-31", RuleStatus::kLifted}}),
      [](Rule& r) { r.categories = {"video"}; });
  // A lifted rule: Texas' old ChatGPT ban, lifted.
  add(R("tx-chatgpt", "us-tx", Effect::kBan, {kGov}, {{"2023-05-01", kInForce}, {"2024-09-01", RuleStatus::kLifted}}),
      [](Rule& r) { r.apps = {"chatgpt"}; });
  // A restrict on Texas networks for ChatGPT: active unless outranked.
  add(R("tx-net-chatgpt", "us-tx", Effect::kRestrict, {kNet}, {{"2024-01-01", kInForce}}),
      [](Rule& r) { r.apps = {"chatgpt"}; });
  // A federal exemption for research devices, nationwide: it cannot lift a pending rule.
  add(R("us-research-exempt", "us", Effect::kExempt, {kPub}, {{"2025-01-01", kInForce}}), [](Rule& r) {
    r.categories = {"ai-assistant"};
    r.device_tags = {"research"};
  });
  return m;
}

struct Case {
  const char* name;
  const char* app;
  DeviceKind kind;
  const char* owner;
  const char* location;
  const char* network;
  std::vector<std::string> tags;
  const char* date;
  Verdict verdict;
  std::vector<std::string> decisive;
  std::map<std::string, Role> roles = {};  // other matches whose role is checked
};

constexpr auto kG = DeviceKind::kGovernment;
constexpr auto kW = DeviceKind::kWork;
constexpr auto kP = DeviceKind::kPersonal;
constexpr auto kBanned = Verdict::kBanned;
constexpr auto kRestricted = Verdict::kRestricted;
constexpr auto kReview = Verdict::kUnderReview;
constexpr auto kAllowed = Verdict::kAllowed;

const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      // government-devices: owner in org(issuer)
      {"gov device of a state agency", "deepseek", kG, "us-tx-dps", "", "", {}, "2025-02-01", kBanned, {"tx-deepseek"}},
      {"gov device of the state itself", "deepseek", kG, "us-tx", "", "", {}, "2025-02-01", kBanned, {"tx-deepseek"}},
      // work-devices
      {"work device of a state agency", "deepseek", kW, "us-tx-dps", "", "", {}, "2025-02-01", kBanned, {"tx-deepseek"}},
      {"work device where only gov devices are covered", "android:com.deepseek.chat", kW, "it-gov", "", "", {},
       "2025-02-01", kAllowed, {}},
      // personal device: owner-based scopes never apply
      {"personal device in Texas", "deepseek", kP, "us-tx-dps", "us-tx", "", {}, "2025-02-01", kAllowed, {}},
      // timeline: the day before the first entry, the boundary day
      {"day before the first entry", "deepseek", kG, "us-tx-dps", "", "", {}, "2025-01-30", kAllowed, {}},
      {"boundary day of the first entry", "deepseek", kG, "us-tx-dps", "", "", {}, "2025-01-31", kBanned, {"tx-deepseek"}},
      // org vs territory: a federal gov-device rule does not reach a Texas state device (Texas is only within us)
      {"federal gov rule skips state devices", "tiktok", kG, "us-tx-dps", "", "", {}, "2025-02-01", kAllowed, {}},
      {"supranational gov rule skips a member's devices", "tiktok", kG, "it-gov", "", "", {}, "2023-06-01", kAllowed, {}},
      // ... but reaches the Navy through part_of twice, and TikTok through ownership twice
      {"federal gov rule reaches the Navy", "tiktok", kG, "us-navy", "", "", {}, "2025-02-01", kBanned,
       {"navy-cn-video", "us-bytedance"}, {{"dod-video-exempt", Role::kInactive}}},
      {"publisher ownership one level", "capcut", kG, "us-dod", "", "", {}, "2025-02-01", kBanned, {"us-bytedance"}},
      // government-networks: the device's network, any device kind
      {"personal device on a federal network", "tiktok", kP, "", "", "us-navy", {}, "2025-02-01", kBanned, {"us-bytedance"}},
      {"personal device on a state network", "tiktok", kP, "", "", "us-tx-dps", {}, "2025-02-01", kAllowed, {}},
      // public: location in territory(issuer), through within edges
      {"public rule under review in a city", "deepseek", kP, "", "us-tx-austin", "", {}, "2025-03-01", kReview, {"us-cn-ai"}},
      {"public rule announced", "deepseek", kP, "", "us-tx", "", {}, "2025-06-01", kReview, {"us-cn-ai"}},
      {"public rule before it exists", "deepseek", kP, "", "us-tx", "", {}, "2025-02-28", kAllowed, {}},
      {"public rule needs a location", "deepseek", kP, "", "", "", {}, "2025-06-01", kAllowed, {}},
      {"public rule ignores the owner", "deepseek", kG, "us-tx", "", "", {}, "2025-06-01", kBanned, {"tx-deepseek"}},
      // category AND origin: both must hold
      {"category without origin", "chatgpt", kP, "", "us-tx", "", {}, "2025-06-01", kAllowed, {}},
      // statuses: in force, suspended, in force again, lifted
      {"in force nationwide", "deepseek", kP, "", "it", "", {}, "2025-02-01", kBanned, {"it-deepseek"}},
      {"suspended is inactive", "deepseek", kP, "", "it", "", {}, "2025-05-01", kAllowed, {}, {{"it-deepseek", Role::kInactive}}},
      {"in force again", "deepseek", kP, "", "it", "", {}, "2025-07-01", kBanned, {"it-deepseek"}},
      {"lifted is inactive", "chatgpt", kG, "us-tx-dps", "", "", {}, "2024-09-01", kAllowed, {}, {{"tx-chatgpt", Role::kInactive}}},
      {"in force the day before it is lifted", "chatgpt", kG, "us-tx-dps", "", "", {}, "2024-08-31", kBanned, {"tx-chatgpt"}},
      // restrict alone; a restrict under a ban; a pending rule under a ban
      {"restricted on a network", "chatgpt", kP, "", "", "us-tx", {}, "2024-02-01", kRestricted, {"tx-net-chatgpt"}},
      {"restricted on a gov device", "capcut", kG, "it-gov", "it", "", {}, "2024-02-01", kRestricted, {"it-video"}},
      {"banned outranks restricted", "chatgpt", kG, "us-tx-dps", "", "us-tx", {}, "2024-02-01", kBanned, {"tx-chatgpt"},
       {{"tx-net-chatgpt", Role::kActive}}},
      {"banned outranks under review", "deepseek", kG, "us-tx-dps", "us-tx", "", {}, "2025-06-01", kBanned, {"tx-deepseek"},
       {{"us-cn-ai", Role::kPending}}},
      // exemptions and device tags
      {"own exemption lifts own restrict", "capcut", kG, "it-gov", "", "", {"law-enforcement"}, "2024-07-01", kAllowed, {},
       {{"it-video", Role::kLifted}, {"it-le-exempt", Role::kExempting}}},
      {"exemption needs its tag", "capcut", kG, "it-gov", "", "", {"unrelated"}, "2024-07-01", kRestricted, {"it-video"}},
      {"superior's exemption lifts a subordinate's ban", "capcut", kG, "us-navy", "", "", {}, "2024-07-01", kBanned,
       {"us-bytedance"}, {{"navy-cn-video", Role::kLifted}, {"dod-video-exempt", Role::kExempting}}},
      {"subordinate's exemption does not lift a superior's ban", "tiktok", kG, "us-navy", "", "", {"research"}, "2025-02-01",
       kBanned, {"us-bytedance"}, {{"navy-cn-video", Role::kLifted}, {"navy-exempt", Role::kExempting}}},
      {"a lifted exemption lifts nothing", "capcut", kG, "us-navy", "", "", {}, "2025-01-01", kBanned,
       {"navy-cn-video", "us-bytedance"}, {{"dod-video-exempt", Role::kInactive}}},
      {"an exemption does not lift a pending rule", "deepseek", kP, "", "us-tx", "", {"research"}, "2025-06-01", kReview,
       {"us-cn-ai"}, {{"us-research-exempt", Role::kExempting}}},
      {"exempting alongside a suspended rule", "deepseek", kG, "it-gov", "it", "", {"law-enforcement"}, "2025-05-02",
       kAllowed, {}, {{"it-deepseek", Role::kInactive}, {"it-le-exempt", Role::kExempting}}},
  };
  return cases;
}

std::shared_ptr<const Snapshot> Compile(Model model) {
  auto built = Snapshot::Build(std::move(model), "test");
  REQUIRE_MESSAGE(built.ok(), (built.ok() ? "" : built.error().ToString()));
  return built.value();
}

// Whether two decisions say the same, match by match.
bool Same(const Decision& a, const Decision& b) {
  auto fields = [](const Match& m) { return std::tie(m.rule, m.role, m.scope, m.status, m.via, m.lifted_by); };
  return a.verdict == b.verdict && std::equal(a.matches.begin(), a.matches.end(), b.matches.begin(), b.matches.end(),
                                              [&](const Match& x, const Match& y) { return fields(x) == fields(y); });
}

// The answer of a single check; the same question put to the device prepared for many checks must agree.
Decision Ask(const Snapshot& snapshot, const char* app, DeviceSpec spec, const char* date) {
  auto device = snapshot.ResolveDevice(spec);
  REQUIRE(device.ok());
  auto app_index = snapshot.ResolveApp(app);
  REQUIRE(app_index.has_value());
  Decision decision, prepared_decision;
  snapshot.Evaluate(Query{*app_index, device.value(), D(date)}, decision);
  Snapshot::PreparedDevice prepared;
  snapshot.Prepare(device.value(), prepared);
  snapshot.Evaluate(prepared, *app_index, D(date), prepared_decision);
  CHECK(Same(decision, prepared_decision));
  return decision;
}

TEST_CASE("semantic cases of DESIGN.md §3") {
  auto snapshot = Compile(World());
  for (const Case& c : Cases()) {
    const std::string case_name = c.name;
    CAPTURE(case_name);
    Decision decision = Ask(*snapshot, c.app, DeviceSpec{c.kind, c.owner, c.location, c.network, c.tags}, c.date);
    CHECK(Name(decision.verdict) == Name(c.verdict));
    std::vector<std::string> decisive;
    for (size_t i = 0; i < decision.decisive_count(); ++i) decisive.push_back(snapshot->model().rules[decision.matches[i].rule].id);
    CHECK(decisive == c.decisive);
    for (const auto& [rule_id, role] : c.roles) {
      CAPTURE(rule_id);
      auto it = std::find_if(decision.matches.begin(), decision.matches.end(),
                             [&](const Match& m) { return snapshot->model().rules[m.rule].id == rule_id; });
      REQUIRE(it != decision.matches.end());
      CHECK(Name(it->role) == Name(role));
    }
  }
}

TEST_CASE("explanation paths") {
  auto snapshot = Compile(World());
  auto find = [&](const Decision& d, const char* id) {
    auto it = std::find_if(d.matches.begin(), d.matches.end(),
                           [&](const Match& m) { return snapshot->model().rules[m.rule].id == id; });
    REQUIRE(it != d.matches.end());
    return *it;
  };
  const Index tiktok = *snapshot->FindApp("tiktok");
  Decision navy = Ask(*snapshot, "tiktok", DeviceSpec{kG, "us-navy", "", "", {}}, "2025-02-01");
  Match federal = find(navy, "us-bytedance");
  CHECK(federal.scope == Scope::kGovernmentDevices);
  CHECK(snapshot->DevicePath(federal) == std::vector<std::string_view>{"us-navy", "us-dod", "us"});
  CHECK(snapshot->AppPath(tiktok, federal) == std::vector<std::string_view>{"tiktok", "tiktok-us", "tiktok-pte", "bytedance"});
  Match video = find(navy, "navy-cn-video");
  CHECK(snapshot->DevicePath(video) == std::vector<std::string_view>{"us-navy"});
  CHECK(snapshot->AppPath(tiktok, video) ==
        std::vector<std::string_view>{"tiktok", "category:video", "tiktok-us", "tiktok-pte", "bytedance", "origin:cn"});

  const Index deepseek = *snapshot->FindApp("deepseek");
  Decision austin = Ask(*snapshot, "deepseek", DeviceSpec{kP, "", "us-tx-austin", "", {}}, "2025-03-01");
  Match review = find(austin, "us-cn-ai");
  CHECK(review.scope == Scope::kPublic);
  CHECK(snapshot->DevicePath(review) == std::vector<std::string_view>{"us-tx-austin", "us-tx", "us"});
  CHECK(snapshot->AppPath(deepseek, review) ==
        std::vector<std::string_view>{"deepseek", "category:ai-assistant", "deepseek-co", "origin:cn"});
  Decision tx = Ask(*snapshot, "deepseek", DeviceSpec{kG, "us-tx-dps", "", "", {}}, "2025-02-01");
  CHECK(snapshot->AppPath(deepseek, find(tx, "tx-deepseek")) == std::vector<std::string_view>{"deepseek"});

  Decision lifted = Ask(*snapshot, "capcut", DeviceSpec{kG, "it-gov", "", "", {"law-enforcement"}}, "2024-07-01");
  CHECK(snapshot->model().rules[find(lifted, "it-video").lifted_by].id == "it-le-exempt");
  // Two exemptions lift the Navy's rule: the lowest id is named.
  Decision both = Ask(*snapshot, "capcut", DeviceSpec{kG, "us-navy", "", "", {"research"}}, "2024-07-01");
  CHECK(snapshot->model().rules[find(both, "navy-cn-video").lifted_by].id == "dod-video-exempt");
}

TEST_CASE("a rule covering a device through two scopes is listed once, through the first") {
  Model m = World();
  m.rules[0].scope.push_back(kNet);  // tx-deepseek also on Texas networks
  auto snapshot = Compile(std::move(m));
  Decision d = Ask(*snapshot, "deepseek", DeviceSpec{kG, "us-tx-dps", "", "us-tx", {}}, "2025-02-01");
  REQUIRE(d.matches.size() == 1);
  CHECK(d.matches[0].scope == Scope::kGovernmentDevices);
  Decision on_network_only = Ask(*snapshot, "deepseek", DeviceSpec{kP, "", "", "us-tx-dps", {}}, "2025-02-01");
  REQUIRE(on_network_only.matches.size() == 1);
  CHECK(on_network_only.matches[0].scope == Scope::kGovernmentNetworks);
  CHECK(snapshot->DevicePath(on_network_only.matches[0]) == std::vector<std::string_view>{"us-tx-dps", "us-tx"});
}

TEST_CASE("a prepared device answers every app on every date as single checks do") {
  Model m = World();
  m.rules[0].scope.push_back(kNet);  // a rule reaching through two scopes
  // Rules sharing several categories or origin countries with an app (TikTok's: social media and video; us, sg and
  // cn), which a prepared device keeps in several groups and must report once.
  Rule by_categories = R("us-social-video", "us", Effect::kRestrict, {kPub, kGov}, {{"2024-07-01", kInForce}});
  by_categories.categories = {"social-media", "video"};
  by_categories.origin_countries = {"sg", "us"};
  m.rules.push_back(std::move(by_categories));
  Rule by_origins = R("it-foreign", "it", Effect::kBan, {kPub}, {{"2025-02-01", RuleStatus::kUnderReview}});
  by_origins.origin_countries = {"cn", "sg", "us"};
  m.rules.push_back(std::move(by_origins));
  auto snapshot = Compile(std::move(m));
  const Model& model = snapshot->model();
  std::vector<std::string> places = {""};
  for (const Entity& e : model.entities) places.push_back(e.id);
  const std::vector<std::vector<std::string>> tag_sets = {{}, {"research"}, {"law-enforcement", "research"}};
  const char* dates[] = {"2023-01-01", "2024-07-01", "2025-02-01", "2025-03-01", "2025-05-02", "2025-06-01"};
  size_t compared = 0, matched = 0;
  Snapshot::PreparedDevice prepared;
  for (DeviceKind kind : {DeviceKind::kGovernment, DeviceKind::kWork, DeviceKind::kPersonal}) {
    for (size_t owner = 0; owner < places.size(); ++owner) {
      // Each owner with a location and a network that vary with it: every entity appears in every role.
      const std::string& location = places[(owner * 3 + 1) % places.size()];
      const std::string& network = places[(owner * 5 + 2) % places.size()];
      for (const auto& tags : tag_sets) {
        const DeviceSpec spec{kind, places[owner], location, network, tags};
        CAPTURE(places[owner]);
        auto device = snapshot->ResolveDevice(spec);
        REQUIRE(device.ok());
        snapshot->Prepare(device.value(), prepared);  // reused: what the last device left must not leak in
        Decision single, batched;
        for (Index app = 0; app < model.apps.size(); ++app) {
          for (const char* date : dates) {
            snapshot->Evaluate(Query{app, device.value(), D(date)}, single);
            snapshot->Evaluate(prepared, app, D(date), batched);
            CHECK(Same(single, batched));
            ++compared;
            matched += !single.matches.empty();
          }
        }
      }
    }
  }
  CHECK(compared == 3 * 11 * 3 * 4 * 6);
  CHECK(matched > compared / 10);  // the comparison is not only of empty answers
}

TEST_CASE("with more than 64 categories and countries, the ones sharing a mask bit are told apart") {
  // 70 categories and 70 countries, one app each; a rule per category and per country, and more rules naming the
  // first ones, so that the last few (named least) share the last bit of the masks. The rules of every third
  // category and country are issued by a state within the country: two sections reach the device, each with only
  // some of the bits (a check passes over a section whose bits the app lacks), and, folded to 32 bits, bits i and
  // i + 32 of either one coincide.
  Model m;
  m.entities = {E("xx", EntityKind::kCountry), E("xx-st", EntityKind::kState, {}, {"xx"})};
  auto issuer = [](int i) { return i % 3 == 0 ? "xx-st" : "xx"; };
  auto name = [](const char* prefix, int i) { return prefix + std::to_string(100 + i); };
  auto country = [](int i) { return std::string{static_cast<char>('a' + i / 26), static_cast<char>('a' + i % 26)}; };
  for (int i = 0; i < 70; ++i) {
    m.publishers.push_back({name("p", i), "Publisher", country(i), {}});
    App app;
    app.id = name("app", i);
    app.name = "App";
    app.publisher = name("p", i);
    app.categories = {name("cat", i)};
    m.apps.push_back(std::move(app));
  }
  for (int i = 0; i < 70; ++i) {
    for (int copy = 0; copy < (i < 60 ? 2 : 1); ++copy) {
      Rule by_category = R(name("by-category-", i) + "-" + std::to_string(copy), issuer(i), Effect::kBan, {kPub},
                           {{"2024-01-01", kInForce}});
      by_category.categories = {name("cat", i)};
      m.rules.push_back(std::move(by_category));
    }
    Rule by_origin = R(name("by-origin-", i), issuer(i + 1), Effect::kRestrict, {kPub}, {{"2024-01-01", kInForce}});
    by_origin.origin_countries = {country(i)};
    m.rules.push_back(std::move(by_origin));
  }
  auto snapshot = Compile(std::move(m));
  for (int i = 0; i < 70; ++i) {
    CAPTURE(i);
    const Decision d = Ask(*snapshot, name("app", i).c_str(), DeviceSpec{DeviceKind::kPersonal, "", "xx-st", "", {}},
                           "2025-01-01");
    std::vector<std::string> ids;
    for (const Match& match : d.matches) ids.push_back(snapshot->model().rules[match.rule].id);
    std::vector<std::string> expected;
    for (int copy = 0; copy < (i < 60 ? 2 : 1); ++copy) expected.push_back(name("by-category-", i) + "-" + std::to_string(copy));
    expected.push_back(name("by-origin-", i));
    std::sort(ids.begin(), ids.end());
    CHECK(ids == expected);
  }
}

TEST_CASE("a check that many rules select lists them all, each with its status on the date") {
  // 90 rules selecting one app — one in four by naming it, one in four by naming its publisher, the rest by
  // category — issued by a country and a state within it (two sections), with timelines of one to five steps
  // (around the three a rule's head holds), a step every 10 days from its own start: more category matches than a
  // check holds before noting them (32), and rules of each kind not yet in existence on the date (a keyed entry does
  // not carry its rule's first day: the check must drop those itself).
  Model m;
  m.entities = {E("xx", EntityKind::kCountry), E("xx-st", EntityKind::kState, {}, {"xx"})};
  m.publishers.push_back({"p", "Publisher", "xx", {}});
  App app;
  app.id = "app";
  app.name = "App";
  app.publisher = "p";
  app.categories = {"video"};
  m.apps.push_back(std::move(app));
  const RuleStatus cycle[] = {RuleStatus::kAnnounced, kInForce, RuleStatus::kSuspended, kInForce, RuleStatus::kLifted};
  auto day = [](int n) { return Date{D("2024-01-01").days + n}; };
  for (int i = 0; i < 90; ++i) {
    Rule rule = R("r" + std::to_string(100 + i), i % 2 == 0 ? "xx" : "xx-st", Effect::kBan, {kPub}, {});
    for (int step = 0; step <= i % 5; ++step) rule.timeline.push_back({day(i + 10 * step), cycle[step], ""});
    if (i % 4 == 0) {
      rule.apps = {"app"};
    } else if (i % 4 == 1) {
      rule.publishers = {"p"};
    } else {
      rule.categories = {"video"};
    }
    m.rules.push_back(std::move(rule));
  }
  auto snapshot = Compile(std::move(m));
  for (int on : {0, 45, 89, 95, 200}) {
    CAPTURE(on);
    const Decision d = Ask(*snapshot, "app", DeviceSpec{DeviceKind::kPersonal, "", "xx-st", "", {}},
                             day(on).ToString().c_str());
    // Rule i exists from day i, and its step k (of i % 5 + 1) is reached on day i + 10k.
    std::map<std::string, RuleStatus> expected;
    for (int i = 0; i <= std::min(on, 89); ++i) {
      const int reached = std::min((on - i) / 10, i % 5);
      expected["r" + std::to_string(100 + i)] = cycle[reached];
    }
    std::map<std::string, RuleStatus> listed;
    for (const Match& match : d.matches) listed[snapshot->model().rules[match.rule].id] = match.status;
    CHECK(d.matches.size() == expected.size());
    CHECK(listed == expected);
  }
}

TEST_CASE("a device reached through no entity, in a catalog without entities, is allowed everything") {
  // The covers' table is empty here: a check that touched a cover it does not read would be caught by the sanitizer
  // build (make test-sanitize), as the first version of the check's list of covers was.
  Model m;
  m.publishers.push_back({"p", "Publisher", "xx", {}});
  App app;
  app.id = "app";
  app.name = "App";
  app.publisher = "p";
  m.apps.push_back(std::move(app));
  auto snapshot = Compile(std::move(m));
  const Decision d = Ask(*snapshot, "app", DeviceSpec{DeviceKind::kPersonal, "", "", "", {}}, "2025-01-01");
  CHECK(d.verdict == Verdict::kAllowed);
  CHECK(d.matches.empty());
}

TEST_CASE("hierarchies of every depth: each authority above a device reaches it") {
  // Agencies a100 (top) ... a111, each part of the one before, each banning its own app on government devices and
  // restricting video apps. A device reads the sections of the authorities above its owner: up to
  // Snapshot::kInlineSections of them kept with the owner, more in a list apart; both are exercised.
  Model m;
  auto agency = [](int i) { return "a" + std::to_string(100 + i); };
  m.publishers = {{"pub", "Publisher", "xx", {}}};
  m.apps.push_back({"video-app", "Video", "pub", {"video"}, {}, {}});
  for (int i = 0; i < 12; ++i) {
    m.entities.push_back(E(agency(i), EntityKind::kAgency, i == 0 ? std::vector<std::string>{}
                                                                  : std::vector<std::string>{agency(i - 1)}));
    m.apps.push_back({"app-" + agency(i), "App", "pub", {}, {}, {}});
    Rule by_app = R("ban-" + agency(i), agency(i), Effect::kBan, {kGov}, {{"2024-01-01", kInForce}});
    by_app.apps = {"app-" + agency(i)};
    m.rules.push_back(std::move(by_app));
    Rule by_category = R("video-" + agency(i), agency(i), Effect::kRestrict, {kGov}, {{"2024-01-01", kInForce}});
    by_category.categories = {"video"};
    m.rules.push_back(std::move(by_category));
  }
  auto snapshot = Compile(std::move(m));
  for (int owner = 0; owner < 12; ++owner) {
    CAPTURE(owner);
    const DeviceSpec device{DeviceKind::kGovernment, agency(owner), "", "", {}};
    for (int i = 0; i < 12; ++i) {
      // An agency's ban reaches the devices of the agencies under it, not of those above.
      const Decision d = Ask(*snapshot, ("app-" + agency(i)).c_str(), device, "2025-01-01");
      CHECK(d.verdict == (i <= owner ? Verdict::kBanned : Verdict::kAllowed));
    }
    const Decision video = Ask(*snapshot, "video-app", device, "2025-01-01");
    CHECK(video.verdict == Verdict::kRestricted);
    CHECK(video.matches.size() == static_cast<size_t>(owner + 1));  // one restriction from each agency above
  }
}

TEST_CASE("ownership chains of every length: each publisher above an app names it") {
  // Publishers p00 (top) ... p19, each owned by the one before; an app of each. A check looks a short chain's
  // publishers up by key and confirms a long chain's on the rules (Snapshot::Check), so both ways are exercised.
  Model m;
  m.entities = {E("xx", EntityKind::kCountry)};
  auto publisher = [](int i) { return "p" + std::to_string(100 + i); };
  for (int i = 0; i < 20; ++i) {
    m.publishers.push_back({publisher(i), "Publisher", "xx", i == 0 ? std::vector<std::string>{}
                                                                      : std::vector<std::string>{publisher(i - 1)}});
    App app;
    app.id = "app-" + publisher(i);
    app.name = "App";
    app.publisher = publisher(i);
    m.apps.push_back(std::move(app));
  }
  for (int named : {0, 7, 18}) {
    Rule rule = R("names-" + publisher(named), "xx", Effect::kBan, {kPub}, {{"2024-01-01", kInForce}});
    rule.publishers = {publisher(named)};
    m.rules.push_back(std::move(rule));
  }
  auto snapshot = Compile(std::move(m));
  for (int i = 0; i < 20; ++i) {
    CAPTURE(i);
    const Decision d = Ask(*snapshot, ("app-" + publisher(i)).c_str(), DeviceSpec{DeviceKind::kPersonal, "", "xx", "", {}},
                           "2025-01-01");
    std::vector<std::string> ids;
    for (const Match& match : d.matches) ids.push_back(snapshot->model().rules[match.rule].id);
    std::vector<std::string> expected;
    for (int named : {0, 7, 18}) {
      if (named <= i) expected.push_back("names-" + publisher(named));
    }
    CHECK(ids == expected);
    // Before the rules' first day, neither way reports them (keyed entries do not carry it: the check drops them).
    const Decision before = Ask(*snapshot, ("app-" + publisher(i)).c_str(),
                                DeviceSpec{DeviceKind::kPersonal, "", "xx", "", {}}, "2023-12-31");
    CHECK(before.matches.empty());
  }
}

TEST_CASE("store identifiers resolve to apps") {
  auto snapshot = Compile(World());
  const Index deepseek = *snapshot->FindApp("deepseek");
  CHECK(snapshot->ResolveApp("deepseek") == deepseek);
  CHECK(snapshot->ResolveApp("android:com.deepseek.chat") == deepseek);
  CHECK(snapshot->ResolveApp("web:deepseek.com") == deepseek);
  CHECK(snapshot->ResolveApp("web:chat.DeepSeek.com") == deepseek);
  CHECK_FALSE(snapshot->ResolveApp("web:com").has_value());
  CHECK_FALSE(snapshot->ResolveApp("ios:com.deepseek.chat").has_value());
  CHECK_FALSE(snapshot->ResolveApp("android:com.deepseek").has_value());
  CHECK_FALSE(snapshot->ResolveApp("nosuchapp").has_value());
  CHECK_FALSE(snapshot->ResolveApp("desktop:deepseek").has_value());
}

TEST_CASE("an id index finds each id it holds, from its own copy, and nothing else") {
  struct Record {
    std::string id;
  };
  IdIndex index;
  CHECK_FALSE(index.Find("a").has_value());  // before Build
  {
    // Enough ids for long probe sequences, many sharing prefixes; the records are gone before the lookups.
    std::vector<Record> records;
    for (int i = 0; i < 5000; ++i) records.push_back({"app-" + std::to_string(i)});
    records.push_back({"a-much-longer-identifier-than-a-string-holds-inline"});
    index.Build(records);
  }
  bool all_found = true;
  for (uint32_t i = 0; i < 5000; ++i) {
    const std::string id = "app-" + std::to_string(i);
    all_found = all_found && index.Find(id) == i && index.Id(i) == id;
  }
  CHECK(all_found);
  CHECK(index.Find("a-much-longer-identifier-than-a-string-holds-inline") == 5000u);
  CHECK(index.Id(5000) == "a-much-longer-identifier-than-a-string-holds-inline");
  for (std::string_view absent : {"", "app-", "app-5000", "app-1x", "pp-1", "app-0 "}) {
    CHECK_MESSAGE(!index.Find(absent).has_value(), absent);
  }
  index.Build(std::vector<std::string_view>{"only"});  // a rebuild replaces what it held; ids given as themselves
  CHECK(index.Find("only") == 0u);
  CHECK_FALSE(index.Find("app-0").has_value());

  // Two ids whose hashes (std::hash, as the index's) share the fingerprint and the first slot of a 16-slot table:
  // only comparing the ids tells them apart. Found by search: about 2^18 ids for a 36-bit collision.
  std::unordered_map<uint64_t, std::string> seen;
  std::string first, second;
  for (uint64_t i = 0; second.empty(); ++i) {
    std::string id = "id-" + std::to_string(i);
    const uint64_t hash = std::hash<std::string_view>{}(id);
    auto [at, inserted] = seen.emplace((hash >> 32) << 4 | (hash & 15), id);
    if (!inserted) std::tie(first, second) = std::tie(at->second, id);
  }
  index.Build(std::vector<Record>{{first}});
  CHECK(index.Find(first) == 0u);
  CHECK_FALSE(index.Find(second).has_value());
}

TEST_CASE("rule ids are read back by index") {
  auto snapshot = Compile(World());
  for (Index r = 0; r < snapshot->model().rules.size(); ++r) {
    CHECK(snapshot->RuleId(r) == snapshot->model().rules[r].id);
    CHECK(snapshot->FindRule(snapshot->model().rules[r].id) == r);
  }
}

TEST_CASE("unknown entities in a device are reported by field") {
  auto snapshot = Compile(World());
  auto device = snapshot->ResolveDevice(DeviceSpec{kG, "us-nowhere", "us-tx", "nope", {}});
  REQUIRE_FALSE(device.ok());
  CHECK(device.error().code() == ErrorCode::kNotFound);
  REQUIRE(device.error().details().size() == 2);
  CHECK(device.error().details()[0] == FieldError{"owner", "unknown entity \"us-nowhere\""});
  CHECK(device.error().details()[1].path == "network");
}

TEST_CASE("closures and origins") {
  auto snapshot = Compile(World());
  auto ids = [&](std::span<const Index> indices) {
    std::vector<std::string> out;
    for (Index i : indices) out.push_back(snapshot->model().entities[i].id);
    std::sort(out.begin(), out.end());
    return out;
  };
  CHECK(ids(snapshot->OrgAncestors(*snapshot->FindEntity("us-navy"))) == std::vector<std::string>{"us", "us-dod", "us-navy"});
  CHECK(ids(snapshot->TerritoryAncestors(*snapshot->FindEntity("us-tx-austin"))) ==
        std::vector<std::string>{"us", "us-tx", "us-tx-austin"});
  CHECK(ids(snapshot->OrgAncestors(*snapshot->FindEntity("us-tx-dps"))) == std::vector<std::string>{"us-tx", "us-tx-dps"});
  CHECK(snapshot->OriginCountries(*snapshot->FindApp("tiktok")) == std::vector<std::string>{"cn", "sg", "us"});
  CHECK(snapshot->StatusAt(*snapshot->FindRule("it-deepseek"), D("2025-01-29")) == std::nullopt);
  CHECK(snapshot->StatusAt(*snapshot->FindRule("it-deepseek"), D("2025-06-30")) == RuleStatus::kSuspended);
}

TEST_CASE("validation reports every problem with its place") {
  Model m = World();
  m.entities[1].part_of = {"us-navy"};          // us-dod part_of us-navy part_of us-dod: a cycle
  m.entities.push_back(E("Bad_Id", EntityKind::kAgency, {"nowhere"}));
  m.publishers[0].country = "CHN";
  m.publishers[3].owned_by = {"deepseek-co"};   // high-flyer <-> deepseek-co
  m.apps[0].identifiers[static_cast<int>(Platform::kAndroid)] = {"com.deepseek.chat"};  // taken by deepseek
  m.rules[0].timeline.push_back({D("2025-01-01"), RuleStatus::kLifted, ""});            // not ascending
  m.rules[1].sources = {{"ftp://example.org", "x", "", std::nullopt}};
  m.rules[2].scope.clear();
  m.rules[3].apps = {"deepseek", "deepseek"};
  m.rules[4].categories.clear();                // no selector left
  m.rules[5].issuer = "atlantis";
  std::vector<Violation> violations = Validate(m);
  std::vector<std::string> messages;
  for (const Violation& v : violations) messages.push_back(ModelPath(v) + ": " + v.message);
  const std::vector<std::string> expected = {
      "entities[2].part_of[0]: closes a cycle: us-navy -> us-dod -> us-navy",
      "entities[10].id: \"Bad_Id\" is not a slug (lower-case letters, digits and '-', 1-64 characters)",
      "entities[10].part_of[0]: unknown entity \"nowhere\"",
      "publishers[0].country: \"CHN\" is not an ISO 3166-1 alpha-2 code in lower case",
      "publishers[4].owned_by[0]: closes a cycle: deepseek-co -> high-flyer -> deepseek-co",
      "apps[2].identifiers.android[0]: \"com.deepseek.chat\" already identifies app \"tiktok\"",
      "rules[0].timeline[1].date: 2025-01-01 is not after the previous entry (2025-01-31); dates must ascend",
      "rules[1].sources[0].url: \"ftp://example.org\" is not an http(s) URL",
      "rules[2].scope: must name at least one scope",
      "rules[3].apps[1]: \"deepseek\" is listed twice",
      "rules[4]: must select apps: at least one of apps, publishers, categories, origin_countries",
      "rules[5].issuer: unknown entity \"atlantis\"",
  };
  CHECK(messages == expected);
  auto built = Snapshot::Build(m, "v");
  REQUIRE_FALSE(built.ok());
  CHECK(built.error().code() == ErrorCode::kInvalidData);
  CHECK(built.error().details().size() == expected.size());
}

TEST_CASE("validation finds repeated ids and repeats in long lists, naming the first holder") {
  Model m = World();
  m.entities.push_back(m.entities[1]);     // us-dod again
  m.apps.push_back(m.apps[2]);             // deepseek again, with its store identifiers
  m.rules.push_back(m.rules[2]);           // the third rule again
  for (int i = 0; i < 20; ++i) m.rules[0].device_tags.push_back("tag-" + std::to_string(i % 18));  // longer than 16
  m.publishers[1].owned_by = {"nobody"};
  std::vector<std::string> messages;
  for (const Violation& v : Validate(m)) messages.push_back(ModelPath(v) + ": " + v.message);
  const std::string& app = m.apps[2].id;
  const std::vector<std::string> expected = {
      "entities[10].id: duplicate id \"us-dod\"",
      "publishers[1].owned_by[0]: unknown publisher \"nobody\"",
      "apps[" + std::to_string(m.apps.size() - 1) + "].id: duplicate id \"" + app + "\"",
      "rules[" + std::to_string(m.rules.size() - 1) + "].id: duplicate id \"" + m.rules[2].id + "\"",
      "rules[0].device_tags[18]: \"tag-0\" is listed twice",
      "rules[0].device_tags[19]: \"tag-1\" is listed twice",
  };
  // The repeated app's store identifiers are its own already: reported once each, naming the first app.
  for (const char* identifier : {"com.deepseek.chat", "deepseek.com"}) {
    const std::string taken = "\"" + std::string(identifier) + "\" already identifies app \"deepseek\"";
    CHECK(std::count_if(messages.begin(), messages.end(), [&](const std::string& s) { return s.ends_with(taken); }) == 1);
  }
  for (const std::string& message : expected) {
    CHECK_MESSAGE(std::find(messages.begin(), messages.end(), message) != messages.end(), message);
  }
}

TEST_CASE("tables keep their contents, large ones on whole aligned huge pages") {
  Table<uint64_t> large;
  for (uint64_t i = 0; i < 1'000'000; ++i) large.push_back(i * 7);  // 8 MB, moved through several allocations
  bool kept = true;
  for (uint64_t i = 0; i < large.size(); ++i) kept = kept && large[i] == i * 7;
  CHECK(kept);
#if !defined(__SANITIZE_ADDRESS__)  // which gives every table plain operator new memory, to check its accesses
  CHECK(reinterpret_cast<uintptr_t>(large.data()) % kHugePageBytes == 0);
#endif
  Table<uint64_t> copy = large;  // another allocation of the same size; freeing one leaves the other intact
  large = {};
  CHECK(copy.size() == 1'000'000);
  CHECK(copy.back() == 999'999 * 7);
  Table<uint16_t> small = {3, 1, 2};
  std::sort(small.begin(), small.end());
  CHECK(small == Table<uint16_t>{1, 2, 3});
  struct alignas(64) Line {
    uint64_t words[8];
  };
  for (size_t count : {1, 3, 100, 20'000}) {  // small tables and one of 1.3 MB: each aligned as its records must be
    Table<Line> lines(count);
    CHECK(reinterpret_cast<uintptr_t>(lines.data()) % alignof(Line) == 0);
  }
}

TEST_CASE("dates") {
  CHECK(Date::Parse("2025-02-28").has_value());
  CHECK_FALSE(Date::Parse("2025-02-29").has_value());
  CHECK(Date::Parse("2024-02-29").has_value());
  CHECK_FALSE(Date::Parse("2025-13-01").has_value());
  CHECK_FALSE(Date::Parse("2025-00-10").has_value());
  CHECK_FALSE(Date::Parse("2025-1-01").has_value());
  CHECK_FALSE(Date::Parse("2025-01-01T00").has_value());
  CHECK_FALSE(Date::Parse("0000-01-01").has_value());
  CHECK(Date::Parse("1970-01-01")->days == 0);
  CHECK(Date::Parse("2000-03-01")->ToString() == "2000-03-01");
  CHECK(D("2025-01-31") < D("2025-02-01"));
  CHECK(D("9999-12-31").ToString() == "9999-12-31");
  CHECK(D("0001-01-01").ToString() == "0001-01-01");
  CHECK(D("0987-11-09").ToString() == "0987-11-09");
  // Every day of a span that crosses leap years and a century reads back as the date it was parsed from.
  for (int32_t day = D("1899-12-25").days; day <= D("2101-01-05").days; ++day) {
    const Date date{day};
    REQUIRE(Date::Parse(date.ToString()) == date);
  }
  // Days outside the years Parse accepts are still written, as snprintf would.
  CHECK(Date{D("9999-12-31").days + 1}.ToString() == "10000-01-01");
  CHECK(Date{D("0001-01-01").days - 1}.ToString() == "0000-12-31");
}

}  // namespace
}  // namespace bantrack
