// List responses of the read routes: {..., "items": [...], "next_cursor": "<opaque>" | null, "total": N,
// "snapshot": "<version>"}, paged by `limit` and `cursor`, and the `q` text filter they share.
#pragma once

#include <cstddef>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/http.h"

namespace bantrack::api {

// Pages through one list in a fixed order. Every item has a key whose byte order is the list's order (the id, for
// lists by id; a date and an id for lists by date). A cursor holds the key of the last item of a page, so the next
// page starts right after that key even if the data changed in between: paging never repeats an item, and misses
// only items added behind the reader. Cursors name their list: a cursor of another list is refused.
class Pager {
 public:
  // Reads `limit` (default 100, at most 1000) and `cursor` (absent or empty: the first page); a 400 naming the
  // parameter when either is bad.
  static Result<Pager> FromRequest(const Request& request, std::string_view list);

  // Offers the next item of the list, in order (keys ascend); counts it in `total` and returns whether it is on
  // this page, i.e. whether the caller should render it.
  bool Take(std::string_view key);

  // Appends "items", "next_cursor", "total" and "snapshot" to `doc` and returns it.
  nlohmann::ordered_json Finish(nlohmann::ordered_json doc, nlohmann::ordered_json items,
                                const Snapshot& snapshot) const;

 private:
  Pager(std::string list, std::string after, size_t limit)
      : list_(std::move(list)), after_(std::move(after)), limit_(limit) {}

  std::string list_;
  std::string after_;  // the key the page starts after; empty: the first page
  size_t limit_;
  size_t on_page_ = 0;
  size_t total_ = 0;
  bool more_ = false;  // an item after the page exists
  std::string last_;   // the key of the page's last item
};

// The `q` filter: a case-insensitive (ASCII) substring of any of a record's searchable fields.
class TextQuery {
 public:
  // Reads `q` (at most 200 bytes); an absent or empty q matches everything.
  static Result<TextQuery> FromRequest(const Request& request);
  bool Matches(std::initializer_list<std::string_view> fields) const;
  bool MatchesAny(const std::vector<std::string>& fields) const;

 private:
  explicit TextQuery(std::string needle) : needle_(std::move(needle)) {}
  bool Contains(std::string_view field) const;
  std::string needle_;  // lower case
};

}  // namespace bantrack::api
