// The ban list as CSV (RFC 4180), for spreadsheets and newsroom tables: one row per rule, its status as of a date.
#pragma once

#include <string>

#include "engine/date.h"
#include "engine/snapshot.h"

namespace bantrack::rules {

// Header and columns, in this order:
//   id, issuer, issuer_name, issuer_kind, title, instrument, effect, scope, apps, publishers, categories,
//   origin_countries, device_tags, status, since, first_date, timeline, sources, summary
// Lists are joined with "; ". `status` is the status as of `as_of` ("not-yet" before the first entry) and
// `since` the date of the timeline entry that set it; `timeline` is "2025-01-31 in-force; 2025-05-01 lifted";
// `sources` are the URLs. Fields are quoted when they hold a comma, quote, CR or LF. Lines end with CRLF.
// Cells starting with = + - @ are prefixed with ' so spreadsheets do not run them as formulas.
std::string WriteRulesCsv(const Snapshot& snapshot, Date as_of);

// One CSV field, quoted/escaped as above (shared by every CSV bantrack writes).
std::string CsvField(std::string_view text);

}  // namespace bantrack::rules
