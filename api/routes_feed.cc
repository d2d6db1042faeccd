#include "api/http.h"

namespace bantrack::api {

void AddFeedRoutes(std::vector<Route>&) {}

}  // namespace bantrack::api
