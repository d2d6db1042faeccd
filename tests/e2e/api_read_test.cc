// The read API (catalog, restriction views, blocklist, timeline, feed, changes, export) and import, against a real
// `bantrack serve` on a loopback port: once on the seed data, once on a small bundle where every answer is known.
#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <map>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "tests/e2e/fixture.h"

namespace bantrack::testing {
namespace {

using nlohmann::json;

// A small data set in which every answer can be worked out by hand. Texts carry characters that CSV and XML must
// escape. As of 2024-12-01, for a government device of ctry-gov-it: alpha (publisher subco, owned by megacorp) and
// beta are banned by the megacorp rule; gamma (an ai-assistant) is restricted; delta is allowed (its rule starts in
// 2099). The prov rule bans gamma for devices located in prov from 2024-06-01 until it is lifted on 2024-09-01.
const std::string kSmallBundle = R"json({"format": "bantrack/v1",
 "entities": [
  {"id": "ctry", "name": "Countria", "kind": "country"},
  {"id": "ctry-gov", "name": "Countria Government", "kind": "government", "part_of": ["ctry"]},
  {"id": "ctry-gov-it", "name": "Countria IT Agency", "kind": "agency", "part_of": ["ctry-gov"]},
  {"id": "prov", "name": "Provincia", "kind": "province", "within": ["ctry"]},
  {"id": "prov-police", "name": "Provincia Police", "kind": "agency", "part_of": ["prov"]}],
 "publishers": [
  {"id": "indie", "name": "Indie", "country": "us"},
  {"id": "megacorp", "name": "Megacorp", "country": "cn"},
  {"id": "subco", "name": "Sub \"Co\", Ltd.", "country": "sg", "owned_by": ["megacorp"]}],
 "apps": [
  {"id": "alpha", "name": "Alpha, the App", "publisher": "subco", "categories": ["social-media"],
   "identifiers": {"ios": ["com.alpha.ios"], "android": ["com.alpha.android", "com.alpha.lite"],
                   "web": ["alpha.example"]},
   "store_urls": {"ios": "https://apps.apple.com/app/id1",
                  "android": "https://play.google.com/store/apps/details?id=com.alpha.android"}},
  {"id": "beta", "name": "Beta", "publisher": "megacorp", "identifiers": {"android": ["com.beta"]}},
  {"id": "delta", "name": "Delta", "publisher": "indie", "identifiers": {"ios": ["com.delta"]}},
  {"id": "gamma", "name": "Gamma", "publisher": "indie", "categories": ["ai-assistant"],
   "identifiers": {"ios": ["com.gamma"], "android": ["com.gamma.app"]},
   "store_urls": {"android": "https://play.google.com/store/apps/details?id=com.gamma.app"}}],
 "rules": [
  {"id": "ctry-2024-01-01-megacorp", "issuer": "ctry", "title": "Countria bans Megacorp apps on government devices",
   "instrument": "directive", "effect": "ban", "scope": ["government-devices"], "publishers": ["megacorp"],
   "timeline": [{"date": "2024-01-01", "status": "in-force"}],
   "sources": [{"url": "https://news.example/megacorp", "title": "Megacorp banned", "outlet": "News",
                "published": "2024-01-01"}]},
  {"id": "ctry-2024-02-01-ai", "issuer": "ctry", "title": "Countria restricts AI assistants", "instrument": "guidance",
   "effect": "restrict", "scope": ["government-devices"], "categories": ["ai-assistant"],
   "timeline": [{"date": "2024-02-01", "status": "in-force"}],
   "sources": [{"url": "https://news.example/ai", "title": "AI guidance"}], "summary": "Only with approval."},
  {"id": "ctry-2099-01-01-delta", "issuer": "ctry", "title": "Countria will ban Delta", "instrument": "law",
   "effect": "ban", "scope": ["public"], "apps": ["delta"],
   "timeline": [{"date": "2099-01-01", "status": "announced"}],
   "sources": [{"url": "https://news.example/delta", "title": "Delta"}]},
  {"id": "prov-2024-03-01-gamma", "issuer": "prov", "title": "Provincia bans <Gamma> & \"friends\"",
   "instrument": "law", "effect": "ban", "scope": ["public"], "apps": ["gamma"],
   "timeline": [{"date": "2024-03-01", "status": "announced", "note": "signed"},
                {"date": "2024-06-01", "status": "in-force"},
                {"date": "2024-09-01", "status": "lifted", "note": "repealed"}],
   "sources": [{"url": "https://news.example/gamma?a=1&b=2", "title": "Gamma & co"}],
   "summary": "A <ban> & more"}]})json";

// A database filled from `bundle` (by default, from the seed data), with a token of each role, and a server on it.
struct Site {
  TempDir dir;
  std::string db = dir.File("read.db");
  std::map<std::string, std::string> tokens;  // by role
  std::unique_ptr<ServerProcess> server;

  explicit Site(const std::string& bundle = "") {
    std::vector<std::string> global = {"--db", db};
    if (!bundle.empty()) {
      const std::string seed_dir = dir.File("seed");
      std::filesystem::create_directory(seed_dir);
      WriteFile(seed_dir + "/bundle.json", bundle);
      global.insert(global.end(), {"--seed", seed_dir});
    }
    for (const char* role : {"reader", "editor", "admin"}) {
      std::vector<std::string> args = global;
      args.insert(args.end(), {"token", "create", "--role", role, "--name", std::string(role) + "-bot"});
      CommandResult created = Run(args);
      REQUIRE_MESSAGE(created.exit_code == 0, created.err);
      tokens[role] = created.out.substr(0, created.out.find('\n'));
    }
    server = std::make_unique<ServerProcess>(db);
  }

  httplib::Result Get(const std::string& path, const httplib::Headers& headers = {}) const {
    return server->Client()->Get(path, headers);
  }

