#include "rules/batch_json.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cstring>
#include <functional>
#include <vector>

#include "rules/record_json.h"

namespace bantrack::rules {

Date UtcToday() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  return Date{static_cast<int32_t>(days.time_since_epoch().count())};
}

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

// Printable ASCII other than the quote and the backslash: what a JSON string holds as it is.
bool IsPlainJsonChar(unsigned char c) { return c >= 0x20 && c < 0x80 && c != '"' && c != '\\'; }

// Whether all eight bytes at `p` are plain (IsPlainJsonChar), tested at once: answers are mostly ids, URLs and titles,
// and a byte at a time was a twentieth of the server's time under GET /v1/check.
bool EightPlainJsonChars(const char* p) {
  constexpr uint64_t kOnes = 0x0101010101010101u, kHighs = 0x8080808080808080u;
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  // Word-at-a-time byte tests: below(n) is not zero when some byte is less than n (exact when no byte is 0x80 or
  // more, which word & kHighs tests), equal(c) when some byte is c. A borrow can mark bytes past the first found,
  // never one when none is.
  const auto below = [&](uint64_t n) { return (word - kOnes * n) & ~word & kHighs; };
  const auto equal = [&](unsigned char c) {
    const uint64_t x = word ^ (kOnes * c);
    return (x - kOnes) & ~x & kHighs;
  };
  return ((word & kHighs) | below(0x20) | equal('"') | equal('\\')) == 0;
}

}  // namespace

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  // Copy runs of plain printable ASCII (every id, nearly every name) in one append; handle the rest byte by byte.
  size_t run = 0;
  for (size_t i = 0; i < text.size();) {
    if (i + 8 <= text.size() && EightPlainJsonChars(text.data() + i)) {
      i += 8;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (IsPlainJsonChar(c)) {
      ++i;
      continue;
    }
    out.append(text.substr(run, i - run));
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
      ++i;
    } else if (c < 0x20) {
      // The escapes nlohmann writes, so that text from here and from a JSON tree is the same.
      static constexpr char kHex[] = "0123456789abcdef";
      switch (c) {
        case '\b': out += "\\b"; break;
        case '\f': out += "\\f"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
      }
      ++i;
    } else if (const size_t length = Utf8Length(text, i); length > 0) {
      out.append(text.substr(i, length));
      i += length;
    } else {
      out += "\xEF\xBF\xBD";  // U+FFFD
      ++i;
    }
    run = i;
  }
  out.append(text.substr(run));
  out += '"';
}

void AppendBatchItem(std::string& out, const Snapshot& snapshot, std::string_view asked, std::optional<Index> app,
                     const Decision* decision) {
  using namespace std::string_view_literals;
  // An item is a few short pieces. A fleet sweep writes tens of millions of them, so the layout below is walked
  // twice — to measure the item, then to copy it into the string sized once — which costs less than appending the
  // pieces one by one. Only an asked id that needs escaping (rare) is appended the general way.
  const bool plain_id = std::all_of(asked.begin(), asked.end(), [](char c) { return IsPlainJsonChar(c); });
  if (!plain_id) {
    out += "{\"app\":"sv;
    AppendJsonString(out, asked);
  }
  const bool answered = app && decision != nullptr;
  const size_t decisive = answered ? decision->decisive_count() : 0;
  auto layout = [&](auto put) {
    if (plain_id) {
      put("{\"app\":\""sv);
      put(asked);
      put("\""sv);
    }
    if (!answered) {
      put(",\"verdict\":\"unknown\",\"decisive\":[]}"sv);
      return;
    }
    put(",\"verdict\":\""sv);
    put(Name(decision->verdict));
    put("\",\"decisive\":["sv);
    for (size_t i = 0; i < decisive; ++i) {
      // Rule ids are slugs (the model refuses any other), so they need no escaping.
      put(i > 0 ? ",\""sv : "\""sv);
      put(snapshot.RuleId(decision->matches[i].rule));
      put("\""sv);
    }
    put("]}"sv);
  };
  size_t length = 0;
  layout([&length](std::string_view piece) { length += piece.size(); });
  const size_t at = out.size();
  out.resize(at + length);
  char* p = out.data() + at;
  layout([&p](std::string_view piece) { p = std::copy(piece.begin(), piece.end(), p); });
}

