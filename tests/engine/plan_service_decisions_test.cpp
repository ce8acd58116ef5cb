// PlanService with the shared fakes of its ports (plans and people in memory, an injected
// clock) and the shipped definitions: who may launch, open, save and fire; what each decision
// writes; which audit event and outbox messages go with it; which error a refusal is.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include "app/definition_folders.h"
#include "engine/fakes.h"
#include "i18n/language_list.h"
#include "sendflow/engine/people/people.h"
#include "sendflow/engine/plans/plans.h"

using namespace sendflow::engine;
using sendflow::testing::actionsOf;
using sendflow::testing::actorWith;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;
using sendflow::testing::NoSigning;

namespace {

const DefinitionRegistry& registry() {
  static const DefinitionRegistry reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  return reg;
}

Poco::JSON::Object::Ptr json(const std::string& text) {
  Poco::JSON::Parser p;
  return p.parse(text).extract<Poco::JSON::Object::Ptr>();
}

struct World {
  World() : clock(startOf(*parseIsoDate("2026-03-02"))), service(plans, people, registry(), clock) {
    people.academiesById = {{1, {1, "Oak"}}, {2, {2, "Elm"}}};
    people.byId[7] = {7, "senco@oak.example", "Ms Senco", "", true, {{1, Role::kSenco}}};
    people.byId[8] = {8, "staff@oak.example", "Mr Staff", "", true, {{1, Role::kStaff}}};
    pupil = people.createPupil({0, 1, "Zoë Khan", "", "2014-05-02", "6", "", true}, {});
    elmPupil = people.createPupil({0, 2, "Sam Ash", "", "2014-02-02", "6", "", true}, {});
    service.setTransitionActions(&noSigning);
  }
  // A PEEP launched by the SENCO, then (optionally) put straight into a state.
  Id peep(const std::string& state = "draft", std::optional<std::string> reviewDate = {}) {
    auto id = service.launch(senco, pupil, "peep");
    REQUIRE(id);
    plans.byId[*id].state = state;
    plans.byId[*id].reviewDate = std::move(reviewDate);
    plans.audit.clear();
    return *id;
  }
  Poco::JSON::Object::Ptr values(Id planId) {
    auto p = plans.byId[planId];
    return json(plans.version(planId, p.currentVersion)->valuesJson);
  }

  FakePlans plans;
  FakePeople people;
  FixedClock clock;
  NoSigning noSigning;
  PlanService service;
  Actor senco = actorWith(7, "Ms Senco", {{1, Role::kSenco}});
  Actor staff = actorWith(8, "Mr Staff", {{1, Role::kStaff}});
  Actor governor = actorWith(9, "Governor", {{1, Role::kGovernor}});
  Actor elmSenco = actorWith(10, "Elm Senco", {{2, Role::kSenco}});
  Id pupil = 0, elmPupil = 0;
};

}  // namespace

TEST_CASE("plan service: a SENCO launches a plan for their pupil, pinned and prefilled, audited",
          "[engine][plans]") {
  World w;
  auto id = w.service.launch(w.senco, w.pupil, "peep");
  REQUIRE(id);
  const auto& p = w.plans.byId[*id];
  REQUIRE(p.state == "draft");
  REQUIRE(p.academyId == 1);
  REQUIRE(p.ownerUserId == 7);
  REQUIRE(p.currentVersion == 1);
  REQUIRE(w.plans.snapshots.at(p.formSnapshotId).first == "form");
  REQUIRE(w.plans.snapshots.at(p.workflowSnapshotId).first == "workflow");
  REQUIRE(w.values(*id)->getValue<std::string>("pupil_name") == "Zoë Khan");
  REQUIRE(w.plans.version(*id, 1)->author == "user:7");
  REQUIRE(actionsOf(w.plans.audit) == std::vector<std::string>{"plan.launch"});
  REQUIRE(w.plans.audit[0].subjectId == *id);
  // A second launch pins the same snapshots (content-addressed), not new ones.
  auto again = *w.service.launch(w.senco, w.pupil, "peep");
  REQUIRE(w.plans.byId[again].formSnapshotId == p.formSnapshotId);
}

