#include "rules/batch_json.h"

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

}  // namespace bantrack::rules