namespace {

// A batch body may ask this many questions at most.
constexpr size_t kMaxQuestions = 1'000'000;
// Nesting deeper than bundles allow (rules/bundle.h) is hostile; the deepest valid batch body nests four levels.
constexpr size_t kMaxDepth = 64;

Error BodyProblem(const std::string& path, const std::string& message) {
  return Error(ErrorCode::kInvalidData, path + ": " + message, {{path, message}});
}

// The checks of one device field, shared by the tree reader (ParseDeviceJson) and the streaming one: each returns
// the problem with the value, or "" when it is fine.
constexpr const char* kExpectedKind = "expected \"government\", \"work\" or \"personal\"";

// The fields a batch body knows, told apart once per key: nothing downstream compares field names again.
enum class Field : uint8_t { kOther, kAsOf, kDevice, kApps, kQueries, kApp, kKind, kOwner, kLocation, kNetwork, kTags };

Field FieldOf(std::string_view key) {
  switch (key.size()) {
    case 3: return key == "app" ? Field::kApp : Field::kOther;
    case 4: return key == "apps" ? Field::kApps : key == "kind" ? Field::kKind : key == "tags" ? Field::kTags : Field::kOther;
    case 5: return key == "as_of" ? Field::kAsOf : key == "owner" ? Field::kOwner : Field::kOther;
    case 6: return key == "device" ? Field::kDevice : Field::kOther;
    case 7: return key == "queries" ? Field::kQueries : key == "network" ? Field::kNetwork : Field::kOther;
    case 8: return key == "location" ? Field::kLocation : Field::kOther;
    default: return Field::kOther;
  }
}

// The fields of a device object, kKind to kTags.
bool IsDeviceField(Field field) { return field >= Field::kKind; }

std::string SetDeviceField(DeviceSpec& spec, Field field, std::string_view value) {
  if (field == Field::kKind) {
    std::optional<DeviceKind> kind = ParseDeviceKind(value);
    if (!kind) return kExpectedKind;
    spec.kind = *kind;
    return "";
  }
  if (!IsSlug(value)) return "expected an entity id";
  (field == Field::kOwner ? spec.owner : field == Field::kLocation ? spec.location : spec.network).assign(value);
  return "";
}

std::string AddDeviceTag(DeviceSpec& spec, std::string_view tag) {
  if (!IsSlug(tag)) return "expected a tag (a slug)";
  spec.tags.emplace_back(tag);
  return "";
}


// Unknown entities of a device, located under `path`.
Error UnknownEntities(const Error& error, const std::string& path) {
  std::vector<FieldError> details;
  for (const FieldError& d : error.details()) details.push_back({path + "." + d.path, d.message});
  std::string message = details.size() == 1 ? details[0].path + ": " + details[0].message : "unknown entities";
  return Error(ErrorCode::kInvalidData, std::move(message), std::move(details));
}

// The devices of one body by their text (kind|owner|location|network|tags), each with its index: an open-addressing
// table over one arena of keys, so that a body of a million distinct devices makes no allocation per device.
class DeviceIds {
 public:
  // The index stored for `key`; or, when the key is new, `fresh`, which is stored. `inserted` says which.
  uint32_t FindOrAdd(std::string_view key, uint32_t fresh, bool& inserted) {
    if ((used_ + 1) * 2 > slots_.size()) Grow();
    const size_t hash = std::hash<std::string_view>{}(key);
    const size_t mask = slots_.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.value == kEmpty) {
        slot = {hash, keys_.size(), key.size(), fresh};
        keys_ += key;
        ++used_;
        inserted = true;
        return fresh;
      }
      if (slot.hash == hash && std::string_view(keys_).substr(slot.offset, slot.length) == key) {
        inserted = false;
        return slot.value;
      }
    }
  }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    size_t hash = 0;
    size_t offset = 0;  // of the key in keys_
    size_t length = 0;
    uint32_t value = kEmpty;
  };
  // Doubles the table (a power of two, at most half full), placing every key again by its hash.
  void Grow() {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.value == kEmpty) continue;
      size_t i = slot.hash & mask;
      while (slots_[i].value != kEmpty) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }
  std::vector<Slot> slots_ = std::vector<Slot>(64);
  size_t used_ = 0;
  std::string keys_;
};

