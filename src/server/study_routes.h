// The study service over HTTP: every /api/v1/studies route of `drover serve`, answered
// by one StudyService (study_service.h) over the server's store.
//
//   GET  /api/v1/studies                          the studies, with counts per state
//   POST /api/v1/studies                          create (the fields of `drover study create`)
//   GET  /api/v1/studies/{name}                   definition, counts, best trial
//   GET  /api/v1/studies/{name}/trials            ?state=&sort=&order=&offset=&limit=
//   GET  /api/v1/studies/{name}/importance        parameter importance (marginal variance)
//   POST /api/v1/studies/{name}/ask               -> {"number", "params"}
//   POST /api/v1/studies/{name}/trials/{n}/tell   {"value": x} | {"state": "pruned"|"failed"}
//   POST /api/v1/studies/{name}/trials/{n}/report {"step": s, "value": x} -> {"prune": bool}
//
// Authorisation is the server's (its pre-routing handler); these handlers never look at
// tokens.
#pragma once

#include <httplib.h>

#include "server/server.h"

namespace drover::server {

// Adds the routes above to `srv`; the service they share lives as long as `srv`'s handlers.
void RegisterStudyRoutes(httplib::Server& srv, const ServeContext& ctx);

}  // namespace drover::server
