// PlanService with the shared fakes of its ports (engine/fakes.h): the rules it owns for the API
// and the pages (the PATCH merge, folding live edits before a transition).
#include <Poco/JSON/Object.h>

#include <catch2/catch.hpp>
#include <functional>

#include "engine/fakes.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/plans/plans.h"

using namespace sendflow::engine;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;

namespace {

const char* kForm = R"({"type": "mini", "title": "Mini plan", "version": 1,
 "sections": [
  {"id": "main", "title": "Main", "fields": [
    {"id": "pupil_name", "label": "Pupil", "kind": "text", "prefill": "pupil.legal_name",
     "readonly": true},
    {"id": "year", "label": "Year", "kind": "text", "prefill": "pupil.year_group", "hidden": true},
    {"id": "name", "label": "Name", "kind": "text"},
    {"id": "notes", "label": "Notes", "kind": "long_text"},
    {"id": "temporary", "label": "Is this a temporary need?", "kind": "yes_no"},
    {"id": "until", "label": "Expected end date", "kind": "date", "required": true,
     "after": "today", "visible_when": {"field": "temporary", "equals": true}}]},
  {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
    {"id": "views", "label": "Views", "kind": "long_text"}]}]})";

const char* kWorkflow = R"({"type": "mini", "title": "Mini plan", "form": "mini", "version": 1,
 "initial": "draft",
 "states": [{"name": "draft", "editable": true}, {"name": "closed", "final": true}],
 "transitions": [{"name": "close", "from": "draft", "to": "closed", "roles": ["senco"]}],
 "signers": [{"role": "senco", "label": "SENCO", "kind": "senco", "required": true},
             {"role": "parent_carer", "label": "Parent or carer", "kind": "parent_carer",
              "required": true}],
 "review": {"every": "P12M", "remind": ["P7D"], "recipients": ["senco"]},
 "retention": {"from": "date_of_birth", "keep": "P31Y"}})";

constexpr Id kAcademy = 1;
constexpr Id kPlan = 7;

// Live edits waiting to be folded: `result` is what folding answers; `onFold` runs first (a
// successful fold saves a version, as the live hub does).
class FakePending final : public PendingEdits {
 public:
  Status fold(Id planId) override {
    folds.push_back(planId);
    if (onFold) onFold();
    return result;
  }
  Status result = Ok{};
  std::function<void()> onFold;
  std::vector<Id> folds;
};

Actor senco() {
  Actor a;
  a.userId = 1;
  a.name = "Ms Senco";
  a.memberships.push_back({kAcademy, Role::kSenco});
  return a;
}

// One plan in memory (the shared fakes) of the mini type above, with its first version.
struct World {
  World() {
    plans.snapshots[1] = {"form", kForm};
    plans.snapshots[2] = {"workflow", kWorkflow};
    PlanRecord record;
    record.id = kPlan;
    record.academyId = kAcademy;
    record.pupilId = 3;
    record.type = "mini";
    record.state = "draft";
    record.formSnapshotId = 1;
    record.workflowSnapshotId = 2;
    record.currentVersion = 1;
    plans.byId[kPlan] = record;
    plans.versionsOf[kPlan] = {
        {kPlan, 1, R"({"name":"Ann","pupil_name":"Ann Lee","year":"4"})", "h1", "user:1", "S", ""}};
    people.academiesById[kAcademy] = {kAcademy, "Oak"};
    people.pupilsById[3] = {3, kAcademy, "Ann Lee", "", "2016-04-01", "4", "", true};
  }
  const PlanRecord& record() { return plans.byId[kPlan]; }
  Poco::JSON::Object::Ptr current() {
    return parseValues(plans.version(kPlan, record().currentVersion)->valuesJson).value();
  }

  FakePlans plans;
  FakePeople people;
  DefinitionRegistry defs;
  FixedClock clock{TimePoint{std::chrono::hours(24 * 20000)}};
  PlanService service{plans, people, defs, clock};
};

}  // namespace

TEST_CASE("PATCH merges into the current answers: null removes, read-only and hidden stay",
          "[engine][plans]") {
  World w;
  Poco::JSON::Object changes;
  changes.set("notes", "Walks with a frame");
  changes.set("name", Poco::Dynamic::Var());  // null: the answer goes
  changes.set("pupil_name", "Someone Else");  // read-only: kept
  changes.set("year", "9");                   // hidden: kept
  auto r = w.service.patch(senco(), kPlan, 1, changes);
  REQUIRE(r);
  CHECK(r->version == 2);
  CHECK(r->changed);
  auto now = w.current();
  CHECK(now->getValue<std::string>("notes") == "Walks with a frame");
  CHECK_FALSE(now->has("name"));
  CHECK(now->getValue<std::string>("pupil_name") == "Ann Lee");
  CHECK(now->getValue<std::string>("year") == "4");

  // A stale base version is a conflict and saves nothing; so is a wrong type.
  CHECK(w.service.patch(senco(), kPlan, 1, changes).error().code == ErrorCode::kConflict);
  Poco::JSON::Object typed;
  typed.set("notes", 3);
  CHECK(w.service.patch(senco(), kPlan, 2, typed).error().code == ErrorCode::kInvalid);
  CHECK(w.record().currentVersion == 2);
  // Another academy's plan does not exist for this actor.
  Actor stranger = senco();
  stranger.memberships = {{kAcademy + 1, Role::kSenco}};
  CHECK(w.service.patch(stranger, kPlan, 2, changes).error().code == ErrorCode::kNotFound);
}