// Reads a batch body with nlohmann's SAX interface straight into questions: no JSON tree is built, a path is spelled
// out only for a problem, and a device asked about again is resolved once.
//
// A body is judged the way a parsed-then-validated document is: text that is not JSON, or nests deeper than
// kMaxDepth, is invalid_input even when a problem with its content comes first. So after the first content problem
// the reader keeps the problem and only scans the rest (skipping_), stopping at a syntax error or at depth.
class BatchReader {
 public:
  explicit BatchReader(const Snapshot& snapshot) : snapshot_(snapshot) {}

  // One question: the app as asked (into app_text()), its device (into devices()), and its own date if it has one.
  struct Question {
    std::pair<uint32_t, uint32_t> app;  // offset and length
    uint32_t device;
    std::optional<Date> as_of;
  };
  std::string_view App(const Question& q) const { return std::string_view(app_text_).substr(q.app.first, q.app.second); }

  // After sax_parse: the body's problem (a syntax or depth problem before any with its content), else nothing.
  std::optional<Error> Finish() {
    if (error_) return std::move(error_);
    if (has_queries_ && (has_device_ || has_apps_)) {
      return BodyProblem("queries", "give either device and apps, or queries, not both");
    }
    if (!has_queries_) {
      if (!has_device_ && !has_apps_) return BodyProblem("$", kShapes);
      if (!has_device_) return BodyProblem("device", "missing required field");
      if (!has_apps_) return BodyProblem("apps", "missing required field");
      for (Question& q : questions_) q.device = one_device_;
    }
    return std::nullopt;
  }
  const std::vector<Question>& questions() const { return questions_; }
  const std::vector<Device>& devices() const { return devices_; }
  std::optional<Date> as_of() const { return as_of_; }

  bool null() { return skipping_ || Unexpected("null"); }
  bool boolean(bool) { return skipping_ || Unexpected("a boolean"); }
  bool number_integer(nlohmann::json::number_integer_t) { return skipping_ || Unexpected("a number"); }
  bool number_unsigned(nlohmann::json::number_unsigned_t) { return skipping_ || Unexpected("a number"); }
  bool number_float(nlohmann::json::number_float_t, const std::string&) { return skipping_ || Unexpected("a number"); }
  bool binary(nlohmann::json::binary_t&) { return skipping_ || Unexpected("binary data"); }

  bool string(std::string& value) { return string(std::string_view(value)); }
  bool string(std::string_view value) {
    if (skipping_) return true;
    switch (where_.back()) {
      case Where::kTop:
        if (field_ != Field::kAsOf) return Unexpected("a string");
        return ReadDate(value, as_of_, [] { return std::string("as_of"); });
      case Where::kApps:
        if (questions_.size() >= kMaxQuestions) return Fail(BodyProblem("apps", "at most 1000000 apps in one request"));
        questions_.push_back({AddApp(value), 0, std::nullopt});
        return true;
      case Where::kQuery:
        if (field_ == Field::kApp) {
          query_app_ = AddApp(value);
          query_has_app_ = true;
          return true;
        }
        if (field_ == Field::kAsOf) return ReadDate(value, query_as_of_, [&] { return QueryPath() + ".as_of"; });
        return Unexpected("a string");
      case Where::kDevice:
        if (field_ == Field::kTags) return Unexpected("a string");
        if (field_ == Field::kKind) device_has_kind_ = true;
        return Check(SetDeviceField(device_, field_, value), [&] { return DevicePath() + "." + Key(); });
      case Where::kTags: {
        const size_t index = device_.tags.size();
        return Check(AddDeviceTag(device_, value), [&] { return DevicePath() + ".tags[" + std::to_string(index) + "]"; });
      }
      default:
        return Unexpected("a string");
    }
  }

