// Plain-text helpers shared by the text bantrack writes: CSV cells, Cedar policies, the API's feeds and headers,
// the CLI's verdicts.
#pragma once

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

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

// The items of `text` between `separator`s, empty ones left out: "a,,b," gives {"a", "b"}. A hand-written split:
// a std::stringstream would cost a locale's setup, on every GET /v1/check that names tags.
inline std::vector<std::string> SplitList(std::string_view text, char separator) {
  std::vector<std::string> items;
  for (size_t begin = 0; begin < text.size();) {
    const size_t end = std::min(text.find(separator, begin), text.size());
    if (end > begin) items.emplace_back(text.substr(begin, end - begin));
    begin = end + 1;
  }
  return items;
}

}  // namespace bantrack::rules
