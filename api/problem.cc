#include "api/problem.h"

#include <nlohmann/json.hpp>

namespace bantrack::api {
namespace {

struct StatusInfo {
  int status;
  const char* title;
};

StatusInfo InfoFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return {400, "Bad request"};
    case ErrorCode::kInvalidData: return {422, "Invalid data"};
    case ErrorCode::kNotFound: return {404, "Not found"};
    case ErrorCode::kConflict: return {409, "Conflict"};
    case ErrorCode::kUnauthenticated: return {401, "Authentication required"};
    case ErrorCode::kPermissionDenied: return {403, "Permission denied"};
    case ErrorCode::kReadOnly: return {403, "Read-only replica"};
    case ErrorCode::kUnavailable: return {503, "Unavailable"};
    case ErrorCode::kIo: return {500, "Storage error"};
    case ErrorCode::kInternal: return {500, "Internal error"};
  }
  return {500, "Internal error"};
}

}  // namespace

Problem ProblemFor(const Error& error) {
  const StatusInfo info = InfoFor(error.code());
  return Problem{info.status, std::string(ErrorCodeName(error.code())), info.title, error.message(), error.details()};
}

Problem HttpProblem(int status, std::string detail) {
  switch (status) {
    case 404: return {404, "not_found", "Not found", std::move(detail), {}};
    case 405: return {405, "method_not_allowed", "Method not allowed", std::move(detail), {}};
    case 408: return {408, "timeout", "Request timeout", std::move(detail), {}};
    case 411: return {411, "length_required", "Length required", std::move(detail), {}};
    case 413: return {413, "too_large", "Payload too large", std::move(detail), {}};
    case 414: return {414, "uri_too_long", "URI too long", std::move(detail), {}};
    case 415: return {415, "unsupported_media_type", "Unsupported media type", std::move(detail), {}};
    case 416: return {416, "range_not_satisfiable", "Range not satisfiable", std::move(detail), {}};
    case 431: return {431, "headers_too_large", "Request header fields too large", std::move(detail), {}};
    default: break;
  }
  if (status >= 500) return {status, "internal", "Internal error", std::move(detail), {}};
  return {status, "bad_request", "Bad request", std::move(detail), {}};
}

std::string ProblemJson(const Problem& problem) {
  nlohmann::ordered_json doc;
  doc["type"] = "urn:bantrack:problem:" + problem.code;
  doc["title"] = problem.title;
  doc["status"] = problem.status;
  doc["detail"] = problem.detail;
  if (!problem.errors.empty()) {
    nlohmann::ordered_json& errors = doc["errors"] = nlohmann::ordered_json::array();
    for (const FieldError& e : problem.errors) errors.push_back({{"path", e.path}, {"message", e.message}});
  }
  // Replacement instead of an exception: details may quote a request's invalid UTF-8.
  return doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace bantrack::api