  bool start_object(size_t) {
    if (!Deeper() || skipping_) return !stopped_;
    switch (where_.back()) {
      case Where::kStart: return Enter(Where::kTop);
      case Where::kTop:
        if (field_ != Field::kDevice) return Unexpected("an object");
        return EnterDevice();
      case Where::kQueries:
        if (questions_.size() >= kMaxQuestions) {
          return Fail(BodyProblem("queries", "at most 1000000 queries in one request"));
        }
        query_has_app_ = false;
        query_has_device_ = false;
        query_as_of_.reset();
        return Enter(Where::kQuery);
      case Where::kQuery:
        if (field_ != Field::kDevice) return Unexpected("an object");
        return EnterDevice();
      default: return Unexpected("an object");
    }
  }

  bool start_array(size_t) {
    if (!Deeper() || skipping_) return !stopped_;
    switch (where_.back()) {
      case Where::kTop:
        if (field_ == Field::kApps) return Enter(Where::kApps);
        if (field_ == Field::kQueries) return Enter(Where::kQueries);
        return Unexpected("an array");
      case Where::kDevice:
        if (field_ != Field::kTags) return Unexpected("an array");
        return Enter(Where::kTags);
      default: return Unexpected("an array");
    }
  }

  bool end_array() {
    --depth_;
    if (!skipping_) where_.pop_back();
    return true;
  }

  bool end_object() {
    --depth_;
    if (skipping_) return true;
    const Where closed = where_.back();
    where_.pop_back();
    if (closed == Where::kDevice) return FinishDevice();
    if (closed == Where::kQuery) {
      if (!query_has_app_) return Fail(BodyProblem(QueryPath() + ".app", "expected an app id or store identifier"));
      if (!query_has_device_) return Fail(BodyProblem(QueryPath() + ".device", "missing required field"));
      questions_.push_back({query_app_, query_device_, query_as_of_});
    }
    return true;
  }

  // nlohmann's lexer reuses its buffer for the value that follows: the key is copied (into reused capacity).
  bool key(std::string& key) {
    if (skipping_) return true;
    key_storage_.assign(key);
    return this->key(std::string_view(key_storage_));
  }
  // A key that stays put while the body is read (ReadPlainJson's views into the body).
  bool key(std::string_view key) {
    if (skipping_) return true;
    key_ = key;
    field_ = FieldOf(key);
    switch (where_.back()) {
      case Where::kTop: {
        auto path = [&] { return Key(); };
        switch (field_) {
          case Field::kAsOf: return Once(seen_top_, 1, path);
          case Field::kDevice: return has_device_ = true, Once(seen_top_, 2, path);
          case Field::kApps: return has_apps_ = true, Once(seen_top_, 4, path);
          case Field::kQueries: return has_queries_ = true, Once(seen_top_, 8, path);
          default: return Fail(BodyProblem(Key(), "unknown field"));
        }
      }
      case Where::kQuery: {
        auto path = [&] { return QueryPath() + "." + Key(); };
        switch (field_) {
          case Field::kApp: return query_has_app_ ? Fail(BodyProblem(path(), "duplicate field")) : true;
          case Field::kAsOf: return query_as_of_ ? Fail(BodyProblem(path(), "duplicate field")) : true;
          case Field::kDevice: return query_has_device_ ? Fail(BodyProblem(path(), "duplicate field")) : true;
          default: return Fail(BodyProblem(path(), "unknown field"));
        }
      }
      case Where::kDevice: {
        if (!IsDeviceField(field_)) return Fail(BodyProblem(DevicePath() + "." + Key(), "unknown field"));
        const uint32_t bit = 1u << (static_cast<int>(field_) - static_cast<int>(Field::kKind));
        return Once(seen_device_, bit, [&] { return DevicePath() + "." + Key(); });
      }
      default: return true;
    }
  }

