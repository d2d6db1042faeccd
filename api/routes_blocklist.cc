#include "api/http.h"

namespace bantrack::api {

void AddBlocklistRoutes(std::vector<Route>&) {}

}  // namespace bantrack::api
