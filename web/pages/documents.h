// Plan PDFs for the web routes and the CLI: the options a plan's document needs from the App
// (academy name, logo, people's names) and one render call.
#pragma once

#include <string>

#include "app/services.h"
#include "sendflow/engine/documents/plan_document.h"

namespace sendflow::web {

// Academy name, the optional logo (<home>/logo.png) and the names of every staff member of the
// academy and contact of the pupil (inactive ones too: old versions name them).
engine::PlanDocumentOptions planDocumentOptions(Services& services, const engine::PlanView& v);

// Renders the version shown in `v` with the App's renderer. Throws engine::InfraError.
engine::RenderedPdf renderPlanPdf(Services& services, const engine::PlanView& v);

void registerDocumentRoutes(Router& router);  // GET /plans/{id}/pdf

// "a, b, c" of the placeholder fields, by field label where the form has one.
std::string placeholderSummary(const engine::PlanView& v, const engine::RenderedPdf& pdf);

}  // namespace sendflow::web