TEST_CASE(
    "plan service: launching is refused to staff, for another academy's or an inactive "
    "pupil, and for an unknown type, with nothing written",
    "[engine][plans]") {
  World w;
  REQUIRE(w.service.launch(w.staff, w.pupil, "peep").error().code == ErrorCode::kForbidden);
  REQUIRE(w.service.launch(w.elmSenco, w.pupil, "peep").error().code == ErrorCode::kNotFound);
  REQUIRE(w.service.launch(w.governor, w.pupil, "peep").error().code == ErrorCode::kNotFound);
  REQUIRE(w.service.launch(w.senco, 999, "peep").error().code == ErrorCode::kNotFound);
  auto unknown = w.service.launch(w.senco, w.pupil, "horoscope");
  REQUIRE(unknown.error().code == ErrorCode::kInvalid);
  REQUIRE(unknown.error().fields.at(0).field == "type");
  w.people.pupilsById[w.pupil].active = false;
  REQUIRE(w.service.launch(w.senco, w.pupil, "peep").error().code == ErrorCode::kConflict);
  REQUIRE(w.plans.byId.empty());
  REQUIRE(w.plans.audit.empty());
}

TEST_CASE("plan service: who may open a plan, and what they may do with it there",
          "[engine][plans]") {
  World w;
  auto id = w.peep();
  auto forSenco = w.service.open(w.senco, id);
  REQUIRE(forSenco);
  REQUIRE(forSenco->canEdit);
  std::vector<std::string> names;
  for (const auto* t : forSenco->transitions) names.push_back(t->name);
  REQUIRE(names == std::vector<std::string>{"send_for_signature", "withdraw"});
  auto forStaff = w.service.open(w.staff, id);
  REQUIRE(forStaff->canEdit);
  REQUIRE(forStaff->transitions.empty());
  REQUIRE(w.service.open(w.governor, id).error().code == ErrorCode::kNotFound);
  REQUIRE(w.service.open(w.elmSenco, id).error().code == ErrorCode::kNotFound);
  REQUIRE(w.service.open(w.senco, id, 7).error().code == ErrorCode::kNotFound);  // no version 7
  // Staff may see the plan but not manage its signers: forbidden, not hidden.
  REQUIRE(w.service.open(w.staff, id, 0, Action::kManageSigners).error().code ==
          ErrorCode::kForbidden);
}

TEST_CASE(
    "plan service: a save makes the next version with a plan.edit event naming the fields "
    "changed, and the same answers again make none",
    "[engine][plans]") {
  World w;
  auto id = w.peep();
  auto values = w.values(id);
  values->set("why_needed", "Uses a wheelchair.");
  auto r = w.service.save(w.staff, id, 1, *values);
  REQUIRE(r);
  REQUIRE(r->changed);
  REQUIRE(r->version == 2);
  REQUIRE_FALSE(r->missing.empty());  // a draft may be incomplete
  REQUIRE(w.plans.version(id, 2)->author == "user:8");
  REQUIRE(actionsOf(w.plans.audit) == std::vector<std::string>{"plan.edit"});
  REQUIRE(json(w.plans.audit[0].detail)->getArray("fields")->getElement<std::string>(0) ==
          "why_needed");

  auto same = w.service.save(w.staff, id, 2, *values);
  REQUIRE(same);
  REQUIRE_FALSE(same->changed);
  REQUIRE(w.plans.versionsOf[id].size() == 2);
  REQUIRE(w.plans.audit.size() == 1);
}

TEST_CASE(
    "plan service: a save on a stale version is a conflict listing what changed since, "
    "and nothing is saved",
    "[engine][plans]") {
  World w;
  auto id = w.peep();
  auto theirs = w.values(id);
  theirs->set("why_needed", "Theirs.");
  REQUIRE(w.service.save(w.senco, id, 1, *theirs));
  auto mine = w.values(id);
  mine->set("communication", "Mine.");
  auto stale = w.service.save(w.staff, id, 1, *mine);
  REQUIRE(stale.error().code == ErrorCode::kConflict);
  REQUIRE(stale.error().fields.size() == 1);
  REQUIRE(stale.error().fields[0].field == "why_needed");
  REQUIRE(w.plans.versionsOf[id].size() == 2);
  REQUIRE(w.plans.audit.size() == 1);
}

