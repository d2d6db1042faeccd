#include "api/http.h"

namespace bantrack::api {

std::vector<Route> AllRoutes() {
  std::vector<Route> routes;
  AddCheckRoutes(routes);
  AddCatalogRoutes(routes);
  AddBlocklistRoutes(routes);
  AddFeedRoutes(routes);
  AddDataRoutes(routes);
  AddWriteRoutes(routes);
  return routes;
}

}  // namespace bantrack::api
