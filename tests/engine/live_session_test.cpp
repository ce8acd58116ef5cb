// LiveSession with fakes of its ports (the live log, plans and people in memory, an injected
// clock): operations are logged before anyone hears of them, relayed to every editor, folded
// into a version with its plan.edit event, replayed after a restart, and refused outside an
// editor's rights. No sleeps: folds are forced.
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <catch2/catch.hpp>
#include <sstream>

#include "app/definition_folders.h"
#include "engine/fakes.h"
#include "i18n/language_list.h"
#include "sendflow/engine/live/live.h"

using namespace sendflow::engine;
using sendflow::testing::FakeLiveLog;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;

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

// Messages one connection received, copied as they were when sent (through their text).
struct Inbox {
  LiveSession::Send sender() {
    return [this](const LiveMessage& m) {
      std::ostringstream text;
      Poco::JSON::Stringifier::condense(m, text);
      frames.push_back(json(text.str()));
    };
  }
  std::vector<Poco::JSON::Object::Ptr> ofType(const std::string& type) const {
    std::vector<Poco::JSON::Object::Ptr> out;
    for (const auto& f : frames)
      if (f->getValue<std::string>("type") == type) out.push_back(f);
    return out;
  }
  std::vector<Poco::JSON::Object::Ptr> frames;
};

struct World {
  World() : clock(startOf(*parseIsoDate("2026-03-02"))), service(plans, people, registry(), clock) {
    people.academiesById = {{1, {1, "Oak"}}};
    people.byId[7] = {7, "senco@oak.example", "Ms Senco", "", true, {{1, Role::kSenco}}};
    senco.userId = 7;
    senco.name = "Ms Senco";
    senco.memberships = {{1, Role::kSenco}};
    staff.userId = 8;
    staff.name = "Mr Staff";
    staff.memberships = {{1, Role::kStaff}};
    auto pupil = people.createPupil({0, 1, "Zoë Khan", "", "2014-05-02", "6", "", true}, {});
    plan = *service.launch(senco, pupil, "peep");
    plans.audit.clear();
  }
  std::shared_ptr<LiveSession> open() {
    auto s = LiveSession::open(plan, service, log, clock);
    REQUIRE(s);
    return s.value();
  }
  LiveEditor contributor(std::set<std::string> fields) {
    return {"contact:3",
            "Ann Khan",
            [fields]() -> Result<EditRights> {
              return EditRights{true, {}, fields};
            },
            {}};
  }
  std::string text(Id planId, const std::string& field) {
    auto v = json(plans.version(planId, plans.byId[planId].currentVersion)->valuesJson);
    return v->has(field) ? v->getValue<std::string>(field) : "";
  }

  FakePlans plans;
  FakePeople people;
  FakeLiveLog log;
  FixedClock clock;
  PlanService service;
  Actor senco, staff;
  Id plan = 0;
};

const char* kInsert =
    R"({"type":"op","field":"why_needed","revision":0,"seq":1,"op":["Uses a chair."]})";

}  // namespace

TEST_CASE("live: an operation is logged, then relayed to every editor with its revision",
          "[engine][live]") {
  World w;
  auto s = w.open();
  Inbox a, b;
  auto ca = s->join(staffEditor(w.service, w.senco, w.plan), a.sender());
  s->join(staffEditor(w.service, w.staff, w.plan), b.sender());
  REQUIRE(a.ofType("snapshot").size() == 1);
  REQUIRE(a.ofType("snapshot")[0]->getValue<bool>("editable"));
  s->receive(ca, json(R"({"type":"hello","client":"page-1"})"));
  s->receive(ca, json(kInsert));
  REQUIRE(w.log.ops.size() == 1);
  const auto& logged = w.log.ops[0];
  REQUIRE(logged.revision == 1);
  REQUIRE(logged.baseVersion == 1);
  REQUIRE(logged.author == "user:7");
  REQUIRE(logged.clientId == "page-1");
  REQUIRE(logged.at == toUnix(w.clock.now()));
  for (const auto* inbox : {&a, &b}) {
    auto ops = inbox->ofType("op");
    REQUIRE(ops.size() == 1);
    REQUIRE(ops[0]->getValue<int>("revision") == 1);
    REQUIRE(ops[0]->getValue<std::string>("author") == "Ms Senco");
  }
  // The same seq sent again (a reconnecting page) is acknowledged, not applied twice.
  s->receive(ca, json(kInsert));
  REQUIRE(w.log.ops.size() == 1);
}

