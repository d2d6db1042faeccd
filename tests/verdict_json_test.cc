// Renderings of a snapshot, on one small in-memory world: the verdict document (DESIGN.md §5: key order, roles,
// paths, sources) and the rules CSV (columns, status as of a date, RFC 4180 quoting, the formula guard).
#include <doctest/doctest.h>

#include <iterator>
#include <memory>
#include <string>

#include "rules/batch_json.h"
#include "rules/csv.h"
#include "rules/json_writer.h"
#include "rules/text.h"
#include "rules/verdict_json.h"

namespace bantrack::rules {
namespace {

Date D(const char* text) { return *Date::Parse(text); }

Rule MakeRule(std::string id, std::string issuer, std::string title, Instrument instrument, Effect effect,
              std::vector<Scope> scope, std::vector<TimelineEntry> timeline, std::vector<Source> sources) {
  Rule rule;
  rule.id = std::move(id);
  rule.issuer = std::move(issuer);
  rule.title = std::move(title);
  rule.instrument = instrument;
  rule.effect = effect;
  rule.scope = std::move(scope);
  rule.timeline = std::move(timeline);
  rule.sources = std::move(sources);
  return rule;
}

// Texas and its Department of Public Safety; DeepSeek, published by a subsidiary of High-Flyer. The rules give a
// Texas DPS phone every role at 2025-02-15: a state ban (decisive), a DPS restriction lifted by a DPS exemption,
// a federal store removal only announced (pending), an old state ban on apps of Chinese origin since lifted
// (inactive), and a federal rule whose timeline starts later (no match, "not-yet" in the CSV).
std::shared_ptr<const Snapshot> World() {
  Model model;
  model.entities = {
      {"us", "United States", EntityKind::kCountry, {}, {}},
      {"us-tx", "Texas", EntityKind::kState, {}, {"us"}},
      {"us-tx-dps", "Texas Department of Public Safety", EntityKind::kAgency, {"us-tx"}, {}},
  };
  model.publishers = {{"deepseek-ai", "Hangzhou DeepSeek", "cn", {"high-flyer"}},
                      {"high-flyer", "High-Flyer", "cn", {}}};
  model.apps = {{"deepseek", "DeepSeek", "deepseek-ai", {"ai-assistant"}, {}, {}}};
  const auto in_force = RuleStatus::kInForce;

  Rule store = MakeRule("us-2025-02-10-store", "us", "Federal app-store removal proposed", Instrument::kLaw,
                        Effect::kBan, {Scope::kPublic}, {{D("2025-02-10"), RuleStatus::kAnnounced, "introduced"}},
                        {{"https://congress.example/bill", "No DeepSeek on Government Devices Act", "Congress.gov",
                          D("2025-02-06")}});
  store.apps = {"deepseek"};
  Rule future = MakeRule("us-2025-06-01-future", "us", "=HYPERLINK(\"https://evil.example\")", Instrument::kLaw,
                         Effect::kBan, {Scope::kPublic, Scope::kGovernmentDevices},
                         {{D("2025-06-01"), RuleStatus::kUnderReview, ""}},
                         {{"https://news.example/future", "Future", "", std::nullopt}});
  future.apps = {"deepseek"};
  future.summary = "Drafted; \"not yet\" introduced, says one source";
  Rule origin = MakeRule("us-tx-2024-06-01-origin", "us-tx", "Texas bans apps from China (superseded)",
                         Instrument::kExecutiveOrder, Effect::kBan, {Scope::kGovernmentDevices},
                         {{D("2024-06-01"), in_force, ""}, {D("2024-12-01"), RuleStatus::kLifted, ""}},
                         {{"https://gov.texas.example/2024", "Old order", "", std::nullopt}});
  origin.origin_countries = {"cn"};
  Rule ban = MakeRule("us-tx-2025-01-31-chinese-ai", "us-tx", "Texas bans Chinese AI on state devices",
                      Instrument::kDirective, Effect::kBan, {Scope::kGovernmentDevices, Scope::kWorkDevices},
                      {{D("2025-01-31"), in_force, ""}},
                      {{"https://gov.texas.example/2025", "Governor Abbott Announces Ban",
                        "Office of the Texas Governor", D("2025-01-31")},
                       {"https://news.example/tx", "Texas bans DeepSeek", "", std::nullopt}});
  ban.publishers = {"high-flyer"};
  ban.summary = "Signed by the governor.\nExceptions for law enforcement.";
  Rule restrict = MakeRule("us-tx-dps-2025-02-01-ai", "us-tx-dps", "DPS restricts AI assistants", Instrument::kMemo,
                           Effect::kRestrict, {Scope::kGovernmentDevices}, {{D("2025-02-01"), in_force, ""}},
                           {{"https://dps.example/memo", "Memo", "", std::nullopt}});
  restrict.categories = {"ai-assistant"};
  Rule exempt = MakeRule("us-tx-dps-2025-02-05-exempt", "us-tx-dps", "DPS exempts investigators", Instrument::kMemo,
                         Effect::kExempt, {Scope::kGovernmentDevices}, {{D("2025-02-05"), in_force, ""}},
                         {{"https://dps.example/exempt", "Exemption", "", std::nullopt}});
  exempt.apps = {"deepseek"};
  exempt.device_tags = {"law-enforcement"};
  model.rules = {store, future, origin, ban, restrict, exempt};

  Result<std::shared_ptr<const Snapshot>> snapshot = Snapshot::Build(std::move(model), "test-1");
  REQUIRE(snapshot.ok());
  return *snapshot;
}

TEST_CASE("the verdict document: keys in order, every role, paths and sources") {
  const std::shared_ptr<const Snapshot> snapshot = World();
  const DeviceSpec asked{DeviceKind::kGovernment, "us-tx-dps", "us-tx", "", {"law-enforcement"}};
  Result<Device> device = snapshot->ResolveDevice(asked);
  REQUIRE(device.ok());
  const Index app = *snapshot->FindApp("deepseek");
  const Query query{app, *device, D("2025-02-15")};
  Decision decision;
  snapshot->Evaluate(query, decision);

  const std::string text = VerdictJson(*snapshot, app, asked, query.as_of, decision);
  // Laid out exactly as nlohmann lays out the same document: the CLI and the API print this text.
  CHECK(nlohmann::ordered_json::parse(text).dump(2) + "\n" == text);
  CHECK(text == R"({
  "verdict": "banned",
  "app": {
    "id": "deepseek",
    "name": "DeepSeek"
  },
  "device": {
    "kind": "government",
    "owner": "us-tx-dps",
    "location": "us-tx",
    "tags": [
      "law-enforcement"
    ]
  },
  "as_of": "2025-02-15",
  "decisive": [
    "us-tx-2025-01-31-chinese-ai"
  ],
  "matches": [
    {
      "rule": "us-tx-2025-01-31-chinese-ai",
      "issuer": "us-tx",
      "effect": "ban",
      "status": "in-force",
      "role": "decisive",
      "scope": "government-devices",
      "device_path": [
        "us-tx-dps",
        "us-tx"
      ],
      "app_path": [
        "deepseek",
        "deepseek-ai",
        "high-flyer"
      ],
      "sources": [
        {
          "url": "https://gov.texas.example/2025",
          "title": "Governor Abbott Announces Ban",
          "outlet": "Office of the Texas Governor",
          "published": "2025-01-31"
        },
        {
          "url": "https://news.example/tx",
          "title": "Texas bans DeepSeek"
        }
      ]
    },
    {
      "rule": "us-tx-dps-2025-02-01-ai",
      "issuer": "us-tx-dps",
      "effect": "restrict",
      "status": "in-force",
      "role": "lifted",
      "lifted_by": "us-tx-dps-2025-02-05-exempt",
      "scope": "government-devices",
      "device_path": [
        "us-tx-dps"
      ],
      "app_path": [
        "deepseek",
        "category:ai-assistant"
      ],
      "sources": [
        {
          "url": "https://dps.example/memo",
          "title": "Memo"
        }
      ]
    },
    {
      "rule": "us-tx-dps-2025-02-05-exempt",
      "issuer": "us-tx-dps",
      "effect": "exempt",
      "status": "in-force",
      "role": "exempting",
      "scope": "government-devices",
      "device_path": [
        "us-tx-dps"
      ],
      "app_path": [
        "deepseek"
      ],
      "sources": [
        {
          "url": "https://dps.example/exempt",
          "title": "Exemption"
        }
      ]
    },
    {
      "rule": "us-2025-02-10-store",
      "issuer": "us",
      "effect": "ban",
      "status": "announced",
      "role": "pending",
      "scope": "public",
      "device_path": [
        "us-tx",
        "us"
      ],
      "app_path": [
        "deepseek"
      ],
      "sources": [
        {
          "url": "https://congress.example/bill",
          "title": "No DeepSeek on Government Devices Act",
          "outlet": "Congress.gov",
          "published": "2025-02-06"
        }
      ]
    },
    {
      "rule": "us-tx-2024-06-01-origin",
      "issuer": "us-tx",
      "effect": "ban",
      "status": "lifted",
      "role": "inactive",
      "scope": "government-devices",
      "device_path": [
        "us-tx-dps",
        "us-tx"
      ],
      "app_path": [
        "deepseek",
        "deepseek-ai",
        "origin:cn"
      ],
      "sources": [
        {
          "url": "https://gov.texas.example/2024",
          "title": "Old order"
        }
      ]
    }
  ],
  "snapshot": "test-1"
}
)");
}

TEST_CASE("an allowed verdict has empty decisive and matches lists") {
  const std::shared_ptr<const Snapshot> snapshot = World();
  const DeviceSpec asked{DeviceKind::kPersonal, "", "", "", {}};
  Result<Device> device = snapshot->ResolveDevice(asked);
  REQUIRE(device.ok());
  const Index app = *snapshot->FindApp("deepseek");
  Decision decision;
  snapshot->Evaluate({app, *device, D("2025-02-15")}, decision);
  CHECK(nlohmann::ordered_json::parse(VerdictJson(*snapshot, app, asked, D("2025-02-15"), decision)).dump() ==
        R"({"verdict":"allowed","app":{"id":"deepseek","name":"DeepSeek"},"device":{"kind":"personal"},)"
        R"("as_of":"2025-02-15","decisive":[],"matches":[],"snapshot":"test-1"})");
}

TEST_CASE("DeviceJson: the kind, then only what was given") {
  CHECK(DeviceJson({DeviceKind::kWork, "", "", "", {}}).dump() == R"({"kind":"work"})");
  CHECK(DeviceJson({DeviceKind::kGovernment, "us-navy", "", "us-dod", {"a", "b"}}).dump() ==
        R"({"kind":"government","owner":"us-navy","network":"us-dod","tags":["a","b"]})");
}

TEST_CASE("CsvField quotes what RFC 4180 requires and defuses formulas") {
  CHECK(CsvField("") == "");
  CHECK(CsvField("plain text") == "plain text");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvField("line\nbreak") == "\"line\nbreak\"");
  CHECK(CsvField("carriage\rreturn") == "\"carriage\rreturn\"");
  CHECK(CsvField("=1+1") == "'=1+1");
  CHECK(CsvField("+1") == "'+1");
  CHECK(CsvField("-1") == "'-1");
  CHECK(CsvField("@SUM(A1)") == "'@SUM(A1)");
  CHECK(CsvField("=A1,B1") == "\"'=A1,B1\"");
  CHECK(CsvField("a=b-c") == "a=b-c");  // only a leading character starts a formula
}

