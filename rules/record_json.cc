#include "rules/record_json.h"

#include <algorithm>
#include <variant>

namespace bantrack::rules {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

// A key that can stand in a dotted path as it is; anything else is quoted in brackets.
bool IsPlainKey(std::string_view key) {
  return !key.empty() && key.size() <= 64 && std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

// Length of the well-formed UTF-8 sequence at the start of `text` (RFC 3629: no overlongs, no surrogates, at most
// U+10FFFF); 0 when it is not one.
size_t Utf8SequenceLength(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the allowed range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() < length || byte(1) < low || byte(1) > high) return 0;
  for (size_t i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return 0;
  }
  return length;
}

void PutStrings(ordered_json& object, const char* key, const std::vector<std::string>& list) {
  if (!list.empty()) object[key] = list;
}

void PutString(ordered_json& object, const char* key, const std::string& text) {
  if (!text.empty()) object[key] = text;
}

Entity ReadEntity(ObjectReader& in) {
  Entity entity;
  entity.id = in.String("id", Need::kRequired);
  entity.name = in.String("name", Need::kRequired);
  entity.kind = in.Name("kind", ParseEntityKind, "entity kind");
  entity.part_of = in.Strings("part_of", Need::kOptional);
  entity.within = in.Strings("within", Need::kOptional);
  return entity;
}

Publisher ReadPublisher(ObjectReader& in) {
  Publisher publisher;
  publisher.id = in.String("id", Need::kRequired);
  publisher.name = in.String("name", Need::kRequired);
  publisher.country = in.String("country", Need::kRequired);
  publisher.owned_by = in.Strings("owned_by", Need::kOptional);
  return publisher;
}

// The platforms that have a store URL: the first two of Platform.
constexpr Platform kStorePlatforms[] = {Platform::kIos, Platform::kAndroid};

App ReadApp(ObjectReader& in) {
  App app;
  app.id = in.String("id", Need::kRequired);
  app.name = in.String("name", Need::kRequired);
  app.publisher = in.String("publisher", Need::kRequired);
  app.categories = in.Strings("categories", Need::kOptional);
  if (const json* value = in.Field("identifiers", Need::kOptional)) {
    ObjectReader identifiers(*value, in.PathOf("identifiers"), in.errors());
    for (int p = 0; p < kPlatformCount; ++p) {
      app.identifiers[p] = identifiers.Strings(Name(static_cast<Platform>(p)), Need::kOptional);
    }
    identifiers.ReportUnknownFields();
  }
  if (const json* value = in.Field("store_urls", Need::kOptional)) {
    ObjectReader store_urls(*value, in.PathOf("store_urls"), in.errors());
    for (Platform platform : kStorePlatforms) {
      app.store_urls[static_cast<int>(platform)] = store_urls.String(Name(platform), Need::kOptional);
    }
    store_urls.ReportUnknownFields();
  }
  return app;
}

TimelineEntry ReadTimelineEntry(const json& value, const std::string& path, std::vector<FieldError>& errors) {
  ObjectReader in(value, path, errors);
  TimelineEntry entry;
  entry.date = in.DateField("date", Need::kRequired).value_or(Date{});
  entry.status = in.Name("status", ParseRuleStatus, "status");
  entry.note = in.String("note", Need::kOptional);
  in.ReportUnknownFields();
  return entry;
}

Source ReadSource(const json& value, const std::string& path, std::vector<FieldError>& errors) {
  ObjectReader in(value, path, errors);
  Source source;
  source.url = in.String("url", Need::kRequired);
  source.title = in.String("title", Need::kRequired);
  source.outlet = in.String("outlet", Need::kOptional);
  source.published = in.DateField("published", Need::kOptional);
  in.ReportUnknownFields();
  return source;
}

Rule ReadRule(ObjectReader& in) {
  std::vector<FieldError>& errors = in.errors();
  Rule rule;
  rule.id = in.String("id", Need::kRequired);
  rule.issuer = in.String("issuer", Need::kRequired);
  rule.title = in.String("title", Need::kRequired);
  rule.instrument = in.Name("instrument", ParseInstrument, "instrument");
  rule.effect = in.Name("effect", ParseEffect, "effect");
  bool intact = true;
  auto read_scope = [&](const json& element, const std::string& path) {
    return ReadName(element, path, ParseScope, "scope", errors);
  };
  std::vector<std::optional<Scope>> scope = in.Array("scope", Need::kRequired, read_scope, &intact);
  if (intact) {
    for (const std::optional<Scope>& s : scope) rule.scope.push_back(*s);
  }
  rule.apps = in.Strings("apps", Need::kOptional);
  rule.publishers = in.Strings("publishers", Need::kOptional);
  rule.categories = in.Strings("categories", Need::kOptional);
  rule.origin_countries = in.Strings("origin_countries", Need::kOptional);
  rule.device_tags = in.Strings("device_tags", Need::kOptional);
  rule.timeline = in.Array(
      "timeline", Need::kRequired,
      [&](const json& element, const std::string& path) { return ReadTimelineEntry(element, path, errors); }, &intact);
  if (!intact) rule.timeline.clear();
  rule.sources = in.Array("sources", Need::kRequired, [&](const json& element, const std::string& path) {
    return ReadSource(element, path, errors);
  });
  rule.summary = in.String("summary", Need::kOptional);
  return rule;
}

}  // namespace

