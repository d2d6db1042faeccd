// GET /v1/blocklist: what an MDM should block on a device profile — every app the engine bans there (and, with
// include=restricted, restricts) — as JSON, plain identifiers, CSV, Intune's restricted-apps CSV or an Android
// Management API policy fragment.
#include <algorithm>

#include "api/http.h"
#include "api/params.h"
#include "api/views.h"
#include "rules/csv.h"
#include "rules/text.h"
#include "rules/verdict_json.h"

namespace bantrack::api {
namespace {

enum class Format { kJson, kTxt, kCsv, kIntuneCsv, kAmapi };

struct FormatInfo {
  std::string_view name;
  Format format;
  bool needs_platform;
};
constexpr FormatInfo kFormats[] = {
    {"json", Format::kJson, false},           {"txt", Format::kTxt, true},      {"csv", Format::kCsv, true},
    {"intune-csv", Format::kIntuneCsv, true}, {"amapi", Format::kAmapi, false},
};

// One app to block, with the rules that decided it.
struct Blocked {
  Index app;
  Verdict verdict;
  std::vector<std::string> decisive;
};

struct Blocklist {
  DeviceSpec device;
  std::optional<Platform> platform;
  Date as_of;
  bool include_restricted = false;
  std::vector<Blocked> apps;  // by id
};

// Evaluates every app on the device; keeps the banned ones (and the restricted ones when asked).
std::vector<Blocked> BlockedApps(const Snapshot& snapshot, const Device& device, Date as_of, bool include_restricted) {
  std::vector<Blocked> blocked;
  Decision decision;
  Snapshot::PreparedDevice prepared;  // one device, every app
  snapshot.Prepare(device, prepared);
  for (Index a = 0; a < snapshot.model().apps.size(); ++a) {
    snapshot.Evaluate(prepared, a, as_of, decision);
    const bool block =
        decision.verdict == Verdict::kBanned || (include_restricted && decision.verdict == Verdict::kRestricted);
    if (!block) continue;
    Blocked& entry = blocked.emplace_back(Blocked{a, decision.verdict, {}});
    for (size_t m = 0; m < decision.decisive_count(); ++m) {
      entry.decisive.push_back(snapshot.model().rules[decision.matches[m].rule].id);
    }
  }
  return blocked;
}

const std::string& StoreUrl(const App& app, Platform platform) {
  static const std::string kNone;
  return platform == Platform::kWeb ? kNone : app.store_urls[static_cast<int>(platform)];
}

// Appends one CSV record (RFC 4180, CRLF), each cell through rules::CsvField.
void AppendCsvRow(std::string& csv, std::initializer_list<std::string_view> cells) {
  bool first = true;
  for (std::string_view cell : cells) {
    if (!first) csv += ',';
    csv += rules::CsvField(cell);
    first = false;
  }
  csv += "\r\n";
}

Reply TextReply(std::string body, std::string content_type) {
  Reply reply;
  reply.body = std::move(body);
  reply.content_type = std::move(content_type);
  return reply;
}

void AttachAs(Reply& reply, const std::string& filename) {
  reply.headers.push_back({"Content-Disposition", "attachment; filename=\"" + filename + "\""});
}

Reply JsonList(const Snapshot& snapshot, const Blocklist& list) {
  const Model& model = snapshot.model();
  nlohmann::ordered_json doc;
  doc["device"] = rules::DeviceJson(list.device);
  doc["platform"] = list.platform ? nlohmann::ordered_json(Name(*list.platform)) : nullptr;
  doc["as_of"] = list.as_of.ToString();
  doc["include"] =
      list.include_restricted ? nlohmann::ordered_json({"banned", "restricted"}) : nlohmann::ordered_json({"banned"});
  nlohmann::ordered_json& apps = doc["apps"] = nlohmann::ordered_json::array();
  for (const Blocked& blocked : list.apps) {
    const App& app = model.apps[blocked.app];
    const Publisher& publisher = model.publishers[*snapshot.FindPublisher(app.publisher)];
    nlohmann::ordered_json item = {{"id", app.id}, {"name", app.name}};
    item["publisher"] = {{"id", publisher.id}, {"name", publisher.name}};
    item["verdict"] = Name(blocked.verdict);
    // With a platform, that platform's identifiers as an MDM takes them; without, every identifier in the
    // ios:/android:/web: form that /v1/check accepts.
    nlohmann::ordered_json& identifiers = item["identifiers"] = nlohmann::ordered_json::array();
    for (int p = 0; p < kPlatformCount; ++p) {
      if (list.platform && static_cast<int>(*list.platform) != p) continue;
      for (const std::string& id : app.identifiers[p]) {
        identifiers.push_back(list.platform ? id : std::string(Name(static_cast<Platform>(p))) + ":" + id);
      }
    }
    if (list.platform) {
      if (const std::string& url = StoreUrl(app, *list.platform); !url.empty()) item["store_url"] = url;
    } else {
      nlohmann::ordered_json urls = nlohmann::ordered_json::object();
      for (Platform p : {Platform::kIos, Platform::kAndroid}) {
        if (const std::string& url = StoreUrl(app, p); !url.empty()) urls[std::string(Name(p))] = url;
      }
      if (!urls.empty()) item["store_urls"] = std::move(urls);
    }
    item["decisive"] = blocked.decisive;
    apps.push_back(std::move(item));
  }
  doc["snapshot"] = snapshot.version();
  return JsonReply(doc);
}

// One identifier a line.
Reply TxtList(const Snapshot& snapshot, const Blocklist& list) {
  std::string body;
  for (const Blocked& blocked : list.apps) {
    for (const std::string& id : snapshot.model().apps[blocked.app].identifiers[static_cast<int>(*list.platform)]) {
      body += id + "\n";
    }
  }
  return TextReply(std::move(body), "text/plain; charset=utf-8");
}

// identifier,platform,app,name,verdict,decisive — one row per identifier.
Reply CsvList(const Snapshot& snapshot, const Blocklist& list) {
  const std::string platform(Name(*list.platform));
  std::string body = "identifier,platform,app,name,verdict,decisive\r\n";
  for (const Blocked& blocked : list.apps) {
    const App& app = snapshot.model().apps[blocked.app];
    for (const std::string& id : app.identifiers[static_cast<int>(*list.platform)]) {
      AppendCsvRow(body,
                   {id, platform, app.id, app.name, Name(blocked.verdict), rules::Joined(blocked.decisive, "; ")});
    }
  }
  Reply reply = TextReply(std::move(body), "text/csv; charset=utf-8");
  AttachAs(reply, "bantrack-blocklist-" + platform + ".csv");
  return reply;
}

// Intune's restricted-apps list: "<store url>,<app name>,<publisher name>" lines, no header. Apps without a store
// URL for the platform cannot be listed: their ids go into X-Bantrack-Skipped.
Reply IntuneList(const Snapshot& snapshot, const Blocklist& list) {
  const Model& model = snapshot.model();
  std::string body;
  std::vector<std::string> skipped;
  for (const Blocked& blocked : list.apps) {
    const App& app = model.apps[blocked.app];
    const std::string& url = StoreUrl(app, *list.platform);
    if (url.empty()) {
      skipped.push_back(app.id);
      continue;
    }
    const Publisher& publisher = model.publishers[*snapshot.FindPublisher(app.publisher)];
    AppendCsvRow(body, {url, app.name, publisher.name});
  }
  Reply reply = TextReply(std::move(body), "text/csv; charset=utf-8");
  AttachAs(reply, "bantrack-intune-" + std::string(Name(*list.platform)) + ".csv");
  if (!skipped.empty()) reply.headers.push_back({"X-Bantrack-Skipped", rules::Joined(skipped, ",")});
  return reply;
}

// {"applications": [{"packageName", "installType": "BLOCKED"}]}: a fragment of an Android Management API policy.
Reply AmapiList(const Snapshot& snapshot, const Blocklist& list) {
  nlohmann::ordered_json applications = nlohmann::ordered_json::array();
  for (const Blocked& blocked : list.apps) {
    for (const std::string& package :
         snapshot.model().apps[blocked.app].identifiers[static_cast<int>(Platform::kAndroid)]) {
      applications.push_back({{"packageName", package}, {"installType", "BLOCKED"}});
    }
  }
  return JsonReply({{"applications", std::move(applications)}});
}

Result<Reply> GetBlocklist(Request& request) {
  std::vector<std::string_view> format_names;
  for (const FormatInfo& info : kFormats) format_names.push_back(info.name);
  Result<std::string> format_name = ChoiceParam(request, "format", format_names);
  if (!format_name.ok()) return std::move(format_name).take_error();
  const FormatInfo& format = *std::find_if(std::begin(kFormats), std::end(kFormats), [&](const FormatInfo& info) {
    return info.name == (format_name->empty() ? "json" : *format_name);
  });
  Result<std::string> platform_name = ChoiceParam(request, "platform", EnumNames<Platform>(kPlatformCount));
  if (!platform_name.ok()) return std::move(platform_name).take_error();
  Result<std::string> include = ChoiceParam(request, "include", {"restricted"});
  if (!include.ok()) return std::move(include).take_error();
  Result<DeviceSpec> spec = DeviceParams(request, /*kind_required=*/true);
  if (!spec.ok()) return std::move(spec).take_error();
  Result<Date> as_of = DateParam(request, "as_of");
  if (!as_of.ok()) return std::move(as_of).take_error();

  Blocklist list{spec.value(), ParsePlatform(*platform_name), as_of.value(), !include->empty(), {}};
  if (format.format == Format::kAmapi) {
    if (list.platform && *list.platform != Platform::kAndroid) {
      return BadParam("platform", "format amapi is for android; leave platform out or set it to android");
    }
    list.platform = Platform::kAndroid;
  }
  if (format.needs_platform && !list.platform) {
    return BadParam("platform", "required for format " + std::string(format.name) + ": ios, android or web");
  }
  if (format.format == Format::kIntuneCsv && *list.platform == Platform::kWeb) {
    return BadParam("platform", "intune-csv lists store apps: ios or android, not web");
  }
  const Snapshot& snapshot = *request.snapshot;
  Result<Device> device = ResolveDevice(snapshot, list.device, ErrorCode::kNotFound, "");
  if (!device.ok()) return std::move(device).take_error();
  list.apps = BlockedApps(snapshot, device.value(), list.as_of, list.include_restricted);

  switch (format.format) {
    case Format::kJson: return JsonList(snapshot, list);
    case Format::kTxt: return TxtList(snapshot, list);
    case Format::kCsv: return CsvList(snapshot, list);
    case Format::kIntuneCsv: return IntuneList(snapshot, list);
    case Format::kAmapi: return AmapiList(snapshot, list);
  }
  return Error(ErrorCode::kInternal, "unknown blocklist format");
}

}  // namespace

void AddBlocklistRoutes(std::vector<Route>& routes) {
  routes.push_back({"GET",
                    "/v1/blocklist",
                    {"device", "owner", "location", "network", "tags", "platform", "format", "include", "as_of"},
                    Access::kPublic,
                    GetBlocklist});
}

}  // namespace bantrack::api
