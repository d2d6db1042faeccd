#include "api/http.h"

namespace bantrack::api {

void AddCatalogRoutes(std::vector<Route>&) {}

}  // namespace bantrack::api
