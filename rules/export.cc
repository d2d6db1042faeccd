#include "rules/export.h"

#include "rules/bundle.h"
#include "rules/cedar.h"
#include "rules/csv.h"

namespace bantrack::rules {
namespace {

constexpr ExportFormat kFormats[] = {
    {"bundle", "application/json", "json", "the canonical bantrack/v1 bundle (import it again: identical)",
     [](const Snapshot& snapshot, Date) { return WriteBundle(snapshot.model()); }},
    {"csv", "text/csv; charset=utf-8", "csv", "one row per rule, its status as of the date", WriteRulesCsv},
    {"cedar", "application/json", "cedar.json", "Cedar schema, policies and entities giving the same ban/allow answers",
     [](const Snapshot& snapshot, Date) { return CedarDocument(ExportCedar(snapshot)); }},
};

}  // namespace

std::span<const ExportFormat> ExportFormats() { return kFormats; }

const ExportFormat* FindExportFormat(std::string_view name) {
  for (const ExportFormat& format : kFormats) {
    if (format.name == name) return &format;
  }
  return nullptr;
}

}  // namespace bantrack::rules
