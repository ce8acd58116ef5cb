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

}  // namespace

std::vector<DemoPlan> seedDemoPlans(App& app, engine::FixedClock& clock,
                                    const std::vector<engine::Id>& academyIds) {
  std::vector<DemoPlan> out;
  const engine::TimePoint realNow = clock.now();
  for (size_t a = 0; a < academyIds.size() && a < 2; ++a) {
    const engine::Id academy = academyIds[a];
    // The SENCO launches and writes the plans.
    engine::Actor senco;
    std::string staffRef, headRef, teacherRef;
    for (const auto& u : app.people.users({academy})) {
      for (const auto& m : u.memberships) {
        if (m.academyId != academy) continue;
        if (m.role == engine::Role::kSenco)
          senco = app.auth.actorFor(u), staffRef = "user:" + std::to_string(u.id);
        if (m.role == engine::Role::kHead) headRef = "user:" + std::to_string(u.id);
        if (m.role == engine::Role::kStaff) teacherRef = "user:" + std::to_string(u.id);
      }
    }
    engine::PupilQuery q{{academy}, "", false, 100};
    auto pupils = app.people.pupils(q);
    std::sort(pupils.begin(), pupils.end(), [](auto& x, auto& y) { return x.id < y.id; });
    for (const auto& s : kScenarios[a]) {
      if (static_cast<size_t>(s.pupil) >= pupils.size()) continue;
      const auto& pupil = pupils[static_cast<size_t>(s.pupil)];
      const std::string outcome = s.outcome;
      clock.set(realNow - std::chrono::days(s.activatedDaysAgo + 7));
      auto id = app.planService.launch(senco, pupil.id, s.type);
      if (!id) throw std::runtime_error("demo: launch failed: " + id.error().message);
      auto v = app.planService.open(senco, id.value());
      std::map<std::string, Poco::Dynamic::Var> given;
      std::set<std::string> skip{"review_date", "invitations_sent", "advice_circulated",
                                 "last_review", "temporary_until"};
      if (std::string(s.type) == "ehcp_annual_review") {
        // Active: its meeting was when it was signed off; drafts: the meeting is in three weeks.
        auto meeting = engine::dateOf(clock.now());
        if (outcome != "active")
          meeting = engine::Date{std::chrono::sys_days{meeting} + std::chrono::days(21)};
        given["meeting_date"] = engine::isoDate(meeting);
        given["plan_issued"] =
            engine::isoDate(engine::Date{std::chrono::sys_days{meeting} - std::chrono::days(330)});
      }
      if (std::string(s.type) == "peep") given["temporary"] = false;
      if (outcome == "draft") {
        // A draft part-way through: the first sections only.
        Poco::JSON::Object::Ptr partial = new Poco::JSON::Object(*v->values);
        int filled = 0;
        auto full = engine::sampleValues(*v->form, *v->values, v->pupil,
                                         engine::dateOf(app.clock.now()), {staffRef, skip, given});
        for (const auto* f : v->form->fields()) {
          if (filled++ > 8) break;
          if (full->has(f->id)) partial->set(f->id, full->get(f->id));
        }
        auto saved = app.planService.save(senco, id.value(), 1, *partial);
        if (!saved)
          throw std::runtime_error("demo: saving a draft failed: " + saved.error().message);
      } else {
        auto values =
            engine::sampleValues(*v->form, *v->values, v->pupil, engine::dateOf(app.clock.now()),
                                 {staffRef, skip, given});
        auto saved = app.planService.save(senco, id.value(), 1, *values);
        if (!saved) {
          std::string why = saved.error().message;
          for (const auto& f : saved.error().fields) why += "; " + f.field + ": " + f.message;
          throw std::runtime_error(std::string("demo: saving a ") + s.type +
                                   " plan failed: " + why);
        }
      }
      if (outcome == "draft") {
        // The family and the professionals are asked for their sections of the draft.
        auto view = app.planService.open(senco, id.value());
        for (const auto& [contact, label] : app.contributions->candidates(view.value())) {
          auto st = app.contributions->invite(senco, id.value(), contact);
          if (!st)
            throw std::runtime_error("demo: inviting " + label + " failed: " + st.error().message);
        }
      }
      if (outcome != "draft" && outcome != "filled") {
        // Assign every signer the plan needs, then send it for signature.
        auto view = app.planService.open(senco, id.value());
        std::set<std::string> involved;
        for (const auto& c : app.people.contacts(pupil.id))
          involved.insert(engine::contactKindName(c.kind));
        for (const auto* slot : engine::requiredSigners(*view->workflow, involved)) {
          std::string ref;
          if (slot->kind == "senco")
            ref = staffRef;
          else if (slot->kind == "head")
            ref = headRef;
          else if (slot->kind == "staff")
            ref = slot->role == "premises_lead" ? headRef : teacherRef;
          else if (slot->kind == "pupil")
            ref = "pupil:" + std::to_string(pupil.id);
          else {
            for (const auto& c : app.people.contacts(pupil.id))
              if (engine::contactKindName(c.kind) == slot->kind && ref.empty())
                ref = "contact:" + std::to_string(c.id);
            if (ref.empty()) {
              auto kind =
                  engine::parseContactKind(slot->kind).value_or(engine::ContactKind::kOther);
              engine::Id cid = app.people.createContact(
                  {0, pupil.id, "Ms Joanna Adeyemi", "send.officer@la.example", "SEN caseworker",
                   kind, true},
                  {"contact.create", "system:demo", "pupil", pupil.id, academy, "{}"});
              ref = "contact:" + std::to_string(cid);
            }
          }
          auto st = app.planService.assignSigners(senco, id.value(), slot->role, {ref});
          if (!st)
            throw std::runtime_error("demo: assigning " + slot->role +
                                     " failed: " + st.error().message);
        }
        auto sent = app.planService.fire(senco, id.value(), "send_for_signature", {});
        if (!sent) {
          std::string why = sent.error().message;
          for (const auto& f : sent.error().fields) why += "; " + f.field + ": " + f.message;
          throw std::runtime_error(std::string("demo: sending a ") + s.type +
                                   " plan failed: " + why);
        }
        if (outcome != "signing") {
          clock.set(realNow - std::chrono::days(s.activatedDaysAgo));
          signDemoPlan(app, id.value());  // real signatures; the last one seals and activates
        }
        if (outcome == "incident") {
          clock.set(realNow - std::chrono::days(3));
          const bool handling = std::string(s.type) == "physical_handling";
          auto t = app.planService.fire(senco, id.value(),
                                        handling ? "record_incident" : "trigger_review",
                                        {"incident",
                                         "Restraint used in the playground on Tuesday; recorded "
                                         "and parents told the same day."});
          if (!t) throw std::runtime_error("demo: review trigger failed: " + t.error().message);
        }
      }
      clock.set(realNow);
      out.push_back({id.value(), s.type, pupil.legalName, academy});
    }
  }
  clock.set(realNow);
  app.planService.markReviewsDue(engine::dateOf(realNow));
  return out;
}

}  // namespace sendflow::web
