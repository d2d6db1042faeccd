#include "rules/csv.h"

#include <algorithm>
#include <iterator>
#include <string_view>
#include <vector>

#include "rules/text.h"

namespace bantrack::rules {
namespace {

constexpr std::string_view kHeader[] = {
    "id", "issuer", "issuer_name", "issuer_kind", "title", "instrument", "effect", "scope", "apps", "publishers",
    "categories", "origin_countries", "device_tags", "status", "since", "first_date", "timeline", "sources", "summary",
};

// Lists in a cell: "a; b; c".
constexpr std::string_view kListSeparator = "; ";

void AppendRow(std::string& csv, const std::vector<std::string>& cells) {
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) csv += ',';
    csv += CsvField(cells[i]);
  }
  csv += "\r\n";
}

}  // namespace

std::string CsvField(std::string_view text) {
  std::string cell;
  if (!text.empty() && std::string_view("=+-@").find(text.front()) != std::string_view::npos) cell += '\'';
  cell += text;
  if (cell.find_first_of(",\"\r\n") == std::string::npos) return cell;
  std::string quoted = "\"";
  for (char c : cell) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  quoted += '"';
  return quoted;
}

std::string WriteRulesCsv(const Snapshot& snapshot, Date as_of) {
  const Model& model = snapshot.model();
  std::string csv;
  AppendRow(csv, std::vector<std::string>(std::begin(kHeader), std::end(kHeader)));
  for (Index r = 0; r < model.rules.size(); ++r) {
    const Rule& rule = model.rules[r];
    const Entity& issuer = model.entities[*snapshot.FindEntity(rule.issuer)];
    const std::optional<RuleStatus> status = snapshot.StatusAt(r, as_of);
    // The entry that set the status: the last one dated on or before as_of (timelines ascend).
    auto after = std::upper_bound(rule.timeline.begin(), rule.timeline.end(), as_of,
                                  [](Date date, const TimelineEntry& entry) { return date < entry.date; });
    const std::string since = after == rule.timeline.begin() ? "" : std::prev(after)->date.ToString();
    AppendRow(csv, {
                       rule.id,
                       rule.issuer,
                       issuer.name,
                       std::string(Name(issuer.kind)),
                       rule.title,
                       std::string(Name(rule.instrument)),
                       std::string(Name(rule.effect)),
                       Joined(rule.scope, kListSeparator, [](Scope s) { return Name(s); }),
                       Joined(rule.apps, kListSeparator),
                       Joined(rule.publishers, kListSeparator),
                       Joined(rule.categories, kListSeparator),
                       Joined(rule.origin_countries, kListSeparator),
                       Joined(rule.device_tags, kListSeparator),
                       status ? std::string(Name(*status)) : "not-yet",
                       since,
                       rule.timeline.empty() ? "" : rule.timeline.front().date.ToString(),
                       Joined(rule.timeline, kListSeparator,
                              [](const TimelineEntry& e) {
                                return e.date.ToString() + " " + std::string(Name(e.status));
                              }),
                       Joined(rule.sources, kListSeparator,
                              [](const Source& s) -> const std::string& { return s.url; }),
                       rule.summary,
                   });
  }
  return csv;
}

}  // namespace bantrack::rules
