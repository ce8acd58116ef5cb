// ReminderService with fakes of its ports (the reminder scan's rows, people and plans in memory,
// an injected clock) and the review policy of the tests' mini plan (engine/mini_plan.h): which
// day brings which reminder to whom, the idempotency keys that make a repeated run harmless, the
// catch-up after missed days, the escalation to governors and the weekly digest with what is
// overdue and due soon.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "engine/fakes.h"
#include "engine/mini_plan.h"
#include "sendflow/engine/reminders/reminders.h"

using namespace sendflow::engine;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;
using sendflow::testing::FakeReminders;

namespace {

Date day(const char* iso) { return *parseIsoDate(iso); }

struct World {
  World() : clock(startOf(day("2026-03-02"))), plans(plansRepo, people, defs, clock) {
    plansRepo.snapshots[2] = {"workflow", sendflow::testing::kMiniWorkflow};
    people.academiesById = {{1, {1, "Oak"}}, {2, {2, "Elm"}}};
    people.byId[7] = {7, "senco@oak.example", "Ms Senco", "", true, {{1, Role::kSenco}}};
    people.byId[8] = {8, "teacher@oak.example", "Mr Owner", "", true, {{1, Role::kStaff}}};
    people.byId[9] = {9, "gov@oak.example", "Mrs Gov", "", true, {{1, Role::kGovernor}}};
    people.byId[10] = {10, "old@oak.example", "Left", "", false, {{1, Role::kSenco}}};
    people.byId[11] = {11, "elm@elm.example", "Elm Senco", "", true, {{2, Role::kSenco}}};
  }
  // A plan in force at Oak owned by the teacher, its review on `reviewDate`.
  ReminderPlan& plan(Id id, const std::string& reviewDate, const std::string& state = "active",
                     Id academyId = 1) {
    ReminderPlan p;
    p.id = id;
    p.academyId = academyId;
    p.ownerUserId = 8;
    p.workflowSnapshotId = 2;
    p.type = "mini";
    p.state = state;
    p.reviewDate = reviewDate;
    p.pupilName = "Zoë Khan";
    p.valuesJson = "{}";
    store.rows.push_back(p);
    return store.rows.back();
  }
  // The review reminders a day brings (Mondays bring the governors' digest too).
  std::vector<std::string> keysOn(const char* iso) {
    std::vector<std::string> out;
    for (auto& m : service.messagesFor(day(iso)))
      if (m.kind == mailkind::kReview) out.push_back(m.key);
    return out;
  }

  FakePlans plansRepo;
  FakePeople people;
  FakeReminders store;
  DefinitionRegistry defs;
  FixedClock clock;
  PlanService plans;
  ReminderService service{store, people, plans, clock};
};

Poco::JSON::Object::Ptr dataOf(const OutboxMessage& m) {
  return Poco::JSON::Parser().parse(m.data).extract<Poco::JSON::Object::Ptr>();
}

using Keys = std::vector<std::string>;

}  // namespace

TEST_CASE(
    "reminders: a review brings a message 30 and 7 days before, on the day and weekly when "
    "overdue, to the SENCO and the plan's owner",
    "[engine][reminders]") {
  World w;
  w.plan(50, "2026-04-01");
  CHECK(w.keysOn("2026-03-02") ==
        Keys{"review:50:2026-04-01:before:30:user:7", "review:50:2026-04-01:before:30:user:8"});
  CHECK(w.keysOn("2026-03-03").empty());
  CHECK(w.keysOn("2026-03-25") ==
        Keys{"review:50:2026-04-01:before:7:user:7", "review:50:2026-04-01:before:7:user:8"});
  CHECK(w.keysOn("2026-04-01") ==
        Keys{"review:50:2026-04-01:due:user:7", "review:50:2026-04-01:due:user:8"});
  CHECK(w.keysOn("2026-04-07").empty());
  CHECK(w.keysOn("2026-04-08") ==
        Keys{"review:50:2026-04-01:overdue:7:user:7", "review:50:2026-04-01:overdue:7:user:8"});
  CHECK(w.keysOn("2026-04-22").size() == 2);  // three weeks overdue
  auto m = w.service.messagesFor(day("2026-03-25")).at(0);
  CHECK(m.kind == mailkind::kReview);
  CHECK(m.planId == 50);
  CHECK(m.toAddress == "senco@oak.example");
  auto data = dataOf(m);
  CHECK(data->getValue<std::string>("phase") == "before");
  CHECK(data->getValue<std::string>("days") == "7 days");
  CHECK(data->getValue<std::string>("initials") == "Z. K.");  // never the pupil's name
  CHECK(m.data.find("Zoë") == std::string::npos);
}