  bool parse_error(size_t byte, const std::string&, const nlohmann::json::exception& error) {
    const FieldError problem = SyntaxProblem(byte, error);
    return Stop(Error(ErrorCode::kInvalidInput, problem.path + ": " + problem.message, {problem}));
  }

 private:
  static constexpr const char* kShapes = "expected {\"device\": {...}, \"apps\": [...]} or {\"queries\": [...]}";
  enum class Where { kStart, kTop, kDevice, kTags, kApps, kQueries, kQuery };

  // A problem with the content: the first one is the answer unless the text turns out not to be JSON.
  bool Fail(Error error) {
    if (!error_) error_ = std::move(error);
    skipping_ = true;
    return true;
  }
  // A problem with the text itself: it overrides any content problem, and reading ends.
  bool Stop(Error error) {
    error_ = std::move(error);
    stopped_ = true;
    return false;
  }
  // Counts a container opened; false (and stopped) past kMaxDepth.
  bool Deeper() {
    if (++depth_ <= kMaxDepth) return true;
    const std::string message = "nested deeper than " + std::to_string(kMaxDepth) + " levels";
    return Stop(Error(ErrorCode::kInvalidInput, "$: " + message, {{"$", message}}));
  }
  // Paths are spelled out only for a problem: building one per question would cost more than answering it.
  template <typename PathOf>
  bool Check(const std::string& problem, PathOf path_of) {
    return problem.empty() ? true : Fail(BodyProblem(path_of(), problem));
  }
  bool Enter(Where where) {
    where_.push_back(where);
    return true;
  }
  // Marks a field seen in its object; a second time is a duplicate.
  template <typename PathOf>
  bool Once(uint32_t& seen, uint32_t bit, PathOf path_of) {
    if (seen & bit) return Fail(BodyProblem(path_of(), "duplicate field"));
    seen |= bit;
    return true;
  }

  // Where the value being read is, and what was found there instead of what belongs.
  std::string HerePath() const {
    switch (where_.back()) {
      case Where::kStart: return "$";
      case Where::kTop: return Key();
      case Where::kApps: return "apps[" + std::to_string(questions_.size()) + "]";
      case Where::kQueries: return QueryPath();
      case Where::kQuery: return QueryPath() + "." + Key();
      case Where::kDevice: return DevicePath() + "." + Key();
      case Where::kTags: return DevicePath() + ".tags[" + std::to_string(device_.tags.size()) + "]";
    }
    return "$";
  }
  bool Unexpected(const char* found) {
    const Where where = where_.back();
    std::string expected = where == Where::kStart || where == Where::kQueries ? "an object"
                           : where == Where::kApps                            ? "a string (an app id or store identifier)"
                           : where == Where::kTags                            ? "a tag (a slug)"
                                                                               : Expected();
    if (where == Where::kStart) expected = kShapes;
    return Fail(BodyProblem(HerePath(), (where == Where::kStart ? expected : "expected " + expected) +
                                            ", got " + found));
  }
  // What the current key of an object holds.
  std::string Expected() const {
    if (key_ == "as_of") return "a date YYYY-MM-DD";
    if (key_ == "device") return "an object {\"kind\": ..., \"owner\": ...}";
    if (key_ == "apps") return "an array of app ids or store identifiers";
    if (key_ == "queries") return "an array of {\"device\", \"app\"} objects";
    if (key_ == "app") return "an app id or store identifier";
    if (key_ == "tags") return "an array of tags";
    if (key_ == "kind") return "\"government\", \"work\" or \"personal\"";
    return "an entity id";
  }

