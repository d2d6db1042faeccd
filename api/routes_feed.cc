// What happened when: GET /v1/timeline (every dated step of every rule, newest first), GET /feed.atom (the newest of
// those steps as an Atom 1.0 feed, RFC 4287), and GET /v1/changes (the edit log: who changed the data, when, why).
#include <algorithm>
#include <cctype>

#include "api/http.h"
#include "api/listing.h"
#include "api/params.h"
#include "api/views.h"
#include "rules/text.h"

namespace bantrack::api {
namespace {

constexpr size_t kFeedEntries = 50;

// One step of a rule's timeline.
struct Event {
  Index rule;
  size_t entry;  // into the rule's timeline
  Date date;
};

struct EventFilter {
  std::optional<Date> from, to;  // inclusive
  std::optional<Index> app;      // rules selecting this app
  std::optional<Index> issuer;   // rules of this issuer
};

// The events that pass `filter`, newest first, then by rule id. A rule has one entry per date, so (date, rule)
// names an event.
std::vector<Event> Events(const Snapshot& snapshot, const EventFilter& filter) {
  const Model& model = snapshot.model();
  std::vector<Event> events;
  for (Index r = 0; r < model.rules.size(); ++r) {
    const Rule& rule = model.rules[r];
    if (filter.issuer && rule.issuer != model.entities[*filter.issuer].id) continue;
    if (filter.app && !snapshot.Selects(r, *filter.app)) continue;
    for (size_t e = 0; e < rule.timeline.size(); ++e) {
      const Date date = rule.timeline[e].date;
      if ((filter.from && date < *filter.from) || (filter.to && date > *filter.to)) continue;
      events.push_back({r, e, date});
    }
  }
  std::sort(events.begin(), events.end(),
            [](const Event& a, const Event& b) { return a.date != b.date ? a.date > b.date : a.rule < b.rule; });
  return events;
}

// The key of an event in the timeline's order: newest first, so the date counts down from a bound above every
// date (year 9999 is about 2.93 million days after 1970; year 1 about 0.72 million before), fixed width.
std::string EventKey(const Event& event, const Rule& rule) {
  const std::string countdown = std::to_string(3'000'000 - event.date.days);
  return std::string(7 - countdown.size(), '0') + countdown + " " + rule.id;
}

nlohmann::ordered_json EventView(const Snapshot& snapshot, const Event& event) {
  const Rule& rule = snapshot.model().rules[event.rule];
  const TimelineEntry& entry = rule.timeline[event.entry];
  nlohmann::ordered_json view = {{"date", entry.date.ToString()}, {"rule", rule.id}, {"title", rule.title}};
  view["issuer"] = IssuerView(snapshot, rule);
  view["effect"] = Name(rule.effect);
  view["status"] = Name(entry.status);
  if (!entry.note.empty()) view["note"] = entry.note;
  view["selector"] = SelectorView(rule);
  view["sources"] = RecordView(rule)["sources"];
  return view;
}

Result<Reply> GetTimeline(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  Result<Pager> pager = Pager::FromRequest(request, "timeline");
  if (!pager.ok()) return std::move(pager).take_error();
  EventFilter filter;
  for (auto [name, bound] : {std::pair{"from", &filter.from}, std::pair{"to", &filter.to}}) {
    if (!request.Has(name)) continue;
    Result<Date> date = DateParam(request, name);
    if (!date.ok()) return std::move(date).take_error();
    *bound = date.value();
  }
  if (filter.from && filter.to && *filter.from > *filter.to) {
    return BadParam("from", filter.from->ToString() + " is after to (" + filter.to->ToString() + ")");
  }
  Result<std::optional<Index>> app = AppParam(request, "app");
  if (!app.ok()) return std::move(app).take_error();
  filter.app = app.value();
  Result<std::optional<Index>> issuer = RecordParam(request, "issuer", RecordType::kEntity);
  if (!issuer.ok()) return std::move(issuer).take_error();
  filter.issuer = issuer.value();

  nlohmann::ordered_json items = nlohmann::ordered_json::array();
  for (const Event& event : Events(snapshot, filter)) {
    if (pager->Take(EventKey(event, snapshot.model().rules[event.rule]))) {
      items.push_back(EventView(snapshot, event));
    }
  }
  return JsonReply(pager->Finish({}, std::move(items), snapshot));
}

// ----- Atom -----

// Text for XML content and attribute values: markup characters escaped, and the control characters XML 1.0 cannot
// carry at all dropped.
std::string Xml(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default:
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

// "http://<Host header>", or http://127.0.0.1 when the header is missing or not a plain host[:port].
std::string BaseUrl(const httplib::Request& req) {
  const std::string host = req.get_header_value("Host");
  const bool plain = !host.empty() && host.size() <= 255 && std::all_of(host.begin(), host.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
  });
  return "http://" + (plain ? host : std::string("127.0.0.1"));
}

// What a rule selects, in words: "DeepSeek, RedNote (Xiaohongshu), apps of ByteDance Ltd., apps from CN".
std::string SelectorText(const Snapshot& snapshot, const Rule& rule) {
  const Model& model = snapshot.model();
  std::vector<std::string> parts;
  for (const std::string& app : rule.apps) parts.push_back(model.apps[*snapshot.FindApp(app)].name);
  for (const std::string& publisher : rule.publishers) {
    parts.push_back("apps of " + model.publishers[*snapshot.FindPublisher(publisher)].name);
  }
  if (!rule.categories.empty() || !rule.origin_countries.empty()) {
    std::string attributes = rule.categories.empty() ? "apps" : rules::Joined(rule.categories, "/") + " apps";
    if (!rule.origin_countries.empty()) {
      std::vector<std::string> countries = rule.origin_countries;
      for (std::string& country : countries) {
        std::transform(country.begin(), country.end(), country.begin(),
                       [](unsigned char c) { return std::toupper(c); });
      }
      attributes += " from " + rules::Joined(countries, ", ");
    }
    parts.push_back(std::move(attributes));
  }
  return rules::Joined(parts, ", ");
}

// "Texas: DeepSeek, Lemon8, RedNote (Xiaohongshu) ban in force".
std::string EntryTitle(const Snapshot& snapshot, const Rule& rule, RuleStatus status) {
  static constexpr std::string_view kEffectWords[] = {"ban", "restriction", "exemption"};
  std::string status_words(Name(status));
  std::replace(status_words.begin(), status_words.end(), '-', ' ');
  const Entity& issuer = snapshot.model().entities[*snapshot.FindEntity(rule.issuer)];
  return issuer.name + ": " + SelectorText(snapshot, rule) + " " +
         std::string(kEffectWords[static_cast<size_t>(rule.effect)]) + " " + status_words;
}

void AppendEntry(std::string& xml, const Snapshot& snapshot, const Event& event, const std::string& base) {
  const Rule& rule = snapshot.model().rules[event.rule];
  const TimelineEntry& entry = rule.timeline[event.entry];
  const std::string date = entry.date.ToString();
  const std::string status(Name(entry.status));
  xml += "  <entry>\n";
  xml += "    <id>tag:bantrack,2025:rule/" + Xml(rule.id) + "/" + date + "/" + status + "</id>\n";
  xml += "    <title>" + Xml(EntryTitle(snapshot, rule, entry.status)) + "</title>\n";
  xml += "    <updated>" + date + "T00:00:00Z</updated>\n";
  xml +=
      "    <link rel=\"alternate\" type=\"text/html\" href=\"" + Xml(base + "/#/rule/" + rule.id) + "\"/>\n"
      "    <link rel=\"alternate\" type=\"application/json\" href=\"" + Xml(base + "/v1/rules/" + rule.id) + "\"/>\n";
  for (const Source& source : rule.sources) {
    xml += "    <link rel=\"related\" href=\"" + Xml(source.url) + "\" title=\"" + Xml(source.title) + "\"/>\n";
  }
  xml += "    <category term=\"" + std::string(Name(rule.effect)) + "\"/>\n";
  xml += "    <category term=\"" + status + "\"/>\n";
  // The step's note, then what the instrument says; the title when the rule has no summary.
  std::string summary = entry.note;
  const std::string& about = rule.summary.empty() ? rule.title : rule.summary;
  summary += (summary.empty() ? "" : "\n\n") + about;
  xml += "    <summary type=\"text\">" + Xml(summary) + "</summary>\n";
  xml += "  </entry>\n";
}

// The newest events up to today (a timeline may hold dates still to come: those are not news yet).
Result<Reply> GetFeed(Request& request) {
  const Snapshot& snapshot = *request.snapshot;
  EventFilter filter;
  filter.to = request.today;
  std::vector<Event> events = Events(snapshot, filter);
  if (events.size() > kFeedEntries) events.resize(kFeedEntries);
  const std::string base = BaseUrl(request.http);
  const Date updated = events.empty() ? request.today : events.front().date;

  std::string xml = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n";
  xml += "  <id>tag:bantrack,2025:feed</id>\n";
  xml += "  <title>bantrack: government restrictions on apps</title>\n";
  xml +=
      "  <subtitle>Bans and restrictions of apps by governments, as they are announced, take effect and end"
      "</subtitle>\n";
  xml += "  <updated>" + updated.ToString() + "T00:00:00Z</updated>\n";
  xml += "  <link rel=\"self\" type=\"application/atom+xml\" href=\"" + Xml(base + "/feed.atom") + "\"/>\n";
  xml += "  <link rel=\"alternate\" type=\"text/html\" href=\"" + Xml(base + "/") + "\"/>\n";
  xml += "  <author><name>bantrack</name></author>\n";
  xml += "  <generator>bantrack</generator>\n";
  for (const Event& event : events) AppendEntry(xml, snapshot, event, base);
  xml += "</feed>\n";

  Reply reply;
  reply.content_type = "application/atom+xml; charset=utf-8";
  reply.body = std::move(xml);
  return reply;
}

// ----- the edit log -----

// The stored before/after text as JSON (keys in the order stored): null when empty.
nlohmann::ordered_json StoredJson(const std::string& text) {
  if (text.empty()) return nullptr;
  nlohmann::ordered_json parsed = nlohmann::ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
  // The log holds what the catalog rendered; text that is not JSON would come from outside it, so show it as is.
  return parsed.is_discarded() ? nlohmann::ordered_json(text) : parsed;
}

nlohmann::ordered_json EmptyAsNull(const std::string& text) {
  return text.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(text);
}

// A replica has no edit log: 503, pointing at the primary's. Sent as a reply rather than returned as an Error because
// the server keeps the details of every 5xx Error to its log, and this one is for the client (it names no internals).

Result<Reply> GetChanges(Request& request) {
  db::Catalog* catalog = request.source.catalog;
  if (catalog == nullptr) {
    return Error(ErrorCode::kUnavailable, "this server is a read-only replica without the edit log; read it at " +
                                              request.source.primary_url + "/v1/changes");
  }
  Result<uint64_t> since = NumberParam(request, "since", 0, 0, UINT64_MAX);
  if (!since.ok()) return std::move(since).take_error();
  Result<size_t> limit = LimitParam(request);
  if (!limit.ok()) return std::move(limit).take_error();
  Result<std::vector<db::LogEntry>> entries = [&] {
    std::lock_guard lock(catalog->store_mutex());
    return catalog->store().Changes(since.value(), limit.value());
  }();
  if (!entries.ok()) return std::move(entries).take_error();

  nlohmann::ordered_json changes = nlohmann::ordered_json::array();
  for (const db::LogEntry& entry : entries.value()) {
    changes.push_back({{"seq", entry.seq},
                       {"at", entry.at},
                       {"actor", entry.actor},
                       {"action", entry.action},
                       {"record_type", EmptyAsNull(entry.record_type)},
                       {"record_id", EmptyAsNull(entry.record_id)},
                       {"reason", entry.reason},
                       {"before", StoredJson(entry.before)},
                       {"after", StoredJson(entry.after)}});
  }
  nlohmann::ordered_json doc;
  doc["changes"] = std::move(changes);
  doc["next_since"] = entries->empty() ? since.value() : entries->back().seq;
  doc["snapshot"] = request.snapshot->version();
  return JsonReply(doc);
}

}  // namespace

void AddFeedRoutes(std::vector<Route>& routes) {
  routes.push_back(
      {"GET", "/v1/timeline", {"from", "to", "app", "issuer", "limit", "cursor"}, Access::kPublic, GetTimeline});
  routes.push_back({"GET", "/v1/changes", {"since", "limit"}, Access::kPublic, GetChanges, /*json_body=*/false,
                    /*live=*/true});
  routes.push_back({"GET", "/feed.atom", {}, Access::kPublic, GetFeed});
}

}  // namespace bantrack::api
