// E-signature pages: the signer's link (/s/<token>), staff signing, sealed downloads, signer
// replacement and a plan's audit trail; plus the plan page's signer status.
#pragma once

#include "pages/views.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::web {

class App;
class Exchange;

void registerSigningRoutes(App& app);
// The CSRF token of a page reached through a link, without a session (cookie sf_csrf).
std::string preSessionCsrf(Exchange& ex);
// Adds "sign_requests", "signer_rows", "sealed", "can_replace" to the plan page's data.
void addSigningStatus(Exchange& ex, const engine::PlanView& v, Data& d);

}  // namespace sendflow::web

namespace sendflow::web {
// Demo data: every open signature request of the plan's current version signed through the
// signature service, as its signer would (staff from their account, contacts through the link
// in their invitation email; the parent draws). Throws std::runtime_error when one fails.
void signDemoPlan(App& app, engine::Id planId);
}  // namespace sendflow::web