std::string FieldPath(std::string_view path, std::string_view key) {
  if (!IsPlainKey(key)) return ShownPath(path) + "[" + json(Excerpt(key)).dump() + "]";
  if (path.empty()) return std::string(key);
  std::string joined(path);
  joined += '.';
  joined += key;
  return joined;
}

std::string ElementPath(std::string_view path, size_t index) {
  return ShownPath(path) + "[" + std::to_string(index) + "]";
}

std::string ShownPath(std::string_view path) { return path.empty() ? "$" : std::string(path); }

std::string Excerpt(std::string_view text, size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    const size_t length = Utf8SequenceLength(text.substr(i));
    const std::string_view piece = length > 0 ? text.substr(i, length) : kReplacement;
    if (out.size() + piece.size() > max_bytes) {
      out += "...";
      break;
    }
    out += piece;
    i += std::max<size_t>(length, 1);
  }
  return out;
}

FieldError SyntaxProblem(size_t byte, const nlohmann::json::exception& error) {
  // what() is "[json.exception.parse_error.101] parse error at line 1, column 11: ...": keep what follows the tag.
  std::string_view message = error.what();
  if (size_t tag_end = message.find("] "); tag_end != std::string_view::npos) message.remove_prefix(tag_end + 2);
  std::string text(message);
  if (message.find(" at line ") == std::string_view::npos) text += " (at byte " + std::to_string(byte) + ")";
  return {"$", Excerpt(text, 300)};
}

ObjectReader::ObjectReader(const json& value, std::string path, std::vector<FieldError>& errors)
    : path_(std::move(path)), errors_(errors) {
  if (value.is_object()) {
    object_ = &value;
  } else {
    errors_.push_back(WrongType(path_, "an object", value));
  }
}

const json* ObjectReader::Field(std::string_view key, Need need) {
  if (object_ == nullptr) return nullptr;
  asked_.push_back(key);
  auto it = object_->find(key);
  if (it == object_->end()) {
    if (need == Need::kRequired) errors_.push_back({PathOf(key), "missing required field"});
    return nullptr;
  }
  return &*it;
}

std::string ObjectReader::String(std::string_view key, Need need) {
  const json* value = Field(key, need);
  return value == nullptr ? std::string() : ReadString(*value, PathOf(key), errors_);
}

std::vector<std::string> ObjectReader::Strings(std::string_view key, Need need) {
  bool intact = true;
  std::vector<std::string> list = Array(
      key, need, [&](const json& element, const std::string& path) { return ReadString(element, path, errors_); },
      &intact);
  // Empty but not intact: not an array (or missing though required). One placeholder keeps a broken selector list
  // from also reading as "no selector" (see the invariants in the header).
  if (!intact && list.empty()) list.emplace_back();
  return list;
}

std::optional<Date> ObjectReader::DateField(std::string_view key, Need need) {
  const json* value = Field(key, need);
  return value == nullptr ? std::nullopt : ReadDate(*value, PathOf(key), errors_);
}

void ObjectReader::ReportUnknownFields() {
  if (object_ == nullptr) return;
  for (const auto& [key, value] : object_->items()) {
    if (std::find(asked_.begin(), asked_.end(), key) == asked_.end()) {
      errors_.push_back({PathOf(key), "unknown field"});
    }
  }
}

FieldError WrongType(const std::string& path, std::string_view expected, const json& got) {
  return {ShownPath(path), "expected " + std::string(expected) + ", got " + got.type_name()};
}

std::string ReadString(const json& value, const std::string& path, std::vector<FieldError>& errors) {
  if (value.is_string()) return value.get<std::string>();
  errors.push_back(WrongType(path, "a string", value));
  return "";
}

