// Answers of batch checks (POST /v1/check, bantrack allowlist --json), written straight into a string: a fleet
// sweep renders millions of them, so this path builds no JSON tree.
#pragma once

#include <optional>
#include <string>
#include <string_view>

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

}  // namespace bantrack::rules
