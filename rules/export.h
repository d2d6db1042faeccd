// The formats the whole data set can be exported in, shared by `bantrack export` and GET /v1/export.
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "engine/date.h"
#include "engine/snapshot.h"

namespace bantrack::rules {

struct ExportFormat {
  std::string_view name;          // "bundle", "csv", "cedar"
  std::string_view content_type;  // of the HTTP answer
  std::string_view extension;     // of a downloaded file
  std::string_view description;   // one line, for help texts
  std::string (*write)(const Snapshot& snapshot, Date as_of);
};

// Every format, the default (bundle) first.
std::span<const ExportFormat> ExportFormats();
// The format with that name, or nullptr.
const ExportFormat* FindExportFormat(std::string_view name);

}  // namespace bantrack::rules
