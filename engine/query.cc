#include "engine/query.h"

#include <array>

namespace bantrack {

std::string_view Name(DeviceKind kind) {
  static constexpr std::array<std::string_view, 3> kNames = {"government", "work", "personal"};
  return kNames[static_cast<size_t>(kind)];
}

std::optional<DeviceKind> ParseDeviceKind(std::string_view text) {
  for (DeviceKind kind : {DeviceKind::kGovernment, DeviceKind::kWork, DeviceKind::kPersonal}) {
    if (Name(kind) == text) return kind;
  }
  return std::nullopt;
}

std::string_view Name(Verdict verdict) {
  static constexpr std::array<std::string_view, 4> kNames = {"allowed", "under-review", "restricted", "banned"};
  return kNames[static_cast<size_t>(verdict)];
}

std::string_view Name(Role role) {
  static constexpr std::array<std::string_view, 6> kNames = {"decisive", "active",  "lifted",
                                                             "exempting", "pending", "inactive"};
  return kNames[static_cast<size_t>(role)];
}

size_t Decision::decisive_count() const {
  size_t count = 0;
  while (count < matches.size() && matches[count].role == Role::kDecisive) ++count;
  return count;
}

}  // namespace bantrack
