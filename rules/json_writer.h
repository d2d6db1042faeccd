// Internal to rules/: JSON text written straight into a string, in the layout of nlohmann's dump(2) — two-space
// indents, ": " after keys, empty containers as [] and {} — for answers rendered on hot paths, where building a
// JSON tree first costs more than answering.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/batch_json.h"

namespace bantrack::rules {

class PrettyJson {
 public:
  explicit PrettyJson(std::string& out) : out_(out) {}

  void BeginObject() { Open('{'); }
  void EndObject() { Close('}'); }
  void BeginArray() { Open('['); }
  void EndArray() { Close(']'); }
  // A member's key; its value follows. Keys are the callers' literals, plain ASCII that needs no escaping, so they
  // are copied as they are: an answer has ~30 of them, and scanning each was nearly a quarter of writing it.
  void Key(std::string_view key) {
    NextElement();
    out_ += '"';
    out_.append(key);
    out_.append("\": ", 3);
    after_key_ = true;
  }
  void String(std::string_view value) {
    NextElement();
    AppendJsonString(out_, value);
  }
  // An array of strings: any container of std::string or std::string_view.
  template <typename Container>
  void Strings(const Container& values) {
    BeginArray();
    for (std::string_view value : values) String(value);
    EndArray();
  }

 private:
  void Open(char bracket) {
    NextElement();
    out_ += bracket;
    counts_.push_back(0);
  }
  void Close(char bracket) {
    if (counts_.back() > 0) Newline(counts_.size() - 1);
    counts_.pop_back();
    out_ += bracket;
  }
  // Before a value or a key: the separator and indentation it needs, unless it is the value of a key.
  void NextElement() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (counts_.empty()) return;
    const bool first = counts_.back()++ == 0;
    Newline(counts_.size(), !first);
  }
  // A comma if asked, then a line break and the indentation of `depth`: in one append, up to depth 31.
  void Newline(size_t depth, bool comma = false) {
    static constexpr std::string_view kBreak =
        ",\n                                                              ";  // a comma, a newline, 62 spaces
    const std::string_view piece = kBreak.substr(comma ? 0 : 1);
    const size_t lead = comma ? 2 : 1;
    if (lead + 2 * depth <= piece.size()) {
      out_.append(piece.data(), lead + 2 * depth);
      return;
    }
    out_.append(piece.data(), lead);
    out_.append(2 * depth, ' ');
  }

  std::string& out_;
  std::vector<size_t> counts_;  // elements written so far, per open container
  bool after_key_ = false;
};

}  // namespace bantrack::rules
