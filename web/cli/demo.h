#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::web {
class App;

// Seeds the demo trust if it is not there yet (idempotent) and prints the demo logins:
// as text, or with json as {"accounts": [...], "academies": [...], "pupils": [...],
// "plans": [...]}. The clock is the App's: seeding moves it to write history that reads true,
// then puts it back. Returns the exit code.
int runDemo(App& app, engine::FixedClock& clock, bool json, std::ostream& out);

struct DemoPlan {
  engine::Id id;
  std::string type;
  std::string pupil;
  engine::Id academyId;
};
// Plans of every type in every stage; called once, when the demo trust has no plans.
std::vector<DemoPlan> seedDemoPlans(App& app, engine::FixedClock& clock,
                                    const std::vector<engine::Id>& academyIds);
// Every open signature request of the plan's current version signed through the signature
// service, as its signer would (staff from their account, contacts through the link in their
// invitation email; the parent draws). Throws std::runtime_error when one fails.
void signDemoPlan(App& app, engine::Id planId);
}  // namespace sendflow::web
