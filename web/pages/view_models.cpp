#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>

#include "app/services.h"
#include "live/live_socket.h"
#include "mail/mail.h"
#include "pages/contribute.h"
#include "pages/documents.h"
#include "pages/records.h"
#include "pages/routes.h"
#include "pages/signing.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/crypto.h"

namespace sendflow::web {

Data pupilData(const engine::Pupil& p) {
  Data d;
  d.set("id", std::to_string(p.id));
  d.set("legal_name", p.legalName);
  d.set("preferred_name", p.preferredName);
  d.set("display_name", p.displayName());
  d.set("has_preferred", !p.preferredName.empty() && p.preferredName != p.legalName);
  d.set("date_of_birth", p.dateOfBirth);
  if (auto dob = engine::parseIsoDate(p.dateOfBirth))
    d.set("date_of_birth_uk", engine::ukDate(*dob));
  d.set("year_group", p.yearGroup);
  d.set("year_group_label", engine::yearGroupLabel(p.yearGroup));
  d.set("upn", p.upn);
  d.set("has_upn", !p.upn.empty());
  d.set("active", p.active);
  return d;
}

Data contactData(const engine::Contact& c) {
  Data d;
  d.set("id", std::to_string(c.id));
  d.set("name", c.name);
  d.set("email", c.email);
  d.set("relationship", c.relationship);
  d.set("kind", engine::contactKindName(c.kind));
  d.set("kind_label", engine::contactKindLabel(c.kind));
  d.set("active", c.active);
  return d;
}

Data yearGroupOptions(const std::string& selected) {
  Data out = list();
  std::vector<std::string> groups{"N", "R"};
  for (int i = 1; i <= 14; ++i) groups.push_back(std::to_string(i));
  for (const auto& g : groups) {
    Data o;
    o.set("value", g);
    o.set("label", engine::yearGroupLabel(g));
    o.set("selected", g == selected);
    out.push_back(o);
  }
  return out;
}

Data contactKindOptions(const std::string& selected) {
  Data out = list();
  for (auto k : {engine::ContactKind::kParentCarer, engine::ContactKind::kHealthProfessional,
                 engine::ContactKind::kLaOfficer, engine::ContactKind::kOther}) {
    Data o;
    o.set("value", engine::contactKindName(k));
    o.set("label", engine::contactKindLabel(k));
    o.set("selected", selected == engine::contactKindName(k));
    out.push_back(o);
  }
  return out;
}

void addErrors(Data& d, const engine::Error& e, const std::set<std::string>* english) {
  std::vector<std::pair<std::string, std::string>> items;
  for (const auto& f : e.fields) {
    items.emplace_back(f.field, f.message);
    d.set(f.field + "_error", f.message);
    d.set(f.field + "_error_en", english != nullptr && english->count(f.message) > 0);
  }
  if (items.empty()) items.emplace_back("", e.message);
  d.set("errors", errorSummary(items, english));
  d.set("has_errors", true);
}

void addConflict(Data& d, const engine::Error& e) {
  d.set("conflict", true);
  d.set("conflict_message", e.message);
  Data changes = list();
  for (const auto& f : e.fields) {
    Data c;
    c.set("text", f.message);
    changes.push_back(c);
  }
  d.set("changes", changes);
  d.set("has_errors", false);
}

// /metrics: to a monitor presenting metrics.token as a bearer token, or to a client on this
// machine that did not come through a proxy (docs/operations.md).
bool mayReadMetrics(Exchange& ex) {
  const std::string& token = ex.services.settings().metricsToken;
  if (!token.empty() && ex.request.hasCredentials()) {
    std::string scheme, presented;
    ex.request.getCredentials(scheme, presented);
    if (Poco::icompare(scheme, "Bearer") == 0 && engine::constantTimeEquals(presented, token))
      return true;
  }
  Poco::Net::IPAddress client;
  return !ex.request.has("X-Forwarded-For") && !ex.request.has("Forwarded") &&
         Poco::Net::IPAddress::tryParse(ex.clientIp(), client) && client.isLoopback();
}

void registerStaticRoutes(Router& router) {
  router.add("GET", "/healthz", Access::kPublic, [](Exchange& ex) {
    const auto report = ex.services.health();
    ex.response.set("Cache-Control", "no-store");
    ex.bytes(report.overall() == HealthLevel::kFailing ? 503 : 200,
             "application/json; charset=utf-8", healthJson(report));
  });
  router.add("GET", "/metrics", Access::kPublic, [](Exchange& ex) {
    if (!mayReadMetrics(ex))
      return ex.error(403,
                      "Metrics are shown only on this machine, or with the bearer token set as "
                      "metrics.token.");
    MetricsText out;
    ex.services.metrics().write(out);
    ex.services.collectMetrics(out);
    ex.response.set("Cache-Control", "no-store");
    ex.bytes(200, "text/plain; version=0.0.4; charset=utf-8", out.str());
  });
  router.add("GET", "/static/{file}", Access::kPublic, [](Exchange& ex) {
    const std::string& name = ex.params["file"];
    // One canonical root, single path segment, no hidden files: anything else is 404.
    if (name.empty() || name[0] == '.' || name.find_first_of("/\\") != std::string::npos)
      return ex.error(404, "There is no such file.");
    Poco::File f(ex.services.settings().webRoot + "/static/" + name);
    if (!f.exists() || !f.isFile()) return ex.error(404, "There is no such file.");
    std::string ext = Poco::Path(name).getExtension();
    std::string type = ext == "css"   ? "text/css; charset=utf-8"
                       : ext == "js"  ? "text/javascript; charset=utf-8"
                       : ext == "svg" ? "image/svg+xml"
                       : ext == "png" ? "image/png"
                                      : "application/octet-stream";
    Poco::FileInputStream in(f.path());
    std::string data;
    Poco::StreamCopier::copyToString(in, data);
    ex.response.set("Cache-Control", "public, max-age=300");
    ex.bytes(200, type, data);
  });
}

void registerRoutes(Router& router) {
  registerStaticRoutes(router);
  registerPeopleRoutes(router);
  registerAdminRoutes(router);
  registerApiRoutes(router);
  registerPlanRoutes(router);
  registerSigningRoutes(router);
  registerContributeRoutes(router);
  registerPlanApiRoutes(router);
  registerMailRoutes(router);
  registerDocumentRoutes(router);
  registerLiveRoutes(router);
  registerRecordsRoutes(router);
}

}  // namespace sendflow::web