  json GetJson(const std::string& path) const {
    auto res = Get(path);
    REQUIRE_MESSAGE(res, path);
    INFO(path, " → ", res->body.substr(0, 400));
    REQUIRE(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    return json::parse(res->body);
  }

  httplib::Result Import(const std::string& query, const std::string& body, const std::string& role,
                         const std::string& type = "application/json") const {
    httplib::Headers headers;
    if (!role.empty()) headers.emplace("Authorization", "Bearer " + tokens.at(role));
    return server->Client()->Post("/v1/import" + query, headers, body, type);
  }
};

// Servers shared by the read-only tests: started once, on first use.
const Site& SeedSite() {
  static Site site;
  return site;
}
const Site& SmallSite() {
  static Site site(kSmallBundle);
  return site;
}

const json& Seed() {
  static const json seed = json::parse(ReadFile(SourceDir() + "/seed-data/bantrack.json"));
  return seed;
}

// The problem document of a failed request, checked for its shape.
json Problem(const httplib::Result& res, int status) {
  REQUIRE(res);
  INFO(res->body.substr(0, 600));
  REQUIRE(res->status == status);
  CHECK(res->get_header_value("Content-Type") == "application/problem+json");
  const json doc = json::parse(res->body);
  CHECK(doc["status"] == status);
  CHECK(doc["type"].get<std::string>().starts_with("urn:bantrack:problem:"));
  CHECK(!doc["detail"].get<std::string>().empty());
  return doc;
}

std::set<std::string> ErrorPaths(const json& problem) {
  std::set<std::string> paths;
  for (const json& e : problem.value("errors", json::array())) paths.insert(e["path"].get<std::string>());
  return paths;
}

std::vector<std::string> Ids(const json& items, const char* key = "id") {
  std::vector<std::string> ids;
  for (const json& item : items) ids.push_back(item[key].get<std::string>());
  return ids;
}

// ----- an independent reading of the seed data, to compute what the API should answer -----

const json* FindById(const json& list, const std::string& id) {
  for (const json& record : list) {
    if (record["id"] == id) return &record;
  }
  return nullptr;
}

std::vector<std::string> Strings(const json& record, const char* key) {
  return record.contains(key) ? record[key].get<std::vector<std::string>>() : std::vector<std::string>{};
}

bool Contains(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

// The publisher of an app and every owner above it.
std::vector<std::string> PublisherChain(const json& data, const json& app) {
  std::vector<std::string> chain = {app["publisher"].get<std::string>()};
  for (size_t i = 0; i < chain.size(); ++i) {
    for (const std::string& owner : Strings(*FindById(data["publishers"], chain[i]), "owned_by")) {
      if (!Contains(chain, owner)) chain.push_back(owner);
    }
  }
  return chain;
}

// DESIGN.md §2's selector, read off the JSON.
bool Selects(const json& data, const json& rule, const json& app) {
  if (Contains(Strings(rule, "apps"), app["id"])) return true;
  const std::vector<std::string> chain = PublisherChain(data, app);
  for (const std::string& publisher : chain) {
    if (Contains(Strings(rule, "publishers"), publisher)) return true;
  }
  const auto categories = Strings(rule, "categories");
  const auto origins = Strings(rule, "origin_countries");
  if (categories.empty() && origins.empty()) return false;
  bool category_ok = categories.empty(), origin_ok = origins.empty();
  for (const std::string& c : Strings(app, "categories")) category_ok |= Contains(categories, c);
  for (const std::string& p : chain) origin_ok |= Contains(origins, (*FindById(data["publishers"], p))["country"]);
  return category_ok && origin_ok;
}

std::string StatusOn(const json& rule, const std::string& date) {
  std::string status = "not-yet";
  for (const json& entry : rule["timeline"]) {
    if (entry["date"].get<std::string>() <= date) status = entry["status"];
  }
  return status;
}

std::vector<std::string> SeedRuleIds(const std::function<bool(const json&)>& keep) {
  std::vector<std::string> ids;
  for (const json& rule : Seed()["rules"]) {
    if (keep(rule)) ids.push_back(rule["id"]);
  }
  return ids;
}

// Every page of a list, following next_cursor; checks that every page agrees on the total.
std::vector<json> AllPages(const Site& site, const std::string& path, int limit) {
  std::vector<json> items;
  std::string cursor;
  std::optional<size_t> total;
  for (int pages = 0; pages < 1000; ++pages) {
    const std::string separator = path.find('?') == std::string::npos ? "?" : "&";
    const json page =
        site.GetJson(path + separator + "limit=" + std::to_string(limit) + (cursor.empty() ? "" : "&cursor=" + cursor));
    CHECK(page["items"].size() <= static_cast<size_t>(limit));
    if (total) CHECK(page["total"] == *total);
    total = page["total"].get<size_t>();
    for (const json& item : page["items"]) items.push_back(item);
    if (page["next_cursor"].is_null()) break;
    CHECK(page["items"].size() == static_cast<size_t>(limit));
    cursor = page["next_cursor"];
  }
  CHECK(items.size() == total);
  return items;
}

std::map<std::string, json> ByRule(const json& group) {
  std::map<std::string, json> by_rule;
  for (const json& item : group) by_rule[item["rule"]] = item;
  return by_rule;
}

// ----- a minimal XML reader: enough to prove the feed well-formed and to read it -----

struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::string text;  // the character data directly inside, entities decoded
  std::vector<XmlElement> children;

  std::vector<const XmlElement*> All(const std::string& child) const {
    std::vector<const XmlElement*> found;
    for (const XmlElement& c : children) {
      if (c.name == child) found.push_back(&c);
    }
    return found;
  }
  const XmlElement& One(const std::string& child) const {
    const auto found = All(child);
    if (found.size() != 1) throw std::runtime_error("expected one <" + child + "> in <" + name + ">");
    return *found[0];
  }
};

// Parses a document of elements, attributes and character data (what the feed uses); throws on anything that is
// not well-formed XML 1.0: unbalanced or crossed tags, bare '<' or '&', unknown entities, unquoted or repeated
// attributes, control characters, content after the root.
class XmlReader {
 public:
  explicit XmlReader(std::string_view text) : text_(text) {}

  XmlElement Document() {
    if (text_.starts_with("<?xml")) {
      const size_t end = text_.find("?>");
      if (end == std::string_view::npos) Fail("unterminated declaration");
      at_ = end + 2;
    }
    SkipSpace();
    XmlElement root = Element();
    SkipSpace();
    if (at_ != text_.size()) Fail("content after the root element");
    return root;
  }

 private:
  [[noreturn]] void Fail(const std::string& why) const {
    throw std::runtime_error("XML: " + why + " at byte " + std::to_string(at_));
  }
  bool AtEnd() const { return at_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[at_]; }
  void Expect(char c) {
    if (Peek() != c) Fail(std::string("expected '") + c + "'");
    ++at_;
  }
  void SkipSpace() {
    while (!AtEnd() && std::string_view(" \t\r\n").find(text_[at_]) != std::string_view::npos) ++at_;
  }
  std::string Name() {
    const size_t start = at_;
    auto ok = [&](char c, bool first) {
      return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':' ||
             (!first && (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '.'));
    };
    while (!AtEnd() && ok(text_[at_], at_ == start)) ++at_;
    if (at_ == start) Fail("expected a name");
    return std::string(text_.substr(start, at_ - start));
  }
  // Character data up to the next '<' (or `quote`), with entities decoded.
  std::string CharData(char stop) {
    std::string out;
    while (!AtEnd() && text_[at_] != stop && text_[at_] != '<') {
      const char c = text_[at_];
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t' && c != '\n' && c != '\r') Fail("control character");
      if (c != '&') {
        out += c;
        ++at_;
        continue;
      }
      const size_t semicolon = text_.find(';', at_);
      if (semicolon == std::string_view::npos) Fail("bare '&'");
      const std::string_view entity = text_.substr(at_ + 1, semicolon - at_ - 1);
      static const std::map<std::string_view, char> kNamed = {
          {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}};
      if (auto it = kNamed.find(entity); it != kNamed.end()) {
        out += it->second;
      } else if (entity.starts_with("#") && entity.size() > 1) {
        const bool hex = entity[1] == 'x';
        const long code = std::stol(std::string(entity.substr(hex ? 2 : 1)), nullptr, hex ? 16 : 10);
        if (code >= 0x80 || code < 0x20) Fail("character reference outside what this reader decodes");
        out += static_cast<char>(code);
      } else {
        Fail("unknown entity &" + std::string(entity) + ";");
      }
      at_ = semicolon + 1;
    }
    return out;
  }
  XmlElement Element() {
    Expect('<');
    XmlElement element;
    element.name = Name();
    while (true) {
      SkipSpace();
      if (Peek() == '/' || Peek() == '>') break;
      const std::string attribute = Name();
      SkipSpace();
      Expect('=');
      SkipSpace();
      const char quote = Peek();
      if (quote != '"' && quote != '\'') Fail("unquoted attribute value");
      ++at_;
      std::string value = CharData(quote);
      Expect(quote);
      if (!element.attributes.emplace(attribute, std::move(value)).second) Fail("repeated attribute " + attribute);
    }
    if (Peek() == '/') {
      ++at_;
      Expect('>');
      return element;
    }
    Expect('>');
    while (true) {
      element.text += CharData('<');
      if (AtEnd()) Fail("unclosed <" + element.name + ">");
      if (text_.substr(at_, 2) == "</") {
        at_ += 2;
        if (Name() != element.name) Fail("crossed tags in <" + element.name + ">");
        SkipSpace();
        Expect('>');
        return element;
      }
      if (text_.substr(at_, 2) == "<!" || text_.substr(at_, 2) == "<?") Fail("unexpected markup");
      element.children.push_back(Element());
    }
  }