TEST_CASE(
    "live: folding makes the next version, audited with who changed what, and tells "
    "everyone",
    "[engine][live]") {
  World w;
  auto s = w.open();
  Inbox a;
  auto c = s->join(staffEditor(w.service, w.senco, w.plan), a.sender());
  s->receive(c, json(R"({"type":"hello","client":"page-1"})"));
  s->receive(c, json(kInsert));
  REQUIRE(s->flush(true));
  REQUIRE(w.plans.byId[w.plan].currentVersion == 2);
  REQUIRE(w.text(w.plan, "why_needed") == "Uses a chair.");
  REQUIRE(w.plans.audit.size() == 1);
  auto detail = json(w.plans.audit[0].detail);
  REQUIRE(w.plans.audit[0].action == "plan.edit");
  REQUIRE(detail->getObject("live_editors")->has("user:7"));
  auto versions = a.ofType("version");
  REQUIRE(versions.size() == 1);
  REQUIRE(versions[0]->getValue<int>("version") == 2);
  // Nothing pending: a second fold writes nothing.
  REQUIRE(s->flush(true));
  REQUIRE(w.plans.versionsOf[w.plan].size() == 2);
}

TEST_CASE(
    "live: a session opened after a crash replays the logged operations on the current "
    "version",
    "[engine][live]") {
  World w;
  {
    auto s = w.open();
    Inbox a;
    auto c = s->join(staffEditor(w.service, w.senco, w.plan), a.sender());
    s->receive(c, json(R"({"type":"hello","client":"page-1"})"));
    s->receive(c, json(kInsert));
  }  // gone without a fold
  REQUIRE(w.plans.byId[w.plan].currentVersion == 1);
  auto again = w.open();
  Inbox b;
  again->join(staffEditor(w.service, w.staff, w.plan), b.sender());
  auto snap = b.ofType("snapshot").at(0);
  REQUIRE(snap->getValue<int>("revision") == 1);
  REQUIRE(snap->getObject("fields")->getObject("why_needed")->getValue<std::string>("text") ==
          "Uses a chair.");
  REQUIRE(again->flush(true));
  REQUIRE(w.text(w.plan, "why_needed") == "Uses a chair.");
}

TEST_CASE("live: a contributor's operation outside their sections is forbidden and not logged",
          "[engine][live]") {
  World w;
  auto s = w.open();
  Inbox a;
  auto c = s->join(w.contributor({"parent_views"}), a.sender());
  s->receive(c, json(R"({"type":"hello","client":"parent"})"));
  s->receive(c, json(kInsert));
  REQUIRE(w.log.ops.empty());
  auto errors = a.ofType("error");
  REQUIRE(errors.size() == 1);
  REQUIRE(errors[0]->getValue<std::string>("code") == "forbidden");
  s->receive(
      c, json(R"({"type":"op","field":"parent_views","revision":0,"seq":2,"op":["We agree."]})"));
  REQUIRE(w.log.ops.size() == 1);
  REQUIRE(w.log.ops[0].author == "contact:3");
  // The contributor's snapshot holds their fields only.
  auto fields = a.ofType("snapshot").at(0)->getObject("fields");
  REQUIRE(fields->has("parent_views"));
  REQUIRE_FALSE(fields->has("why_needed"));
}

TEST_CASE("live: once the plan leaves its editable state, operations are read-only",
          "[engine][live]") {
  World w;
  auto s = w.open();
  Inbox a;
  auto c = s->join(staffEditor(w.service, w.senco, w.plan), a.sender());
  s->receive(c, json(R"({"type":"hello","client":"page-1"})"));
  w.plans.byId[w.plan].state = "awaiting_signatures";
  s->receive(c, json(kInsert));
  REQUIRE(w.log.ops.empty());
  REQUIRE(a.ofType("error").at(0)->getValue<std::string>("code") == "read_only");
}

