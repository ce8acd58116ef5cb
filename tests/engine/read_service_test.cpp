// ReadService with fakes of its ports (plans, people, signatures and the audit log in memory) and
// the tests' mini plan (engine/mini_plan.h): every read of a child's record records exactly one
// audit event naming the reader, the record and the door it came through; a refused read records
// nothing and answers as the access policy says.
#include <catch2/catch.hpp>

#include "engine/fakes.h"
#include "engine/mini_plan.h"
#include "sendflow/engine/plans/reads.h"

using namespace sendflow::engine;
using sendflow::testing::actorWith;
using sendflow::testing::CountingRandom;
using sendflow::testing::FakeAuditLog;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;
using sendflow::testing::FakeSignatures;

namespace {

constexpr Id kPlan = 40;
constexpr Id kPupil = 3;
constexpr Id kParent = 5;

struct World {
  World()
      : clock(startOf(*parseIsoDate("2026-03-02"))),
        plans(plansRepo, people, defs, clock),
        peopleService(people, clock, random),
        reads(plans, peopleService, plansRepo, sigs, audit) {
    people.academiesById = {{1, {1, "Oak"}}, {2, {2, "Elm"}}};
    people.pupilsById[kPupil] = {kPupil, 1, "Zoë Khan", "", "2014-05-02", "6", "", true};
    people.pupilsById[4] = {4, 2, "Sam Ash", "", "2014-02-02", "6", "", true};
    people.contactsById[kParent] = {
        kParent, kPupil, "Ann Khan", "ann@home.example", "Mother", ContactKind::kParentCarer, true};
    sendflow::testing::addMiniPlan(plansRepo, kPlan, 1, kPupil, 7);
    plansRepo.versionsOf[kPlan].push_back(
        {kPlan, 2, R"({"notes":"Uses the ramp"})", "h2", "user:7", "Ms Senco", ""});
    plansRepo.byId[kPlan].currentVersion = 2;
  }
  // The one event a read recorded (and that it recorded exactly one).
  AuditEvent only() {
    REQUIRE(audit.events.size() == 1);
    auto e = audit.events.front();
    audit.events.clear();
    return e;
  }

  FakePeople people;
  FakePlans plansRepo;
  FakeSignatures sigs;
  FakeAuditLog audit;
  CountingRandom random;
  DefinitionRegistry defs;
  FixedClock clock;
  PlanService plans;
  PeopleService peopleService;
  ReadService reads;
  Actor senco = actorWith(7, "user 7", {{1, Role::kSenco}});
  Actor teacher = actorWith(8, "user 8", {{1, Role::kStaff}});
  Actor governor = actorWith(9, "user 9", {{1, Role::kGovernor}});
  Actor elmSenco = actorWith(10, "user 10", {{2, Role::kSenco}});
};

bool names(const AuditEvent& e, const std::string& action, const std::string& actor,
           const std::string& subjectType, Id subjectId, const std::string& door) {
  INFO(e.action << " " << e.actor << " " << e.subjectType << ":" << e.subjectId << " " << e.detail);
  return e.action == action && e.actor == actor && e.subjectType == subjectType &&
         e.subjectId == subjectId && e.detail.find(R"("door":")" + door + '"') != std::string::npos;
}

}  // namespace

TEST_CASE("reads: every read of a child's record is one audit event naming reader, record, door",
          "[engine][reads]") {
  World w;
  REQUIRE(w.reads.pupil(w.teacher, Door::kPage, kPupil));
  CHECK(names(w.only(), "pupil.view", "user:8", "pupil", kPupil, "page"));
  auto contact = w.reads.contact(w.senco, Door::kApi, kParent);
  REQUIRE(contact);
  CHECK(contact->pupil.id == kPupil);
  CHECK(names(w.only(), "contact.view", "user:7", "contact", kParent, "api"));

  auto plan = w.reads.plan(w.teacher, Door::kApi, kPlan, 1);
  REQUIRE(plan);
  CHECK(plan->version.number == 1);
  auto viewed = w.only();
  CHECK(names(viewed, "plan.view", "user:8", "plan", kPlan, "api"));
  CHECK(viewed.academyId == 1);
  CHECK(viewed.detail.find(R"("version":1)") != std::string::npos);  // the version read

  REQUIRE(w.reads.plan(w.senco, Door::kLive, kPlan));
  CHECK(names(w.only(), "plan.view", "user:7", "plan", kPlan, "live"));
  auto history = w.reads.history(w.teacher, Door::kPage, kPlan);
  REQUIRE(history);
  CHECK(history->versions.size() == 2);
  CHECK(names(w.only(), "plan.history", "user:8", "plan", kPlan, "page"));
  auto diff = w.reads.diff(w.teacher, Door::kPage, kPlan, 1, 2);
  REQUIRE(diff);
  CHECK(diff->changes.size() == 1);
  auto diffed = w.only();
  CHECK(names(diffed, "plan.diff", "user:8", "plan", kPlan, "page"));
  CHECK(diffed.detail.find(R"("from":1)") != std::string::npos);
  REQUIRE(w.reads.auditTrail(w.senco, Door::kPage, kPlan));
  CHECK(names(w.only(), "plan.audit_view", "user:7", "plan", kPlan, "page"));
  REQUIRE(w.reads.document(w.teacher, Door::kPdf, kPlan));
  CHECK(names(w.only(), "plan.pdf_download", "user:8", "plan", kPlan, "pdf"));

  w.sigs.sealedDocs.push_back({kPlan, 2, "h2", "abc", "mem:abc", "cert", "2026-03-02T00:00:00Z"});
  auto sealed = w.reads.sealed(w.senco, Door::kPdf, kPlan);
  REQUIRE(sealed);
  CHECK(sealed->document.pdfSha256 == "abc");
  auto download = w.only();
  CHECK(names(download, "plan.pdf_download", "user:7", "plan", kPlan, "pdf"));
  CHECK(download.detail.find(R"("sealed":true)") != std::string::npos);

  // Nothing was written anywhere else: a read is one insert through the audit log.
  CHECK(w.plansRepo.audit.empty());
  CHECK(w.people.audit.empty());
  CHECK(w.sigs.audit.empty());
}