  std::string Key() const { return std::string(key_); }
  std::string QueryPath() const { return "queries[" + std::to_string(questions_.size()) + "]"; }
  std::string DevicePath() const { return where_in_top_device_ ? "device" : QueryPath() + ".device"; }

  template <typename PathOf>
  bool ReadDate(std::string_view text, std::optional<Date>& out, PathOf path_of) {
    out = Date::Parse(text);
    return out ? true : Fail(BodyProblem(path_of(), "expected a date YYYY-MM-DD"));
  }

  std::pair<uint32_t, uint32_t> AddApp(std::string_view text) {
    const auto offset = static_cast<uint32_t>(app_text_.size());
    app_text_ += text;
    return {offset, static_cast<uint32_t>(text.size())};
  }

  bool EnterDevice() {
    // Cleared, not replaced: the strings keep their capacity from one device to the next.
    device_.kind = DeviceKind::kPersonal;
    device_.owner.clear();
    device_.location.clear();
    device_.network.clear();
    device_.tags.clear();
    device_has_kind_ = false;
    seen_device_ = 0;
    where_in_top_device_ = where_.back() == Where::kTop;
    return Enter(Where::kDevice);
  }

  // A device read whole: resolve it (once per distinct device) and hand it to its question or to the body.
  bool FinishDevice() {
    if (!device_has_kind_) return Fail(BodyProblem(DevicePath() + ".kind", "missing required field"));
    cache_key_.assign(Name(device_.kind));
    for (const std::string* field : {&device_.owner, &device_.location, &device_.network}) (cache_key_ += '|') += *field;
    for (const std::string& tag : device_.tags) (cache_key_ += '|') += tag;
    bool inserted = false;
    const uint32_t id = device_ids_.FindOrAdd(cache_key_, static_cast<uint32_t>(devices_.size()), inserted);
    if (inserted) {
      Result<Device> device = snapshot_.ResolveDevice(device_);
      if (!device.ok()) return Fail(UnknownEntities(device.error(), DevicePath()));
      devices_.push_back(std::move(device).value());
    }
    if (where_in_top_device_) {
      one_device_ = id;
    } else {
      query_device_ = id;
      query_has_device_ = true;
    }
    return true;
  }

  const Snapshot& snapshot_;
  std::vector<Where> where_ = {Where::kStart};
  std::string_view key_;  // the current key: into the body, or into key_storage_
  std::string key_storage_;
  Field field_ = Field::kOther;  // key_, told apart
  std::optional<Error> error_;
  size_t depth_ = 0;
  bool skipping_ = false;  // a content problem was found: only syntax and depth are still checked
  bool stopped_ = false;   // a syntax or depth problem was found: reading ends
  bool has_device_ = false, has_apps_ = false, has_queries_ = false;
  uint32_t seen_top_ = 0;
  std::optional<Date> as_of_;
  std::vector<Question> questions_;
  // The question being read (queries form).
  std::pair<uint32_t, uint32_t> query_app_;
  std::string app_text_;  // every app as asked, one after the other: one allocation, not one per question
  bool query_has_app_ = false, query_has_device_ = false;
  uint32_t query_device_ = 0;
  std::optional<Date> query_as_of_;
  // The device being read, and every distinct device read.
  DeviceSpec device_;
  bool device_has_kind_ = false, where_in_top_device_ = false;
  uint32_t seen_device_ = 0;
  uint32_t one_device_ = 0;
  std::string cache_key_;
  DeviceIds device_ids_;
  std::vector<Device> devices_;
};