TEST_CASE(
    "plan service: invalid answers are refused naming the field, and a plan outside an "
    "editable state cannot be saved",
    "[engine][plans]") {
  World w;
  auto id = w.peep();
  auto values = w.values(id);
  values->set("date_of_birth", "2014-13-45");
  auto bad = w.service.save(w.senco, id, 1, *values);
  REQUIRE(bad.error().code == ErrorCode::kInvalid);
  REQUIRE(bad.error().fields.at(0).field == "date_of_birth");
  REQUIRE(w.plans.versionsOf[id].size() == 1);

  auto active = w.peep("active", "2027-03-01");
  auto v = w.values(active);
  v->set("why_needed", "Changed after signing.");
  REQUIRE(w.service.save(w.senco, active, 1, *v).error().code == ErrorCode::kConflict);
  REQUIRE(w.plans.versionsOf[active].size() == 1);
}

TEST_CASE(
    "plan service: asking for a review needs a reason, records it, and notifies the SENCO "
    "with the reason code only",
    "[engine][plans]") {
  World w;
  auto id = w.peep("active", "2027-03-01");
  auto noReason = w.service.fire(w.staff, id, "trigger_review", {});
  REQUIRE(noReason.error().code == ErrorCode::kInvalid);
  REQUIRE(w.plans.changes.empty());

  auto r = w.service.fire(w.staff, id, "trigger_review", {"incident", "Fell on the stairs."});
  REQUIRE(r);
  REQUIRE(*r == id);
  const auto& p = w.plans.byId[id];
  REQUIRE(p.state == "review_due");
  REQUIRE(p.reviewReason == "incident: Fell on the stairs.");
  auto t = w.plans.transitionsOf[id].at(0);
  REQUIRE(t.actor == "user:8");
  REQUIRE(t.at == isoTime(w.clock.now()));
  REQUIRE(actionsOf(w.plans.audit) == std::vector<std::string>{"plan.transition"});
  REQUIRE(json(w.plans.audit[0].detail)->getValue<std::string>("reason_code") == "incident");
  REQUIRE_FALSE(w.plans.outbox.messages.empty());
  bool toSenco = false;
  for (const auto& m : w.plans.outbox.messages) {
    toSenco = toSenco || m.toAddress == "senco@oak.example";
    REQUIRE(m.data.find("stairs") == std::string::npos);  // free text may hold health details
  }
  REQUIRE(toSenco);
}

TEST_CASE(
    "plan service: a transition the role is not granted, or not from this state, is refused "
    "with nothing applied",
    "[engine][plans]") {
  World w;
  auto id = w.peep();
  auto byStaff = w.service.fire(w.staff, id, "withdraw", {"duplicate", ""});
  REQUIRE_FALSE(byStaff);
  REQUIRE((byStaff.error().code == ErrorCode::kForbidden ||
           byStaff.error().code == ErrorCode::kConflict));
  REQUIRE(w.service.fire(w.senco, id, "recall", {}).error().code == ErrorCode::kConflict);
  REQUIRE(w.service.fire(w.elmSenco, id, "withdraw", {"duplicate", ""}).error().code ==
          ErrorCode::kNotFound);
  // Guards: a draft without its answers and signers cannot be sent for signature.
  auto guarded = w.service.fire(w.senco, id, "send_for_signature", {});
  REQUIRE(guarded.error().code == ErrorCode::kInvalid);
  REQUIRE(w.plans.changes.empty());
  REQUIRE(w.plans.byId[id].state == "draft");
}

TEST_CASE(
    "plan service: when the plan moved on between reading and writing, the transition is a "
    "conflict",
    "[engine][plans]") {
  World w;
  auto id = w.peep("active", "2027-03-01");
  // Another request's save lands between this transition's read and its write: the service
  // passes the state and version it read, and the store's refusal comes back as a conflict.
  auto r = w.service.fireFor(id, "withdraw", {"moved", ""}, "user:7",
                             [&](const PlanView& v, TransitionChange& c) -> Status {
                               REQUIRE(c.expectedVersion == v.plan.currentVersion);
                               REQUIRE(c.expectedState == "active");
                               w.plans.byId[id].currentVersion = 2;
                               return Ok{};
                             });
  REQUIRE(r.error().code == ErrorCode::kConflict);
  REQUIRE(w.plans.byId[id].state == "active");
  REQUIRE(w.plans.changes.empty());
  REQUIRE(w.plans.audit.empty());
}

