#include "sendflow/engine/plans/lifecycle.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <string>

#include "app/definition_folders.h"
#include "i18n/language_list.h"
#include "sendflow/engine/definitions/definitions.h"

using namespace sendflow::engine;
using Poco::JSON::Object;

namespace {

const DefinitionRegistry& registry() {
  static const DefinitionRegistry reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  return reg;
}

Object::Ptr json(const std::string& text) {
  Poco::JSON::Parser p;
  return p.parse(text).extract<Object::Ptr>();
}

TransitionRequest as(std::set<std::string> roles) {
  TransitionRequest r;
  r.roles = std::move(roles);
  return r;
}

std::vector<std::string> names(const std::vector<const TransitionDef*>& ts) {
  std::vector<std::string> out;
  for (const auto* t : ts) out.push_back(t->name);
  return out;
}

std::vector<std::string> fieldsOf(const Error& e) {
  std::vector<std::string> out;
  for (const auto& f : e.fields) out.push_back(f.field);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

// A complete PEEP as a SENCO would write it.
const char* kCompletePeep = R"json({
  "pupil_name": "Zoë Khan", "date_of_birth": "2014-05-02", "year_group": "6",
  "why_needed": "Uses a manual wheelchair and cannot use the stairs.",
  "mobility_aids": ["manual_wheelchair"], "temporary": false,
  "alert_methods": ["standard_alarm", "staff"],
  "routes": [{"location": "Room 12 (first floor)", "route": "Lift lobby to refuge point B",
              "refuge": "Stair 2 refuge", "assembly_point": "Field gate"}],
  "evacuation_chair": true, "chair_location": "Stair 2 landing", "grab_bag": false,
  "helpers": [{"session": "lessons", "helper": "user:12", "backup": "user:14", "trained": true}],
  "helpers_absent": "The office assigns the back-up helper at registration.",
  "communication": "Calm, short instructions; Zoë is told before the alarm in planned drills.",
  "parent_views": "We are happy with the plan.",
  "views_gathered": "conversation", "pupil_feelings": "I don't like the loud bell."
})json";

GuardFacts factsFor(const FormDefinition* form, const Object* values) {
  GuardFacts f;
  f.form = form;
  f.values = values;
  f.valueContext.today = *parseIsoDate("2026-03-01");
  return f;
}

}  // namespace

TEST_CASE("the buttons a role sees are the transitions it may fire now", "[engine][lifecycle]") {
  const auto& peep = *registry().workflow("peep");
  CHECK(names(availableTransitions(peep, "draft", {"senco"})) ==
        std::vector<std::string>{"send_for_signature", "withdraw"});
  CHECK(names(availableTransitions(peep, "draft", {"staff"})).empty());
  CHECK(names(availableTransitions(peep, "awaiting_signatures", {"signer"})) ==
        std::vector<std::string>{"decline"});
  CHECK(names(availableTransitions(peep, "active", {"staff"})) ==
        std::vector<std::string>{"trigger_review"});
  CHECK(names(availableTransitions(peep, "active", {"contact"})) ==
        std::vector<std::string>{"trigger_review"});
  CHECK(names(availableTransitions(peep, "active", roleNames({Role::kSenco, Role::kStaff}))) ==
        std::vector<std::string>{"trigger_review", "start_review", "withdraw"});
  CHECK(names(availableTransitions(peep, "superseded", {"senco"})).empty());
  CHECK(names(autoTransitions(peep, "awaiting_signatures", AutoTrigger::kAllRequiredSigned)) ==
        std::vector<std::string>{"all_signed"});
  CHECK(names(autoTransitions(peep, "review_due", AutoTrigger::kSuccessorActive)) ==
        std::vector<std::string>{"supersede"});
}

TEST_CASE("transition checks: 404 unknown, 403 not allowed, 409 wrong state",
          "[engine][lifecycle]") {
  const auto& peep = *registry().workflow("peep");
  GuardFacts facts;

  auto r = checkTransition(peep, "draft", "publish", as({"senco"}), facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kNotFound);

  r = checkTransition(peep, "draft", "send_for_signature", as({"staff", "contact"}), facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kForbidden);

  r = checkTransition(peep, "active", "send_for_signature", as({"senco"}), facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kConflict);
  CHECK(r.error().message == "'Send for signature' is not possible while the plan is Active");

  // Automatic transitions belong to the system.
  r = checkTransition(peep, "awaiting_signatures", "all_signed", as({"senco"}), facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kForbidden);
  TransitionRequest system;
  system.system = true;
  r = checkTransition(peep, "awaiting_signatures", "all_signed", system, facts);
  REQUIRE(r.ok());
  const auto& actions = (*r)->actions;
  CHECK(std::find(actions.begin(), actions.end(), ActionKind::kSealPdf) != actions.end());
  CHECK(std::find(actions.begin(), actions.end(), ActionKind::kScheduleReview) != actions.end());
  CHECK((*r)->to == "active");
}

