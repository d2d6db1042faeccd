#include "api/listing.h"

#include <algorithm>
#include <cctype>

#include "api/params.h"

namespace bantrack::api {
namespace {

constexpr std::string_view kBase64Url = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr size_t kMaxQuery = 200;
// A cursor is "<list>\n<key>", base64url without padding: opaque to clients, and easy to check on the way back.
constexpr char kCursorSeparator = '\n';

std::string Base64UrlEncode(std::string_view bytes) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (unsigned char c : bytes) {
    buffer = (buffer << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out += kBase64Url[(buffer >> bits) & 63];
    }
  }
  if (bits > 0) out += kBase64Url[(buffer << (6 - bits)) & 63];
  return out;
}

std::optional<std::string> Base64UrlDecode(std::string_view text) {
  std::string out;
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : text) {
    const size_t value = kBase64Url.find(c);
    if (value == std::string_view::npos) return std::nullopt;
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((buffer >> bits) & 0xff);
    }
  }
  // Leftover bits must be padding zeros of a final partial group (never a whole sextet).
  if (bits >= 6 || (buffer & ((1u << bits) - 1)) != 0) return std::nullopt;
  return out;
}

std::string Lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  return lower;
}

}  // namespace

Result<Pager> Pager::FromRequest(const Request& request, std::string_view list) {
  Result<size_t> limit = LimitParam(request);
  if (!limit.ok()) return std::move(limit).take_error();
  const std::string cursor = request.Param("cursor");
  std::string after;
  if (!cursor.empty()) {
    const std::optional<std::string> decoded = Base64UrlDecode(cursor);
    const std::string prefix = std::string(list) + kCursorSeparator;
    if (!decoded || !decoded->starts_with(prefix) || decoded->size() == prefix.size()) {
      return BadParam("cursor", "not a cursor of this list; pass the next_cursor of a previous page as it was given");
    }
    after = decoded->substr(prefix.size());
  }
  return Pager(std::string(list), std::move(after), limit.value());
}

bool Pager::Take(std::string_view key) {
  ++total_;
  if (!after_.empty() && key <= after_) return false;
  if (on_page_ == limit_) {
    more_ = true;
    return false;
  }
  ++on_page_;
  last_ = key;
  return true;
}

nlohmann::ordered_json Pager::Finish(nlohmann::ordered_json doc, nlohmann::ordered_json items,
                                     const Snapshot& snapshot) const {
  doc["items"] = std::move(items);
  doc["next_cursor"] = more_ ? nlohmann::ordered_json(Base64UrlEncode(list_ + kCursorSeparator + last_)) : nullptr;
  doc["total"] = total_;
  doc["snapshot"] = snapshot.version();
  return doc;
}

Result<TextQuery> TextQuery::FromRequest(const Request& request) {
  const std::string q = request.Param("q");
  if (q.size() > kMaxQuery) return BadParam("q", "at most 200 characters");
  return TextQuery(Lowercase(q));
}

bool TextQuery::Contains(std::string_view field) const {
  auto it = std::search(field.begin(), field.end(), needle_.begin(), needle_.end(),
                        [](char a, char b) { return std::tolower(static_cast<unsigned char>(a)) == b; });
  return it != field.end();
}

bool TextQuery::Matches(std::initializer_list<std::string_view> fields) const {
  if (needle_.empty()) return true;
  return std::any_of(fields.begin(), fields.end(), [&](std::string_view field) { return Contains(field); });
}

bool TextQuery::MatchesAny(const std::vector<std::string>& fields) const {
  if (needle_.empty()) return true;
  return std::any_of(fields.begin(), fields.end(), [&](const std::string& field) { return Contains(field); });
}

}  // namespace bantrack::api
