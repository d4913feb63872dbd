// GET /api/v1/table: the results tables of `drover table`, as JSON.
#include "server/api.h"
#include "server/http_util.h"

namespace drover::server {

void RegisterTableRoutes(httplib::Server&, const ServeContext&) {}

}  // namespace drover::server