  std::string_view text_;
  size_t at_ = 0;
};

TEST_CASE("the test's XML reader refuses what is not well-formed") {
  CHECK_NOTHROW(XmlReader("<?xml version=\"1.0\"?>\n<a x='1'><b>&amp;&#65;</b><c/></a>\n").Document());
  for (const char* bad : {"<a><b></a></b>", "<a>x & y</a>", "<a x=1/>", "<a x='1' x='2'/>", "<a>&nope;</a>", "<a/><b/>",
                          "<a>", "<a>\x01</a>"}) {
    CAPTURE(bad);
    CHECK_THROWS(XmlReader(bad).Document());
  }
}

// ----- catalog -----

TEST_CASE("GET /v1/apps lists apps by id, filtered by q, publisher (transitively) and category") {
  const Site& site = SeedSite();
  const json all = site.GetJson("/v1/apps?limit=1000");
  std::vector<std::string> expected;
  for (const json& app : Seed()["apps"]) expected.push_back(app["id"]);
  std::sort(expected.begin(), expected.end());
  CHECK(Ids(all["items"]) == expected);
  CHECK(all["total"] == expected.size());
  CHECK(all["next_cursor"].is_null());
  CHECK(all["snapshot"] == "1");
  CHECK(all["items"][0] == *FindById(Seed()["apps"], expected[0]));  // the record exactly as in the bundle

  // q: case-insensitive, over id, name and store identifiers.
  CHECK(Ids(site.GetJson("/v1/apps?q=MUSICALLY")["items"]) == std::vector<std::string>{"tiktok"});
  CHECK(Ids(site.GetJson("/v1/apps?q=wechat")["items"]) == std::vector<std::string>{"wechat", "wechat-pay"});
  CHECK(site.GetJson("/v1/apps?q=no-such-thing")["total"] == 0);
  // publisher: the apps of bytedance include tiktok, published by its subsidiary tiktok-pte.
  std::vector<std::string> bytedance;
  for (const json& app : Seed()["apps"]) {
    if (Contains(PublisherChain(Seed(), app), "bytedance")) bytedance.push_back(app["id"]);
  }
  std::sort(bytedance.begin(), bytedance.end());
  CHECK(Contains(bytedance, "tiktok"));
  CHECK(Ids(site.GetJson("/v1/apps?publisher=bytedance")["items"]) == bytedance);
  CHECK(Ids(site.GetJson("/v1/apps?publisher=tiktok-pte")["items"]) == std::vector<std::string>{"tiktok"});
  CHECK(Ids(site.GetJson("/v1/apps?category=ai-assistant")["items"]) ==
        std::vector<std::string>{"chatgpt", "deepseek"});
  CHECK(Ids(site.GetJson("/v1/apps?category=ai-assistant&q=deep")["items"]) == std::vector<std::string>{"deepseek"});

  Problem(site.Get("/v1/apps?publisher=nobody"), 404);
  CHECK(ErrorPaths(Problem(site.Get("/v1/apps?publisher=Not%20A%20Slug"), 400)) == std::set<std::string>{"publisher"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/apps?colour=red"), 400)) == std::set<std::string>{"colour"});
}

TEST_CASE("GET /v1/apps/{id}: the record, its origin countries and its rules counted by status") {
  const Site& site = SeedSite();
  const json deepseek = site.GetJson("/v1/apps/deepseek?as_of=2025-03-01");
  for (const auto& [key, value] : FindById(Seed()["apps"], "deepseek")->items()) CHECK(deepseek[key] == value);
  CHECK(deepseek["origin_countries"] == json::array({"cn"}));
  CHECK(deepseek["as_of"] == "2025-03-01");
  std::map<std::string, int> expected = {{"under-review", 0}, {"announced", 0}, {"in-force", 0},
                                         {"suspended", 0},    {"lifted", 0},    {"not-yet", 0}};
  int total = 0;
  const json& app = *FindById(Seed()["apps"], "deepseek");
  for (const json& rule : Seed()["rules"]) {
    if (!Selects(Seed(), rule, app)) continue;
    ++total;
    ++expected[StatusOn(rule, "2025-03-01")];
  }
  CHECK(deepseek["restrictions"]["total"] == total);
  for (const auto& [status, count] : expected) CHECK(deepseek["restrictions"][status] == count);
  CHECK(expected["not-yet"] > 0);  // rules from later in 2025 exist but do not count as anything else yet
  CHECK(site.GetJson("/v1/apps/tiktok")["origin_countries"] == json::array({"cn", "sg"}));

  const json missing = Problem(site.Get("/v1/apps/nope"), 404);
  CHECK(missing["detail"].get<std::string>().find("app \"nope\"") != std::string::npos);
  CHECK(ErrorPaths(Problem(site.Get("/v1/apps/Not_A_Slug"), 400)) == std::set<std::string>{"id"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/apps/deepseek?as_of=2025-02-30"), 400)) == std::set<std::string>{"as_of"});
}

TEST_CASE("GET /v1/apps/{id}/restrictions: every rule selecting the app, how, and its status as of the date") {
  const Site& site = SeedSite();
  const json& app = *FindById(Seed()["apps"], "deepseek");
  std::vector<std::pair<std::string, std::string>> expected;  // (first date, id)
  for (const json& rule : Seed()["rules"]) {
    if (Selects(Seed(), rule, app)) expected.emplace_back(rule["timeline"][0]["date"], rule["id"]);
  }
  std::sort(expected.begin(), expected.end());
  const std::vector<json> items = AllPages(site, "/v1/apps/deepseek/restrictions?as_of=2025-03-01", 7);
  REQUIRE(items.size() == expected.size());
  for (size_t i = 0; i < items.size(); ++i) {
    CHECK(items[i]["rule"] == expected[i].second);
    CHECK(items[i]["first_date"] == expected[i].first);
  }

  const json page = site.GetJson("/v1/apps/deepseek/restrictions?as_of=2025-03-01&limit=1000");
  CHECK(page["app"] == json{{"id", "deepseek"}, {"name", "DeepSeek"}});
  CHECK(page["as_of"] == "2025-03-01");
  const auto by_rule = ByRule(page["items"]);
  const json& texas = by_rule.at("us-tx-2025-01-31-chinese-ai-social");
  const json& texas_record = *FindById(Seed()["rules"], "us-tx-2025-01-31-chinese-ai-social");
  CHECK(texas["title"] == texas_record["title"]);
  CHECK(texas["issuer"] == json{{"id", "us-tx"}, {"name", "Texas"}, {"kind", "state"}});
  CHECK(texas["effect"] == "ban");
  CHECK(texas["scope"] == texas_record["scope"]);
  CHECK(texas["status"] == "in-force");
  CHECK(texas["since"] == "2025-01-31");
  CHECK(texas["timeline"] == texas_record["timeline"]);
  CHECK(texas["sources"] == texas_record["sources"]);
  CHECK(texas["app_path"] == json::array({"deepseek"}));  // listed by name
  // Selected through its origin: DeepSeek's publisher is Chinese.
  CHECK(by_rule.at("nl-2023-03-21-app-policy")["app_path"] == json::array({"deepseek", "deepseek-ai", "origin:cn"}));
  // ... and through its category.
  CHECK(by_rule.at("kr-2025-02-04-generative-ai-caution")["app_path"] == json::array({"deepseek"}));
  // The gradual status: an under-review rule, and one not yet in existence on the date.
  CHECK(by_rule.at("be-2025-12-01-deepseek")["status"] == "not-yet");
  CHECK(by_rule.at("be-2025-12-01-deepseek")["since"].is_null());
  // A rule naming both the app and its owner explains itself by the app; one naming only the owner, by the chain.
  const auto tiktok = ByRule(site.GetJson("/v1/apps/tiktok/restrictions?limit=1000")["items"]);
  CHECK(tiktok.at("us-house-2024-07-30-bytedance-apps")["app_path"] == json::array({"tiktok"}));
  const auto capcut = ByRule(site.GetJson("/v1/apps/capcut/restrictions?limit=1000")["items"]);
  CHECK(capcut.at("us-va-2022-12-16-tiktok-wechat")["app_path"] == json::array({"capcut", "bytedance"}));

  // status filter, as of the date.
  const json in_force = site.GetJson("/v1/apps/deepseek/restrictions?as_of=2025-03-01&status=in-force&limit=1000");
  std::vector<std::string> expected_in_force;
  for (const auto& [date, id] : expected) {
    if (StatusOn(*FindById(Seed()["rules"], id), "2025-03-01") == "in-force") expected_in_force.push_back(id);
  }
  CHECK(Ids(in_force["items"], "rule") == expected_in_force);
  CHECK(in_force["total"] == expected_in_force.size());
  CHECK(ErrorPaths(Problem(site.Get("/v1/apps/deepseek/restrictions?status=enforced"), 400)) ==
        std::set<std::string>{"status"});
  Problem(site.Get("/v1/apps/nope/restrictions"), 404);
}

TEST_CASE("GET /v1/entities: by id, filtered by q, kind and direct parent; paged without gaps or repeats") {
  const Site& site = SeedSite();
  std::vector<std::string> expected;
  for (const json& entity : Seed()["entities"]) expected.push_back(entity["id"]);
  std::sort(expected.begin(), expected.end());
  const std::vector<json> paged = AllPages(site, "/v1/entities", 10);
  CHECK(Ids(paged) == expected);
  CHECK(Ids(AllPages(site, "/v1/entities", 1000)) == expected);

  std::vector<std::string> states, under_us;
  for (const json& entity : Seed()["entities"]) {
    if (entity["kind"] == "state") states.push_back(entity["id"]);
    if (Contains(Strings(entity, "part_of"), "us") || Contains(Strings(entity, "within"), "us")) {
      under_us.push_back(entity["id"]);
    }
  }
  CHECK(Ids(site.GetJson("/v1/entities?kind=state&limit=1000")["items"]) == states);
  CHECK(Ids(site.GetJson("/v1/entities?parent=us&limit=1000")["items"]) == under_us);
  CHECK(Contains(under_us, "us-tx"));     // within
  CHECK(Contains(under_us, "us-dod"));    // part_of
  CHECK(!Contains(under_us, "us-navy"));  // only a grandchild
  CHECK(Ids(site.GetJson("/v1/entities?q=TEXAS")["items"]) ==
        std::vector<std::string>{"us-tx", "us-tx-dir", "us-tx-dps"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/entities?kind=nation"), 400)) == std::set<std::string>{"kind"});
  Problem(site.Get("/v1/entities?parent=atlantis"), 404);
}

TEST_CASE("GET /v1/entities/{id}: the record, its children with the edge kind, and its ancestors nearest first") {
  const Site& site = SeedSite();
  const json navy = site.GetJson("/v1/entities/us-navy");
  CHECK(navy["id"] == "us-navy");
  CHECK(navy["part_of"] == json::array({"us-dod"}));
  CHECK(Ids(navy["org_ancestors"]) == std::vector<std::string>{"us-dod", "us"});
  CHECK(navy["org_ancestors"][0] ==
        json{{"id", "us-dod"}, {"name", "U.S. Department of Defense"}, {"kind", "military"}});
  CHECK(navy["territory_ancestors"] == json::array());
  CHECK(navy["children"] == json::array());

  const json texas = site.GetJson("/v1/entities/us-tx");
  CHECK(Ids(texas["territory_ancestors"]) == std::vector<std::string>{"us"});
  CHECK(texas["org_ancestors"] == json::array());
  CHECK(texas["children"] == json::array({{{"id", "us-tx-dir"},
                                           {"name", "Texas Department of Information Resources"},
                                           {"kind", "agency"},
                                           {"edge", "part_of"}},
                                          {{"id", "us-tx-dps"},
                                           {"name", "Texas Department of Public Safety"},
                                           {"kind", "agency"},
                                           {"edge", "part_of"}}}));
  const json us = site.GetJson("/v1/entities/us");
  std::map<std::string, std::string> edges;
  for (const json& child : us["children"]) edges[child["id"]] = child["edge"];
  CHECK(edges.at("us-tx") == "within");
  CHECK(edges.at("us-dod") == "part_of");
  Problem(site.Get("/v1/entities/atlantis"), 404);
}

TEST_CASE("GET /v1/entities/{id}/restrictions: what applies there, inherited from the authorities above") {
  const Site& site = SeedSite();
  const std::string federal = "us-2023-02-27-no-tiktok-on-government-devices";
  // The Navy is part of DoD, part of the US: it inherits the federal government-device ban.
  const json navy = site.GetJson("/v1/entities/us-navy/restrictions?as_of=2025-06-01");
  CHECK(navy["entity"] == json{{"id", "us-navy"}, {"name", "U.S. Navy"}, {"kind", "military"}});
  CHECK(navy["as_of"] == "2025-06-01");
  const auto navy_devices = ByRule(navy["government_devices"]);
  const json& inherited = navy_devices.at(federal);
  CHECK(inherited["inherited"] == true);
  CHECK(inherited["path"] == json::array({"us-navy", "us-dod", "us"}));
  CHECK(inherited["issuer"] == json{{"id", "us"}, {"name", "United States"}, {"kind", "country"}});
  CHECK(inherited["effect"] == "ban");
  CHECK(inherited["status"] == "in-force");
  CHECK(inherited["since"] == "2023-03-29");
  CHECK(inherited["selector"] == json{{"apps", {"tiktok"}},
                                      {"publishers", json::array()},
                                      {"categories", json::array()},
                                      {"origin_countries", json::array()}});
  const json& own = navy_devices.at("us-navy-2025-01-24-deepseek");
  CHECK(own["inherited"] == false);
  CHECK(own["path"] == json::array({"us-navy"}));
  CHECK(navy["government_devices"][0]["rule"] == "us-navy-2025-01-24-deepseek");  // its own rules first
  CHECK(ByRule(navy["work_devices"]).count("us-navy-2025-01-24-deepseek") == 1);
  CHECK(ByRule(navy["networks"]).at("us-dod-2025-01-28-deepseek-network-block")["path"] ==
        json::array({"us-navy", "us-dod"}));
  CHECK(navy["located_here"] == json::array());  // the Navy is not a place
  CHECK(Ids(navy["issued"], "rule") == std::vector<std::string>{"us-navy-2025-01-24-deepseek"});
  // Rules that do not exist yet on the date are left out.
  CHECK(
      ByRule(site.GetJson("/v1/entities/us-navy/restrictions?as_of=2023-01-01")["government_devices"]).count(federal) ==
      0);

  // Texas DPS is part of Texas, which is only *within* the US: no federal device rule, but every Texas one.
  const json dps = site.GetJson("/v1/entities/us-tx-dps/restrictions?as_of=2025-06-01");
  const auto dps_devices = ByRule(dps["government_devices"]);
  CHECK(dps_devices.count(federal) == 0);
  std::set<std::string> texas_device_rules;
  for (const json& rule : Seed()["rules"]) {
    if (rule["issuer"] == "us-tx" && Contains(Strings(rule, "scope"), "government-devices") &&
        StatusOn(rule, "2025-06-01") != "not-yet") {
      texas_device_rules.insert(rule["id"]);
    }
  }
  std::set<std::string> listed;
  for (const auto& [id, item] : dps_devices) {
    listed.insert(id);
    CHECK(item["inherited"] == true);
    CHECK(item["path"] == json::array({"us-tx-dps", "us-tx"}));
  }
  CHECK(listed == texas_device_rules);
  CHECK(dps["issued"] == json::array());
  // A phone located in Texas is reached by nationwide rules of the US.
  const auto texas_here = ByRule(site.GetJson("/v1/entities/us-tx/restrictions?as_of=2025-06-01")["located_here"]);
  CHECK(texas_here.at("us-2024-06-20-kaspersky")["path"] == json::array({"us-tx", "us"}));
  CHECK(texas_here.at("us-2024-06-20-kaspersky")["inherited"] == true);
  Problem(site.Get("/v1/entities/atlantis/restrictions"), 404);
}

TEST_CASE("GET /v1/publishers and /v1/publishers/{id}: owners nearest first, apps of the whole group") {
  const Site& site = SeedSite();
  std::vector<std::string> chinese;
  for (const json& publisher : Seed()["publishers"]) {
    if (publisher["country"] == "cn") chinese.push_back(publisher["id"]);
  }
  CHECK(Ids(site.GetJson("/v1/publishers?country=cn")["items"]) == chinese);
  CHECK(Ids(site.GetJson("/v1/publishers?q=tiktok")["items"]) == std::vector<std::string>{"tiktok-pte"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/publishers?country=CHN"), 400)) == std::set<std::string>{"country"});

  const json pte = site.GetJson("/v1/publishers/tiktok-pte");
  CHECK(pte["name"] == "TikTok Pte. Ltd.");
  CHECK(pte["owners"] == json::array({{{"id", "bytedance"}, {"name", "ByteDance Ltd."}, {"country", "cn"}}}));
  CHECK(pte["apps"] == json::array({{{"id", "tiktok"}, {"name", "TikTok"}, {"publisher", "tiktok-pte"}}}));
  const json bytedance = site.GetJson("/v1/publishers/bytedance");
  CHECK(bytedance["owners"] == json::array());
  CHECK(Ids(bytedance["apps"]) == Ids(site.GetJson("/v1/apps?publisher=bytedance")["items"]));
  Problem(site.Get("/v1/publishers/nobody"), 404);
}

TEST_CASE(
    "GET /v1/rules: the records with status and since, filtered by issuer (or its tree), app, status, effect, "
    "scope and q") {
  const Site& site = SeedSite();
  const json all = site.GetJson("/v1/rules?as_of=2025-03-01&limit=1000");
  CHECK(all["as_of"] == "2025-03-01");
  CHECK(all["total"] == Seed()["rules"].size());
  for (const json& item : all["items"]) {
    const json& record = *FindById(Seed()["rules"], item["id"]);
    json bare = item;
    bare.erase("status");
    bare.erase("since");
    CHECK(bare == record);
    CHECK(item["status"] == StatusOn(record, "2025-03-01"));
  }
  auto ids_of = [&](const std::string& query) { return Ids(site.GetJson("/v1/rules?limit=1000&" + query)["items"]); };
  CHECK(ids_of("issuer=us-tx") == SeedRuleIds([](const json& r) { return r["issuer"] == "us-tx"; }));
  // The tree of the US: its own rules, its agencies' (part_of) and its states' and their agencies' (within).
  const std::vector<std::string> us_tree = ids_of("issuer=us&issuer_tree=true");
  CHECK(us_tree == SeedRuleIds([](const json& r) {
          const std::string issuer = r["issuer"];
          return issuer == "us" || issuer.starts_with("us-");
        }));
  CHECK(Contains(us_tree, "us-navy-2025-01-24-deepseek"));
  CHECK(ids_of("issuer=us&issuer_tree=false") == SeedRuleIds([](const json& r) { return r["issuer"] == "us"; }));
  const json& deepseek = *FindById(Seed()["apps"], "deepseek");
  CHECK(ids_of("app=deepseek&status=in-force&as_of=2025-03-01") == SeedRuleIds([&](const json& r) {
          return Selects(Seed(), r, deepseek) && StatusOn(r, "2025-03-01") == "in-force";
        }));
  CHECK(ids_of("app=android:com.deepseek.chat") == ids_of("app=deepseek"));
  CHECK(ids_of("status=not-yet&as_of=2023-01-01") ==
        SeedRuleIds([](const json& r) { return StatusOn(r, "2023-01-01") == "not-yet"; }));
  CHECK(ids_of("effect=restrict&scope=public") == SeedRuleIds([](const json& r) {
          return r["effect"] == "restrict" && Contains(Strings(r, "scope"), "public");
        }));
  // q: id, title, summary, and the issuer's id and name, ignoring case.
  for (const std::string needle : {"abbott", "texas", "moda"}) {
    CAPTURE(needle);
    std::string upper = needle;
    std::transform(upper.begin(), upper.end(), upper.begin(), [](unsigned char c) { return std::toupper(c); });
    const std::vector<std::string> expected = SeedRuleIds([&](const json& r) {
      std::string text = r["id"].get<std::string>() + "\n" + r["title"].get<std::string>() + "\n" +
                         r.value("summary", "") + "\n" + r["issuer"].get<std::string>() + "\n" +
                         (*FindById(Seed()["entities"], r["issuer"]))["name"].get<std::string>();
      std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
      return text.find(needle) != std::string::npos;
    });
    CHECK(!expected.empty());
    CHECK(ids_of("q=" + upper) == expected);
  }
  const std::vector<std::string> texas = ids_of("q=texas");
  for (const std::string& id : ids_of("issuer=us-tx")) CHECK(Contains(texas, id));  // by the issuer's name

  CHECK(ErrorPaths(Problem(site.Get("/v1/rules?status=active"), 400)) == std::set<std::string>{"status"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/rules?effect=forbid"), 400)) == std::set<std::string>{"effect"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/rules?scope=everyone"), 400)) == std::set<std::string>{"scope"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/rules?issuer_tree=true"), 400)) == std::set<std::string>{"issuer_tree"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/rules?app=play:com.x"), 400)) == std::set<std::string>{"app"});
  Problem(site.Get("/v1/rules?app=ios:com.unknown.app"), 404);
  Problem(site.Get("/v1/rules?issuer=atlantis"), 404);
}

TEST_CASE("GET /v1/rules/{id}: the record with status and since as of the date") {
  const Site& site = SeedSite();
  const std::string path = "/v1/rules/us-2024-04-24-pafaca";
  const json in_force = site.GetJson(path + "?as_of=2025-01-19");
  CHECK(in_force["status"] == "in-force");
  CHECK(in_force["since"] == "2025-01-19");
  CHECK(in_force["as_of"] == "2025-01-19");
  CHECK(in_force["timeline"] == (*FindById(Seed()["rules"], "us-2024-04-24-pafaca"))["timeline"]);
  const json suspended = site.GetJson(path + "?as_of=2025-02-01");
  CHECK(suspended["status"] == "suspended");
  CHECK(suspended["since"] == "2025-01-20");
  const json before = site.GetJson(path + "?as_of=2024-01-01");
  CHECK(before["status"] == "not-yet");
  CHECK(before["since"].is_null());
  Problem(site.Get("/v1/rules/no-such-rule"), 404);
}

TEST_CASE("limit and cursor: bad values are 400 naming the parameter; cursors belong to one list") {
  const Site& site = SeedSite();
  for (const char* limit : {"0", "1001", "-1", "ten", "5x", ""}) {
    CAPTURE(limit);
    CHECK(ErrorPaths(Problem(site.Get(std::string("/v1/apps?limit=") + limit), 400)) == std::set<std::string>{"limit"});
  }
  for (const char* cursor : {"!!!", "a", "Zm9v"}) {
    CAPTURE(cursor);
    CHECK(ErrorPaths(Problem(site.Get(std::string("/v1/apps?cursor=") + cursor), 400)) ==
          std::set<std::string>{"cursor"});
  }
  const std::string apps_cursor = site.GetJson("/v1/apps?limit=2")["next_cursor"];
  CHECK(ErrorPaths(Problem(site.Get("/v1/rules?cursor=" + apps_cursor), 400)) == std::set<std::string>{"cursor"});
  // A cursor outlives the data it came from: it names a position, not an item.
  const json next = site.GetJson("/v1/apps?limit=2&cursor=" + apps_cursor);
  CHECK(next["items"][0]["id"] > site.GetJson("/v1/apps?limit=2")["items"][1]["id"]);
}

TEST_CASE("cacheable reads carry an ETag and answer 304 to If-None-Match") {
  const Site& site = SeedSite();
  for (const char* path : {"/v1/apps", "/v1/rules/us-2024-04-24-pafaca", "/v1/timeline", "/feed.atom",
                           "/v1/blocklist?device=government&owner=us-tx", "/v1/export"}) {
    CAPTURE(path);
    auto first = site.Get(path);
    REQUIRE(first);
    CHECK(first->status == 200);
    const std::string etag = first->get_header_value("ETag");
    REQUIRE(!etag.empty());
    auto again = site.Get(path, {{"If-None-Match", etag}});
    REQUIRE(again);
    CHECK(again->status == 304);
    CHECK(again->body.empty());
    auto other = site.Get(path, {{"If-None-Match", "\"something-else\""}});
    REQUIRE(other);
    CHECK(other->status == 200);
  }
  auto changes = site.Get("/v1/changes");
  REQUIRE(changes);
  CHECK(changes->get_header_value("ETag").empty());  // the edit log is read fresh every time
}

// ----- blocklist -----

std::string Body(const Site& site, const std::string& path, int status = 200) {
  auto res = site.Get(path);
  REQUIRE(res);
  INFO(path, " → ", res->body.substr(0, 400));
  CHECK(res->status == status);
  return res->body;
}

TEST_CASE("GET /v1/blocklist in every format, for a bundle where each line is known") {
  const Site& site = SmallSite();
  const std::string device = "/v1/blocklist?device=government&owner=ctry-gov-it&as_of=2024-12-01";

  CHECK(Body(site, device + "&format=txt&platform=android") == "com.alpha.android\ncom.alpha.lite\ncom.beta\n");
  CHECK(Body(site, device + "&format=txt&platform=android&include=restricted") ==
        "com.alpha.android\ncom.alpha.lite\ncom.beta\ncom.gamma.app\n");
  CHECK(Body(site, device + "&format=txt&platform=web") == "alpha.example\n");
  auto txt = site.Get(device + "&format=txt&platform=ios");
  REQUIRE(txt);
  CHECK(txt->get_header_value("Content-Type") == "text/plain; charset=utf-8");

  auto csv = site.Get(device + "&format=csv&platform=ios&include=restricted");
  REQUIRE(csv);
  CHECK(csv->status == 200);
  CHECK(csv->get_header_value("Content-Type") == "text/csv; charset=utf-8");
  CHECK(csv->get_header_value("Content-Disposition") == "attachment; filename=\"bantrack-blocklist-ios.csv\"");
  CHECK(csv->body ==
        "identifier,platform,app,name,verdict,decisive\r\n"
        "com.alpha.ios,ios,alpha,\"Alpha, the App\",banned,ctry-2024-01-01-megacorp\r\n"
        "com.gamma,ios,gamma,Gamma,restricted,ctry-2024-02-01-ai\r\n");

  auto intune = site.Get(device + "&format=intune-csv&platform=android&include=restricted");
  REQUIRE(intune);
  CHECK(intune->status == 200);
  CHECK(intune->get_header_value("Content-Disposition") == "attachment; filename=\"bantrack-intune-android.csv\"");
  CHECK(
      intune->body ==
      "https://play.google.com/store/apps/details?id=com.alpha.android,\"Alpha, the App\",\"Sub \"\"Co\"\", Ltd.\"\r\n"
      "https://play.google.com/store/apps/details?id=com.gamma.app,Gamma,Indie\r\n");
  CHECK(intune->get_header_value("X-Bantrack-Skipped") == "beta");  // no Google Play URL
  auto intune_ios = site.Get(device + "&format=intune-csv&platform=ios");
  REQUIRE(intune_ios);
  CHECK(intune_ios->body == "https://apps.apple.com/app/id1,\"Alpha, the App\",\"Sub \"\"Co\"\", Ltd.\"\r\n");
  CHECK(intune_ios->get_header_value("X-Bantrack-Skipped") == "beta");

  CHECK(json::parse(Body(site, device + "&format=amapi")) ==
        json{{"applications",
              {{{"packageName", "com.alpha.android"}, {"installType", "BLOCKED"}},
               {{"packageName", "com.alpha.lite"}, {"installType", "BLOCKED"}},
               {{"packageName", "com.beta"}, {"installType", "BLOCKED"}}}}});
  CHECK(Body(site, device + "&format=amapi&platform=android") == Body(site, device + "&format=amapi"));

  const json doc = site.GetJson(device);  // format json is the default
  CHECK(doc["device"] == json{{"kind", "government"}, {"owner", "ctry-gov-it"}});
  CHECK(doc["platform"].is_null());
  CHECK(doc["as_of"] == "2024-12-01");
  CHECK(doc["include"] == json::array({"banned"}));
  CHECK(doc["snapshot"] == "1");
  CHECK(
      doc["apps"] ==
      json::array({{{"id", "alpha"},
                    {"name", "Alpha, the App"},
                    {"publisher", {{"id", "subco"}, {"name", "Sub \"Co\", Ltd."}}},
                    {"verdict", "banned"},
                    {"identifiers",
                     {"ios:com.alpha.ios", "android:com.alpha.android", "android:com.alpha.lite", "web:alpha.example"}},
                    {"store_urls",
                     {{"ios", "https://apps.apple.com/app/id1"},
                      {"android", "https://play.google.com/store/apps/details?id=com.alpha.android"}}},
                    {"decisive", {"ctry-2024-01-01-megacorp"}}},
                   {{"id", "beta"},
                    {"name", "Beta"},
                    {"publisher", {{"id", "megacorp"}, {"name", "Megacorp"}}},
                    {"verdict", "banned"},
                    {"identifiers", {"android:com.beta"}},
                    {"decisive", {"ctry-2024-01-01-megacorp"}}}}));
  const json android = site.GetJson(device + "&format=json&platform=android&include=restricted");
  CHECK(android["platform"] == "android");
  CHECK(android["include"] == json::array({"banned", "restricted"}));
  CHECK(Ids(android["apps"]) == std::vector<std::string>{"alpha", "beta", "gamma"});
  CHECK(android["apps"][0]["identifiers"] == json::array({"com.alpha.android", "com.alpha.lite"}));
  CHECK(android["apps"][0]["store_url"] == "https://play.google.com/store/apps/details?id=com.alpha.android");
  CHECK(!android["apps"][1].contains("store_url"));
  CHECK(android["apps"][2]["verdict"] == "restricted");

  // A public rule reaches devices located in its territory, only while it is in force.
  const std::string located = "/v1/blocklist?device=personal&location=prov&format=txt&platform=ios";
  CHECK(Body(site, located + "&as_of=2024-07-01") == "com.gamma\n");
  CHECK(Body(site, located + "&as_of=2024-10-01").empty());
  CHECK(Body(site, located + "&as_of=2024-04-01").empty());  // announced only
}

TEST_CASE("GET /v1/blocklist refuses incomplete or contradictory profiles") {
  const Site& site = SmallSite();
  const std::string base = "/v1/blocklist?as_of=2024-12-01";
  auto bad = [&](const std::string& query) { return ErrorPaths(Problem(site.Get(base + query), 400)); };
  CHECK(bad("&owner=ctry") == std::set<std::string>{"device"});
  CHECK(bad("&device=tablet") == std::set<std::string>{"device"});
  CHECK(bad("&device=government&format=txt") == std::set<std::string>{"platform"});
  CHECK(bad("&device=government&format=csv") == std::set<std::string>{"platform"});
  CHECK(bad("&device=government&format=intune-csv&platform=web") == std::set<std::string>{"platform"});
  CHECK(bad("&device=government&format=amapi&platform=ios") == std::set<std::string>{"platform"});
  CHECK(bad("&device=government&format=pdf") == std::set<std::string>{"format"});
  CHECK(bad("&device=government&platform=windows") == std::set<std::string>{"platform"});
  CHECK(bad("&device=government&include=everything") == std::set<std::string>{"include"});
  CHECK(bad("&device=government&as_of=yesterday") == std::set<std::string>{"as_of"});
  CHECK(ErrorPaths(Problem(site.Get(base + "&device=government&owner=atlantis"), 404)) ==
        std::set<std::string>{"owner"});
}

// ----- timeline and feed -----

TEST_CASE("GET /v1/timeline: one event per timeline entry, newest first, filtered by dates, app and issuer") {
  const Site& site = SmallSite();
  const json all = site.GetJson("/v1/timeline");
  std::vector<std::string> order;
  for (const json& event : all["items"])
    order.push_back(event["date"].get<std::string>() + " " + event["rule"].get<std::string>());
  CHECK(order == std::vector<std::string>{"2099-01-01 ctry-2099-01-01-delta", "2024-09-01 prov-2024-03-01-gamma",
                                          "2024-06-01 prov-2024-03-01-gamma", "2024-03-01 prov-2024-03-01-gamma",
                                          "2024-02-01 ctry-2024-02-01-ai", "2024-01-01 ctry-2024-01-01-megacorp"});
  CHECK(all["items"][1] ==
        json{{"date", "2024-09-01"},
             {"rule", "prov-2024-03-01-gamma"},
             {"title", "Provincia bans <Gamma> & \"friends\""},
             {"issuer", {{"id", "prov"}, {"name", "Provincia"}, {"kind", "province"}}},
             {"effect", "ban"},
             {"status", "lifted"},
             {"note", "repealed"},
             {"selector",
              {{"apps", {"gamma"}},
               {"publishers", json::array()},
               {"categories", json::array()},
               {"origin_countries", json::array()}}},
             {"sources", {{{"url", "https://news.example/gamma?a=1&b=2"}, {"title", "Gamma & co"}}}}});
  CHECK(!all["items"][2].contains("note"));

  auto rules_of = [&](const std::string& query) {
    std::vector<std::string> events;
    const json page = site.GetJson("/v1/timeline?" + query);
    for (const json& e : page["items"]) {
      events.push_back(e["date"].get<std::string>() + " " + e["status"].get<std::string>());
    }
    return events;
  };
  CHECK(rules_of("from=2024-02-01&to=2024-06-01") ==
        std::vector<std::string>{"2024-06-01 in-force", "2024-03-01 announced", "2024-02-01 in-force"});
  CHECK(rules_of("from=2024-06-01&to=2024-06-01") == std::vector<std::string>{"2024-06-01 in-force"});
  CHECK(rules_of("issuer=prov") ==
        std::vector<std::string>{"2024-09-01 lifted", "2024-06-01 in-force", "2024-03-01 announced"});
  // gamma: the province's rule names it, and the national AI rule selects it by category.
  CHECK(rules_of("app=gamma") == std::vector<std::string>{"2024-09-01 lifted", "2024-06-01 in-force",
                                                          "2024-03-01 announced", "2024-02-01 in-force"});
  CHECK(rules_of("app=ios:com.alpha.ios") == std::vector<std::string>{"2024-01-01 in-force"});

  CHECK(ErrorPaths(Problem(site.Get("/v1/timeline?from=2024-06-02&to=2024-06-01"), 400)) ==
        std::set<std::string>{"from"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/timeline?to=2024-13-01"), 400)) == std::set<std::string>{"to"});
  Problem(site.Get("/v1/timeline?issuer=atlantis"), 404);
  Problem(site.Get("/v1/timeline?app=nope"), 404);
}

TEST_CASE("GET /v1/timeline pages through the seed data without gaps or repeats") {
  const Site& site = SeedSite();
  size_t events = 0;
  for (const json& rule : Seed()["rules"]) events += rule["timeline"].size();
  const std::vector<json> paged = AllPages(site, "/v1/timeline", 9);
  REQUIRE(paged.size() == events);
  std::set<std::string> seen;
  for (size_t i = 0; i < paged.size(); ++i) {
    seen.insert(paged[i]["rule"].get<std::string>() + "@" + paged[i]["date"].get<std::string>());
    if (i > 0) {
      const auto& previous = paged[i - 1];
      const bool ordered = previous["date"] > paged[i]["date"] ||
                           (previous["date"] == paged[i]["date"] && previous["rule"] < paged[i]["rule"]);
      CHECK(ordered);
    }
  }
  CHECK(seen.size() == events);
  CHECK(paged == site.GetJson("/v1/timeline?limit=1000")["items"].get<std::vector<json>>());
}

TEST_CASE("GET /feed.atom: a well-formed Atom feed of the timeline up to today, everything escaped") {
  const Site& site = SmallSite();
  auto res = site.Get("/feed.atom", {{"Host", "bans.example.org:8443"}});
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == "application/atom+xml; charset=utf-8");
  const XmlElement feed = XmlReader(res->body).Document();
  CHECK(feed.name == "feed");
  CHECK(feed.attributes.at("xmlns") == "http://www.w3.org/2005/Atom");
  CHECK(!feed.One("id").text.empty());
  CHECK(!feed.One("title").text.empty());
  CHECK(feed.One("updated").text == "2024-09-01T00:00:00Z");  // the newest event up to today
  CHECK(!feed.One("author").One("name").text.empty());
  std::map<std::string, std::string> links;
  for (const XmlElement* link : feed.All("link")) links[link->attributes.at("rel")] = link->attributes.at("href");
  CHECK(links.at("self") == "http://bans.example.org:8443/feed.atom");

  // The events of /v1/timeline, without the one dated 2099.
  const auto entries = feed.All("entry");
  REQUIRE(entries.size() == 5);
  const json timeline = site.GetJson("/v1/timeline");
  std::set<std::string> ids;
  for (size_t i = 0; i < entries.size(); ++i) {
    const XmlElement& entry = *entries[i];
    const json& event = timeline["items"][i + 1];
    CAPTURE(i);
    const std::string id = entry.One("id").text;
    CHECK(id == "tag:bantrack,2025:rule/" + event["rule"].get<std::string>() + "/" + event["date"].get<std::string>() +
                    "/" + event["status"].get<std::string>());
    ids.insert(id);
    CHECK(entry.One("updated").text == event["date"].get<std::string>() + "T00:00:00Z");
    std::vector<std::string> related;
    std::string alternate;
    for (const XmlElement* link : entry.All("link")) {
      if (link->attributes.at("rel") == "related") related.push_back(link->attributes.at("href"));
      if (link->attributes.at("rel") == "alternate") alternate = link->attributes.at("href");
    }
    CHECK(alternate == "http://bans.example.org:8443/v1/rules/" + event["rule"].get<std::string>());
    std::vector<std::string> sources;
    for (const json& source : event["sources"]) sources.push_back(source["url"]);
    CHECK(related == sources);
  }
  CHECK(ids.size() == entries.size());  // entry ids are unique
  const XmlElement& lifted = *entries[0];
  CHECK(lifted.One("title").text == "Provincia: Gamma ban lifted");
  CHECK(lifted.One("summary").text == "repealed\n\nA <ban> & more");
  CHECK(entries[2]->One("title").text == "Provincia: Gamma ban announced");
  CHECK(entries[3]->One("title").text == "Countria: ai-assistant apps restriction in force");
  CHECK(entries[3]->One("summary").text == "Only with approval.");
  CHECK(entries[4]->One("title").text == "Countria: apps of Megacorp ban in force");
  CHECK(entries[4]->One("summary").text == "Countria bans Megacorp apps on government devices");  // no summary: title

  // Without a Host header worth using, links fall back to 127.0.0.1.
  auto odd_host = site.Get("/feed.atom", {{"Host", "evil\"><x"}});
  REQUIRE(odd_host);
  CHECK(odd_host->body.find("href=\"http://127.0.0.1/feed.atom\"") != std::string::npos);
  CHECK_NOTHROW(XmlReader(odd_host->body).Document());
}

TEST_CASE("GET /feed.atom on the seed data: the newest 50 events") {
  const Site& site = SeedSite();
  auto res = site.Get("/feed.atom");
  REQUIRE(res);
  const XmlElement feed = XmlReader(res->body).Document();
  const auto entries = feed.All("entry");
  REQUIRE(entries.size() == 50);
  const json timeline = site.GetJson("/v1/timeline?limit=50");
  for (size_t i = 0; i < entries.size(); ++i) {
    CHECK(entries[i]->One("updated").text == timeline["items"][i]["date"].get<std::string>() + "T00:00:00Z");
  }
  CHECK(entries[0]->One("title").text == "Taiwan: RedNote (Xiaohongshu) ban in force");
}

// ----- export, import, changes -----

TEST_CASE("GET /v1/export: the bundle and the CSV that `bantrack export` writes") {
  const Site& site = SeedSite();
  auto bundle = site.Get("/v1/export");
  REQUIRE(bundle);
  CHECK(bundle->status == 200);
  CHECK(bundle->get_header_value("Content-Type") == "application/json");
  CHECK(bundle->get_header_value("Content-Disposition") == "attachment; filename=\"bantrack-1.json\"");
  CHECK(bundle->body == Run({"--db", site.db, "export"}).out);
  CHECK(json::parse(bundle->body) == Seed());  // the seed is canonical: export gives it back

  auto csv = site.Get("/v1/export?format=csv&as_of=2025-01-01");
  REQUIRE(csv);
  CHECK(csv->get_header_value("Content-Type") == "text/csv; charset=utf-8");
  CHECK(csv->get_header_value("Content-Disposition") == "attachment; filename=\"bantrack-1.csv\"");
  CHECK(csv->body == Run({"--db", site.db, "export", "--format", "csv", "--as-of", "2025-01-01"}).out);
  CHECK(ErrorPaths(Problem(site.Get("/v1/export?format=xml"), 400)) == std::set<std::string>{"format"});
}

TEST_CASE("POST /v1/import: tokens, roles, content type, all-or-nothing validation, and the edit log") {
  Site site(kSmallBundle);
  const std::string app = R"json({"format": "bantrack/v1", "apps": [
      {"id": "epsilon", "name": "Epsilon", "publisher": "indie", "identifiers": {"ios": ["com.epsilon"]}}]})json";

  // Who may import.
  Problem(site.Import("?reason=x", app, ""), 401);
  Problem(site.Import("?reason=x", app, "reader"), 403);
  const json weak = Problem(site.Import("?reason=x&mode=replace", app, "editor"), 403);
  CHECK(weak["detail"].get<std::string>().find("admin") != std::string::npos);
  Problem(site.Import("?reason=x", app, "editor", "text/plain"), 415);
  CHECK(ErrorPaths(Problem(site.Import("", app, "editor"), 400)) == std::set<std::string>{"reason"});
  CHECK(ErrorPaths(Problem(site.Import("?reason=x&mode=upsert", app, "editor"), 400)) == std::set<std::string>{"mode"});
  CHECK(ErrorPaths(Problem(site.Import("?reason=x", "{\"format\": ", "editor"), 400)) == std::set<std::string>{"$"});

  // An invalid bundle: every problem, each at its path, and nothing written.
  const std::string before = Body(site, "/v1/export");
  const json invalid = Problem(site.Import("?reason=x", R"json({"format": "bantrack/v1",
      "entities": [{"id": "e1", "name": "E", "kind": "nation"}],
      "apps": [{"id": "zeta", "name": "Zeta", "publisher": "nobody"},
               {"id": "Eta", "name": "Eta", "publisher": "indie"}],
      "rules": [{"id": "r1", "issuer": "ctry", "title": "T", "instrument": "law", "effect": "ban",
                 "scope": ["goverment-devices"], "apps": ["zeta"],
                 "timeline": [{"date": "2025-02-30", "status": "in-force"}],
                 "sources": [{"url": "https://x.example", "title": "x"}], "colour": "red"}]})json",
                                           "editor"),
                               422);
  CHECK(ErrorPaths(invalid) == std::set<std::string>{"entities[0].kind", "apps[0].publisher", "apps[1].id",
                                                     "rules[0].scope[0]", "rules[0].timeline[0].date",
                                                     "rules[0].colour"});
  CHECK(Body(site, "/v1/export") == before);

  // A merge adds what is new and replaces what exists.
  const json merged = site.GetJson("/v1/changes");
  const uint64_t seq = merged["next_since"];
  auto ok = site.Import("?reason=add%20epsilon", app, "editor");
  REQUIRE(ok);
  REQUIRE(ok->status == 200);
  const json summary = json::parse(ok->body);
  CHECK(summary == json{{"mode", "merge"},
                        {"added", 1},
                        {"replaced", 0},
                        {"removed", 0},
                        {"version", seq + 1},
                        {"snapshot", std::to_string(seq + 1)}});
  CHECK(ok->get_header_value("X-Bantrack-Snapshot") == std::to_string(seq + 1));
  CHECK(site.GetJson("/v1/apps/epsilon")["name"] == "Epsilon");

  const json changes = site.GetJson("/v1/changes?since=" + std::to_string(seq));
  REQUIRE(changes["changes"].size() == 1);
  const json& change = changes["changes"][0];
  CHECK(change["seq"] == seq + 1);
  CHECK(change["actor"] == "token:editor-bot");
  CHECK(change["action"] == "import");
  CHECK(change["record_type"].is_null());
  CHECK(change["record_id"].is_null());
  CHECK(change["reason"] == "add epsilon");
  CHECK(change["before"].is_null());
  CHECK(change["after"] == json{{"added", 1}, {"replaced", 0}, {"removed", 0}});
  CHECK(change["at"].get<std::string>().ends_with("Z"));
  CHECK(changes["next_since"] == seq + 1);
  CHECK(changes["snapshot"] == std::to_string(seq + 1));
  CHECK(site.GetJson("/v1/changes?since=" + std::to_string(seq + 1))["changes"] == json::array());
  CHECK(site.GetJson("/v1/changes?since=" + std::to_string(seq + 1))["next_since"] == seq + 1);

  // A write of one record shows up with its before and after.
  httplib::Headers auth = {{"Authorization", "Bearer " + site.tokens.at("editor")}};
  auto updated = site.server->Client()->Put(
      "/v1/apps/epsilon?reason=rename", auth,
      R"({"id": "epsilon", "name": "Epsilon 2", "publisher": "indie", "identifiers": {"ios": ["com.epsilon"]}})",
      "application/json");
  REQUIRE(updated);
  REQUIRE(updated->status == 200);
  const json update = site.GetJson("/v1/changes?since=" + std::to_string(seq + 1))["changes"][0];
  CHECK(update["action"] == "update");
  CHECK(update["record_type"] == "app");
  CHECK(update["record_id"] == "epsilon");
  CHECK(update["before"]["name"] == "Epsilon");
  CHECK(update["after"]["name"] == "Epsilon 2");
  // Paging through the log with limit.
  const json first = site.GetJson("/v1/changes?limit=1");
  REQUIRE(first["changes"].size() == 1);
  CHECK(first["next_since"] == first["changes"][0]["seq"]);
  CHECK(ErrorPaths(Problem(site.Get("/v1/changes?since=-1"), 400)) == std::set<std::string>{"since"});
  CHECK(ErrorPaths(Problem(site.Get("/v1/changes?limit=5000"), 400)) == std::set<std::string>{"limit"});

  // Replace (admin only) swaps the data set: everything not in the bundle is removed.
  const json exported = json::parse(Body(site, "/v1/export"));
  size_t stored = 0;
  for (const char* list : {"entities", "publishers", "apps", "rules"}) stored += exported[list].size();
  auto replaced = site.Import("?reason=start%20over&mode=replace", kSmallBundle, "admin");
  REQUIRE(replaced);
  REQUIRE(replaced->status == 200);
  const json replace_summary = json::parse(replaced->body);
  CHECK(replace_summary["mode"] == "replace");
  CHECK(replace_summary["added"] == 0);
  CHECK(replace_summary["replaced"] == stored - 1);
  CHECK(replace_summary["removed"] == 1);  // epsilon
  Problem(site.Get("/v1/apps/epsilon"), 404);
  const json last = site.GetJson("/v1/changes?since=" + std::to_string(seq + 2))["changes"];
  REQUIRE(last.size() == 1);
  CHECK(last[0]["action"] == "replace");
  CHECK(last[0]["actor"] == "token:admin-bot");
}

TEST_CASE("a read-only replica answers reads, but has no edit log to show and takes no imports") {
  const Site& primary = SmallSite();
  TempDir dir;
  ServerProcess replica(dir.File("replica.db"), {"--follow", primary.server->url(), "--poll-ms", "200"});
  auto client = replica.Client();
  auto apps = client->Get("/v1/apps");
  REQUIRE(apps);
  CHECK(apps->status == 200);
  CHECK(apps->body == primary.Get("/v1/apps")->body);
  auto changes = client->Get("/v1/changes");
  const json problem = Problem(changes, 503);
  CHECK(problem["type"] == "urn:bantrack:problem:unavailable");
  CHECK(problem["detail"].get<std::string>().find(primary.server->url() + "/v1/changes") != std::string::npos);
  CHECK(changes->get_header_value("Location") == primary.server->url() + "/v1/changes");
  Problem(client->Post("/v1/import?reason=x", {{"Authorization", "Bearer " + primary.tokens.at("admin")}},
                       kSmallBundle, "application/json"),
          403);
}

}  // namespace
}  // namespace bantrack::testing