TEST_CASE("an answer to a hidden question neither blocks a save nor is kept in the version",
          "[engine][plans]") {
  World w;
  Poco::JSON::Object yes;
  yes.set("temporary", true);
  yes.set("until", "2000-01-01");  // not after today
  auto refused = w.service.patch(senco(), kPlan, 1, yes);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().code == ErrorCode::kInvalid);
  REQUIRE(refused.error().fields.size() == 1);
  CHECK(refused.error().fields[0].field == "until");

  // "No" hides the date: the same wrong date still posted with it is not judged, and goes.
  Poco::JSON::Object no;
  no.set("temporary", false);
  no.set("until", "2000-01-01");
  auto saved = w.service.patch(senco(), kPlan, 1, no);
  REQUIRE(saved);
  CHECK(saved->version == 2);
  auto now = w.current();
  CHECK_FALSE(now->getValue<bool>("temporary"));
  CHECK_FALSE(now->has("until"));
  CHECK(now->getValue<std::string>("year") == "4");  // a "hidden" field is the system's: kept
  // The version's content hash (what a signature binds to) is of the values without it.
  CHECK(w.plans.version(kPlan, 2)->contentHash == contentHash(*now));
}

TEST_CASE("a transition folds live edits first and acts on the folded version", "[engine][plans]") {
  World w;
  FakePending pending;
  w.service.setPendingEdits(&pending);
  pending.onFold = [&] {
    Poco::JSON::Object live;
    live.set("notes", "typed live");
    REQUIRE(w.service.saveAs("user:2", "Teacher", kPlan, 1, live));
  };
  auto r = w.service.fire(senco(), kPlan, "close", {});
  REQUIRE(r);
  CHECK(pending.folds == std::vector<Id>{kPlan});
  REQUIRE(w.plans.transitionsOf[kPlan].size() == 1);
  CHECK(w.plans.transitionsOf[kPlan].front().version ==
        2);  // the folded version, not the one before
  CHECK(w.record().state == "closed");
}