TEST_CASE(
    "plan service: a signing transition with no e-signature actions registered is refused "
    "and changes nothing",
    "[engine][plans]") {
  World w;
  auto id = w.peep("active", "2027-03-01");
  w.service.setTransitionActions(nullptr);  // the wiring mistake: SignatureService never built
  REQUIRE_THROWS_AS(w.service.fireFor(id, "withdraw", {"moved", ""}, "user:7"), InfraError);
  REQUIRE(w.plans.byId[id].state == "active");
  REQUIRE(w.plans.changes.empty());
  REQUIRE(w.plans.audit.empty());
  w.service.setTransitionActions(&w.noSigning);
  REQUIRE(w.service.fireFor(id, "withdraw", {"moved", ""}, "user:7"));
  REQUIRE(w.noSigning.calls == 1);  // withdraw voids signatures: the actions were asked
}

TEST_CASE("plan service: review dates that have come make plans review-due, by the injected clock",
          "[engine][plans]") {
  World w;
  auto due = w.peep("active", "2026-03-02");
  auto later = w.peep("active", "2026-03-03");
  REQUIRE(w.service.markReviewsDue(dateOf(w.clock.now())) == 1);
  REQUIRE(w.plans.byId[due].state == "review_due");
  REQUIRE(w.plans.byId[later].state == "active");
  REQUIRE(w.plans.transitionsOf[due].at(0).name == "review_date_reached");
  w.clock.advance(std::chrono::days(1));
  REQUIRE(w.service.markReviewsDue(dateOf(w.clock.now())) == 1);
  REQUIRE(w.plans.byId[later].state == "review_due");
  REQUIRE(w.service.markReviewsDue(dateOf(w.clock.now())) == 0);
}

TEST_CASE(
    "plan service: starting a review creates the successor draft, and its activation "
    "supersedes the plan it reviews",
    "[engine][plans]") {
  World w;
  auto old = w.peep("review_due", "2026-03-01");
  auto successor = w.service.fire(w.senco, old, "start_review", {});
  REQUIRE(successor);
  REQUIRE(*successor != old);
  const auto& next = w.plans.byId[*successor];
  REQUIRE(next.reviewsPlanId == old);
  REQUIRE(next.state == "draft");
  REQUIRE(w.values(*successor)->getValue<std::string>("pupil_name") == "Zoë Khan");
  // A second review cannot start while this one is in progress.
  REQUIRE_FALSE(w.service.fire(w.senco, old, "start_review", {}));

  w.plans.byId[*successor].state = "awaiting_signatures";  // signed by everyone, as it were
  auto activated = w.service.fireAutomatic(*successor, AutoTrigger::kAllRequiredSigned, "system");
  REQUIRE(activated);
  REQUIRE(w.plans.byId[*successor].state == "active");
  REQUIRE(w.plans.byId[*successor].reviewDate);
  REQUIRE(w.plans.byId[old].state == "superseded");
  REQUIRE_FALSE(w.plans.byId[old].reviewDate);
}

