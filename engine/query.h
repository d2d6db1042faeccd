// A compliance question and the engine's answer (DESIGN.md §3), in terms of snapshot indices.
//
// Questions arrive as text (DeviceSpec, an app id or store identifier, a date); Snapshot::Resolve* turns them into
// indices once, so that evaluating is lookups. A Decision is the whole answer: the verdict and every matching rule
// with its role; Snapshot::DevicePath/AppPath turn a match into the explanation's paths.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/date.h"
#include "engine/model.h"

namespace bantrack {

using Index = uint32_t;
inline constexpr Index kNoIndex = std::numeric_limits<Index>::max();

enum class DeviceKind : uint8_t { kGovernment, kWork, kPersonal };
std::string_view Name(DeviceKind kind);
std::optional<DeviceKind> ParseDeviceKind(std::string_view text);

// Ordered by severity: a larger verdict wins.
enum class Verdict : uint8_t { kAllowed, kUnderReview, kRestricted, kBanned };
std::string_view Name(Verdict verdict);

// The order of Role is the order in which matches are listed.
enum class Role : uint8_t { kDecisive, kActive, kLifted, kExempting, kPending, kInactive };
std::string_view Name(Role role);

// A device as asked, by ids. Empty strings mean "not given".
struct DeviceSpec {
  DeviceKind kind = DeviceKind::kPersonal;
  std::string owner;
  std::string location;
  std::string network;
  std::vector<std::string> tags;
  bool operator==(const DeviceSpec&) const = default;
};

// A device resolved against a snapshot. Tags that no rule requires are dropped: they cannot change an answer.
struct Device {
  DeviceKind kind = DeviceKind::kPersonal;
  Index owner = kNoIndex;
  Index location = kNoIndex;
  Index network = kNoIndex;
  std::vector<uint32_t> tags;  // interned, sorted
};

struct Query {
  Index app = kNoIndex;
  Device device;
  Date as_of;
};

// One rule that matches the query.
struct Match {
  Index rule = kNoIndex;
  Role role = Role::kInactive;
  Scope scope = Scope::kPublic;      // the scope through which the rule reaches the device (the first, if several)
  RuleStatus status = RuleStatus::kInForce;  // the rule's status as of the query's date
  Index via = kNoIndex;              // the device's owner, network or location, as the scope requires
  Index lifted_by = kNoIndex;        // for Role::kLifted: the exempting rule (the lowest id, if several)
};

struct Decision {
  Verdict verdict = Verdict::kAllowed;
  std::vector<Match> matches;  // by role, then by rule id; the decisive rules come first
  size_t decisive_count() const;
};

}  // namespace bantrack
