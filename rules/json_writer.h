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
  // A member's key; its value follows.
  void Key(std::string_view key) {
    NextElement();
    AppendJsonString(out_, key);
    out_ += ": ";
    after_key_ = true;
  }
  void String(std::string_view value) {
    NextElement();
    AppendJsonString(out_, value);
  }
  void Strings(const std::vector<std::string>& values) {
    BeginArray();
    for (const std::string& value : values) String(value);
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
    if (counts_.back()++ > 0) out_ += ',';
    Newline(counts_.size());
  }
  void Newline(size_t depth) {
    out_ += '\n';
    out_.append(2 * depth, ' ');
  }

  std::string& out_;
  std::vector<size_t> counts_;  // elements written so far, per open container
  bool after_key_ = false;
};

}  // namespace bantrack::rules