TEST_CASE("reminders: plans not in force, inactive accounts and other academies get none",
          "[engine][reminders]") {
  World w;
  w.plan(50, "2026-04-01", "draft");
  w.plan(51, "2026-04-01", "closed");
  w.plan(52, "2026-04-01", "active", 2);  // Elm: its own SENCO; the owner is found by id
  CHECK(w.keysOn("2026-03-25") ==
        Keys{"review:52:2026-04-01:before:7:user:11", "review:52:2026-04-01:before:7:user:8"});
  w.people.byId[8].active = false;
  w.people.byId[11].email.clear();
  CHECK(w.keysOn("2026-03-25").empty());
}

TEST_CASE("reminders: more than 14 days overdue escalates to the governors, once",
          "[engine][reminders]") {
  World w;
  w.plan(50, "2026-04-01");
  auto escalations = [&](const char* iso) {
    Keys out;
    for (auto& m : w.service.messagesFor(day(iso)))
      if (m.kind == mailkind::kEscalation) out.push_back(m.key + " " + m.toAddress);
    return out;
  };
  CHECK(escalations("2026-04-15").empty());
  CHECK(escalations("2026-04-16") == Keys{"escalation:50:2026-04-01:user:9 gov@oak.example"});
  CHECK(escalations("2026-04-17").empty());
  CHECK(escalations("2026-04-22").empty());  // three weeks overdue: a reminder, no escalation
}

TEST_CASE("reminders: a run queues each key once, and running the same day again queues nothing",
          "[engine][reminders]") {
  World w;
  w.plan(50, "2026-04-01");
  auto first = w.service.run(day("2026-03-25"), false);
  CHECK(first.from == "2026-03-25");
  CHECK(first.to == "2026-03-25");
  CHECK(first.candidates == 2);
  CHECK(first.queued == 2);
  auto again = w.service.run(day("2026-03-25"), false);
  CHECK(again.candidates == 2);
  CHECK(again.queued == 0);
  CHECK(w.store.queued.size() == 2);
  // A dry run lists what would go and writes nothing.
  auto dry = w.service.run(day("2026-03-25"), true);
  CHECK(dry.dryRun.size() == 2);
  CHECK(dry.queued == 0);
  CHECK(w.store.queued.size() == 2);
  CHECK(w.store.lastCoveredDay() == "2026-03-25");
}

TEST_CASE(
    "reminders: after missed days a run covers each day since the last covered one and sends "
    "each reminder family once, with the newest news",
    "[engine][reminders]") {
  World w;
  w.plan(50, "2026-04-01");
  w.store.markedDays = {"2026-02-27"};
  // 2026-03-02 (30 days before) and 2026-03-25 (7 days before) were both missed.
  auto r = w.service.run(day("2026-03-26"), false);
  CHECK(r.from == "2026-02-27");
  CHECK(r.to == "2026-03-26");
  CHECK(r.candidates == 4 + 4);  // two reminders to two people, and four Mondays' digests
  REQUIRE(r.queued == 2 + 1);
  for (auto& m : w.store.queued) {
    if (m.kind == mailkind::kDigest) {
      CHECK(m.key == "digest:1:2026-03-23:user:9");  // the last Monday's
      continue;
    }
    CHECK(dataOf(m)->getValue<std::string>("days") == "7 days");
  }
  CHECK(w.store.markedDays.size() == 1 + 28);
  CHECK(w.store.lastCoveredDay() == "2026-03-26");

  SECTION("at most catchUpDays back") {
    w.store.markedDays = {"2025-01-01"};
    auto late = w.service.run(day("2026-04-01"), false);
    CHECK(late.from == "2026-03-02");  // 31 days including today
  }
}

