// RecordsService with fakes of its ports: a pupil's whole file leaves with every version to
// render, sealed copies byte for byte and no secret; the export and the reads listing are each
// audited once; the access policy decides who may (export: SENCO and trust admin; who read:
// trust admin); retention ended is listed for the trust admin and erased on confirmation.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include "engine/fakes.h"
#include "engine/mini_plan.h"
#include "sendflow/engine/records/records.h"

using namespace sendflow::engine;
using sendflow::testing::actorWith;
using sendflow::testing::CountingRandom;
using sendflow::testing::FakeAuditLog;
using sendflow::testing::FakeDocuments;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;

namespace {

constexpr Id kPlan = 40;
constexpr Id kPupil = 3;

class FakeRecords final : public RecordsRepository {
 public:
  Holdings pupilHoldings(Id pupilId) override {
    asked.push_back(pupilId);
    return holdings;
  }
  Holdings contactHoldings(Id) override { return holdings; }
  std::vector<StoredAuditEvent> eventsAbout(Id, const std::vector<std::string>&) override {
    return events;
  }
  std::vector<RetentionCandidate> retentionCandidates() override { return candidates; }
  std::vector<std::string> erasePupil(Id pupilId, const AuditEvent& audit) override {
    erased.push_back(pupilId);
    erasedBy.push_back(audit);
    return {"mem:abc"};
  }
  Holdings holdings;
  std::vector<RetentionCandidate> candidates;
  std::vector<Id> erased;
  std::vector<AuditEvent> erasedBy;
  std::vector<StoredAuditEvent> events;
  std::vector<Id> asked;
};

Poco::JSON::Object::Ptr object(const std::string& json) {
  return Poco::JSON::Parser().parse(json).extract<Poco::JSON::Object::Ptr>();
}

struct World {
  World()
      : clock(startOf(*parseIsoDate("2026-07-02"))),
        plans(plansRepo, people, defs, clock),
        peopleService(people, clock, random),
        records(peopleService, people, plans, defs, repo, documents, audit, clock) {
    people.academiesById = {{1, {1, "Oak"}}, {2, {2, "Elm"}}};
    people.pupilsById[kPupil] = {kPupil, 1, "Zoë Khan", "", "2014-05-02", "6", "", true};
    people.byId[7] = {7, "senco@oak.example", "Ms Senco", "", true, {{1, Role::kSenco}}};
    sendflow::testing::addMiniPlan(plansRepo, kPlan, 1, kPupil, 7);
    plansRepo.versionsOf[kPlan].push_back(
        {kPlan, 2, R"({"notes":"Uses the ramp"})", "h2", "user:7", "Ms Senco", ""});
    plansRepo.byId[kPlan].currentVersion = 2;

    HeldRows requests{"signature_request"};
    requests.rows->add(object(R"({"id":1,"name":"Ann Khan","token_hash":"TOKENHASH",)"
                              R"("link_salt":"SALT","code_hash":"CODEHASH","state":"signed"})"));
    HeldRows outbox{"outbox"};
    outbox.rows->add(object(R"({"id":9,"data":{"code":"123456","link":"https://x/s/TOKEN",)"
                            R"("initials":"Z.K."},"created_at":"2026-06-01T10:00:00Z"})"));
    repo.holdings.tables = {requests, outbox};
    documents.files["mem:abc"] = std::string("%PDF-sealed\0bytes", 17);
    repo.holdings.sealed = {{kPlan, 2, "mem:abc", "2026-06-01T10:00:00Z"}};
  }

  FakePeople people;
  FakePlans plansRepo;
  FakeAuditLog audit;
  FakeDocuments documents;
  FakeRecords repo;
  CountingRandom random;
  DefinitionRegistry defs;
  FixedClock clock;
  PlanService plans;
  PeopleService peopleService;
  RecordsService records;
  Actor senco = actorWith(7, "Ms Senco", {{1, Role::kSenco}});
  Actor teacher = actorWith(8, "Mr Teach", {{1, Role::kStaff}});
  Actor elmSenco = actorWith(10, "Elm Senco", {{2, Role::kSenco}});
  Actor admin = actorWith(11, "Trust Admin", {{0, Role::kTrustAdmin}});
};

const ExportFile* fileAt(const SubjectFile& f, const std::string& path) {
  for (const auto& file : f.files)
    if (file.path == path) return &file;
  return nullptr;
}

}  // namespace