TEST_CASE("the rules CSV: one row per rule, status as of the date, CRLF lines") {
  const std::shared_ptr<const Snapshot> snapshot = World();
  CHECK(WriteRulesCsv(*snapshot, D("2025-02-15")) ==
        "id,issuer,issuer_name,issuer_kind,title,instrument,effect,scope,apps,publishers,categories,origin_countries,"
        "device_tags,status,since,first_date,timeline,sources,summary\r\n"
        "us-2025-02-10-store,us,United States,country,Federal app-store removal proposed,law,ban,public,deepseek,,,,,"
        "announced,2025-02-10,2025-02-10,2025-02-10 announced,https://congress.example/bill,\r\n"
        "us-2025-06-01-future,us,United States,country,\"'=HYPERLINK(\"\"https://evil.example\"\")\",law,ban,"
        "public; government-devices,deepseek,,,,,not-yet,,2025-06-01,2025-06-01 under-review,"
        "https://news.example/future,\"Drafted; \"\"not yet\"\" introduced, says one source\"\r\n"
        "us-tx-2024-06-01-origin,us-tx,Texas,state,Texas bans apps from China (superseded),executive-order,ban,"
        "government-devices,,,,cn,,lifted,2024-12-01,2024-06-01,2024-06-01 in-force; 2024-12-01 lifted,"
        "https://gov.texas.example/2024,\r\n"
        "us-tx-2025-01-31-chinese-ai,us-tx,Texas,state,Texas bans Chinese AI on state devices,directive,ban,"
        "government-devices; work-devices,,high-flyer,,,,in-force,2025-01-31,2025-01-31,2025-01-31 in-force,"
        "https://gov.texas.example/2025; https://news.example/tx,"
        "\"Signed by the governor.\nExceptions for law enforcement.\"\r\n"
        "us-tx-dps-2025-02-01-ai,us-tx-dps,Texas Department of Public Safety,agency,DPS restricts AI assistants,memo,"
        "restrict,government-devices,,,ai-assistant,,,in-force,2025-02-01,2025-02-01,2025-02-01 in-force,"
        "https://dps.example/memo,\r\n"
        "us-tx-dps-2025-02-05-exempt,us-tx-dps,Texas Department of Public Safety,agency,DPS exempts investigators,"
        "memo,exempt,government-devices,deepseek,,,,law-enforcement,in-force,2025-02-05,2025-02-05,"
        "2025-02-05 in-force,https://dps.example/exempt,\r\n");

  // Before any rule exists every status is "not-yet" with no `since`; the lifted rule's since moves with the date.
  const std::string early = WriteRulesCsv(*snapshot, D("2024-01-01"));
  CHECK(early.find(",in-force,") == std::string::npos);
  CHECK(early.find(",lifted,") == std::string::npos);
  CHECK(early.find("us-tx-2024-06-01-origin,us-tx,Texas,state,Texas bans apps from China (superseded),"
                   "executive-order,ban,government-devices,,,,cn,,not-yet,,2024-06-01,") != std::string::npos);
  CHECK(WriteRulesCsv(*snapshot, D("2024-07-01")).find(",cn,,in-force,2024-06-01,2024-06-01,") != std::string::npos);
}

}  // namespace
}  // namespace bantrack::rules

