// Plain-text helpers shared by the text bantrack writes: CSV cells, Cedar policies, the API's feeds and headers,
// the CLI's verdicts.
#pragma once

#include <string>
#include <string_view>

namespace bantrack::rules {

// Writes a part as it is: for containers of std::string or std::string_view.
struct AsText {
  std::string_view operator()(std::string_view part) const { return part; }
};

// The parts of `parts`, each as `text(part)`, with `separator` between them ("" for no parts).
template <typename Container, typename Text = AsText>
std::string Joined(const Container& parts, std::string_view separator, Text text = {}) {
  std::string joined;
  bool first = true;
  for (const auto& part : parts) {
    if (!first) joined += separator;
    joined += text(part);
    first = false;
  }
  return joined;
}

}  // namespace bantrack::rules
