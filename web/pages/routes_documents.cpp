// Plan documents: GET /plans/{id}/pdf[?version=N], authorised exactly like the plan page.
#include <Poco/File.h>

#include <fstream>
#include <sstream>

#include "pages/documents.h"
#include "pages/routes.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/people/people.h"

namespace sendflow::web {

engine::PlanDocumentOptions planDocumentOptions(Services& services, const engine::PlanView& v) {
  engine::PlanDocumentOptions o;
  o.academyName = services.people().academyName(v.plan.academyId);
  const std::string logo = services.settings().home + "/logo.png";
  if (Poco::File(logo).exists()) {
    std::ifstream in(logo, std::ios::binary);
    std::ostringstream bytes;
    bytes << in.rdbuf();
    o.logoPng = bytes.str();
  }
  o.people = services.plans().documentNames(v);
  services.signatures().describeSigning(v, o);
  return o;
}

engine::RenderedPdf renderPlanPdf(Services& services, const engine::PlanView& v) {
  return services.pdf().render(engine::planDocument(v, planDocumentOptions(services, v)));
}

std::string placeholderSummary(const engine::PlanView& v, const engine::RenderedPdf& pdf) {
  std::string out;
  for (const auto& id : pdf.placeholderFields) {
    const engine::FieldDef* f = v.form->field(id);
    out += (out.empty() ? "" : ", ") + (f && !f->label.empty() ? f->label + " (" + id + ")" : id);
  }
  return out;
}

namespace {

// Header values are ASCII: field ids only ("a, b").
std::string placeholderHeader(const engine::RenderedPdf& pdf) {
  std::string out;
  for (const auto& id : pdf.placeholderFields) {
    std::string safe;
    for (char c : id) safe.push_back(c >= 0x20 && c < 0x7F && c != ',' ? c : '_');
    out += (out.empty() ? "" : ", ") + safe;
  }
  return out;
}

void planPdf(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such plan.");
  auto v = ex.services.reads().document(ex.actor(), engine::Door::kPdf, *id, versionQuery(ex));
  if (!v) return ex.error(v.error());
  engine::RenderedPdf pdf = renderPlanPdf(ex.services, v.value());
  if (!pdf.placeholderFields.empty()) {
    // Which fields hold characters the PDF could not show; the plan page stays the full record.
    ex.response.set("X-Sendflow-Pdf-Placeholders", placeholderHeader(pdf));
  }
  ex.bytes(200, "application/pdf", pdf.bytes, engine::planPdfFileName(v.value()));
}

}  // namespace

void registerDocumentRoutes(Router& router) {
  router.add("GET", "/plans/{id}/pdf", engine::Action::kDownloadPdf, planPdf);
}

}  // namespace sendflow::web