std::optional<Date> ReadDate(const json& value, const std::string& path, std::vector<FieldError>& errors) {
  if (!value.is_string()) {
    errors.push_back(WrongType(path, "a string", value));
    return std::nullopt;
  }
  const std::string& text = value.get_ref<const std::string&>();
  std::optional<Date> date = Date::Parse(text);
  if (!date) {
    // Shown bare, like the dates in other messages ("2025-02-30 is not a date"), unless quotes are needed to see it.
    const bool bare = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
      return (c >= '0' && c <= '9') || c == '-';
    });
    errors.push_back({ShownPath(path), (bare ? Excerpt(text) : "\"" + Excerpt(text) + "\"") + " is not a date"});
  }
  return date;
}

Record ReadRecord(RecordType type, const json& value, const std::string& path, std::vector<FieldError>& errors) {
  ObjectReader in(value, path, errors);
  Record record;
  switch (type) {
    case RecordType::kEntity: record = ReadEntity(in); break;
    case RecordType::kPublisher: record = ReadPublisher(in); break;
    case RecordType::kApp: record = ReadApp(in); break;
    case RecordType::kRule: record = ReadRule(in); break;
  }
  in.ReportUnknownFields();
  return record;
}

ordered_json CanonicalJson(const Entity& entity) {
  ordered_json out;
  out["id"] = entity.id;
  out["name"] = entity.name;
  out["kind"] = Name(entity.kind);
  PutStrings(out, "part_of", entity.part_of);
  PutStrings(out, "within", entity.within);
  return out;
}

ordered_json CanonicalJson(const Publisher& publisher) {
  ordered_json out;
  out["id"] = publisher.id;
  out["name"] = publisher.name;
  out["country"] = publisher.country;
  PutStrings(out, "owned_by", publisher.owned_by);
  return out;
}

ordered_json CanonicalJson(const App& app) {
  ordered_json out;
  out["id"] = app.id;
  out["name"] = app.name;
  out["publisher"] = app.publisher;
  PutStrings(out, "categories", app.categories);
  ordered_json identifiers = ordered_json::object();
  for (int p = 0; p < kPlatformCount; ++p) {
    const std::string key(Name(static_cast<Platform>(p)));
    PutStrings(identifiers, key.c_str(), app.identifiers[p]);
  }
  if (!identifiers.empty()) out["identifiers"] = std::move(identifiers);
  ordered_json store_urls = ordered_json::object();
  for (Platform platform : kStorePlatforms) {
    const std::string key(Name(platform));
    PutString(store_urls, key.c_str(), app.store_urls[static_cast<int>(platform)]);
  }
  if (!store_urls.empty()) out["store_urls"] = std::move(store_urls);
  return out;
}

ordered_json CanonicalJson(const Source& source) {
  ordered_json out;
  out["url"] = source.url;
  out["title"] = source.title;
  PutString(out, "outlet", source.outlet);
  if (source.published) out["published"] = source.published->ToString();
  return out;
}

ordered_json CanonicalJson(const Rule& rule) {
  ordered_json out;
  out["id"] = rule.id;
  out["issuer"] = rule.issuer;
  out["title"] = rule.title;
  out["instrument"] = Name(rule.instrument);
  out["effect"] = Name(rule.effect);
  ordered_json& scope = out["scope"] = ordered_json::array();
  for (Scope s : rule.scope) scope.push_back(Name(s));
  PutStrings(out, "apps", rule.apps);
  PutStrings(out, "publishers", rule.publishers);
  PutStrings(out, "categories", rule.categories);
  PutStrings(out, "origin_countries", rule.origin_countries);
  PutStrings(out, "device_tags", rule.device_tags);
  ordered_json& timeline = out["timeline"] = ordered_json::array();
  for (const TimelineEntry& entry : rule.timeline) {
    ordered_json item;
    item["date"] = entry.date.ToString();
    item["status"] = Name(entry.status);
    PutString(item, "note", entry.note);
    timeline.push_back(std::move(item));
  }
  ordered_json& sources = out["sources"] = ordered_json::array();
  for (const Source& source : rule.sources) sources.push_back(CanonicalJson(source));
  PutString(out, "summary", rule.summary);
  return out;
}

ordered_json CanonicalJson(const Record& record) {
  return std::visit([](const auto& r) { return CanonicalJson(r); }, record);
}

std::string Dump(const ordered_json& value, int indent) {
  return value.dump(indent, ' ', /*ensure_ascii=*/false, ordered_json::error_handler_t::replace);
}

}  // namespace bantrack::rules
