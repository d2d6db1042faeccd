// Fixtures for tests of db/ and of what is built on it (header-only; not part of the db library).
#pragma once

#include <stdlib.h>  // mkdtemp

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model.h"

namespace bantrack::db::testing {

// A fresh directory under the system's temporary directory, removed with everything in it when destroyed.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "bantrack-test-XXXXXX").string();
    if (mkdtemp(pattern.data()) != nullptr) root_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;  // a test must not fail, nor throw, while cleaning up
    if (!root_.empty()) std::filesystem::remove_all(root_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !root_.empty(); }
  const std::filesystem::path& root() const { return root_; }
  std::string File(std::string_view name) const { return (root_ / name).string(); }

 private:
  std::filesystem::path root_;
};

// A valid model that sets every field and uses every value of every enumeration. Its records are not in id
// order, and lists inside records are not sorted either, so that a round trip shows it keeps their order.
inline Model FullModel() {
  Model m;
  auto entity = [](std::string id, EntityKind kind, std::vector<std::string> part_of = {},
                   std::vector<std::string> within = {}) {
    return Entity{id, "Name of " + id, kind, std::move(part_of), std::move(within)};
  };
  m.entities = {
      entity("us-tx-dps", EntityKind::kAgency, {"us-tx", "us-gov"}, {"us-tx-austin"}),
      entity("us", EntityKind::kCountry),
      entity("us-tx", EntityKind::kState, {}, {"us"}),
      entity("eu", EntityKind::kSupranational),
      entity("it", EntityKind::kCountry, {}, {"eu"}),
      entity("ca", EntityKind::kCountry),
      entity("ca-on", EntityKind::kProvince, {}, {"ca"}),
      entity("us-tx-austin", EntityKind::kCity, {}, {"us-tx"}),
      entity("us-gov", EntityKind::kGovernment, {"us"}),
      entity("us-house", EntityKind::kLegislature, {"us"}),
      entity("us-navy", EntityKind::kMilitary, {"us-gov"}),
      entity("it-garante", EntityKind::kRegulator, {"it"}),
      entity("us-scotus", EntityKind::kCourt, {"us"}),
      entity("nato", EntityKind::kOrganization),
  };
  m.publishers = {
      {"tiktok-pte", "TikTok Pte. Ltd.", "sg", {"bytedance"}},
      {"bytedance", "ByteDance", "cn", {}},
      {"lemon-inc", "Lemon Inc.", "sg", {"tiktok-pte", "bytedance"}},
      {"deepseek-co", "DeepSeek", "cn", {}},
  };

  App tiktok;
  tiktok.id = "tiktok";
  tiktok.name = "TikTok";
  tiktok.publisher = "tiktok-pte";
  tiktok.categories = {"video", "social-media"};
  tiktok.identifiers[static_cast<int>(Platform::kIos)] = {"com.zhiliaoapp.musically", "com.ss.iphone.ugc.Ame"};
  tiktok.identifiers[static_cast<int>(Platform::kAndroid)] = {"com.zhiliaoapp.musically", "com.ss.android.ugc.trill"};
  tiktok.identifiers[static_cast<int>(Platform::kWeb)] = {"tiktok.com"};
  tiktok.store_urls[static_cast<int>(Platform::kIos)] = "https://apps.apple.com/us/app/tiktok/id835599320";
  tiktok.store_urls[static_cast<int>(Platform::kAndroid)] =
      "https://play.google.com/store/apps/details?id=com.zhiliaoapp.musically";
  App lemon8;
  lemon8.id = "lemon8";
  lemon8.name = "Lemon8";
  lemon8.publisher = "lemon-inc";
  lemon8.categories = {"social-media"};
  lemon8.identifiers[static_cast<int>(Platform::kAndroid)] = {"com.bd.nproject"};
  lemon8.store_urls[static_cast<int>(Platform::kAndroid)] =
      "https://play.google.com/store/apps/details?id=com.bd.nproject";
  App deepseek;
  deepseek.id = "deepseek";
  deepseek.name = "DeepSeek — AI Assistant";
  deepseek.publisher = "deepseek-co";
  deepseek.identifiers[static_cast<int>(Platform::kWeb)] = {"deepseek.com"};
  m.apps = {tiktok, lemon8, deepseek};

  Rule full;
  full.id = "us-2023-tiktok";
  full.issuer = "us";
  full.title = "No \"TikTok\" on Government Devices Act";
  full.instrument = Instrument::kLaw;
  full.effect = Effect::kBan;
  full.scope = {Scope::kPublic, Scope::kGovernmentDevices};
  full.apps = {"tiktok", "lemon8"};
  full.publishers = {"bytedance"};
  full.categories = {"video", "ai-assistant"};
  full.origin_countries = {"cn", "sg"};
  full.device_tags = {"law-enforcement", "classified"};
  full.timeline = {
      {*Date::Parse("2022-12-01"), RuleStatus::kUnderReview, "introduced"},
      {*Date::Parse("2022-12-23"), RuleStatus::kAnnounced, ""},
      {*Date::Parse("2023-02-27"), RuleStatus::kInForce, "OMB guidance: 30 days to comply"},
      {*Date::Parse("2024-01-10"), RuleStatus::kSuspended, "court stay"},
      {*Date::Parse("2025-06-30"), RuleStatus::kLifted, ""},
  };
  full.sources = {
      {"https://www.congress.gov/bill/117th-congress/senate-bill/1143", "S.1143", "Congress.gov",
       *Date::Parse("2022-12-15")},
      {"https://example.org/analysis?id=1&lang=en", "An analysis, with ‘quotes’ and ü", "", std::nullopt},
  };
  full.summary = "Line one.\nLine two, with \"quotes\" and a backslash \\.";
  m.rules.push_back(full);

  // One rule per remaining instrument, cycling through effects and scopes.
  const Instrument instruments[] = {Instrument::kMemo,           Instrument::kExecutiveOrder, Instrument::kDirective,
                                    Instrument::kRegulatorOrder, Instrument::kGuidance,       Instrument::kCourtOrder};
  const Effect effects[] = {Effect::kRestrict, Effect::kExempt, Effect::kBan};
  const Scope scopes[] = {Scope::kWorkDevices, Scope::kGovernmentNetworks, Scope::kPublic, Scope::kGovernmentDevices};
  const char* issuers[] = {"us-gov", "us-tx", "it-garante", "us-navy", "ca-on", "us-scotus"};
  for (size_t i = 0; i < std::size(instruments); ++i) {
    Rule rule;
    rule.id = std::string("rule-") + static_cast<char>('f' - i);  // rule-f, rule-e, ...: not in id order
    rule.issuer = issuers[i];
    rule.title = "Rule " + rule.id;
    rule.instrument = instruments[i];
    rule.effect = effects[i % std::size(effects)];
    rule.scope = {scopes[i % std::size(scopes)]};
    rule.apps = {"deepseek"};
    rule.timeline = {{*Date::Parse("2025-01-31"), RuleStatus::kInForce, ""}};
    rule.sources = {{"https://example.org/" + rule.id, "Source of " + rule.id, "Example", std::nullopt}};
    m.rules.push_back(std::move(rule));
  }
  return m;
}

}  // namespace bantrack::db::testing
