// RFC 9457 problem documents: the one place where errors become HTTP statuses.
#pragma once

#include <string>
#include <vector>

#include "engine/status.h"

namespace bantrack::api {

struct Problem {
  int status = 500;
  std::string code;   // stable, e.g. "invalid_input"; the type URI is "urn:bantrack:problem:<code>"
  std::string title;  // short, per code
  std::string detail;
  std::vector<FieldError> errors;
};

// The status of each ErrorCode: invalid_input 400, invalid_data 422, not_found 404, conflict 409,
// unauthenticated 401, permission_denied 403, read_only 403, unavailable 503, io and internal 500.
Problem ProblemFor(const Error& error);
// Problems that only HTTP has: 404 for an unknown route, 405, 411, 413, 415, and any other status httplib sets.
Problem HttpProblem(int status, std::string detail);

// {"type","title","status","detail","errors":[{"path","message"}]} (errors only when there are some).
std::string ProblemJson(const Problem& problem);

}  // namespace bantrack::api
