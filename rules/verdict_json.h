// The verdict document of DESIGN.md §5: rendered in one place so that `bantrack check --json` and
// `GET /v1/check` are byte-for-byte identical.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "engine/query.h"
#include "engine/snapshot.h"

namespace bantrack::rules {

// {"verdict", "app": {"id","name"}, "device": <as asked: kind, then owner/location/network when given, tags when
//  non-empty>, "as_of", "decisive": [rule ids], "matches": [{"rule","issuer","effect","status","role",
//  "lifted_by" (lifted only),"scope","device_path","app_path","sources":[{"url","title","outlet"?,"published"?}]}],
//  "snapshot"}. Keys in exactly this order, laid out as nlohmann's dump(2) lays out JSON (two-space indents),
//  followed by a newline. Written straight into the string: it is the answer of every GET /v1/check.
std::string VerdictJson(const Snapshot& snapshot, Index app, const DeviceSpec& asked, Date as_of,
                        const Decision& decision);

// The device as asked, as it appears in verdicts and batch answers.
nlohmann::ordered_json DeviceJson(const DeviceSpec& device);

}  // namespace bantrack::rules
