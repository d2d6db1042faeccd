#include "api/http.h"

namespace bantrack::api {

void AddDataRoutes(std::vector<Route>&) {}

}  // namespace bantrack::api
