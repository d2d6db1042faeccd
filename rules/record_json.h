// Internal to rules/: one record <-> JSON in the shape it has inside a bundle (docs/BUNDLE.md). Shared by the bundle
// reader and writer, the single-record functions of bundle.h and the verdict document, so that a record has exactly
// one JSON form.
//
// Invariants of reading:
//  - reading never stops at the first problem: every structural problem is appended, with its JSON path;
//  - where a value cannot be read, the record gets a placeholder that engine Validate() can fault only at or under
//    the path of the problem already reported, so that MergeProblems drops what would only repeat it:
//      a string -> "" (missing, or not a string);
//      a list of strings -> one "" (not an array; so an unreadable selector does not also read as "no selector");
//      a record, timeline entry or source -> its default value, so later elements keep their document index;
//      `scope` and `timeline`, whose elements cannot hold a placeholder -> left empty as a whole when any of their
//        elements has a problem (Validate's checks across elements, order and repeats, would misplace indices).
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "engine/date.h"
#include "engine/model.h"
#include "engine/status.h"

namespace bantrack::rules {

// JSON paths: `path` followed by ".key" (or ["key"] when the key is not a plain word), or by "[index]".
// The empty path is the root; it is shown as "$".
std::string FieldPath(std::string_view path, std::string_view key);
std::string ElementPath(std::string_view path, size_t index);
std::string ShownPath(std::string_view path);

// Text quoted into a message: at most about `max_bytes`, cut at a character boundary (marked "..."), with any
// invalid UTF-8 replaced by U+FFFD so that the message itself can always be sent as JSON.
std::string Excerpt(std::string_view text, size_t max_bytes = 100);

// The problem nlohmann's parser reports at `byte` of a text, located at "$": its message without the exception's
// tag; syntax errors carry their line and column, others (a number out of range) get the byte offset.
FieldError SyntaxProblem(size_t byte, const nlohmann::json::exception& error);

enum class Need : bool { kOptional, kRequired };

// Reads the fields of one JSON object and remembers which were asked for, so that the rest can be reported as
// unknown. When the value is not an object that is reported once, and every field then reads as absent.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& value, std::string path, std::vector<FieldError>& errors);

  // The value of `key`; nullptr when it is absent (a problem when required) or this is not an object.
  const nlohmann::json* Field(std::string_view key, Need need);

  std::string String(std::string_view key, Need need);
  std::vector<std::string> Strings(std::string_view key, Need need);
  std::optional<Date> DateField(std::string_view key, Need need);

  // A required name from a fixed set (`parse` is one of engine's Parse* functions; `what` names the set in the
  // message: unknown scope "x"). The placeholder is the enum's first value.
  template <typename Enum>
  Enum Name(std::string_view key, std::optional<Enum> (*parse)(std::string_view), std::string_view what);

  // An array whose elements are read by `read(const nlohmann::json& element, const std::string& element_path)`.
  // Absent or not an array: empty. `intact` (when given) is set to whether no problem was found inside.
  template <typename Read>
  auto Array(std::string_view key, Need need, Read read, bool* intact = nullptr)
      -> std::vector<decltype(read(std::declval<const nlohmann::json&>(), std::string()))>;

  // Reports every field that was not asked for as "unknown field". Call once, after reading.
  void ReportUnknownFields();

  std::string PathOf(std::string_view key) const { return FieldPath(path_, key); }
  std::vector<FieldError>& errors() { return errors_; }

 private:
  const nlohmann::json* object_ = nullptr;
  std::string path_;
  std::vector<FieldError>& errors_;
  std::vector<std::string_view> asked_;  // the keys passed to Field: literals and engine names, never dangling
};

// The problem of a value of the wrong JSON type: "expected an array, got string".
FieldError WrongType(const std::string& path, std::string_view expected, const nlohmann::json& got);

// The value as a string, a name from a fixed set, or a date; a problem (and nullopt, or "") otherwise.
std::string ReadString(const nlohmann::json& value, const std::string& path, std::vector<FieldError>& errors);
std::optional<Date> ReadDate(const nlohmann::json& value, const std::string& path, std::vector<FieldError>& errors);
template <typename Enum>
std::optional<Enum> ReadName(const nlohmann::json& value, const std::string& path,
                             std::optional<Enum> (*parse)(std::string_view), std::string_view what,
                             std::vector<FieldError>& errors);

// Reads one record of `type` located at `path` ("rules[3]"; "" for a record on its own), appending its problems.
Record ReadRecord(RecordType type, const nlohmann::json& value, const std::string& path,
                  std::vector<FieldError>& errors);

// Records in canonical form: fields in the documented order, empty optional fields left out.
nlohmann::ordered_json CanonicalJson(const Entity& entity);
nlohmann::ordered_json CanonicalJson(const Publisher& publisher);
nlohmann::ordered_json CanonicalJson(const App& app);
nlohmann::ordered_json CanonicalJson(const Rule& rule);
nlohmann::ordered_json CanonicalJson(const Record& record);
nlohmann::ordered_json CanonicalJson(const Source& source);  // {"url", "title", "outlet"?, "published"?}

// JSON text that never throws: invalid UTF-8 in a string (possible only in a Model not read from JSON) is replaced.
std::string Dump(const nlohmann::ordered_json& value, int indent);

// ---- Template definitions ----

template <typename Enum>
std::optional<Enum> ReadName(const nlohmann::json& value, const std::string& path,
                             std::optional<Enum> (*parse)(std::string_view), std::string_view what,
                             std::vector<FieldError>& errors) {
  if (!value.is_string()) {
    errors.push_back(WrongType(path, "a string", value));
    return std::nullopt;
  }
  const std::string& text = value.get_ref<const std::string&>();
  std::optional<Enum> parsed = parse(text);
  if (!parsed) errors.push_back({ShownPath(path), "unknown " + std::string(what) + " \"" + Excerpt(text) + "\""});
  return parsed;
}

template <typename Enum>
Enum ObjectReader::Name(std::string_view key, std::optional<Enum> (*parse)(std::string_view), std::string_view what) {
  const nlohmann::json* value = Field(key, Need::kRequired);
  if (value == nullptr) return Enum{};
  return ReadName(*value, PathOf(key), parse, what, errors_).value_or(Enum{});
}

template <typename Read>
auto ObjectReader::Array(std::string_view key, Need need, Read read, bool* intact)
    -> std::vector<decltype(read(std::declval<const nlohmann::json&>(), std::string()))> {
  const size_t problems_before = errors_.size();
  std::vector<decltype(read(std::declval<const nlohmann::json&>(), std::string()))> elements;
  const nlohmann::json* value = Field(key, need);
  const std::string path = PathOf(key);
  if (value != nullptr && !value->is_array()) {
    errors_.push_back(WrongType(path, "an array", *value));
  } else if (value != nullptr) {
    elements.reserve(value->size());
    for (size_t i = 0; i < value->size(); ++i) elements.push_back(read((*value)[i], ElementPath(path, i)));
  }
  if (intact != nullptr) *intact = errors_.size() == problems_before;
  return elements;
}

}  // namespace bantrack::rules