// Reads the common batch body — objects, arrays and strings of printable ASCII without escapes — straight from the
// text into `reader`'s SAX events, several times faster than nlohmann's lexer, which copies and validates byte by
// byte. Returns false, having delivered some events, at anything else: a number, a literal, an escape, a byte
// outside printable ASCII, nesting past kMaxDepth, or a syntax error. The caller then reads the body again, from
// the start with a fresh reader, with nlohmann's parser, so that every body it hands back is judged, and every
// problem worded, exactly as before. Everything this accepts is JSON that nlohmann reads to the same events
// (tests/fuzz/fuzz_batch.cc checks the verdicts against a tree read of the same text).
// The bytes a plain string holds as they are: printable ASCII but the quote and the backslash.
constexpr std::array<bool, 256> kPlainStringByte = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x7F; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

template <typename Reader>
bool ReadPlainJson(std::string_view text, Reader& reader) {
  const char* p = text.data();
  const char* const end = p + text.size();
  uint64_t objects = 0;  // bit d: the container at depth d + 1 is an object
  size_t depth = 0;
  const auto skip_space = [&] {
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t')) ++p;
  };
  // At an opening quote: the string's text, or false when it is not plain.
  const auto plain_string = [&](std::string_view& out) {
    const char* const start = ++p;
    while (p < end && kPlainStringByte[static_cast<unsigned char>(*p)]) ++p;
    if (p == end || *p != '"') return false;
    out = std::string_view(start, static_cast<size_t>(p - start));
    ++p;
    return true;
  };
  const auto in_object = [&] { return (objects >> (depth - 1)) & 1; };
  std::string_view token;

  enum class Next { kValue, kKey, kAfterValue } next = Next::kValue;
  while (true) {
    skip_space();
    switch (next) {
      case Next::kValue:
        if (p == end) return false;
        if (*p == '{' || *p == '[') {
          const bool object = *p == '{';
          if (depth == kMaxDepth) return false;
          if (!(object ? reader.start_object(static_cast<size_t>(-1)) : reader.start_array(static_cast<size_t>(-1)))) {
            return true;
          }
          objects = object ? objects | (uint64_t{1} << depth) : objects & ~(uint64_t{1} << depth);
          ++depth;
          ++p;
          skip_space();
          if (p < end && *p == (object ? '}' : ']')) {
            ++p;
            --depth;
            if (!(object ? reader.end_object() : reader.end_array())) return true;
            next = Next::kAfterValue;
          } else {
            next = object ? Next::kKey : Next::kValue;
          }
          continue;
        }
        if (*p != '"' || !plain_string(token)) return false;
        if (!reader.string(token)) return true;
        next = Next::kAfterValue;
        continue;
      case Next::kKey:
        if (p == end || *p != '"' || !plain_string(token)) return false;
        if (!reader.key(token)) return true;
        skip_space();
        if (p == end || *p != ':') return false;
        ++p;
        next = Next::kValue;
        continue;
      case Next::kAfterValue:
        if (depth == 0) return p == end;
        if (p == end) return false;
        if (*p == ',') {
          ++p;
          next = in_object() ? Next::kKey : Next::kValue;
          continue;
        }
        if (*p != (in_object() ? '}' : ']')) return false;
        ++p;
        --depth;
        if (!((objects >> depth) & 1 ? reader.end_object() : reader.end_array())) return true;
        continue;
    }
  }
}

}  // namespace

