// LiveSession with the shared fakes of its ports (engine/fakes.h) and an injected clock: the quiet
// period before a fold, the rate limit and the recheck of an editor's rights are decided on the
// clock's monotonic time, so these tests advance it instead of sleeping.
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <catch2/catch.hpp>

#include "app/definition_folders.h"
#include "engine/fakes.h"
#include "i18n/language_list.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/forms/sample_values.h"
#include "sendflow/engine/live/live.h"
#include "sendflow/engine/plans/plans.h"

using namespace sendflow::engine;
using namespace std::chrono_literals;
using sendflow::testing::FakeLiveLog;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;

namespace {

Poco::JSON::Object::Ptr message(const std::string& text) {
  return Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
}

const DefinitionRegistry& registry() {
  static const DefinitionRegistry reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  return reg;
}

// One draft risk assessment with valid answers, a live session on it and one editor whose rights
// the test decides.
struct World {
  World() {
    const DefinitionRegistry& defs = registry();  // outlives the service, which keeps it
    const WorkflowDefinition* wf = defs.workflow("risk_assessment");
    REQUIRE(wf);
    const FormDefinition* form = defs.formFor(*wf);
    for (const FieldDef* f : form->fields())
      if (f->kind == FieldKind::kLongText && !f->readonly && !f->hidden && field.empty())
        field = f->id;
    REQUIRE_FALSE(field.empty());
    Poco::JSON::Object empty;
    people.academiesById[1] = {1, "Oak"};
    people.byId[1] = {1, "senco@oak.test", "Siobhán Senco", "x", true, {{1, Role::kSenco}}};
    const Pupil pupil{7, 1, "Łukasz Nowak", "", "2015-05-14", "5", "", true};
    people.pupilsById[pupil.id] = pupil;
    auto values = sampleValues(*form, empty, pupil, dateOf(clock.now()), {"user:1", {}, {}});
    PlanRecord r;
    r.academyId = 1;
    r.pupilId = pupil.id;
    r.type = wf->type;
    r.state = wf->initial;
    r.ownerUserId = 1;
    r.formSnapshotId = plans.snapshot("form", form->type, form->version, form->sourceJson);
    r.workflowSnapshotId = plans.snapshot("workflow", wf->type, wf->version, wf->sourceJson);
    r.currentVersion = 1;
    plan = plans.create(r, {0, 1, canonicalJson(*values), contentHash(*values), "user:1", "S", ""},
                        {});
    service = std::make_unique<PlanService>(plans, people, defs, clock);
    LiveLimits limits;
    limits.quietPeriod = 30s;
    limits.recheck = 2s;
    limits.opsPerSecond = 40;
    limits.burst = 80;
    session = LiveSession::open(plan, *service, log, clock, limits).value();
    LiveEditor editor{"user:1",
                      "Siobhán Senco",
                      [this]() -> Result<EditRights> {
                        ++rightsAsked;
                        EditRights rights;
                        rights.editable = editable;
                        if (!editable) rights.reason = Text("The link was withdrawn.");
                        return rights;
                      },
                      {}};
    conn = session->join(editor, [this](const LiveMessage& m) {
      const std::string type = m.getValue<std::string>("type");
      if (type == "snapshot" || type == "op") revision = m.getValue<std::int64_t>("revision");
      if (type == "error") errors.push_back(m.getValue<std::string>("code"));
      if (type == "op" && m.getValue<std::string>("client") == "test") ++acks;  // our own, sent
    });
    session->receive(conn, message(R"({"type":"hello","client":"test"})"));
  }

  // Inserts text at the start of the field, at the revision the editor has seen.
  void type(const std::string& text) {
    session->receive(conn, message(R"({"type":"op","field":")" + field + R"(","revision":)" +
                                   std::to_string(revision) + R"(,"seq":)" + std::to_string(++seq) +
                                   R"(,"op":[")" + text + R"("]})"));
  }
  int versions() { return static_cast<int>(plans.versionsOf[plan].size()); }

  FixedClock clock{fromUnix(1'780'000'000)};
  FakePlans plans;
  FakePeople people;
  FakeLiveLog log;
  Id plan = 0;
  std::unique_ptr<PlanService> service;
  std::shared_ptr<LiveSession> session;
  LiveSession::ConnId conn = 0;
  std::string field;
  bool editable = true;
  int rightsAsked = 0;
  std::int64_t revision = 0, seq = 0;
  int acks = 0;
  std::vector<std::string> errors;
};

}  // namespace

TEST_CASE("live session: edits fold into a version only after the quiet period on its clock",
          "[engine][live]") {
  World w;
  w.type("first ");
  REQUIRE(w.acks == 1);
  REQUIRE(w.errors.empty());
  w.clock.advance(29s);
  REQUIRE(w.session->flush(false));
  CHECK(w.versions() == 1);  // still typing, as far as the clock says
  w.type("second ");         // a new edit starts the quiet period again
  w.clock.advance(29s);
  REQUIRE(w.session->flush(false));
  CHECK(w.versions() == 1);
  w.clock.advance(1s);
  REQUIRE(w.session->flush(false));
  REQUIRE(w.versions() == 2);
  auto folded = parseValues(w.plans.versionsOf[w.plan].back().valuesJson).value();
  CHECK(folded->getValue<std::string>(w.field).rfind("second first ", 0) == 0);
}

TEST_CASE("live session: idle only once nobody is connected and nothing is pending",
          "[engine][live]") {
  World w;
  w.type("x");
  w.session->leave(w.conn);
  CHECK_FALSE(w.session->idle());  // the edit waits for the quiet period
  REQUIRE(w.session->flush(false));
  CHECK_FALSE(w.session->idle());
  w.clock.advance(30s);
  REQUIRE(w.session->flush(false));
  CHECK(w.session->idle());
}

TEST_CASE("live session: the rate limit refills with the clock's monotonic time",
          "[engine][live]") {
  World w;
  for (int i = 0; i < 120; ++i)
    w.session->receive(w.conn, message(R"({"type":"focus","field":""})"));
  const auto limited = std::count(w.errors.begin(), w.errors.end(), "rate_limited");
  CHECK(limited >=
        40);  // the burst (80, one spent on hello) then nothing refills: time stood still
  w.errors.clear();
  w.session->receive(w.conn, message(R"({"type":"focus","field":""})"));
  CHECK(w.errors == std::vector<std::string>{"rate_limited"});
  w.errors.clear();
  w.clock.advance(100ms);  // 40 per second: four messages' worth
  for (int i = 0; i < 4; ++i) w.session->receive(w.conn, message(R"({"type":"focus","field":""})"));
  CHECK(w.errors.empty());
  w.session->receive(w.conn, message(R"({"type":"focus","field":""})"));
  CHECK(w.errors == std::vector<std::string>{"rate_limited"});
}

TEST_CASE("live session: an editor's rights are asked again once the recheck interval has passed",
          "[engine][live]") {
  World w;
  w.type("a");
  REQUIRE(w.acks == 1);
  const int asked = w.rightsAsked;
  w.editable = false;  // e.g. the contributor's link is withdrawn
  w.clock.advance(1900ms);
  w.type("b");
  CHECK(w.acks == 2);  // within the interval: the last full check still holds
  CHECK(w.rightsAsked == asked);
  w.clock.advance(100ms);
  w.type("c");
  CHECK(w.rightsAsked == asked + 1);
  CHECK(w.acks == 2);
  REQUIRE_FALSE(w.errors.empty());
  CHECK(w.errors.back() == "read_only");
}