TEST_CASE("send for signature lists exactly what is missing (422)", "[engine][lifecycle]") {
  const auto& peep = *registry().workflow("peep");
  const auto* form = registry().formFor(peep);
  auto values = json(R"({"pupil_name": "Zoë Khan", "temporary": true})");
  GuardFacts facts = factsFor(form, values.get());
  facts.assignedSigners = {{"senco", 1}, {"parent_carer", 1}, {"named_helper", 2}};

  auto r = checkTransition(peep, "draft", "send_for_signature", as({"senco"}), facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalid);
  auto fields = fieldsOf(r.error());
  for (const char* f :
       {"date_of_birth", "why_needed", "temporary_until", "alert_methods", "routes", "helpers",
        "helpers_absent", "parent_views", "views_gathered", "signer.premises_lead"})
    CHECK(has(fields, f));
  CHECK_FALSE(has(fields, "pupil_name"));
  CHECK_FALSE(has(fields, "chair_location"));              // hidden until a chair is needed
  CHECK_FALSE(has(fields, "signer.health_professional"));  // not involved
  CHECK_FALSE(has(fields, "signer.pupil"));                // optional

  facts.involvedKinds = {"health_professional"};
  r = checkTransition(peep, "draft", "send_for_signature", as({"senco"}), facts);
  CHECK(has(fieldsOf(r.error()), "signer.health_professional"));
}

TEST_CASE("a complete PEEP with its signers assigned can go for signature", "[engine][lifecycle]") {
  const auto& peep = *registry().workflow("peep");
  const auto* form = registry().formFor(peep);
  auto values = json(kCompletePeep);
  GuardFacts facts = factsFor(form, values.get());
  facts.assignedSigners = {
      {"senco", 1}, {"parent_carer", 1}, {"named_helper", 2}, {"premises_lead", 1}};
  auto r = checkTransition(peep, "draft", "send_for_signature", as({"senco"}), facts);
  INFO((r.ok() ? "" : r.error().message));
  if (!r.ok())
    for (const auto& f : r.error().fields) INFO(f.field + ": " + f.message);
  REQUIRE(r.ok());
  CHECK((*r)->to == "awaiting_signatures");

  // An invalid value blocks too, naming the field.
  values->set("last_drill", "2026-03-02");  // in the future
  r = checkTransition(peep, "draft", "send_for_signature", as({"senco"}), facts);
  REQUIRE_FALSE(r.ok());
  CHECK(fieldsOf(r.error()) == std::vector<std::string>{"last_drill"});
}

TEST_CASE("review triggers need a reason and a reason code", "[engine][lifecycle]") {
  const auto& peep = *registry().workflow("peep");
  GuardFacts facts;
  auto req = as({"contact"});
  auto r = checkTransition(peep, "active", "trigger_review", req, facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalid);
  CHECK(fieldsOf(r.error()) == std::vector<std::string>{"reason_code", "reason"});

  req.reasonCode = "holiday";
  req.reasonText = "We moved house";
  r = checkTransition(peep, "active", "trigger_review", req, facts);
  CHECK(fieldsOf(r.error()) == std::vector<std::string>{"reason_code"});

  req.reasonCode = "change";
  r = checkTransition(peep, "active", "trigger_review", req, facts);
  REQUIRE(r.ok());
  CHECK((*r)->to == "review_due");

  // Declining needs free text only.
  auto signer = as({"signer"});
  r = checkTransition(peep, "awaiting_signatures", "decline", signer, facts);
  CHECK(fieldsOf(r.error()) == std::vector<std::string>{"reason"});
  signer.reasonText = "The helper for lunchtimes is wrong";
  CHECK(checkTransition(peep, "awaiting_signatures", "decline", signer, facts).ok());
}

TEST_CASE("an incident on a physical handling plan makes a review due and tells governors",
          "[engine][lifecycle]") {
  const auto& php = *registry().workflow("physical_handling");
  GuardFacts facts;
  auto req = as({"staff"});
  req.reasonCode = "incident";
  req.reasonText = "Restraint used at lunchtime, recorded the same day";
  auto r = checkTransition(php, "active", "record_incident", req, facts);
  REQUIRE(r.ok());
  const auto& actions = (*r)->actions;
  CHECK(std::find(actions.begin(), actions.end(), ActionKind::kRecordIncident) != actions.end());
  CHECK(std::find(actions.begin(), actions.end(), ActionKind::kNotifyGovernor) != actions.end());
  CHECK(checkTransition(php, "active", "record_incident", as({"contact"}), facts).error().code ==
        ErrorCode::kForbidden);
}

TEST_CASE("only one review at a time", "[engine][lifecycle]") {
  const auto& ihp = *registry().workflow("healthcare_plan");
  GuardFacts facts;
  CHECK(checkTransition(ihp, "active", "start_review", as({"senco"}), facts).ok());
  facts.reviewInProgress = true;
  auto r = checkTransition(ihp, "review_due", "start_review", as({"senco"}), facts);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalid);
  CHECK(fieldsOf(r.error()) == std::vector<std::string>{"review"});
}

TEST_CASE("a field_set guard names the field", "[engine][lifecycle]") {
  auto wf = parseWorkflow(R"({"type": "x", "title": "X", "form": "x", "version": 1, "initial": "a",
    "states": [{"name": "a", "editable": true}, {"name": "b", "active": true}],
    "transitions": [{"name": "go", "from": "a", "to": "b", "roles": ["senco"],
                     "guards": [{"field_set": "meeting_date"}]}],
    "signers": [], "review": {"every": "P12M", "remind": [], "recipients": ["senco"]},
    "retention": {"from": "date_of_birth", "keep": "P31Y"}})",
                          "x.json");
  Object values;
  GuardFacts facts;
  facts.values = &values;
  auto r = checkTransition(wf, "a", "go", as({"senco"}), facts);
  REQUIRE_FALSE(r.ok());
  CHECK(fieldsOf(r.error()) == std::vector<std::string>{"meeting_date"});
  values.set("meeting_date", "2026-05-01");
  CHECK(checkTransition(wf, "a", "go", as({"senco"}), facts).ok());
}
