// A small document type of the tests' own, so a service test does not depend on the shipped
// definitions: one long-text answer; signed in order (the SENCO first, then the head and a parent,
// the pupil any time and optionally); reviewed yearly with reminders 30 and 7 days before and on
// the day, weekly once overdue, escalated to governors.
#pragma once

#include <string>

#include "engine/fakes.h"
#include "sendflow/engine/forms/form_values.h"

namespace sendflow::testing {

inline constexpr const char* kMiniForm = R"({"type": "mini", "title": "Mini plan", "version": 1,
 "sections": [{"id": "main", "title": "Main", "fields": [
   {"id": "notes", "label": "Notes", "kind": "long_text"}]},
  {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
   {"id": "views", "label": "Views", "kind": "long_text"}]}]})";

inline constexpr const char* kMiniWorkflow = R"({"type": "mini", "title": "Mini plan",
 "form": "mini", "version": 1, "initial": "draft",
 "states": [{"name": "draft", "editable": true}, {"name": "awaiting", "signing": true},
            {"name": "active", "active": true}, {"name": "closed", "final": true}],
 "transitions": [
  {"name": "send", "from": "draft", "to": "awaiting", "roles": ["senco"],
   "guards": ["signers_assigned"], "actions": ["notify_signers"]},
  {"name": "recall", "from": "awaiting", "to": "draft", "roles": ["senco"],
   "actions": ["void_signatures"]},
  {"name": "decline", "from": "awaiting", "to": "draft", "roles": ["signer"], "requires": "reason",
   "actions": ["void_signatures"]},
  {"name": "all_signed", "from": "awaiting", "to": "active", "auto": "all_required_signed",
   "actions": ["seal_pdf"]},
  {"name": "close", "from": "active", "to": "closed", "roles": ["senco"]}],
 "signers": [
  {"role": "senco", "label": "SENCO", "kind": "senco", "required": true, "order": 1},
  {"role": "head", "label": "Headteacher", "kind": "head", "required": true, "order": 2},
  {"role": "parent_carer", "label": "Parent or carer", "kind": "parent_carer", "required": true,
   "order": 2},
  {"role": "pupil", "label": "Pupil", "kind": "pupil", "required": false}],
 "review": {"every": "P12M", "remind": ["P30D", "P7D", "P0D"], "recipients": ["senco", "owner"],
            "overdue_every": "P7D", "escalate_to": ["governor"]},
 "retention": {"from": "date_of_birth", "keep": "P31Y"}})";

// Snapshot ids the mini plan pins.
inline constexpr engine::Id kMiniFormSnapshot = 1;
inline constexpr engine::Id kMiniWorkflowSnapshot = 2;

// Puts the mini definitions into `plans` and a draft mini plan with one version (`values`).
inline void addMiniPlan(FakePlans& plans, engine::Id id, engine::Id academyId, engine::Id pupilId,
                        engine::Id ownerUserId,
                        const std::string& values = R"({"notes":"Uses the lift"})") {
  using namespace engine;
  plans.snapshots[kMiniFormSnapshot] = {"form", kMiniForm};
  plans.snapshots[kMiniWorkflowSnapshot] = {"workflow", kMiniWorkflow};
  PlanRecord p;
  p.id = id;
  p.academyId = academyId;
  p.pupilId = pupilId;
  p.type = "mini";
  p.state = "draft";
  p.ownerUserId = ownerUserId;
  p.formSnapshotId = kMiniFormSnapshot;
  p.workflowSnapshotId = kMiniWorkflowSnapshot;
  p.currentVersion = 1;
  plans.byId[id] = p;
  plans.versionsOf[id] = {{id, 1, values, contentHash(*parseValues(values).value()),
                           "user:" + std::to_string(ownerUserId), "Owner", ""}};
}

}  // namespace sendflow::testing
