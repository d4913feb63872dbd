#include "server/study_routes.h"

#include <cerrno>
#include <cstdlib>
#include <map>
#include <memory>

#include "server/http_util.h"
#include "server/study_service.h"

namespace drover::server {
namespace {

void Send(httplib::Response& res, const Reply& r) {
  if (r.text.empty()) return SendJson(res, r.status, r.body);
  res.status = r.status;
  res.set_content(r.text, "application/json");
}

// The trial number in the path (digits only, by the route); one too large for any
// study is answered 404 by the service.
int64_t TrialNumber(const std::string& text) {
  errno = 0;
  long long n = std::strtoll(text.c_str(), nullptr, 10);
  return errno ? -1 : static_cast<int64_t>(n);
}

}  // namespace

void RegisterStudyRoutes(httplib::Server& srv, const ServeContext& ctx) {
  auto service = std::make_shared<StudyService>(ctx.store_root);
  const std::string name = "/api/v1/studies/([^/]+)";
  srv.Get("/api/v1/studies", [service](const httplib::Request&, httplib::Response& res) {
    Send(res, service->List());
  });
  srv.Post("/api/v1/studies", [service](const httplib::Request& req, httplib::Response& res) {
    Send(res, service->Create(req.body));
  });
  srv.Get(name, [service](const httplib::Request& req, httplib::Response& res) {
    Send(res, service->Get(req.matches[1]));
  });
  srv.Get(name + "/trials", [service](const httplib::Request& req, httplib::Response& res) {
    std::map<std::string, std::string> query;
    for (const auto& [k, v] : req.params) query.emplace(k, v);  // the first of a repeated key
    Send(res, service->Trials(req.matches[1], query));
  });
  srv.Get(name + "/importance", [service](const httplib::Request& req, httplib::Response& res) {
    Send(res, service->Importance(req.matches[1]));
  });
  srv.Post(name + "/ask", [service](const httplib::Request& req, httplib::Response& res) {
    Send(res, service->Ask(req.matches[1], req.body));
  });
  srv.Post(name + "/trials/([0-9]+)/tell", [service](const httplib::Request& req, httplib::Response& res) {
    Send(res, service->Tell(req.matches[1], TrialNumber(req.matches[2]), req.body));
  });
  srv.Post(name + "/trials/([0-9]+)/report", [service](const httplib::Request& req, httplib::Response& res) {
    Send(res, service->Report(req.matches[1], TrialNumber(req.matches[2]), req.body));
  });
}

}  // namespace drover::server