TEST_CASE(
    "plan service: every request for a review is kept (who, when, why) and emailed on its own, "
    "even three in the same second",
    "[engine][plans]") {
  World w;
  auto id = w.peep("active", "2027-03-01");
  REQUIRE(w.service.fire(w.staff, id, "trigger_review", {"change", "New wheelchair."}));
  REQUIRE(w.service.fire(w.senco, id, "trigger_review", {"incident", "Fell on the stairs."}));
  REQUIRE(w.service.fire(w.staff, id, "trigger_review", {"stakeholder_request", "Mum asked."}));
  const auto& kept = w.plans.reviewRequestsOf[id];
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].seq == 1);
  CHECK(kept[2].seq == 3);
  CHECK(kept[0].actor == "user:8");
  CHECK(kept[0].actorName == "Mr Staff");
  CHECK(kept[1].actorName == "Ms Senco");
  CHECK(kept[1].reasonCode == "incident");
  CHECK(kept[1].reasonText == "Fell on the stairs.");
  CHECK(kept[2].at == isoTime(w.clock.now()));
  CHECK(w.service.reviewRequests(id).size() == 3);
  // One email per request to the SENCO (the clock never moved), naming who asked.
  int toSenco = 0;
  for (const auto& m : w.plans.outbox.messages)
    if (m.toAddress == "senco@oak.example") {
      ++toSenco;
      CHECK(m.data.find("asked_by") != std::string::npos);
      CHECK(m.data.find("stairs") == std::string::npos);
    }
  CHECK(toSenco == 3);
  // Transitions that ask for nothing are not requests.
  REQUIRE(w.service.fire(w.senco, id, "start_review", {}));
  CHECK(w.plans.reviewRequestsOf[id].size() == 3);
}

TEST_CASE(
    "plan service: every shipped type takes a review for a change, an incident or a "
    "stakeholder's request, from the SENCO and from a contact through their link",
    "[engine][plans]") {
  World w;
  for (const auto& type : registry().types()) {
    INFO("type " << type);
    auto launched = w.service.launch(w.senco, w.pupil, type);
    REQUIRE(launched);
    const Id id = *launched;
    w.plans.byId[id].state = "active";
    w.plans.byId[id].reviewDate = "2027-03-01";
    const auto* wf = registry().workflow(type);
    const TransitionDef* forContact = PlanService::contactReviewTransition(*wf, "active");
    REQUIRE(forContact);
    for (const char* reason : {"change", "incident", "stakeholder_request"}) {
      INFO("reason " << reason);
      auto bySenco = w.service.fire(w.senco, id, "trigger_review", {reason, "What happened."});
      INFO((bySenco ? std::string() : bySenco.error().message));
      CHECK(bySenco);
      auto byContact = w.service.fireAsContact(id, "contact:1", "Ana Parent", forContact->name,
                                               {reason, "What happened."});
      INFO((byContact ? std::string() : byContact.error().message));
      CHECK(byContact);
      CHECK(w.plans.byId[id].state == "review_due");
    }
    CHECK(w.plans.reviewRequestsOf[id].size() == 6);
  }
}

TEST_CASE(
    "plan service: a contact's reason is checked like anyone's: listed, one paragraph at most "
    "1,000 characters, no control characters, and a plan not in force cannot be asked about",
    "[engine][plans]") {
  World w;
  auto id = w.peep("active", "2027-03-01");
  auto ask = [&](const std::string& code, const std::string& text) {
    return w.service.fireAsContact(id, "contact:1", "Ana Parent", "trigger_review", {code, text});
  };
  auto fieldOf = [](const Result<Id>& r) {
    return r ? std::string() : r.error().fields.empty() ? "" : r.error().fields.front().field;
  };
  auto none = ask("", "Something.");
  REQUIRE(none.error().code == ErrorCode::kInvalid);
  CHECK(fieldOf(none) == "reason_code");
  CHECK(none.error().fields.front().message == "Select why this is needed");
  auto unknown = ask("holiday", "Something.");
  CHECK(fieldOf(unknown) == "reason_code");
  CHECK(unknown.error().fields.front().message.find("incident") != std::string::npos);
  CHECK(fieldOf(ask("change", "")) == "reason");
  CHECK(fieldOf(ask("change", "bell\a")) == "reason_text");
  CHECK(fieldOf(ask("change\nincident", "x")) == "reason_code");
  CHECK(fieldOf(ask("change", std::string(1001, 'a'))) == "reason_text");
  CHECK(ask("change", std::string(1000, 'a')));
  // Other transitions are not the contact's to fire, whatever their name.
  CHECK(w.service.fireAsContact(id, "contact:1", "Ana Parent", "start_review", {}).error().code ==
        ErrorCode::kNotFound);
  auto draft = w.peep();
  CHECK(w.service.fireAsContact(draft, "contact:1", "Ana Parent", "trigger_review", {"change", "x"})
            .error()
            .code == ErrorCode::kConflict);
}
