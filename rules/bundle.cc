#include "rules/bundle.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <iterator>
#include <optional>
#include <set>
#include <utility>

#include <nlohmann/json.hpp>

#include "rules/record_json.h"

namespace bantrack::rules {

using nlohmann::json;
using nlohmann::ordered_json;

namespace {

constexpr std::string_view kFormat = "bantrack/v1";

// A bundle nests five levels deep (document, list, rule, timeline, entry); anything far deeper is hostile.
constexpr size_t kMaxDepth = 64;

// Builds the document from nlohmann's SAX events (its parser is iterative, so this never recurses), and adds what
// nlohmann::json::parse cannot: a depth limit checked as containers open, so that a hostile document is refused
// before it is built; duplicate keys reported (parse would keep the last silently); the byte offset of every error.
class DocumentBuilder {
 public:
  // Offered each element of an array under a key of the top-level object as soon as the element is complete (the
  // key, the element's index, the element). When it returns true it has taken the element, which becomes null in
  // the document: a bundle's records are read one at a time, and the document never holds more than one of them.
  using ElementSink = std::function<bool(std::string_view key, size_t index, json& element)>;

  explicit DocumentBuilder(std::vector<FieldError>& errors, ElementSink sink = nullptr)
      : errors_(errors), sink_(std::move(sink)) {}

  json& document() { return document_; }

  bool null() { return Add(nullptr); }
  bool boolean(bool value) { return Add(value); }
  bool number_integer(json::number_integer_t value) { return Add(value); }
  bool number_unsigned(json::number_unsigned_t value) { return Add(value); }
  bool number_float(json::number_float_t value, const std::string& /*text*/) { return Add(value); }
  bool string(std::string& value) { return Add(std::move(value)); }
  bool binary(json::binary_t& value) { return Add(std::move(value)); }  // only for binary formats, never JSON

  bool start_object(size_t /*size*/) { return Open(json::object()); }
  bool end_object() { return Close(); }
  bool start_array(size_t /*size*/) { return Open(json::array()); }
  bool end_array() { return Close(); }

  bool key(std::string& key) {
    Frame& object = open_.back();
    if (object.value->contains(key)) errors_.push_back({FieldPath(OpenPath(), key), "duplicate field"});
    object.key = std::move(key);
    return true;
  }

  bool parse_error(size_t byte, const std::string& /*last_token*/, const json::exception& error) {
    errors_.push_back(SyntaxProblem(byte, error));
    return false;
  }

 private:
  struct Frame {
    json* value;      // the open array or object, inside document_
    std::string key;  // objects: the key of the value being read
  };

  // Puts `value` where the parser is (the root, the next array element, or the current key) and returns it.
  json* Place(json value) {
    if (open_.empty()) {
      document_ = std::move(value);
      return &document_;
    }
    Frame& parent = open_.back();
    if (parent.value->is_array()) {
      parent.value->push_back(std::move(value));
      return &parent.value->back();
    }
    json& slot = (*parent.value)[parent.key];
    slot = std::move(value);
    return &slot;
  }

  bool Add(json value) {
    Completed(Place(std::move(value)));
    return true;
  }

  // Pointers to open containers stay valid: a container gets no new elements while one of its children is open.
  bool Open(json container) {
    if (open_.size() == kMaxDepth) {
      errors_.push_back({"$", "nested deeper than " + std::to_string(kMaxDepth) + " levels"});
      return false;
    }
    open_.push_back({Place(std::move(container)), ""});
    return true;
  }

  bool Close() {
    json* closed = open_.back().value;
    open_.pop_back();
    Completed(closed);
    return true;
  }

  // `value` is complete: offered to the sink if it is an element of an array under a key of the top-level object.
  void Completed(json* value) {
    if (!sink_ || open_.size() != 2 || !open_[0].value->is_object() || !open_[1].value->is_array()) return;
    if (sink_(open_[0].key, open_[1].value->size() - 1, *value)) *value = nullptr;
  }

  // The path of the innermost open container.
  std::string OpenPath() const {
    std::string path;
    for (size_t i = 1; i < open_.size(); ++i) {
      const Frame& parent = open_[i - 1];
      path = parent.value->is_array() ? ElementPath(path, parent.value->size() - 1) : FieldPath(path, parent.key);
    }
    return path;
  }

