// Batch checks (POST /v1/check, bantrack batch, bantrack allowlist --json): many questions in one JSON body,
// answered in the order asked. Answers are written straight into a string: a fleet sweep renders millions of them,
// so this path builds no JSON tree.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "engine/query.h"
#include "engine/snapshot.h"

namespace bantrack::rules {

// Appends `text` as a JSON string literal: quotes, backslashes and control characters escaped, invalid UTF-8
// replaced by U+FFFD.
void AppendJsonString(std::string& out, std::string_view text);

// Appends {"app":<the identifier as asked>,"verdict":"...","decisive":[rule ids]}. With no app (an identifier not
// in the catalog) the verdict is "unknown" and decisive is empty; `decision` is then ignored and may be null.
void AppendBatchItem(std::string& out, const Snapshot& snapshot, std::string_view asked, std::optional<Index> app,
                     const Decision* decision);

// A device described by a JSON object {"kind", "owner"?, "location"?, "network"?, "tags"?} at `path`;
// problems are kInvalidData located under `path` ("device.kind").
Result<DeviceSpec> ParseDeviceJson(const nlohmann::json& value, const std::string& path);

// How many answers of each verdict a batch gave (indexed by Verdict), and how many apps were unknown.
struct BatchCounts {
  std::array<uint64_t, 4> verdicts{};
  uint64_t unknown = 0;
};

// Today in UTC: the date of a question asked without as_of, as the server, the CLI and the benchmark ask it.
Date UtcToday();

// Answers a batch body (JSON text), either {"device": {...}, "apps": [...], "as_of"?} (one device, many apps) or
// {"queries": [{"device": {...}, "app": "...", "as_of"?}, ...], "as_of"?}; a missing as_of is `default_as_of`.
// Returns {"results":[<AppendBatchItem>...],"snapshot":"..."} followed by a newline. The body is read as a stream,
// without building a JSON tree, and every question is validated before any is answered: text that is not JSON is
// kInvalidInput at "$"; any other problem (an unknown or repeated field, a wrong type, an unknown entity, a bad
// date) is kInvalidData located in the body ("queries[3].device.owner"), and reading stops there. Apps not in the
// catalog are answered "unknown", not refused. At most 1,000,000 questions.
Result<std::string> AnswerBatch(const Snapshot& snapshot, std::string_view body, Date default_as_of,
                                BatchCounts* counts = nullptr);

}  // namespace bantrack::rules
