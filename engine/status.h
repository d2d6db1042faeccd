// The one error type of bantrack, passed upward by every layer.
//
// Inside the project, functions that can fail return Result<T> (a value or an Error) or Status (Result<void>);
// exceptions are caught at the edges (JSON parsing, SQLite, HTTP) and turned into an Error there. The HTTP layer
// maps ErrorCode to a status code in one place; the CLI maps it to an exit code.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace bantrack {

// Stable codes: their names (ErrorCodeName) appear in problem documents and logs; never renumber or rename.
enum class ErrorCode {
  kInvalidInput,      // "invalid_input": a malformed request: bad parameters, text that is not JSON
  kInvalidData,       // "invalid_data": a well-formed document whose content breaks the format or the model's rules
  kNotFound,          // "not_found": an id that names nothing
  kConflict,          // "conflict": e.g. deleting a record that others still refer to
  kUnauthenticated,   // "unauthenticated": no or unknown token
  kPermissionDenied,  // "permission_denied": a token whose role is too weak
  kReadOnly,          // "read_only": a write sent to a replica
  kUnavailable,       // "unavailable": a dependency (the primary, the disk) cannot be reached now
  kIo,                // "io": reading or writing a file or the database failed
  kInternal,          // "internal": a bug; never caused by input
};

std::string_view ErrorCodeName(ErrorCode code);

// One problem at one place: `path` is a JSON path ("rules[3].scope[0]") or a parameter name ("as_of").
struct FieldError {
  std::string path;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

class Error {
 public:
  Error(ErrorCode code, std::string message, std::vector<FieldError> details = {})
      : code_(code), message_(std::move(message)), details_(std::move(details)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& details() const { return details_; }

  // "message" alone, or "message" followed by one "  path: message" line per detail.
  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::vector<FieldError> details_;
};

// A value or the Error that prevented it. Access value() only when ok().
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::move(value)) {}  // NOLINT: implicit by design, like std::expected
  Result(Error error) : state_(std::move(error)) {}  // NOLINT

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

  const Error& error() const { return std::get<1>(state_); }
  Error&& take_error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

// Result<void>: success, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT

  bool ok() const { return !failed_; }
  explicit operator bool() const { return ok(); }
  const Error& error() const { return error_; }
  Error&& take_error() && { return std::move(error_); }

 private:
  Error error_{ErrorCode::kInternal, ""};
  bool failed_ = false;
};

using Status = Result<void>;

}  // namespace bantrack