namespace bantrack::rules {
namespace {

// The answers of a batch body, without the envelope: the items of "results", comma-separated.
std::string Items(const Snapshot& snapshot, const std::string& body) {
  Result<std::string> answer = AnswerBatch(snapshot, body, D("2025-02-15"));
  REQUIRE_MESSAGE(answer.ok(), (answer.ok() ? "" : answer.error().ToString()));
  const std::string& text = answer.value();
  const size_t begin = text.find('[') + 1, end = text.rfind("],\"snapshot\"");
  REQUIRE(end != std::string::npos);
  return text.substr(begin, end - begin);
}

TEST_CASE("a batch answers a run of questions about one device as it answers each alone") {
  // A run this long is answered from the device prepared once (AnswerBatch); one question alone is not.
  const std::shared_ptr<const Snapshot> snapshot = World();
  const char* dates[] = {"2024-07-01", "2025-02-01", "2025-02-07", "2025-02-15", "2025-06-02", "2024-12-01",
                         "2025-02-05", "2025-06-01", "2026-01-01"};
  std::string all_alone;
  for (const std::string device : {R"({"kind": "government", "owner": "us-tx-dps", "tags": ["law-enforcement"]})",
                                   R"({"kind": "personal", "location": "us-tx"})"}) {
    CAPTURE(device);
    std::string run = R"({"queries": [)", alone;
    for (size_t i = 0; i < std::size(dates); ++i) {
      const std::string app = i == 4 ? "not-an-app" : "deepseek";
      const std::string question =
          R"({"device": )" + device + R"(, "app": ")" + app + R"(", "as_of": ")" + dates[i] + "\"}";
      run += (i ? "," : "") + question;
      alone += (i ? "," : "") + Items(*snapshot, R"({"queries": [)" + question + "]}");
    }
    CHECK(Items(*snapshot, run + "]}") == alone);
    all_alone += alone;

    std::string apps, one_by_one;
    for (int i = 0; i < 9; ++i) {
      apps += i ? ", \"deepseek\"" : "\"deepseek\"";
      one_by_one += (i ? "," : "") + Items(*snapshot, R"({"device": )" + device + R"(, "apps": ["deepseek"]})");
    }
    CHECK(Items(*snapshot, R"({"device": )" + device + R"(, "apps": [)" + apps + "]}") == one_by_one);
  }
  // The comparisons were of every kind of answer, not only of empty ones.
  for (const char* verdict : {"\"banned\"", "\"under-review\"", "\"allowed\"", "\"unknown\""}) {
    CHECK(all_alone.find(verdict) != std::string::npos);
  }
}

TEST_CASE("a batch item is written as nlohmann writes the same object") {
  const std::shared_ptr<const Snapshot> snapshot = World();
  size_t most_decisive = 0;
  for (const DeviceSpec& spec : {DeviceSpec{DeviceKind::kGovernment, "us-tx-dps", "", "", {}},
                                 DeviceSpec{DeviceKind::kPersonal, "", "us-tx", "", {}}}) {
    auto device = snapshot->ResolveDevice(spec);
    REQUIRE(device.ok());
    for (const char* date : {"2024-01-01", "2025-02-15", "2025-06-02"}) {
      // An app, unknown ones, and asked ids that must be escaped.
      for (const std::string asked : {"deepseek", "android:com.example", "not \"an\" app\\", "小红书\n"}) {
        CAPTURE(asked);
        const std::optional<Index> app = snapshot->ResolveApp(asked);
        Decision decision;
        if (app) snapshot->Evaluate(Query{*app, device.value(), D(date)}, decision);
        nlohmann::ordered_json expected = {{"app", asked}, {"verdict", app ? Name(decision.verdict) : "unknown"}};
        expected["decisive"] = nlohmann::json::array();
        for (size_t i = 0; app && i < decision.decisive_count(); ++i) {
          expected["decisive"].push_back(snapshot->model().rules[decision.matches[i].rule].id);
        }
        most_decisive = std::max(most_decisive, expected["decisive"].size());
        std::string out = "[";
        AppendBatchItem(out, *snapshot, asked, app, app ? &decision : nullptr);
        CHECK(out == "[" + expected.dump());
      }
    }
  }
  CHECK(most_decisive >= 2);  // an item lists several rules
}

TEST_CASE("PrettyJson lays out as nlohmann's dump(2) does, nested past the indentation it writes in one piece") {
  for (const int depth : {1, 2, 30, 31, 32, 40}) {
    CAPTURE(depth);
    std::string text;
    PrettyJson out(text);
    // depth objects, each {"k": [..., "a", "b"], "e": []}, the next inside the previous array.
    for (int level = 0; level < depth; ++level) {
      out.BeginObject();
      out.Key("k");
      out.BeginArray();
    }
    for (int level = 0; level < depth; ++level) {
      out.String("a");
      out.String("b");
      out.EndArray();
      out.Key("e");
      out.BeginArray();
      out.EndArray();
      out.EndObject();
    }
    CHECK(nlohmann::ordered_json::parse(text).dump(2) == text);
  }
}

TEST_CASE("Joined puts the separator between parts only, whatever the parts hold") {
  CHECK(Joined(std::vector<std::string>{}, ", ") == "");
  CHECK(Joined(std::vector<std::string>{"a"}, ", ") == "a");
  CHECK(Joined(std::vector<std::string>{"a", "b", "c"}, "; ") == "a; b; c");
  CHECK(Joined(std::vector<std::string_view>{"us-navy", "us"}, " → ") == "us-navy → us");
  CHECK(Joined(std::vector<std::string>{"", "b", ""}, ",") == ",b,");  // an empty part still has its separators
  CHECK(Joined(std::vector<Scope>{Scope::kPublic, Scope::kGovernmentDevices}, "; ", [](Scope s) { return Name(s); }) ==
        "public; government-devices");
}

TEST_CASE("SplitList takes the items between separators and leaves the empty ones out") {
  using List = std::vector<std::string>;
  CHECK(SplitList("", ',') == List{});
  CHECK(SplitList(",", ',') == List{});
  CHECK(SplitList("solo", ',') == List{"solo"});
  CHECK(SplitList(",alpha,,beta-2,", ',') == List{"alpha", "beta-2"});
  CHECK(SplitList("a;b", ',') == List{"a;b"});
  CHECK(Joined(SplitList("a,b,c", ','), ",") == "a,b,c");
}

TEST_CASE("AppendJsonString escapes what JSON requires and repairs invalid UTF-8") {
  auto quoted = [](std::string_view text) {
    std::string out = "x";
    AppendJsonString(out, text);
    return out;
  };
  CHECK(quoted("us-tx-2025-01-31") == "x\"us-tx-2025-01-31\"");
  CHECK(quoted("") == "x\"\"");
  CHECK(quoted("say \"hi\" \\ there") == "x\"say \\\"hi\\\" \\\\ there\"");
  CHECK(quoted(std::string("tab\there\nnul") + std::string(1, '\0') + "\x1f") == "x\"tab\\there\\nnul\\u0000\\u001f\"");
  const std::string controls = "\b\f\n\r\t\x01\x7f";
  CHECK(quoted(controls).substr(1) == nlohmann::json(controls).dump());  // the escapes nlohmann writes
  CHECK(quoted("小红书 ✓") == "x\"小红书 ✓\"");                   // valid UTF-8 passes through
  CHECK(quoted("bad \xff byte") == "x\"bad \xEF\xBF\xBD byte\"");  // an invalid byte becomes U+FFFD
  CHECK(quoted("\xe5\xb0") == "x\"\xEF\xBF\xBD\xEF\xBF\xBD\"");    // a truncated sequence too, byte by byte
  CHECK(quoted("\xed\xa0\x80") == "x\"\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");  // a UTF-16 surrogate is not UTF-8
  CHECK(nlohmann::json::parse(quoted("mixed \"q\" \x01 é").substr(1)) == "mixed \"q\" \x01 é");
  // Plain text is skipped eight bytes at a time: what needs escaping is found at every offset within a word.
  for (const std::string special : {"\"", "\\", "\x01", "\x1f", "\n", "\x7f", " ", "é", "\xff"}) {
    for (size_t at = 0; at < 24; ++at) {
      std::string text(24, 'a');
      text.replace(at, 1, special);
      CAPTURE(at);
      CAPTURE(special);
      // nlohmann writes what it is given as it is (no repair), so an invalid byte is compared with U+FFFD.
      const std::string expected = special == "\xff" ? std::string(text).replace(at, 1, "\xEF\xBF\xBD") : text;
      CHECK(quoted(text).substr(1) == nlohmann::json(expected).dump());
    }
  }
}

}  // namespace
}  // namespace bantrack::rules
