#include "rules/batch_json.h"

#include <algorithm>
#include <vector>

namespace bantrack::rules {
namespace {

// Length of the valid UTF-8 sequence starting at text[i], or 0 when it is not valid (overlong, surrogate, ...).
size_t Utf8Length(std::string_view text, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  size_t length;
  uint32_t code;
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) {
    length = 2;
    code = lead & 0x1F;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3;
    code = lead & 0x0F;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4;
    code = lead & 0x07;
  } else {
    return 0;
  }
  if (i + length > text.size()) return 0;
  for (size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
    code = (code << 6) | (byte(i + k) & 0x3F);
  }
  static constexpr uint32_t kSmallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (code < kSmallest[length] || code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return 0;
  return length;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\u00";
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
      ++i;
    } else if (const size_t length = Utf8Length(text, i); length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
  }
  out += '"';
}

void AppendBatchItem(std::string& out, const Snapshot& snapshot, std::string_view asked, std::optional<Index> app,
                     const Decision* decision) {
  out += "{\"app\":";
  AppendJsonString(out, asked);
  if (!app || decision == nullptr) {
    out += ",\"verdict\":\"unknown\",\"decisive\":[]}";
    return;
  }
  out += ",\"verdict\":\"";
  out += Name(decision->verdict);
  out += "\",\"decisive\":[";
  for (size_t i = 0; i < decision->decisive_count(); ++i) {
    if (i > 0) out += ',';
    AppendJsonString(out, snapshot.model().rules[decision->matches[i].rule].id);
  }
  out += "]}";
}

namespace {

// A batch body may ask this many questions at most.
constexpr size_t kMaxQuestions = 1'000'000;

Error BodyProblem(const std::string& path, const std::string& message) {
  return Error(ErrorCode::kInvalidData, path + ": " + message, {{path, message}});
}

// An optional "as_of" member of `object` (at `path`), defaulting to `fallback`.
Result<Date> AsOfMember(const nlohmann::json& object, const std::string& path, Date fallback) {
  auto it = object.find("as_of");
  if (it == object.end()) return fallback;
  if (it->is_string()) {
    if (auto date = Date::Parse(it->get<std::string>())) return *date;
  }
  return BodyProblem(path.empty() ? "as_of" : path + ".as_of", "expected a date YYYY-MM-DD");
}

Status OnlyFields(const nlohmann::json& object, const std::string& path, std::initializer_list<const char*> known) {
  for (const auto& [key, value] : object.items()) {
    if (std::none_of(known.begin(), known.end(), [&](const char* k) { return key == k; })) {
      return BodyProblem(path.empty() ? key : path + "." + key, "unknown field");
    }
  }
  return {};
}

// A device of the body, resolved; unknown entities are located under `path`.
Result<Device> BodyDevice(const Snapshot& snapshot, const nlohmann::json& value, const std::string& path) {
  Result<DeviceSpec> spec = ParseDeviceJson(value, path);
  if (!spec.ok()) return std::move(spec).take_error();
  Result<Device> device = snapshot.ResolveDevice(spec.value());
  if (device.ok()) return device;
  std::vector<FieldError> details;
  for (const FieldError& d : device.error().details()) details.push_back({path + "." + d.path, d.message});
  std::string message = details.size() == 1 ? details[0].path + ": " + details[0].message : "unknown entities";
  return Error(ErrorCode::kInvalidData, std::move(message), std::move(details));
}

// One question, validated: the app as asked (a string inside the body), its device and date.
struct Question {
  const std::string* app;
  const Device* device;
  Date as_of;
};

std::string Answer(const Snapshot& snapshot, const std::vector<Question>& questions, BatchCounts* counts) {
  std::string out = "{\"results\":[";
  out.reserve(questions.size() * 64 + 64);
  Decision decision;
  BatchCounts local;
  for (size_t i = 0; i < questions.size(); ++i) {
    const Question& q = questions[i];
    if (i > 0) out += ',';
    std::optional<Index> app = snapshot.ResolveApp(*q.app);
    if (app) {
      snapshot.Evaluate(Query{*app, *q.device, q.as_of}, decision);
      ++local.verdicts[static_cast<size_t>(decision.verdict)];
    } else {
      ++local.unknown;
    }
    AppendBatchItem(out, snapshot, *q.app, app, app ? &decision : nullptr);
  }
  out += "],\"snapshot\":";
  AppendJsonString(out, snapshot.version());
  out += "}\n";
  if (counts) *counts = local;
  return out;
}

}  // namespace

Result<DeviceSpec> ParseDeviceJson(const nlohmann::json& value, const std::string& path) {
  if (!value.is_object()) return BodyProblem(path, "expected an object {\"kind\": ..., \"owner\": ...}");
  DeviceSpec spec;
  bool has_kind = false;
  for (const auto& [key, field] : value.items()) {
    if (key == "kind") {
      std::optional<DeviceKind> kind = field.is_string() ? ParseDeviceKind(field.get<std::string>()) : std::nullopt;
      if (!kind) return BodyProblem(path + ".kind", "expected \"government\", \"work\" or \"personal\"");
      spec.kind = *kind;
      has_kind = true;
    } else if (key == "owner" || key == "location" || key == "network") {
      if (!field.is_string() || !IsSlug(field.get<std::string>())) {
        return BodyProblem(path + "." + key, "expected an entity id");
      }
      (key == "owner" ? spec.owner : key == "location" ? spec.location : spec.network) = field.get<std::string>();
    } else if (key == "tags") {
      if (!field.is_array()) return BodyProblem(path + ".tags", "expected an array of tags");
      for (size_t i = 0; i < field.size(); ++i) {
        if (!field[i].is_string() || !IsSlug(field[i].get<std::string>())) {
          return BodyProblem(path + ".tags[" + std::to_string(i) + "]", "expected a tag (a slug)");
        }
        spec.tags.push_back(field[i].get<std::string>());
      }
    } else {
      return BodyProblem(path + "." + key, "unknown field");
    }
  }
  if (!has_kind) return BodyProblem(path + ".kind", "missing required field");
  return spec;
}

Result<std::string> AnswerBatch(const Snapshot& snapshot, const nlohmann::json& body, Date default_as_of,
                                BatchCounts* counts) {
  const char* kShapes = "expected {\"device\": {...}, \"apps\": [...]} or {\"queries\": [...]}";
  if (!body.is_object()) return BodyProblem("$", kShapes);
  Result<Date> as_of = AsOfMember(body, "", default_as_of);
  if (!as_of.ok()) return std::move(as_of).take_error();
  std::vector<Question> questions;

  if (body.contains("device") || body.contains("apps")) {
    if (Status ok = OnlyFields(body, "", {"device", "apps", "as_of"}); !ok.ok()) {
      return body.contains("queries") ? BodyProblem("queries", "give either device and apps, or queries, not both")
                                      : std::move(ok).take_error();
    }
    if (!body.contains("device")) return BodyProblem("device", "missing required field");
    if (!body.contains("apps")) return BodyProblem("apps", "missing required field");
    Result<Device> device = BodyDevice(snapshot, body["device"], "device");
    if (!device.ok()) return std::move(device).take_error();
    const nlohmann::json& apps = body["apps"];
    if (!apps.is_array()) return BodyProblem("apps", "expected an array of app ids or store identifiers");
    if (apps.size() > kMaxQuestions) return BodyProblem("apps", "at most 1000000 apps in one request");
    questions.reserve(apps.size());
    for (size_t i = 0; i < apps.size(); ++i) {
      if (!apps[i].is_string()) return BodyProblem("apps[" + std::to_string(i) + "]", "expected a string");
      questions.push_back({&apps[i].get_ref<const std::string&>(), &device.value(), as_of.value()});
    }
    return Answer(snapshot, questions, counts);
  }

  if (Status ok = OnlyFields(body, "", {"queries", "as_of"}); !ok.ok()) return std::move(ok).take_error();
  if (!body.contains("queries")) return BodyProblem("$", kShapes);
  const nlohmann::json& queries = body["queries"];
  if (!queries.is_array()) return BodyProblem("queries", "expected an array of {\"device\", \"app\"} objects");
  if (queries.size() > kMaxQuestions) return BodyProblem("queries", "at most 1000000 queries in one request");
  std::vector<Device> devices;
  devices.reserve(queries.size());  // never reallocated: questions point into it
  questions.reserve(queries.size());
  for (size_t i = 0; i < queries.size(); ++i) {
    const std::string path = "queries[" + std::to_string(i) + "]";
    const nlohmann::json& query = queries[i];
    if (!query.is_object()) return BodyProblem(path, "expected an object {\"device\", \"app\"}");
    if (Status ok = OnlyFields(query, path, {"device", "app", "as_of"}); !ok.ok()) return std::move(ok).take_error();
    if (!query.contains("app") || !query["app"].is_string()) {
      return BodyProblem(path + ".app", "expected an app id or store identifier");
    }
    if (!query.contains("device")) return BodyProblem(path + ".device", "missing required field");
    Result<Device> device = BodyDevice(snapshot, query["device"], path + ".device");
    if (!device.ok()) return std::move(device).take_error();
    Result<Date> date = AsOfMember(query, path, as_of.value());
    if (!date.ok()) return std::move(date).take_error();
    devices.push_back(std::move(device).value());
    questions.push_back({&query["app"].get_ref<const std::string&>(), &devices.back(), date.value()});
  }
  return Answer(snapshot, questions, counts);
}

}  // namespace bantrack::rules
