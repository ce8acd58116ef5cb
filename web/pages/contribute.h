// Contributors' pages (/c/<token>) and the plan page's contribution links.
#pragma once

#include "pages/views.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::web {

class Router;
class Services;
class Exchange;

void registerContributeRoutes(Router& router);
// Adds "contributor_rows", "can_invite" and "contributor_options" to the plan page's data.
void addContributors(Exchange& ex, const engine::PlanView& v, Data& d);

}  // namespace sendflow::web
