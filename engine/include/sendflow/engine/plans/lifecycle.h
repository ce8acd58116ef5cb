// Pure transition rules of a workflow: which transitions an actor may fire from a state, and
// whether one may fire now. No storage: the caller gathers the facts the guards need.
//
// Outcomes of checkTransition, in this order:
//   unknown transition name            -> kNotFound  (404)
//   the actor's roles may not fire it  -> kForbidden (403); automatic ones only by the system
//   it does not start from this state  -> kConflict  (409)
//   a guard fails                      -> kInvalid   (422), fields list exactly what is missing
#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/core/error.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

// Role names as workflows use them: staff roles ("senco", "staff", "head", "governor",
// "trust_admin") plus "contact" for a contact taking part in the plan and "signer" for whoever
// holds a signature request on the current version.
std::set<std::string> roleNames(const std::set<Role>& staffRoles);

// A reason code as people read it: "stakeholder_request" -> "stakeholder request".
std::string reasonWords(std::string_view code);

struct TransitionRequest {
  std::set<std::string> roles;
  bool system = false;     // the engine itself (auto transitions: all signed, review date...)
  std::string reasonCode;  // one of the transition's "reasons" when it lists them
  std::string reasonText;  // free text; required by "requires": "reason"
};

// What the guards look at. Fields left empty count as "not there" (a guard that needs them fails).
struct GuardFacts {
  const FormDefinition* form = nullptr;
  const Poco::JSON::Object* values = nullptr;
  ValueContext valueContext;
  std::map<std::string, int> assignedSigners;  // signer slot role -> people assigned
  std::set<std::string> involvedKinds;         // e.g. {"health_professional"} when one is involved
  bool reviewInProgress = false;               // an open draft already reviews this plan
};

// Transitions a user with these roles could fire from `state` (not auto ones), in definition
// order: the buttons to show. Guards are not evaluated here.
std::vector<const TransitionDef*> availableTransitions(const WorkflowDefinition& wf,
                                                       std::string_view state,
                                                       const std::set<std::string>& roles);

// Automatic transitions out of `state` fired by `trigger`.
std::vector<const TransitionDef*> autoTransitions(const WorkflowDefinition& wf,
                                                  std::string_view state, AutoTrigger trigger);

// Signer slots that must be filled, given who is involved (required: "if_involved" slots count
// when their kind is in involvedKinds).
std::vector<const SignerSlot*> requiredSigners(const WorkflowDefinition& wf,
                                               const std::set<std::string>& involvedKinds);

// Every failing guard of `t`, as field errors ("form" fields by id, "signer.<role>", "reason",
// "reason_code", "review").
std::vector<FieldError> checkGuards(const TransitionDef& t, const TransitionRequest& req,
                                    const GuardFacts& facts);

// See the file comment for the order of outcomes. On success: the transition to apply.
Result<const TransitionDef*> checkTransition(const WorkflowDefinition& wf, std::string_view state,
                                             std::string_view name, const TransitionRequest& req,
                                             const GuardFacts& facts);

}  // namespace sendflow::engine
