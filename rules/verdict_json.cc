#include "rules/verdict_json.h"

#include "rules/json_writer.h"

namespace bantrack::rules {

using nlohmann::ordered_json;

namespace {

void WriteDevice(PrettyJson& out, const DeviceSpec& device) {
  out.BeginObject();
  out.Key("kind");
  out.String(Name(device.kind));
  for (auto [key, value] : {std::pair{"owner", &device.owner}, std::pair{"location", &device.location},
                            std::pair{"network", &device.network}}) {
    if (value->empty()) continue;
    out.Key(key);
    out.String(*value);
  }
  if (!device.tags.empty()) {
    out.Key("tags");
    out.Strings(device.tags);
  }
  out.EndObject();
}

}  // namespace

ordered_json DeviceJson(const DeviceSpec& device) {
  std::string text;
  PrettyJson out(text);
  WriteDevice(out, device);
  return ordered_json::parse(text);
}

std::string VerdictJson(const Snapshot& snapshot, Index app, const DeviceSpec& asked, Date as_of,
                        const Decision& decision) {
  const Model& model = snapshot.model();
  std::string text;
  text.reserve(1024 + 512 * decision.matches.size());
  PrettyJson out(text);
  out.BeginObject();
  out.Key("verdict");
  out.String(Name(decision.verdict));
  out.Key("app");
  out.BeginObject();
  out.Key("id");
  out.String(model.apps[app].id);
  out.Key("name");
  out.String(model.apps[app].name);
  out.EndObject();
  out.Key("device");
  WriteDevice(out, asked);
  out.Key("as_of");
  out.String(as_of.ToString());
  out.Key("decisive");
  out.BeginArray();
  for (size_t i = 0; i < decision.decisive_count(); ++i) out.String(model.rules[decision.matches[i].rule].id);
  out.EndArray();
  out.Key("matches");
  out.BeginArray();
  for (const Match& match : decision.matches) {
    const Rule& rule = model.rules[match.rule];
    out.BeginObject();
    out.Key("rule");
    out.String(rule.id);
    out.Key("issuer");
    out.String(rule.issuer);
    out.Key("effect");
    out.String(Name(rule.effect));
    out.Key("status");
    out.String(Name(match.status));
    out.Key("role");
    out.String(Name(match.role));
    if (match.role == Role::kLifted) {
      out.Key("lifted_by");
      out.String(model.rules[match.lifted_by].id);
    }
    out.Key("scope");
    out.String(Name(match.scope));
    out.Key("device_path");
    out.Strings(snapshot.DevicePath(match));
    out.Key("app_path");
    out.Strings(snapshot.AppPath(app, match));
    out.Key("sources");
    out.BeginArray();
    for (const Source& source : rule.sources) {
      // The source as in a bundle (docs/BUNDLE.md): url, title, then outlet and published when present.
      out.BeginObject();
      out.Key("url");
      out.String(source.url);
      out.Key("title");
      out.String(source.title);
      if (!source.outlet.empty()) {
        out.Key("outlet");
        out.String(source.outlet);
      }
      if (source.published) {
        out.Key("published");
        out.String(source.published->ToString());
      }
      out.EndObject();
    }
    out.EndArray();
    out.EndObject();
  }
  out.EndArray();
  out.Key("snapshot");
  out.String(snapshot.version());
  out.EndObject();
  text += '\n';
  return text;
}

}  // namespace bantrack::rules
