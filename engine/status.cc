#include "engine/status.h"

namespace bantrack {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return "invalid_input";
    case ErrorCode::kInvalidData: return "invalid_data";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kReadOnly: return "read_only";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kIo: return "io";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::ToString() const {
  std::string out = message_;
  for (const FieldError& detail : details_) {
    out += "\n  ";
    if (!detail.path.empty()) out += detail.path + ": ";
    out += detail.message;
  }
  return out;
}

}  // namespace bantrack