TEST_CASE("a pupil's whole file: every version, sealed copies as stored, no secrets, audited once",
          "[engine][records]") {
  World w;
  auto f = w.records.pupilFile(w.senco, Door::kPage, kPupil);
  REQUIRE(f);
  CHECK(w.repo.asked == std::vector<Id>{kPupil});
  REQUIRE(f->versionsToRender.size() == 2);
  CHECK(f->versionsToRender[0].version.number == 1);
  CHECK(f->versionsToRender[1].version.number == 2);
  REQUIRE(fileAt(f.value(), "plans/40/version-2.json"));
  CHECK(fileAt(f.value(), "plans/40/version-2.json")->bytes.find("Uses the ramp") !=
        std::string::npos);
  REQUIRE(fileAt(f.value(), "sealed/plan-40-version-2.pdf"));
  CHECK(fileAt(f.value(), "sealed/plan-40-version-2.pdf")->bytes ==
        std::string("%PDF-sealed\0bytes", 17));
  CHECK(fileAt(f.value(), "sealed/plan-40-version-2.pdf")->when == "1 June 2026 at 11:00am");

  std::string all;
  for (const auto& file : f->files) all += file.bytes;
  for (const char* secret : {"TOKENHASH", "SALT", "CODEHASH", "123456", "https://x/s/TOKEN"}) {
    INFO(secret);
    CHECK(all.find(secret) == std::string::npos);
  }
  CHECK(all.find("Ann Khan") != std::string::npos);
  CHECK(all.find("Z.K.") != std::string::npos);

  REQUIRE(w.audit.events.size() == 1);
  CHECK(w.audit.events[0].action == "pupil.export");
  CHECK(w.audit.events[0].actor == "user:7");
  CHECK(w.audit.events[0].subjectId == kPupil);
  CHECK(w.audit.events[0].detail.find("\"door\":\"page\"") != std::string::npos);

  auto t = w.records.pupilFile(w.admin, Door::kCli, kPupil, true);
  REQUIRE(t);
  CHECK(w.audit.events.back().action == "pupil.transfer");
  const std::string index = exportIndex(t.value(), t->files, w.clock.now());
  CHECK(index.find("Made on 2 July 2026 at 1:00am (UK time)") != std::string::npos);
  CHECK(index.find("sealed/plan-40-version-2.pdf") != std::string::npos);
}

TEST_CASE("only the SENCO and the trust admin export, only the trust admin sees who read",
          "[engine][records]") {
  World w;
  auto teacher = w.records.pupilFile(w.teacher, Door::kPage, kPupil);
  REQUIRE_FALSE(teacher);
  CHECK(teacher.error().code == ErrorCode::kForbidden);
  auto elsewhere = w.records.pupilFile(w.elmSenco, Door::kPage, kPupil);
  REQUIRE_FALSE(elsewhere);
  CHECK(elsewhere.error().code == ErrorCode::kNotFound);
  CHECK(w.records.reads(w.senco, Door::kPage, kPupil).error().code == ErrorCode::kForbidden);
  CHECK(w.audit.events.empty());
  CHECK(w.repo.asked.empty());

  StoredAuditEvent read;
  read.action = "plan.view";
  read.actor = "user:7";
  read.subjectType = "plan";
  read.subjectId = kPlan;
  read.detail = R"({"door":"api","version":2})";
  read.at = "2026-01-15T09:30:00Z";
  StoredAuditEvent link = read;
  link.actor = "contact:5";
  link.detail = R"({"door":"signer_link"})";
  link.at = "2026-04-15T09:30:00Z";
  w.repo.events = {read, link};
  auto log = w.records.reads(w.admin, Door::kCli, kPupil);
  REQUIRE(log);
  REQUIRE(log->reads.size() == 2);
  CHECK(log->reads[0].who == "Ms Senco (SENCO)");  // by name and role, never "user:7"
  CHECK(log->reads[0].when == "15 January 2026 at 9:30am");
  CHECK(log->reads[0].door == "The API");
  CHECK(log->reads[0].what == "plan 40 (version 2)");
  CHECK(log->reads[1].when == "15 April 2026 at 10:30am");
  CHECK(log->reads[1].who == "A former contact");  // contact 5 is not in the repository
  CHECK(log->reads[1].door == "The signer's emailed link");
  REQUIRE(w.audit.events.size() == 1);
  CHECK(w.audit.events[0].action == "pupil.reads_view");
}

TEST_CASE("records past their retention are listed for the trust admin and erased on confirmation",
          "[engine][records]") {
  World w;
  Pupil old{21, 1, "Old Pupil", "", "1990-01-01", "13", "", false};
  Pupil young = w.people.pupilsById[kPupil];
  w.repo.candidates = {{old, {{50, "peep", "active", "2008-01-01T00:00:00Z"}}}, {young, {}}};
  auto due = w.records.retentionDue(w.admin, dateOf(w.clock.now()));
  REQUIRE(due);
  REQUIRE(due->size() == 1);
  CHECK(due->front().pupil.id == 21);
  CHECK(isoDate(due->front().keptUntil) == "2021-01-01");  // 31 years from date of birth
  CHECK(due->front().reason.find("31 years from date of birth") != std::string::npos);
  CHECK(due->front().plans == 1);

  // Not on the last day of the period; from the day after.
  CHECK(w.records.retentionDue(w.admin, *parseIsoDate("2021-01-01"))->empty());
  CHECK(w.records.retentionDue(w.admin, *parseIsoDate("2021-01-02"))->size() == 1);

  CHECK(w.records.retentionDue(w.senco, dateOf(w.clock.now())).error().code ==
        ErrorCode::kForbidden);
  CHECK(w.records.erase(w.senco, Door::kPage, 21, dateOf(w.clock.now())).error().code ==
        ErrorCode::kForbidden);
  CHECK(w.records.erase(w.admin, Door::kPage, kPupil, dateOf(w.clock.now())).error().code ==
        ErrorCode::kConflict);
  CHECK(w.repo.erased.empty());

  REQUIRE(w.records.erase(w.admin, Door::kPage, 21, dateOf(w.clock.now())));
  CHECK(w.repo.erased == std::vector<Id>{21});
  REQUIRE(w.repo.erasedBy.size() == 1);
  CHECK(w.repo.erasedBy[0].action == "pupil.erase");
  CHECK(w.repo.erasedBy[0].detail.find("\"kept_until\":\"2021-01-01\"") != std::string::npos);
  CHECK(w.repo.erasedBy[0].detail.find("Old Pupil") == std::string::npos);
  CHECK(w.documents.files.count("mem:abc") == 0);  // the sealed PDF is deleted too
}