TEST_CASE("reads: lists record what they listed, within the reader's academies",
          "[engine][reads]") {
  World w;
  auto pupils = w.reads.pupils(w.senco, Door::kCli, "");
  REQUIRE(pupils.size() == 1);
  auto listed = w.only();
  CHECK(names(listed, "pupil.list", "user:7", "pupil", 0, "cli"));
  CHECK(listed.detail.find(R"("pupils":[3])") != std::string::npos);
  auto plans = w.reads.plans(w.senco, Door::kApi, kPupil);
  REQUIRE(plans.size() == 1);
  auto planList = w.only();
  CHECK(names(planList, "plan.list", "user:7", "plan", 0, "api"));
  CHECK(planList.detail.find(R"("plans":[40])") != std::string::npos);
  CHECK(w.reads.plans(w.elmSenco, Door::kApi).empty());
  CHECK(w.only().detail.find(R"("plans":[])") != std::string::npos);
}

TEST_CASE("reads: a refused read answers as the access policy says and records nothing",
          "[engine][reads]") {
  World w;
  // Another academy's SENCO: the records do not exist for them.
  CHECK(w.reads.pupil(w.elmSenco, Door::kPage, kPupil).error().code == ErrorCode::kNotFound);
  CHECK(w.reads.contact(w.elmSenco, Door::kPage, kParent).error().code == ErrorCode::kNotFound);
  CHECK(w.reads.plan(w.elmSenco, Door::kApi, kPlan).error().code == ErrorCode::kNotFound);
  CHECK(w.reads.history(w.elmSenco, Door::kApi, kPlan).error().code == ErrorCode::kNotFound);
  CHECK(w.reads.document(w.elmSenco, Door::kPdf, kPlan).error().code == ErrorCode::kNotFound);
  // A governor sees overviews, never a child's record.
  CHECK_FALSE(w.reads.pupil(w.governor, Door::kPage, kPupil));
  CHECK_FALSE(w.reads.plan(w.governor, Door::kPage, kPlan));
  // A teacher reads a contact only for managing pupils, which is the SENCO's.
  CHECK_FALSE(w.reads.contact(w.teacher, Door::kPage, kParent));
  // No such version, no sealed copy yet.
  CHECK(w.reads.plan(w.senco, Door::kApi, kPlan, 9).error().code == ErrorCode::kNotFound);
  CHECK(w.reads.diff(w.senco, Door::kApi, kPlan, 9, 2).error().code == ErrorCode::kNotFound);
  CHECK(w.reads.sealed(w.senco, Door::kPdf, kPlan).error().code == ErrorCode::kNotFound);
  CHECK(w.reads.plan(w.senco, Door::kApi, 999).error().code == ErrorCode::kNotFound);
  CHECK(w.audit.events.empty());
}

TEST_CASE("reads: the command line's operator is recorded as system:cli", "[engine][reads]") {
  World w;
  Actor cli;
  cli.name = "sendflow command line";
  cli.memberships = {{0, Role::kTrustAdmin}};
  cli.allAcademyIds = {1, 2};
  REQUIRE(w.reads.plan(cli, Door::kCli, kPlan));
  CHECK(names(w.only(), "plan.view", "system:cli", "plan", kPlan, "cli"));
  CHECK(readerRef(w.senco) == "user:7");
}
