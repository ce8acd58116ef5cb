// The addresses of sendflow's pages, built in this one place from the ids and link tokens the
// engine returns (the engine knows no URL). Paths only: callers prefix Settings::baseUrl for
// links that leave the server (emails, the demo's printout).
#pragma once

#include <string>

#include "sendflow/engine/people/model.h"

namespace sendflow::web::paths {

inline std::string plan(engine::Id planId) { return "/plans/" + std::to_string(planId); }
// The signing panel on the plan's page (staff sign from their account).
inline std::string planSign(engine::Id planId) { return plan(planId) + "#sign"; }
inline std::string planSealed(engine::Id planId) { return plan(planId) + "/sealed.pdf"; }
// A contact's signing link, and the sealed PDF it downloads once everyone has signed.
inline std::string signerLink(const std::string& token) { return "/s/" + token; }
inline std::string signerSealed(const std::string& token) {
  return signerLink(token) + "/sealed.pdf";
}
// The page of that link where a contact who signed asks for a review of the plan in force.
inline std::string signerReview(const std::string& token) { return signerLink(token) + "/review"; }
// A contributor's (parent's, professional's) link to write their sections.
inline std::string contributorLink(const std::string& token) { return "/c/" + token; }

}  // namespace sendflow::web::paths
