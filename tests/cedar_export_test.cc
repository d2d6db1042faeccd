// The Cedar export (rules/cedar.h) of a small in-memory world: the exact policy of a rule of each kind (a ban for
// government and work devices on apps and a publisher; a ban for devices or networks on a category and an origin; a
// public restriction on a publisher, in force in two periods), which exemptions reach a rule's `unless` (a
// superior's in force at the same time; not a subordinate's, not one in force at other times), rules never in force,
// the entities, the one-document form and the request for one question.
// tests/cedar/differential.mjs checks the same export against the Cedar engine on random corpora.
#include <doctest/doctest.h>

#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "rules/cedar.h"
#include "tests/model_builders.h"

namespace bantrack::rules {
namespace {

using testing::D;
using testing::R;

// The U.S. with the DoD (part_of) and Texas (within) with its DPS (part_of Texas); TikTok published by a ByteDance
// subsidiary in Singapore, DeepSeek by a Chinese company.
std::shared_ptr<const Snapshot> World() {
  Model m;
  m.entities = {
      {"us", "United States", EntityKind::kCountry, {}, {}},
      {"us-dod", "Department of Defense", EntityKind::kAgency, {"us"}, {}},
      {"us-tx", "Texas", EntityKind::kState, {}, {"us"}},
      {"us-tx-dps", "Texas Department of Public Safety", EntityKind::kAgency, {"us-tx"}, {}},
  };
  m.publishers = {
      {"bytedance", "ByteDance", "cn", {}},
      {"deepseek-ai", "DeepSeek", "cn", {}},
      {"tiktok-pte", "TikTok Pte. Ltd.", "sg", {"bytedance"}},
  };
  App tiktok;
  tiktok.id = "tiktok";
  tiktok.name = "TikTok";
  tiktok.publisher = "tiktok-pte";
  tiktok.categories = {"social-media", "video"};
  App deepseek;
  deepseek.id = "deepseek";
  deepseek.name = "DeepSeek";
  deepseek.publisher = "deepseek-ai";
  deepseek.categories = {"ai-assistant"};
  m.apps = {deepseek, tiktok};

  using enum RuleStatus;
  Rule texas = R("us-tx-2025-01-31-ban", "us-tx", Effect::kBan,
                        {Scope::kGovernmentDevices, Scope::kWorkDevices}, {{"2025-01-31", kInForce}});
  texas.apps = {"deepseek", "tiktok"};
  texas.publishers = {"bytedance"};
  Rule stores = R("us-2024-03-01-bytedance", "us", Effect::kRestrict, {Scope::kPublic},
                         {{"2024-01-01", kAnnounced}, {"2024-03-01", kInForce}, {"2024-06-01", kSuspended},
                          {"2024-09-01", kInForce}, {"2024-10-01", kInForce}, {"2025-01-01", kLifted}});
  stores.publishers = {"bytedance"};
  Rule dod = R("us-dod-2023-05-01-chinese-ai", "us-dod", Effect::kBan,
                      {Scope::kGovernmentDevices, Scope::kGovernmentNetworks},
                      {{"2023-05-01", kInForce}});
  dod.categories = {"ai-assistant"};
  dod.origin_countries = {"cn"};
  dod.title = "DoD blocks \"Chinese\" AI\non its networks";
  // A federal exemption for research devices: it can lift the Texas and DoD bans (its issuer is above both), and
  // not the federal restriction, which is lifted before the exemption starts.
  Rule research = R("us-2025-02-01-research", "us", Effect::kExempt, {Scope::kPublic},
                           {{"2025-02-01", kInForce}});
  research.apps = {"deepseek"};
  research.device_tags = {"research"};
  // An exemption by a subordinate of Texas can lift no rule here.
  Rule dps = R("us-tx-dps-2025-03-01-exemption", "us-tx-dps", Effect::kExempt, {Scope::kGovernmentDevices},
                      {{"2025-03-01", kInForce}});
  dps.apps = {"deepseek"};
  Rule review = R("us-2025-01-29-review", "us", Effect::kBan, {Scope::kPublic}, {{"2025-01-29", kUnderReview}});
  review.apps = {"deepseek"};
  m.rules = {texas, stores, dod, research, dps, review};

  auto snapshot = Snapshot::Build(std::move(m), "7");
  REQUIRE(snapshot.ok());
  return snapshot.value();
}

// The text of the policy annotated @id(id), through its closing ";" (the only one that ends a line: titles are
// escaped).
std::string PolicyOf(const std::string& policies, const std::string& id) {
  const size_t begin = policies.find("@id(\"" + id + "\")");
  if (begin == std::string::npos) return "";
  return policies.substr(begin, policies.find(";\n", begin) + 1 - begin);
}

TEST_CASE("a rule for government and work devices forbids its apps and its publisher's from its first day in force, "
          "unless a superior's exemption applies") {
  const CedarExport cedar = ExportCedar(*World());
  CHECK(PolicyOf(cedar.policies, "us-tx-2025-01-31-ban") ==
        R"(@id("us-tx-2025-01-31-ban")
@effect("ban")
@issuer("us-tx")
@title("Title of us-tx-2025-01-31-ban")
forbid (principal, action == Bantrack::Action::"install", resource)
when {
  ["government", "work"].contains(principal.kind) && principal has owner && principal.owner in Bantrack::Org::"us-tx" &&
  (resource in [Bantrack::App::"deepseek", Bantrack::App::"tiktok"] || resource in Bantrack::Publisher::"bytedance") &&
  context.date >= 20250131
}
unless {
  principal has location && principal.location in Bantrack::Territory::"us" && resource in Bantrack::App::"deepseek" && principal.tags.containsAll(["research"]) && context.date >= 20250201
};)");
}

TEST_CASE("a public rule on a publisher is in force in each period of its timeline, and an exemption that is never "
          "in force at the same time is left out") {
  const CedarExport cedar = ExportCedar(*World());
  CHECK(PolicyOf(cedar.policies, "us-2024-03-01-bytedance") ==
        R"(@id("us-2024-03-01-bytedance")
@effect("restrict")
@issuer("us")
@title("Title of us-2024-03-01-bytedance")
forbid (principal, action == Bantrack::Action::"install", resource)
when {
  principal has location && principal.location in Bantrack::Territory::"us" &&
  resource in Bantrack::Publisher::"bytedance" &&
  ((context.date >= 20240301 && context.date < 20240601) || (context.date >= 20240901 && context.date < 20250101))
};)");
}

TEST_CASE("a rule for devices or networks with categories and origins needs both; its title is escaped") {
  const CedarExport cedar = ExportCedar(*World());
  CHECK(PolicyOf(cedar.policies, "us-dod-2023-05-01-chinese-ai") ==
        R"(@id("us-dod-2023-05-01-chinese-ai")
@effect("ban")
@issuer("us-dod")
@title("DoD blocks \"Chinese\" AI\u{0a}on its networks")
forbid (principal, action == Bantrack::Action::"install", resource)
when {
  ((principal.kind == "government" && principal has owner && principal.owner in Bantrack::Org::"us-dod") || (principal has network && principal.network in Bantrack::Org::"us-dod")) &&
  resource.categories.containsAny(["ai-assistant"]) && resource.origins.containsAny(["cn"]) &&
  context.date >= 20230501
}
unless {
  principal has location && principal.location in Bantrack::Territory::"us" && resource in Bantrack::App::"deepseek" && principal.tags.containsAll(["research"]) && context.date >= 20250201
};)");
}

TEST_CASE("the policy set: one default permit, a forbid per ban or restrict rule in force on some date, exemptions "
          "only inside them") {
  const std::string policies = ExportCedar(*World()).policies;
  CHECK(policies.find("from data version 7") != std::string::npos);
  CHECK(PolicyOf(policies, "bantrack:default-permit") ==
        "@id(\"bantrack:default-permit\")\npermit (principal, action == Bantrack::Action::\"install\", resource);");
  CHECK(PolicyOf(policies, "us-2025-02-01-research").empty());
  CHECK(PolicyOf(policies, "us-tx-dps-2025-03-01-exemption").empty());
  // The subordinate's exemption lifts nothing.
  CHECK(policies.find("Bantrack::Org::\"us-tx-dps\"") == std::string::npos);
  CHECK(PolicyOf(policies, "us-2025-01-29-review").empty());
  CHECK(policies.find("// Never in force on any date, so without a policy: us-2025-01-29-review.\n") !=
        std::string::npos);
  size_t forbids = 0;
  for (size_t at = policies.find("\nforbid "); at != std::string::npos; at = policies.find("\nforbid ", at + 1)) {
    ++forbids;
  }
  CHECK(forbids == 3);
}

TEST_CASE("entities: every entity as an Org and as a Territory, publishers with their owners, apps with origins") {
  const nlohmann::json entities = nlohmann::json::parse(ExportCedar(*World()).entities);
  auto find = [&](const std::string& type, const std::string& id) {
    for (const auto& entity : entities) {
      if (entity["uid"] == nlohmann::json{{"type", "Bantrack::" + type}, {"id", id}}) return entity;
    }
    return nlohmann::json();
  };
  CHECK(entities.size() == 4 + 4 + 3 + 2);
  CHECK(find("Org", "us-tx-dps")["parents"] ==
        nlohmann::json::parse(R"([{"type": "Bantrack::Org", "id": "us-tx"}])"));
  CHECK(find("Org", "us-tx")["parents"] == nlohmann::json::array());
  CHECK(find("Territory", "us-tx")["parents"] ==
        nlohmann::json::parse(R"([{"type": "Bantrack::Territory", "id": "us"}])"));
  CHECK(find("Territory", "us-dod")["parents"] == nlohmann::json::array());
  CHECK(find("Publisher", "tiktok-pte")["parents"] ==
        nlohmann::json::parse(R"([{"type": "Bantrack::Publisher", "id": "bytedance"}])"));
  CHECK(find("App", "tiktok") == nlohmann::json::parse(R"({"uid": {"type": "Bantrack::App", "id": "tiktok"},
      "attrs": {"categories": ["social-media", "video"], "origins": ["cn", "sg"]},
      "parents": [{"type": "Bantrack::Publisher", "id": "tiktok-pte"}]})"));
}

TEST_CASE("the one-document form holds the schema and policy texts and the entities array") {
  const CedarExport cedar = ExportCedar(*World());
  const nlohmann::json document = nlohmann::json::parse(CedarDocument(cedar));
  CHECK(document["schema"] == cedar.schema);
  CHECK(document["policies"] == cedar.policies);
  CHECK(document["entities"] == nlohmann::json::parse(cedar.entities));
  CHECK(cedar.schema.find("namespace Bantrack {") != std::string::npos);
  CHECK(cedar.schema.find("entity App in [Publisher] {") != std::string::npos);
  CHECK(cedar.schema.find("context: { date: Long },") != std::string::npos);
}

TEST_CASE("the request for one question: the device entity with the attributes given, the app, the date") {
  DeviceSpec device;
  device.kind = DeviceKind::kGovernment;
  device.owner = "us-tx-dps";
  device.location = "us-tx";
  device.tags = {"research"};
  CHECK(CedarRequest(device, "deepseek", D("2025-02-03")).dump() ==
        R"({"principal":{"type":"Bantrack::Device","id":"device"},"action":{"type":"Bantrack::Action","id":"install"},)"
        R"("resource":{"type":"Bantrack::App","id":"deepseek"},"context":{"date":20250203},)"
        R"("entities":[{"uid":{"type":"Bantrack::Device","id":"device"},"attrs":{"kind":"government",)"
        R"("owner":{"__entity":{"type":"Bantrack::Org","id":"us-tx-dps"}},)"
        R"("location":{"__entity":{"type":"Bantrack::Territory","id":"us-tx"}},)"
        R"("tags":["research"]},"parents":[]}]})");
  CHECK(CedarDate(D("1999-12-31")) == 19991231);
}

}  // namespace
}  // namespace bantrack::rules