TEST_CASE(
    "live: a failed commit breaks the session, everyone is told to reload, and nobody hears of the "
    "lost operation",
    "[engine][live]") {
  World w;
  auto s = w.open();
  Inbox a;
  auto c = s->join(staffEditor(w.service, w.senco, w.plan), a.sender());
  s->receive(c, json(R"({"type":"hello","client":"page-1"})"));
  w.log.failAppends = true;
  s->receive(c, json(kInsert));  // the caller does not wait for the commit, nor hear of its fault
  REQUIRE(s->broken());
  REQUIRE(s->takeFailure() == std::optional<std::string>("disk full"));  // for the server's log
  REQUIRE_FALSE(s->takeFailure());
  REQUIRE(a.ofType("op").empty());
  REQUIRE(a.ofType("error").at(0)->getValue<std::string>("code") == "storage");
}

TEST_CASE(
    "live: a version saved from a form meanwhile is a conflict, not read-only: everyone starts "
    "again from it and edits on",
    "[engine][live]") {
  World w;
  auto s = w.open();
  Inbox a, b;
  auto ca = s->join(staffEditor(w.service, w.senco, w.plan), a.sender());
  s->join(staffEditor(w.service, w.staff, w.plan), b.sender());
  s->receive(ca, json(R"({"type":"hello","client":"page-1"})"));
  Poco::JSON::Object saved;
  saved.set("why_needed", "Saved from the form.");
  REQUIRE(w.service.save(w.senco, w.plan, 1, saved));
  const auto framesBefore = a.frames.size();
  s->receive(ca, json(kInsert));  // typed on version 1
  REQUIRE(w.log.ops.empty());     // not applied to the new version's text
  REQUIRE(a.frames.size() == framesBefore + 2);
  // First the new version for everyone, then the refusal: the page keeps its unsent text on top.
  const auto& snapshot = a.frames[framesBefore];
  REQUIRE(snapshot->getValue<std::string>("type") == "snapshot");
  CHECK(snapshot->getValue<bool>("editable"));
  CHECK(snapshot->getValue<int>("version") == 2);
  CHECK(snapshot->getObject("fields")->getObject("why_needed")->getValue<std::string>("text") ==
        "Saved from the form.");
  const auto& refusal = a.frames[framesBefore + 1];
  REQUIRE(refusal->getValue<std::string>("type") == "error");
  CHECK(refusal->getValue<std::string>("code") == "conflict");
  CHECK(refusal->getValue<int>("seq") == 1);
  REQUIRE(b.ofType("snapshot").size() == 2);
  CHECK(b.ofType("snapshot").back()->getValue<int>("version") == 2);
  CHECK(b.ofType("error").empty());
  // The same words again, now on the new version: accepted.
  const auto revision = snapshot->getValue<Poco::Int64>("revision");
  s->receive(ca, json(R"({"type":"op","field":"why_needed","revision":)" +
                      std::to_string(revision) + R"(,"seq":2,"op":[20," Uses a chair."]})"));
  REQUIRE(w.log.ops.size() == 1);
  REQUIRE(w.log.ops[0].baseVersion == 2);
  auto ops = b.ofType("op");
  REQUIRE(ops.size() == 1);
  CHECK(ops[0]->getValue<Poco::Int64>("seq") == 2);
  // An edit its page sent before it had the new version's snapshot (it names the version of the
  // page's last snapshot) is refused too, even at the current revision: it was made on old text.
  const auto head = ops[0]->getValue<Poco::Int64>("revision");
  s->receive(ca, json(R"({"type":"op","field":"why_needed","revision":)" + std::to_string(head) +
                      R"(,"seq":3,"version":1,"op":["Old: "]})"));
  REQUIRE(w.log.ops.size() == 1);
  REQUIRE(a.ofType("error").size() == 2);
  CHECK(a.ofType("error").back()->getValue<std::string>("code") == "conflict");
  s->receive(ca, json(R"({"type":"op","field":"why_needed","revision":)" + std::to_string(head) +
                      R"(,"seq":3,"version":2,"op":["New: "]})"));
  REQUIRE(w.log.ops.size() == 2);
  // A page reconnecting with text from before the new version gets the whole text again.
  const auto snapshots = a.ofType("snapshot").size();
  s->receive(ca,
             json(R"({"type":"resume","revision":)" + std::to_string(head) + R"(,"version":1})"));
  REQUIRE(a.ofType("snapshot").size() == snapshots + 1);
  CHECK(a.ofType("snapshot")
            .back()
            ->getObject("fields")
            ->getObject("why_needed")
            ->getValue<std::string>("text") == "New: Saved from the form. Uses a chair.");
}
