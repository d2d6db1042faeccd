// The data set the check and batch fuzz targets ask their questions of: a small bundle in the seed data's shape
// that uses every scope, effect, status and selector kind, store identifiers of each platform, both hierarchies
// and a device tag, so that a fuzzed question can reach every branch of device resolution and evaluation.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>

#include "engine/snapshot.h"
#include "rules/bundle.h"

namespace bantrack::fuzz {

inline constexpr const char* kSmallBundle = R"json({
  "format": "bantrack/v1",
  "entities": [
    {"id": "us", "name": "United States", "kind": "country"},
    {"id": "us-gov", "name": "U.S. federal government", "kind": "government", "part_of": ["us"]},
    {"id": "us-navy", "name": "United States Navy", "kind": "military", "part_of": ["us-gov"]},
    {"id": "us-tx", "name": "Texas", "kind": "state", "within": ["us"]},
    {"id": "us-tx-dps", "name": "Texas Department of Public Safety", "kind": "agency", "part_of": ["us-tx"]},
    {"id": "eu", "name": "European Union", "kind": "supranational"},
    {"id": "it", "name": "Italy", "kind": "country", "within": ["eu"]},
    {"id": "it-garante", "name": "Garante per la protezione dei dati personali", "kind": "regulator", "part_of": ["it"]}
  ],
  "publishers": [
    {"id": "bytedance", "name": "ByteDance", "country": "cn"},
    {"id": "tiktok-pte", "name": "TikTok Pte. Ltd.", "country": "sg", "owned_by": ["bytedance"]},
    {"id": "deepseek-co", "name": "DeepSeek", "country": "cn"},
    {"id": "openai", "name": "OpenAI", "country": "us"}
  ],
  "apps": [
    {"id": "tiktok", "name": "TikTok", "publisher": "tiktok-pte", "categories": ["social-media", "video"],
     "identifiers": {"ios": ["com.zhiliaoapp.musically"], "android": ["com.zhiliaoapp.musically"], "web": ["tiktok.com"]}},
    {"id": "deepseek", "name": "DeepSeek", "publisher": "deepseek-co", "categories": ["ai-assistant"],
     "identifiers": {"ios": ["com.deepseek.chat"], "web": ["deepseek.com"]}},
    {"id": "chatgpt", "name": "ChatGPT", "publisher": "openai", "categories": ["ai-assistant"],
     "identifiers": {"android": ["com.openai.chatgpt"], "web": ["chatgpt.com"]}}
  ],
  "rules": [
    {"id": "us-2022-12-29-tiktok-federal-devices", "issuer": "us", "title": "No TikTok on Government Devices Act",
     "instrument": "law", "effect": "ban", "scope": ["government-devices", "government-networks"],
     "publishers": ["bytedance"],
     "timeline": [{"date": "2022-12-29", "status": "announced"}, {"date": "2023-02-27", "status": "in-force"}],
     "sources": [{"url": "https://www.congress.gov/bill/117th-congress/senate-bill/1143", "title": "S.1143"}]},
    {"id": "us-navy-2023-03-01-research-exemption", "issuer": "us-navy", "title": "Navy research exemption",
     "instrument": "memo", "effect": "exempt", "scope": ["government-devices"], "apps": ["tiktok"],
     "device_tags": ["law-enforcement"],
     "timeline": [{"date": "2023-03-01", "status": "in-force"}, {"date": "2024-03-01", "status": "suspended"}],
     "sources": [{"url": "https://example.org/navy", "title": "Navy memo", "published": "2023-03-01"}]},
    {"id": "us-tx-2025-01-31-chinese-ai-social", "issuer": "us-tx", "title": "Texas bans Chinese AI and social apps",
     "instrument": "directive", "effect": "ban", "scope": ["government-devices", "work-devices"],
     "apps": ["deepseek"], "categories": ["ai-assistant"], "origin_countries": ["cn"],
     "timeline": [{"date": "2025-01-31", "status": "in-force", "note": "takes effect"}],
     "sources": [{"url": "https://gov.texas.gov/news", "title": "Governor's order", "outlet": "Texas"}]},
    {"id": "it-garante-2025-01-30-deepseek", "issuer": "it-garante", "title": "Garante orders DeepSeek blocked",
     "instrument": "regulator-order", "effect": "restrict", "scope": ["public"], "apps": ["deepseek"],
     "timeline": [{"date": "2025-01-28", "status": "under-review"}, {"date": "2025-01-30", "status": "in-force"},
                  {"date": "2025-06-01", "status": "lifted"}],
     "sources": [{"url": "https://www.garanteprivacy.it/", "title": "Provvedimento"}],
     "summary": "Removed from Italian app stores."},
    {"id": "us-2025-03-01-ai-review", "issuer": "us", "title": "Federal review of AI assistants",
     "instrument": "guidance", "effect": "ban", "scope": ["public"], "categories": ["ai-assistant"],
     "timeline": [{"date": "2025-03-01", "status": "under-review"}],
     "sources": [{"url": "https://example.org/review", "title": "Review"}]}
  ]
})json";

// Built once; a fuzz target cannot run without it, so a failure stops the process with the reason.
inline const std::shared_ptr<const Snapshot>& SmallSnapshot() {
  static const std::shared_ptr<const Snapshot> snapshot = [] {
    Result<Model> model = rules::ReadBundle(kSmallBundle);
    if (!model.ok()) {
      std::fprintf(stderr, "small bundle: %s\n", model.error().ToString().c_str());
      std::abort();
    }
    Result<std::shared_ptr<const Snapshot>> built = Snapshot::Build(std::move(model).value(), "7");
    if (!built.ok()) {
      std::fprintf(stderr, "small snapshot: %s\n", built.error().ToString().c_str());
      std::abort();
    }
    return std::move(built).value();
  }();
  return snapshot;
}

// Stops the process with `what` when `condition` is false: a property a target checks, reported as a crash.
inline void Require(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz property violated: %s\n", what);
    std::abort();
  }
}

}  // namespace bantrack::fuzz
