// A plan's audit events as people read them on the audit trail page: when in UK time, who by
// name and role, what happened in a sentence, and the details as "label: value" pairs. The
// stored event (ISO time, "user:12", JSON detail) stays as it is for the API, the export and
// `sendflow audit verify`.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sendflow/engine/people/model.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::engine {

struct AuditLine {
  std::string when;  // "2 December 2026 at 3:48pm"
  std::string who;   // "Sam Patel (SENCO)"
  std::string what;  // "Changed 3 answers: Location, Activity and Assessor"
  std::vector<std::pair<std::string, std::string>> details;  // {"Version", "2"}
};

// Names an audit actor or person reference ("user:12", "contact:3"): engine::actorName.
using ActorNamer = std::function<std::string(std::string_view ref)>;

// `e.detail` as the reader may see it (auditDetailFor); labels of states, steps, signer slots and
// answers come from the plan's pinned workflow and form.
AuditLine describeAuditEvent(const StoredAuditEvent& e, const PlanView& plan,
                             const ActorNamer& nameOf);

}  // namespace sendflow::engine
