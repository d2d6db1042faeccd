// Calendar dates, as days since 1970-01-01 (proleptic Gregorian), so that comparisons are integer compares.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace bantrack {

struct Date {
  int32_t days = 0;  // days since 1970-01-01

  // Parses exactly "YYYY-MM-DD" (years 0001–9999) and refuses dates not on the calendar (2025-02-30).
  static std::optional<Date> Parse(std::string_view text);
  static Date FromYmd(int year, int month, int day);  // caller guarantees a real date

  std::string ToString() const;  // "YYYY-MM-DD"
  int year() const;

  auto operator<=>(const Date&) const = default;
};

}  // namespace bantrack
