// Demo plans: every document type, in every stage of its life, with answers a SENCO would
// recognise. The clock is moved so history reads true: a plan activated thirteen months ago is
// overdue today because it was activated then.
#include <Poco/JSON/Array.h>

#include "app/app.h"
#include "cli/demo.h"
#include "pages/signing.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/forms/sample_values.h"
#include "sendflow/engine/plans/lifecycle.h"
#include "sendflow/engine/plans/schedule.h"

namespace sendflow::web {
namespace {

struct Scenario {
  int pupil;  // index into the academy's demo pupils
  const char* type;
  const char* outcome;  // draft, filled, signing, active, incident
  int activatedDaysAgo;
};

constexpr Scenario kScenarios[2][6] = {
    {{0, "peep", "active", 395},
     {1, "intimate_care", "active", 60},
     {2, "risk_assessment", "draft", 0},
     {3, "physical_handling", "incident", 90},
     {4, "healthcare_plan", "signing", 0},
     {5, "ehcp_annual_review", "filled", 0}},
    {{0, "ehcp_annual_review", "active", 350},
     {1, "peep", "filled", 0},
     {2, "risk_assessment", "active", 385},
     {3, "healthcare_plan", "active", 30},
     {4, "intimate_care", "signing", 0},
     {5, "physical_handling", "draft", 0}},
};

// The academy's staff who write, sign and teach: the SENCO as an actor, the others as refs.
struct DemoStaff {
  engine::Actor senco;
  std::string sencoRef, headRef, teacherRef;
};

DemoStaff staffOf(App& app, engine::Id academy) {
  DemoStaff staff;
  for (const auto& u : app.peopleRepository().users({academy})) {
    for (const auto& m : u.memberships) {
      if (m.academyId != academy) continue;
      const std::string ref = "user:" + std::to_string(u.id);
      if (m.role == engine::Role::kSenco)
        staff.senco = app.auth().actorFor(u), staff.sencoRef = ref;
      if (m.role == engine::Role::kHead) staff.headRef = ref;
      if (m.role == engine::Role::kStaff) staff.teacherRef = ref;
    }
  }
  return staff;
}

[[noreturn]] void fail(const std::string& what, const engine::Error& error) {
  std::string why = error.message;
  for (const auto& f : error.fields) why += "; " + f.field + ": " + f.message;
  throw std::runtime_error("demo: " + what + " failed: " + why);
}

// Answers for the plan: the first sections of a draft, everything otherwise.
void fillPlan(App& app, const DemoStaff& staff, engine::Id id, const Scenario& s) {
  auto v = app.plans().open(staff.senco, id);
  std::map<std::string, Poco::Dynamic::Var> given;
  std::set<std::string> skip{"review_date", "invitations_sent", "advice_circulated", "last_review",
                             "temporary_until"};
  const std::string outcome = s.outcome;
  if (std::string(s.type) == "ehcp_annual_review") {
    // Active: its meeting was when it was signed off; drafts: the meeting is in three weeks.
    auto meeting = engine::dateOf(app.clock().now());
    if (outcome != "active")
      meeting = engine::Date{std::chrono::sys_days{meeting} + std::chrono::days(21)};
    given["meeting_date"] = engine::isoDate(meeting);
    given["plan_issued"] =
        engine::isoDate(engine::Date{std::chrono::sys_days{meeting} - std::chrono::days(330)});
  }
  if (std::string(s.type) == "peep") given["temporary"] = false;
  auto values =
      engine::sampleValues(*v->form, *v->values, v->pupil, engine::dateOf(app.clock().now()),
                           {staff.sencoRef, skip, given});
  if (outcome == "draft") {
    Poco::JSON::Object::Ptr partial = new Poco::JSON::Object(*v->values);
    int filled = 0;
    for (const auto* f : v->form->fields()) {
      if (filled++ > 8) break;
      if (values->has(f->id)) partial->set(f->id, values->get(f->id));
    }
    values = partial;
  }
  auto saved = app.plans().save(staff.senco, id, 1, *values);
  if (!saved) fail(std::string("saving a ") + s.type + " plan", saved.error());
}

// The family and the professionals are asked for their sections of a draft.
void inviteContributors(App& app, const DemoStaff& staff, engine::Id id) {
  auto view = app.plans().open(staff.senco, id);
  for (const auto& [contact, label] : app.contributions().candidates(view.value())) {
    auto st = app.contributions().invite(staff.senco, id, contact);
    if (!st) fail("inviting " + label, st.error());
  }
}

// Who signs in a slot: the academy's staff, the pupil, or the pupil's contact of that kind (a
// local-authority caseworker is added when the pupil has none).
std::string signerFor(App& app, const DemoStaff& staff, const engine::SignerSlot& slot,
                      const engine::Pupil& pupil) {
  if (slot.kind == "senco") return staff.sencoRef;
  if (slot.kind == "head") return staff.headRef;
  if (slot.kind == "staff") return slot.role == "premises_lead" ? staff.headRef : staff.teacherRef;
  if (slot.kind == "pupil") return "pupil:" + std::to_string(pupil.id);
  for (const auto& c : app.peopleRepository().contacts(pupil.id))
    if (engine::contactKindName(c.kind) == slot.kind) return "contact:" + std::to_string(c.id);
  auto kind = engine::parseContactKind(slot.kind).value_or(engine::ContactKind::kOther);
  engine::Id cid = app.peopleRepository().createContact(
      {0, pupil.id, "Ms Joanna Adeyemi", "send.officer@la.example", "SEN caseworker", kind, true},
      {"contact.create", "system:demo", "pupil", pupil.id, pupil.academyId, "{}"});
  return "contact:" + std::to_string(cid);
}

// Assigns every signer the plan needs, then sends it for signature.
void sendForSignature(App& app, const DemoStaff& staff, engine::Id id, const Scenario& s,
                      const engine::Pupil& pupil) {
  auto view = app.plans().open(staff.senco, id);
  std::set<std::string> involved;
  for (const auto& c : app.peopleRepository().contacts(pupil.id))
    involved.insert(engine::contactKindName(c.kind));
  for (const auto* slot : engine::requiredSigners(*view->workflow, involved)) {
    auto st = app.plans().assignSigners(staff.senco, id, slot->role,
                                        {signerFor(app, staff, *slot, pupil)});
    if (!st) fail("assigning " + slot->role, st.error());
  }
  auto sent = app.plans().fire(staff.senco, id, "send_for_signature", {});
  if (!sent) fail(std::string("sending a ") + s.type + " plan", sent.error());
}

// One scenario: launched and written when it was, then invited, signed or reviewed as its
// outcome says. Returns the plan's id.
engine::Id playScenario(App& app, engine::FixedClock& clock, const DemoStaff& staff,
                        const Scenario& s, const engine::Pupil& pupil) {
  const engine::TimePoint realNow = clock.now();
  const std::string outcome = s.outcome;
  clock.set(realNow - std::chrono::days(s.activatedDaysAgo + 7));
  auto id = app.plans().launch(staff.senco, pupil.id, s.type);
  if (!id) fail("launch", id.error());
  fillPlan(app, staff, id.value(), s);
  if (outcome == "draft") inviteContributors(app, staff, id.value());
  if (outcome != "draft" && outcome != "filled") {
    sendForSignature(app, staff, id.value(), s, pupil);
    if (outcome != "signing") {
      clock.set(realNow - std::chrono::days(s.activatedDaysAgo));
      signDemoPlan(app, id.value());  // real signatures; the last one seals and activates
    }
    if (outcome == "incident") {
      clock.set(realNow - std::chrono::days(3));
      const bool handling = std::string(s.type) == "physical_handling";
      auto t =
          app.plans().fire(staff.senco, id.value(), handling ? "record_incident" : "trigger_review",
                           {"incident",
                            "Restraint used in the playground on Tuesday; recorded "
                            "and parents told the same day."});
      if (!t) fail("review trigger", t.error());
    }
  }
  clock.set(realNow);
  return id.value();
}

}  // namespace

std::vector<DemoPlan> seedDemoPlans(App& app, engine::FixedClock& clock,
                                    const std::vector<engine::Id>& academyIds) {
  std::vector<DemoPlan> out;
  for (size_t a = 0; a < academyIds.size() && a < 2; ++a) {
    const engine::Id academy = academyIds[a];
    const DemoStaff staff = staffOf(app, academy);  // the SENCO launches and writes the plans
    engine::PupilQuery q{{academy}, "", false, 100};
    auto pupils = app.peopleRepository().pupils(q);
    std::sort(pupils.begin(), pupils.end(), [](auto& x, auto& y) { return x.id < y.id; });
    for (const auto& s : kScenarios[a]) {
      if (static_cast<size_t>(s.pupil) >= pupils.size()) continue;
      const auto& pupil = pupils[static_cast<size_t>(s.pupil)];
      out.push_back({playScenario(app, clock, staff, s, pupil), s.type, pupil.legalName, academy});
    }
  }
  app.plans().markReviewsDue(engine::dateOf(clock.now()));
  return out;
}

}  // namespace sendflow::web