TEST_CASE("a fold that fails refuses the transition with its error, never drops it",
          "[engine][plans]") {
  World w;
  FakePending pending;
  w.service.setPendingEdits(&pending);

  SECTION("a live answer that is not valid yet") {
    pending.result = invalid("bad", {{"notes", "Too long"}});
    auto r = w.service.fire(senco(), kPlan, "close", {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kInvalid);
    CHECK_THAT(r.error().message, Catch::Contains("typed live are not valid yet"));
    REQUIRE(r.error().fields.size() == 1);
    CHECK(r.error().fields.front().field == "notes");
  }
  SECTION("a conflict while saving the live edits") {
    pending.result = conflict("Someone else saved this plan");
    auto r = w.service.fire(senco(), kPlan, "close", {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kConflict);
    CHECK_THAT(r.error().message, Catch::Contains("Someone else saved this plan"));
  }
  SECTION("any other refusal") {
    pending.result = notFound("gone");
    auto r = w.service.fire(senco(), kPlan, "close", {});
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::kNotFound);
  }
  CHECK(w.plans.transitionsOf[kPlan].empty());
  CHECK(w.record().state == "draft");

  // Someone who may not edit the plan folds nothing.
  pending.result = Ok{};
  pending.folds.clear();
  Actor stranger = senco();
  stranger.memberships = {{kAcademy + 1, Role::kSenco}};
  CHECK(w.service.fire(stranger, kPlan, "close", {}).error().code == ErrorCode::kNotFound);
  CHECK(pending.folds.empty());
}

TEST_CASE("a contact is chosen by a label and stored by name, whatever the relationship says",
          "[engine][plans]") {
  World w;
  Contact carer;
  carer.id = 5;
  carer.pupilId = 3;
  carer.name = "Bob Hart";
  carer.email = "bob@example.org";
  carer.relationship = "Carer (foster)";  // a label built as "Name (relationship)" is ambiguous
  w.people.contactsById[carer.id] = carer;
  auto v = w.service.open(senco(), kPlan);
  REQUIRE(v);
  auto choices = w.service.signerCandidates(v.value(), *v->workflow->signer("parent_carer"));
  REQUIRE(choices.size() == 1);
  CHECK(choices.front().ref == "contact:5");
  CHECK(choices.front().name == "Bob Hart");
  CHECK(choices.front().label == "Bob Hart (Carer (foster))");
  CHECK(contactLabel(carer) == "Bob Hart (Carer (foster))");
  REQUIRE(w.service.assignSigners(senco(), kPlan, "parent_carer", {"contact:5"}));
  REQUIRE(w.plans.signersOf[kPlan].size() == 1);
  CHECK(w.plans.signersOf[kPlan].front().name == "Bob Hart");
  // No relationship given: the kind's label.
  carer.relationship.clear();
  CHECK(contactLabel(carer) == "Bob Hart (" + contactKindLabel(ContactKind::kParentCarer) + ")");
}

TEST_CASE("a plan opened reads its staff and contacts once whoever then asks whom it may name",
          "[engine][plans]") {
  World w;
  User staff;
  staff.id = 1;
  staff.name = "Ms Senco";
  staff.memberships = {{kAcademy, Role::kSenco}};
  w.people.byId[staff.id] = staff;
  Contact mum;
  mum.id = 5;
  mum.pupilId = 3;
  mum.name = "Ann's mum";
  w.people.contactsById[mum.id] = mum;

  auto v = w.service.open(senco(), kPlan);
  REQUIRE(v);
  CHECK(w.people.usersReads == 1);  // validating the stored answers needs who may be named
  CHECK(w.people.contactsReads == 1);
  // The editor's people, and each signer slot's candidates (the plan page asks for all of them).
  const auto people = PlanService::people(v.value());
  CHECK(people == std::vector<std::pair<std::string, std::string>>{
                      {"user:1", "Ms Senco"}, {"contact:5", contactLabel(mum)}});
  const auto seniors = w.service.signerCandidates(v.value(), *v->workflow->signer("senco"));
  REQUIRE(seniors.size() == 1);
  CHECK(seniors.front().ref == "user:1");
  const auto carers = w.service.signerCandidates(v.value(), *v->workflow->signer("parent_carer"));
  REQUIRE(carers.size() == 1);
  CHECK(carers.front().ref == "contact:5");
  CHECK(w.people.usersReads == 1);
  CHECK(w.people.contactsReads == 1);
}

TEST_CASE("a plan list shows each open plan's deadlines exactly as the plan itself does",
          "[engine][plans]") {
  World w;
  w.plans.snapshots[3] = {"form", R"({"type": "dl", "title": "Review", "version": 1,
   "sections": [{"id": "main", "title": "Main", "fields": [
     {"id": "meeting_date", "label": "Meeting date", "kind": "date"},
     {"id": "invitations_sent", "label": "Invitations sent", "kind": "date"}]},
    {"id": "voice", "title": "My views", "pupil_voice": true, "fields": [
     {"id": "views", "label": "Views", "kind": "long_text"}]}]})"};
  w.plans.snapshots[4] = {"workflow", R"({"type": "dl", "title": "Review", "form": "dl",
   "version": 1, "initial": "draft",
   "states": [{"name": "draft", "editable": true}, {"name": "closed", "final": true}],
   "transitions": [{"name": "close", "from": "draft", "to": "closed", "roles": ["senco"]}],
   "signers": [{"role": "senco", "label": "SENCO", "kind": "senco", "required": true}],
   "review": {"every": "P12M", "remind": ["P7D"], "recipients": ["senco"],
              "anchor_field": "meeting_date"},
   "deadlines": {"anchor_field": "meeting_date", "due_soon": "P14D", "rules": [
     {"id": "invitations", "label": "Send invitations", "before": "P2W",
      "done_field": "invitations_sent"},
     {"id": "report", "label": "Send the report", "after": "P2W", "done_transition": "close"}]},
   "retention": {"from": "date_of_birth", "keep": "P31Y"}})"};
  const std::string today = isoDate(dateOf(w.clock.now()));
  for (Id id : {Id{8}, Id{9}}) {
    PlanRecord r = w.record();
    r.id = id;
    r.type = "dl";
    r.formSnapshotId = 3;
    r.workflowSnapshotId = 4;
    r.state = id == 8 ? "draft" : "closed";
    w.plans.byId[id] = r;
    w.plans.versionsOf[id] = {
        {id, 1, R"({"meeting_date":")" + today + R"("})", "h", "user:1", "S", ""}};
  }
  w.plans.transitionsOf[8] = {
      {"close", "draft", "draft", "user:1", today + "T09:00:00Z", "", "", 1}};

  auto open = w.service.open(senco(), 8);
  REQUIRE(open);
  REQUIRE(open->deadlines.size() >= 2);  // both rules, and when the review is due
  auto describe = [](const std::vector<DeadlineItem>& items) {
    std::vector<std::string> out;
    for (const auto& d : items)
      out.push_back(d.id + " " + isoDate(d.due) + " " + deadlineStatusName(d.status) + " " +
                    (d.doneOn ? isoDate(*d.doneOn) : "-"));
    return out;
  };
  const auto listed = w.service.listing(senco());
  REQUIRE(listed.size() == 3);  // the mini plan, and these two
  for (const auto& row : listed) {
    INFO(row.plan.id);
    CHECK(row.workflow->type == (row.plan.id == kPlan ? "mini" : "dl"));
    if (row.plan.id == 8) CHECK(describe(row.deadlines) == describe(open->deadlines));
    if (row.plan.id != 8) CHECK(row.deadlines.empty());  // no deadline policy; closed
  }
}
