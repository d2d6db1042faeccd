// The readable form of a verdict: what the answer is, which rules decided it and how they reach the device and
// the app, and where to read the sources.
#include <algorithm>
#include <sstream>

#include "cli/cli.h"
#include "rules/text.h"

namespace bantrack::cli {
namespace {

// `text` wrapped at word boundaries to lines of about `width` characters, every line after the first indented.
std::string Wrapped(const std::string& text, size_t width, const std::string& indent) {
  std::string out, line;
  std::istringstream words(text);
  for (std::string word; words >> word;) {
    if (!line.empty() && line.size() + 1 + word.size() > width) {
      out += line + "\n" + indent;
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  return out + line;
}

std::string Headline(Verdict verdict) {
  switch (verdict) {
    case Verdict::kBanned: return "BANNED — the app may not be on this device";
    case Verdict::kRestricted: return "RESTRICTED — allowed only under the conditions of the rules below";
    case Verdict::kUnderReview: return "UNDER REVIEW — allowed today, but a restriction is pending";
    case Verdict::kAllowed: return "ALLOWED — no restriction applies";
  }
  return "";
}

std::string DescribeDevice(const Snapshot& snapshot, const DeviceSpec& device) {
  auto entity = [&](const std::string& id) {
    auto index = snapshot.FindEntity(id);
    return index ? snapshot.model().entities[*index].name + " (" + id + ")" : id;
  };
  std::string out = std::string(Name(device.kind)) + " device";
  if (!device.owner.empty()) out += ", owned by " + entity(device.owner);
  if (!device.location.empty()) out += ", located in " + entity(device.location);
  if (!device.network.empty()) out += ", on the network of " + entity(device.network);
  if (!device.tags.empty()) out += ", tagged " + rules::Joined(device.tags, ", ");
  return out;
}

void DescribeMatch(std::ostream& out, const Snapshot& snapshot, Index app, const Match& match, Date as_of) {
  const Model& model = snapshot.model();
  const Rule& rule = model.rules[match.rule];
  const Entity& issuer = model.entities[*snapshot.FindEntity(rule.issuer)];
  out << "  " << rule.id << "  [" << Name(match.role);
  if (match.role == Role::kLifted) out << " by " << model.rules[match.lifted_by].id;
  out << "]\n";
  out << "    " << rule.title << "\n";
  out << "    " << Name(rule.effect) << " by " << issuer.name << " (" << issuer.id << "), " << Name(rule.instrument);
  if (const TimelineEntry* entry = EntryAt(rule, as_of)) {
    out << ", " << Name(entry->status) << " since " << entry->date.ToString();
  }
  out << "\n";
  out << "    device: " << rules::Joined(snapshot.DevicePath(match), " → ") << "  (scope " << Name(match.scope)
      << ")\n";
  out << "    app:    " << rules::Joined(snapshot.AppPath(app, match), " → ") << "\n";
  if (!rule.summary.empty()) out << "    note:   " << Wrapped(rule.summary, 100, "            ") << "\n";
  for (const Source& source : rule.sources) {
    out << "    source: " << source.title;
    if (!source.outlet.empty()) out << " — " << source.outlet;
    if (source.published) out << ", " << source.published->ToString();
    out << "\n            " << source.url << "\n";
  }
}

}  // namespace

std::string VerdictLine(const Snapshot& snapshot, Index app, const DeviceSpec& device, Date as_of,
                        const Decision& decision) {
  std::string verdict(Name(decision.verdict));
  verdict.resize(std::max<size_t>(verdict.size(), 12), ' ');
  std::string line = verdict + " " + snapshot.model().apps[app].id + " on a " + DescribeDevice(snapshot, device) +
                     ", as of " + as_of.ToString();
  std::vector<std::string> decisive;
  for (size_t i = 0; i < decision.decisive_count(); ++i) decisive.push_back(snapshot.model().rules[decision.matches[i].rule].id);
  if (!decisive.empty()) line += "  <- " + rules::Joined(decisive, ", ");
  return line + "\n";
}

std::string VerdictText(const Snapshot& snapshot, Index app, const DeviceSpec& device, Date as_of,
                        const Decision& decision) {
  const App& record = snapshot.model().apps[app];
  std::ostringstream out;
  out << Headline(decision.verdict) << "\n";
  out << "  app:    " << record.name << " (" << record.id << ")\n";
  out << "  device: " << DescribeDevice(snapshot, device) << "\n";
  out << "  as of:  " << as_of.ToString() << "\n";
  const size_t decisive = decision.decisive_count();
  if (decisive > 0) {
    out << "\nDecided by:\n";
    for (size_t i = 0; i < decisive; ++i) DescribeMatch(out, snapshot, app, decision.matches[i], as_of);
  }
  if (decision.matches.size() > decisive) {
    out << "\nAlso matching:\n";
    for (size_t i = decisive; i < decision.matches.size(); ++i) {
      DescribeMatch(out, snapshot, app, decision.matches[i], as_of);
    }
  }
  if (decision.matches.empty()) out << "\nNo rule in the data covers this app on this device on this date.\n";
  out << "\nData: snapshot " << snapshot.version() << "\n";
  return out.str();
}

}  // namespace bantrack::cli