Result<DeviceSpec> ParseDeviceJson(const nlohmann::json& value, const std::string& path) {
  if (!value.is_object()) return BodyProblem(path, "expected an object {\"kind\": ..., \"owner\": ...}");
  DeviceSpec spec;
  bool has_kind = false;
  for (const auto& item : value.items()) {
    const std::string& key = item.key();
    const nlohmann::json& field = item.value();
    const Field device_field = FieldOf(key);
    if (!IsDeviceField(device_field)) return BodyProblem(path + "." + key, "unknown field");
    if (key == "tags") {
      if (!field.is_array()) return BodyProblem(path + ".tags", "expected an array of tags");
      for (size_t i = 0; i < field.size(); ++i) {
        std::string problem = field[i].is_string() ? AddDeviceTag(spec, field[i].get_ref<const std::string&>())
                                                   : "expected a tag (a slug)";
        if (!problem.empty()) return BodyProblem(path + ".tags[" + std::to_string(i) + "]", problem);
      }
      continue;
    }
    std::string problem = field.is_string() ? SetDeviceField(spec, device_field, field.get_ref<const std::string&>())
                                            : (key == "kind" ? kExpectedKind : "expected an entity id");
    if (!problem.empty()) return BodyProblem(path + "." + key, problem);
    has_kind |= key == "kind";
  }
  if (!has_kind) return BodyProblem(path + ".kind", "missing required field");
  return spec;
}

Result<std::string> AnswerBatch(const Snapshot& snapshot, std::string_view body, Date default_as_of,
                                BatchCounts* counts) {
  std::optional<BatchReader> reader(std::in_place, snapshot);
  bool parsed = ReadPlainJson(body, *reader);
  if (!parsed) {  // not a plain body: read it again, whole, the general way
    reader.emplace(snapshot);
    parsed = nlohmann::json::sax_parse(body.begin(), body.end(), &*reader);
  }
  std::optional<Error> problem = reader->Finish();
  if (problem) return std::move(*problem);
  if (!parsed) return Error(ErrorCode::kInvalidInput, "the body could not be read");
  const Date as_of = reader->as_of().value_or(default_as_of);

  std::string out = "{\"results\":[";
  out.reserve(reader->questions().size() * 64 + 64);
  Decision decision;
  Query query;  // reused: assigning a device keeps the capacity of its tag list, where a new Query would allocate
  // A run of questions about one device (the device form, a fleet sweep's queries) is answered from the device
  // prepared once; a short run is not worth the preparation.
  constexpr size_t kPreparedRun = 8;
  Snapshot::PreparedDevice prepared;
  bool use_prepared = false;
  size_t run_end = 0;  // the end of the current run of questions about one device
  BatchCounts local;
  const std::vector<BatchReader::Question>& questions = reader->questions();
  // Each app is resolved one question ahead and its record asked for (Snapshot::Prefetch), so that its cache misses
  // overlap the check before it.
  auto resolve = [&](size_t i) -> std::optional<Index> {
    return i < questions.size() ? snapshot.ResolveApp(reader->App(questions[i])) : std::nullopt;
  };
  std::optional<Index> next_app = resolve(0);
  for (size_t i = 0; i < questions.size(); ++i) {
    const BatchReader::Question& q = questions[i];
    const std::optional<Index> app = next_app;
    next_app = resolve(i + 1);
    if (next_app) snapshot.Prefetch(*next_app);
    if (i > 0) out += ',';
    if (i == run_end) {  // a new run begins
      while (run_end < questions.size() && questions[run_end].device == q.device) ++run_end;
      const Device& device = reader->devices()[q.device];
      use_prepared = run_end - i >= kPreparedRun;
      if (use_prepared) {
        snapshot.Prepare(device, prepared);
      } else {
        query.device = device;
      }
    }
    if (app) {
      if (use_prepared) {
        snapshot.Evaluate(prepared, *app, q.as_of.value_or(as_of), decision);
      } else {
        query.app = *app;
        query.as_of = q.as_of.value_or(as_of);
        snapshot.Evaluate(query, decision);
      }
      ++local.verdicts[static_cast<size_t>(decision.verdict)];
    } else {
      ++local.unknown;
    }
    AppendBatchItem(out, snapshot, reader->App(q), app, app ? &decision : nullptr);
  }
  out += "],\"snapshot\":";
  AppendJsonString(out, snapshot.version());
  out += "}\n";
  if (counts) *counts = local;
  return out;
}

}  // namespace bantrack::rules
