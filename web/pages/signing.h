// E-signature pages: the signer's link (/s/<token>), staff signing, sealed downloads, signer
// replacement and a plan's audit trail; plus the plan page's signer status.
#pragma once

#include "pages/views.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::web {

class Router;
class Services;
class Exchange;

void registerSigningRoutes(Router& router);
// The CSRF token of a page reached through a link, without a session (cookie sf_csrf).
std::string preSessionCsrf(Exchange& ex);
// Adds "sign_requests", "signer_rows", "sealed", "can_replace" to the plan page's data.
void addSigningStatus(Exchange& ex, const engine::PlanView& v, Data& d);

}  // namespace sendflow::web