  std::vector<FieldError>& errors_;
  ElementSink sink_;
  json document_;
  std::vector<Frame> open_;
};

// The JSON document of a text (a std::string_view, or a std::istream read as it goes), or nullopt when it is not
// well-formed JSON (the reason appended to `errors` as "$").
template <typename Input>
std::optional<json> ParseDocument(Input&& text, std::vector<FieldError>& errors,
                                  DocumentBuilder::ElementSink sink = nullptr) {
  DocumentBuilder builder(errors, std::move(sink));
  if (!json::sax_parse(std::forward<Input>(text), &builder)) return std::nullopt;
  return std::move(builder.document());
}

constexpr RecordType kListTypes[] = {RecordType::kEntity, RecordType::kPublisher, RecordType::kApp, RecordType::kRule};

// Adds a record read from the list of `type` to the model.
void AddRecord(Model& model, RecordType type, Record record) {
  switch (type) {
    case RecordType::kEntity: model.entities.push_back(std::get<Entity>(std::move(record))); break;
    case RecordType::kPublisher: model.publishers.push_back(std::get<Publisher>(std::move(record))); break;
    case RecordType::kApp: model.apps.push_back(std::get<App>(std::move(record))); break;
    case RecordType::kRule: model.rules.push_back(std::get<Rule>(std::move(record))); break;
  }
}

Error ProblemsError(std::vector<FieldError> problems, std::string_view where, bool is_json) {
  const std::string count = std::to_string(problems.size()) + (problems.size() == 1 ? " problem" : " problems");
  return Error(is_json ? ErrorCode::kInvalidData : ErrorCode::kInvalidInput, count + " in " + std::string(where),
               std::move(problems));
}

// Whether a semantic problem at `path` only repeats a structural problem (at one of the `broken` paths): it lies
// at or under a broken path ("$", the document, holds every path), or it is about the list holding a broken element
// ("rules[3].scope" holds "rules[3].scope[0]"), a list that was read incomplete (see rules/record_json.h).
// Lookups in a sorted set, so that merging stays fast for a document with many problems.
bool RepeatsStructural(const std::set<std::string_view>& broken, std::string_view path) {
  if (broken.count("$")) return true;
  for (size_t end = path.size(); end > 0; --end) {
    const bool at_boundary = end == path.size() || path[end] == '.' || path[end] == '[';
    if (at_boundary && broken.count(path.substr(0, end))) return true;
  }
  const std::string element_prefix = std::string(path) + "[";
  auto next = broken.lower_bound(element_prefix);
  return next != broken.end() && next->starts_with(element_prefix);
}

// Where a path lies in a bundle: top-level fields first, then the lists in the order entities, publishers, apps,
// rules, each list itself before its records, records by index.
std::pair<int, long> DocumentPosition(std::string_view path) {
  for (RecordType type : kListTypes) {
    const std::string_view list = ListName(type);
    const bool in_list = path.starts_with(list) && (path.size() == list.size() || path[list.size()] == '[');
    if (!in_list) continue;  // also "apps_extra", an unknown top-level field
    const int rank = static_cast<int>(type) + 1;
    if (path.size() == list.size()) return {rank, -1};
    long index = -1;
    std::from_chars(path.data() + list.size() + 1, path.data() + path.size(), index);
    return {rank, index};
  }
  return {0, -1};
}

// The records are read as the parser completes each (DocumentBuilder's sink), so that the document of a large
// bundle (about four times the size of its text) is never held whole beside the model.
template <typename Input>
Parsed ParseBundleFrom(Input&& text) {
  Parsed parsed;
  std::vector<FieldError> record_errors;  // reported only when the whole text is JSON, as the tree reader would
  auto read_record = [&](std::string_view key, size_t index, json& element) {
    for (RecordType type : kListTypes) {
      if (key != ListName(type)) continue;
      AddRecord(parsed.model, type, ReadRecord(type, element, ElementPath(key, index), record_errors));
      return true;
    }
    return false;  // an unknown field, reported as such below
  };
  std::optional<json> document = ParseDocument(std::forward<Input>(text), parsed.errors, read_record);
  if (!document) return parsed;
  parsed.is_json = true;
  parsed.errors.insert(parsed.errors.end(), std::make_move_iterator(record_errors.begin()),
                       std::make_move_iterator(record_errors.end()));

  ObjectReader in(*document, "", parsed.errors);
  if (const json* format = in.Field("format", Need::kRequired); format != nullptr) {
    const std::string tag = ReadString(*format, "format", parsed.errors);
    if (format->is_string() && tag != kFormat) {
      parsed.errors.push_back({"format", "expected \"" + std::string(kFormat) + "\", got \"" + Excerpt(tag) + "\""});
    }
  }
  for (RecordType type : kListTypes) {
    // The records were read as they were parsed; what is left here is the list's place: absent, an array (of the
    // nulls its records left), or something else, reported.
    in.Array(ListName(type), Need::kOptional, [](const json&, const std::string&) { return true; });
  }
  in.ReportUnknownFields();
  return parsed;
}

}  // namespace

Parsed ParseBundle(std::string_view json_text) { return ParseBundleFrom(json_text); }
Parsed ParseBundle(std::istream& in) { return ParseBundleFrom(in); }

std::vector<FieldError> MergeProblems(std::vector<FieldError> structural, std::vector<FieldError> semantic) {
  std::set<std::string_view> broken;
  for (const FieldError& problem : structural) broken.insert(problem.path);
  std::erase_if(semantic, [&](const FieldError& problem) { return RepeatsStructural(broken, problem.path); });
  std::vector<FieldError> merged = std::move(structural);
  merged.insert(merged.end(), std::make_move_iterator(semantic.begin()), std::make_move_iterator(semantic.end()));
  std::stable_sort(merged.begin(), merged.end(), [](const FieldError& a, const FieldError& b) {
    return DocumentPosition(a.path) < DocumentPosition(b.path);
  });
  return merged;
}

namespace {

Result<Model> Checked(Parsed parsed) {
  std::vector<FieldError> semantic;
  for (const Violation& violation : Validate(parsed.model)) {
    semantic.push_back({ModelPath(violation), violation.message});
  }
  std::vector<FieldError> problems = MergeProblems(std::move(parsed.errors), std::move(semantic));
  if (!problems.empty()) return ProblemsError(std::move(problems), "the bundle", parsed.is_json);
  return std::move(parsed.model);
}

}  // namespace

Result<Model> ReadBundle(std::string_view json_text) { return Checked(ParseBundle(json_text)); }
Result<Model> ReadBundle(std::istream& in) { return Checked(ParseBundle(in)); }

Result<json> ParseJson(std::string_view json_text) {
  std::vector<FieldError> problems;
  std::optional<json> document = ParseDocument(json_text, problems);
  if (!problems.empty()) return ProblemsError(std::move(problems), "the JSON document", document.has_value());
  return std::move(*document);
}

std::string WriteBundle(const Model& model) {
  Model sorted = model;
  SortById(sorted);
  ordered_json document;
  document["format"] = kFormat;
  auto put_list = [&](RecordType type, const auto& records) {
    if (records.empty()) return;
    ordered_json& list = document[std::string(ListName(type))] = ordered_json::array();
    for (const auto& record : records) list.push_back(CanonicalJson(record));
  };
  put_list(RecordType::kEntity, sorted.entities);
  put_list(RecordType::kPublisher, sorted.publishers);
  put_list(RecordType::kApp, sorted.apps);
  put_list(RecordType::kRule, sorted.rules);
  return Dump(document, 2) + "\n";
}

json ToJson(const Entity& entity) { return json(CanonicalJson(entity)); }
json ToJson(const Publisher& publisher) { return json(CanonicalJson(publisher)); }
json ToJson(const App& app) { return json(CanonicalJson(app)); }
json ToJson(const Rule& rule) { return json(CanonicalJson(rule)); }
json ToJson(const Record& record) { return json(CanonicalJson(record)); }

std::string RecordJson(const Record& record) { return Dump(CanonicalJson(record), -1); }

Result<Record> ParseRecord(RecordType type, const json& value) {
  std::vector<FieldError> problems;
  Record record = ReadRecord(type, value, "", problems);
  if (!problems.empty()) return ProblemsError(std::move(problems), "the " + std::string(RecordName(type)), true);
  return record;
}

}  // namespace bantrack::rules