TEST_CASE("reminders: the weekly digest tells governors what is overdue and due soon",
          "[engine][reminders]") {
  World w;
  w.plan(50, "2026-02-20");               // overdue by 10 days
  w.plan(51, "2026-04-30");               // due in 59 days: within the 60-day horizon
  w.plan(52, "2026-05-02");               // due in 61 days: beyond it
  w.plan(53, "2026-03-10", "active", 2);  // Elm has no governor: no digest there
  auto digests = [&](const char* iso) {
    std::vector<OutboxMessage> out;
    for (auto& m : w.service.messagesFor(day(iso)))
      if (m.kind == mailkind::kDigest) out.push_back(m);
    return out;
  };
  CHECK(digests("2026-03-03").empty());  // a Tuesday
  auto monday = digests("2026-03-02");
  REQUIRE(monday.size() == 1);
  CHECK(monday[0].key == "digest:1:2026-03-02:user:9");
  auto data = dataOf(monday[0]);
  CHECK(data->getValue<int>("overdue_count") == 1);
  CHECK(data->getValue<int>("due_count") == 1);
  auto overdue = data->getArray("overdue")->getObject(0);
  CHECK(overdue->getValue<Id>("plan_id") == 50);
  CHECK(overdue->getValue<std::string>("when") == "overdue by 10 days");
  CHECK(data->getArray("due")->getObject(0)->getValue<std::string>("when") == "in 59 days");

  auto o = w.service.oversight(1, day("2026-03-02"), true);
  REQUIRE(o.overdue.size() == 1);
  REQUIRE(o.dueSoon.size() == 1);
  CHECK(o.dueSoon[0].planId == 51);
  CHECK(o.dueSoon[0].daysToGo == 59);
  REQUIRE(o.months.size() == 12);
  CHECK(o.months[0].reviews == 0);  // March 2026: Elm's plan is not Oak's
  CHECK(o.months[1].reviews == 1);  // April 2026
  CHECK(o.months[2].reviews == 1);  // May 2026: plan 52 is on the timeline, not in due soon
}

// Issue 14, point 4: an EHCP review being prepared is reminded as due from the plan's issue date
// (no meeting set), 14 days before and on the day; once its meeting is held, no more.
TEST_CASE("reminders: an EHCP review with no meeting is reminded as due from the plan's issue",
          "[engine][reminders]") {
  World w;
  std::ifstream in(SENDFLOW_SOURCE_ROOT "/workflows/ehcp_annual_review.json");
  w.plansRepo.snapshots[3] = {"workflow", std::string(std::istreambuf_iterator<char>(in), {})};
  ReminderPlan& p = w.plan(60, "", "draft");
  p.workflowSnapshotId = 3;
  p.type = "ehcp_annual_review";
  p.dateOfBirth = "2015-01-01";
  p.valuesJson = R"({"plan_issued": "2025-03-16"})";
  auto deadlineKeys = [&](const char* iso) {
    Keys out;
    for (auto& m : w.service.messagesFor(day(iso)))
      if (m.kind == mailkind::kDeadline) out.push_back(m.key);
    return out;
  };
  CHECK(deadlineKeys("2026-03-02") == Keys{"deadline:60:review_due:2026-03-16:soon:user:7",
                                           "deadline:60:review_due:2026-03-16:soon:user:8"});
  auto msgs = w.service.messagesFor(day("2026-03-16"));
  REQUIRE_FALSE(msgs.empty());
  CHECK(dataOf(msgs.front())->getValue<std::string>("deadline") ==
        "Hold the review (within 12 months of the plan being issued)");
  CHECK(deadlineKeys("2026-03-16").size() == 2);
  CHECK(deadlineKeys("2026-03-10").empty());
  // A child under 5 when the plan was issued: due after 6 months.
  w.store.rows.back().dateOfBirth = "2021-06-01";
  CHECK(deadlineKeys("2025-09-02").size() == 2);  // 16 September 2025, 14 days to go
  CHECK(deadlineKeys("2026-03-02").empty());
  // The meeting held: the review is done.
  w.store.rows.back().dateOfBirth = "2015-01-01";
  w.store.rows.back().valuesJson = R"({"plan_issued": "2025-03-16", "meeting_date": "2026-03-01"})";
  CHECK(deadlineKeys("2026-03-02").empty());
}
