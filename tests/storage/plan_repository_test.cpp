// SqlitePlanRepository against a real SQLite file: definition snapshots, scoped plan lists,
// optimistic concurrency on versions, transitions and signers, and transitions applied whole or
// not at all.
#include <catch2/catch.hpp>
#include <fstream>

#include "storage/storage_world.h"

using namespace sendflow;
using engine::ErrorCode;
using testing::auditOf;
using testing::StorageWorld;

namespace {

engine::PlanVersionRecord versionOf(engine::Id plan, int number, const std::string& json) {
  return {plan, number, json, "hash" + std::to_string(number), "user:1", "Ms Senco", ""};
}

engine::TransitionChange transition(engine::Id plan, const std::string& from, const std::string& to,
                                    int version = 1) {
  engine::TransitionChange c;
  c.planId = plan;
  c.expectedState = from;
  c.expectedVersion = version;
  c.record = {"move", from, to, "user:1", "2026-05-28T00:00:00Z", "", "", version};
  c.audit.push_back(auditOf("plan.transition", "plan", plan));
  return c;
}

engine::OutboxMessage mail(const std::string& key) {
  engine::OutboxMessage m;
  m.key = key;
  m.kind = engine::mailkind::kNotice;
  m.toAddress = "senco@oak.example";
  m.data = "{}";
  return m;
}

}  // namespace

TEST_CASE("plans: a definition is snapshotted once per content", "[storage][plans]") {
  StorageWorld w;
  auto a = w.plans.snapshot("form", "t", 1, R"({"x":1})");
  REQUIRE(w.plans.snapshot("form", "t", 1, R"({"x":1})") == a);
  REQUIRE(w.plans.snapshot("form", "t", 2, R"({"x":2})") != a);
  REQUIRE(w.plans.snapshot("workflow", "t", 1, R"({"x":1})") != a);  // per kind
  REQUIRE(w.plans.snapshotJson(a) == R"({"x":1})");
  REQUIRE_THROWS_AS(w.plans.snapshotJson(999), storage::StorageError);
}

TEST_CASE("plans: a plan is created with its first version and audit event", "[storage][plans]") {
  StorageWorld w;
  w.populate();
  auto p = *w.plans.plan(w.oakPlan);
  REQUIRE(p.academyId == w.oak);
  REQUIRE(p.pupilId == w.oakPupil);
  REQUIRE(p.state == "draft");
  REQUIRE(p.currentVersion == 1);
  REQUIRE_FALSE(p.reviewDate);
  REQUIRE(p.reviewsPlanId == 0);
  REQUIRE(p.createdAt == engine::isoTime(w.clock.now()));
  auto v = *w.plans.version(w.oakPlan, 1);
  REQUIRE(v.valuesJson == R"({"a":"1"})");
  REQUIRE(v.createdAt == p.createdAt);
  REQUIRE_FALSE(w.plans.version(w.oakPlan, 2));
  REQUIRE(w.audit.forSubject("plan", w.oakPlan).size() == 1);
  REQUIRE_FALSE(w.plans.plan(999));
}

TEST_CASE("plans: a plan for a pupil that does not exist is refused, with no audit event",
          "[storage][plans]") {
  StorageWorld w;
  w.populate();
  const auto events = w.auditCount();
  REQUIRE_THROWS_AS(w.newPlan(w.oak, 999), storage::StorageError);
  REQUIRE(w.auditCount() == events);
  REQUIRE(w.count("SELECT count(*) FROM plan_version") == 2);
}

TEST_CASE(
    "plans: an academy's list never holds another academy's plans, and is ordered by "
    "review date",
    "[storage][plans]") {
  StorageWorld w;
  w.populate();
  auto later = w.newPlan(w.oak, w.oakPupil, "active", "2026-09-01");
  auto sooner = w.newPlan(w.oak, w.oakPupil, "active", "2026-07-01");
  auto list = w.plans.plans({{w.oak}, 0, true, 100});
  REQUIRE(list.size() == 3);
  REQUIRE(list[0].id == sooner);
  REQUIRE(list[1].id == later);
  REQUIRE(list[2].id == w.oakPlan);  // no review date: last
  REQUIRE(list[0].pupilName == "Zoë Ellis");
  for (const auto& p : list) REQUIRE(p.academyId == w.oak);
  REQUIRE(w.plans.plans({{w.elm}, 0, true, 100}).size() == 1);
  REQUIRE(w.plans.plans({{w.elm}, w.oakPupil, true, 100}).empty());  // an Oak pupil from Elm
  REQUIRE(w.plans.plans({{w.oak, w.elm}, w.elmPupil, true, 100}).size() == 1);
  REQUIRE(w.plans.plans({{w.oak}, 0, true, 2}).size() == 2);
  REQUIRE(w.plans.plans({{}, 0, true, 100}).empty());
}

TEST_CASE(
    "plans: a version saved on a stale base or state is refused with a conflict and "
    "nothing written",
    "[storage][plans]") {
  StorageWorld w;
  w.populate();
  w.clock.advance(std::chrono::minutes(5));
  REQUIRE(w.plans.saveVersion("draft", 1, versionOf(w.oakPlan, 2, R"({"a":"2"})"),
                              auditOf("plan.edit", "plan", w.oakPlan)));
  REQUIRE(w.plans.plan(w.oakPlan)->currentVersion == 2);
  REQUIRE(w.plans.plan(w.oakPlan)->updatedAt == engine::isoTime(w.clock.now()));
  const auto events = w.auditCount();

  // Someone else saved version 2 meanwhile: a save based on version 1 is stale.
  auto stale = w.plans.saveVersion("draft", 1, versionOf(w.oakPlan, 2, R"({"a":"x"})"),
                                   auditOf("plan.edit", "plan", w.oakPlan));
  REQUIRE_FALSE(stale);
  REQUIRE(stale.error().code == ErrorCode::kConflict);
  // The right version in the wrong state is stale too.
  auto wrongState = w.plans.saveVersion("active", 2, versionOf(w.oakPlan, 3, R"({"a":"x"})"),
                                        auditOf("plan.edit", "plan", w.oakPlan));
  REQUIRE(wrongState.error().code == ErrorCode::kConflict);
  // And a plan that does not exist.
  REQUIRE(
      w.plans.saveVersion("draft", 1, versionOf(999, 2, "{}"), auditOf("plan.edit")).error().code ==
      ErrorCode::kConflict);
  REQUIRE(w.auditCount() == events);
  REQUIRE(w.plans.version(w.oakPlan, 2)->valuesJson == R"({"a":"2"})");
  REQUIRE_FALSE(w.plans.version(w.oakPlan, 3));
  auto history = w.plans.versions(w.oakPlan);
  REQUIRE(history.size() == 2);
  REQUIRE(history[0].number == 2);  // newest first, without values
  REQUIRE(history[0].valuesJson.empty());
}

TEST_CASE(
    "plans: a transition changes state, review date and activation with its record, audit "
    "and outbox in one transaction",
    "[storage][plans]") {
  StorageWorld w;
  w.populate();
  auto c = transition(w.oakPlan, "draft", "active");
  c.reviewDate = std::optional<std::string>("2027-05-28");
  c.reviewReason = "annual";
  c.activated = true;
  c.outbox = {mail("notice:1"), mail("notice:1")};  // the same key twice: queued once
  auto r = w.plans.applyTransition(c);
  REQUIRE(r);
  REQUIRE(*r == 0);
  auto p = *w.plans.plan(w.oakPlan);
  REQUIRE(p.state == "active");
  REQUIRE(p.reviewDate == "2027-05-28");
  REQUIRE(p.reviewReason == "annual");
  REQUIRE(p.activatedAt == engine::isoTime(w.clock.now()));
  auto ts = w.plans.transitions(w.oakPlan);
  REQUIRE(ts.size() == 1);
  REQUIRE(ts[0].toState == "active");
  REQUIRE(w.count("SELECT count(*) FROM outbox") == 1);
  REQUIRE(w.auditActions().back() == "plan.transition");

  // Clearing the review date.
  auto clear = transition(w.oakPlan, "active", "closed");
  clear.reviewDate = std::optional<std::string>();
  REQUIRE(w.plans.applyTransition(clear));
  REQUIRE_FALSE(w.plans.plan(w.oakPlan)->reviewDate);
}

TEST_CASE("plans: a stale transition is refused with a conflict and changes nothing",
          "[storage][plans]") {
  StorageWorld w;
  w.populate();
  const auto events = w.auditCount();
  auto c = transition(w.oakPlan, "review", "active");  // the plan is in draft
  c.outbox = {mail("notice:stale")};
  auto r = w.plans.applyTransition(c);
  REQUIRE(r.error().code == ErrorCode::kConflict);
  auto v = transition(w.oakPlan, "draft", "active", 2);  // the plan is at version 1
  REQUIRE(w.plans.applyTransition(v).error().code == ErrorCode::kConflict);
  REQUIRE(w.plans.plan(w.oakPlan)->state == "draft");
  REQUIRE(w.plans.transitions(w.oakPlan).empty());
  REQUIRE(w.auditCount() == events);
  REQUIRE(w.count("SELECT count(*) FROM outbox") == 0);
}

TEST_CASE("plans: a transition that fails part-way leaves nothing of itself behind",
          "[storage][plans]") {
  StorageWorld w;
  w.populate();
  const auto events = w.auditCount();
  auto c = transition(w.oakPlan, "draft", "review");
  c.outbox = {mail("notice:partial")};
  engine::PlanRecord successor = *w.plans.plan(w.oakPlan);
  successor.pupilId = 999;  // no such pupil: the successor's insert fails after the state changed
  c.successor = std::make_pair(successor, versionOf(0, 1, "{}"));
  REQUIRE_THROWS_AS(w.plans.applyTransition(c), storage::StorageError);
  REQUIRE(w.plans.plan(w.oakPlan)->state == "draft");
  REQUIRE(w.plans.transitions(w.oakPlan).empty());
  REQUIRE(w.auditCount() == events);
  REQUIRE(w.count("SELECT count(*) FROM plan") == 2);
  REQUIRE(w.count("SELECT count(*) FROM outbox") == 0);
}

TEST_CASE(
    "plans: starting a review creates the successor, and its activation supersedes the "
    "predecessor",
    "[storage][plans]") {
  StorageWorld w;
  w.populate();
  auto old = w.newPlan(w.oak, w.oakPupil, "review_due", "2026-05-01");
  auto start = transition(old, "review_due", "in_review");
  engine::PlanRecord next = *w.plans.plan(old);
  next.state = "draft";
  next.reviewDate.reset();
  next.reviewsPlanId = old;
  start.successor = std::make_pair(next, versionOf(0, 1, R"({"a":"copied"})"));
  auto successor = w.plans.applyTransition(start);
  REQUIRE(successor);
  REQUIRE(*successor > 0);
  REQUIRE(w.plans.latestSuccessor(old)->id == *successor);
  REQUIRE(w.plans.version(*successor, 1)->valuesJson == R"({"a":"copied"})");
  REQUIRE(w.audit.forSubject("plan", *successor).at(0).action == "plan.launch");

  auto activate = transition(*successor, "draft", "active");
  activate.supersedePlanId = old;
  activate.supersedeRecord = {"supersede", "in_review", "superseded", "system",
                              "",          "successor", "",           1};
  REQUIRE(w.plans.applyTransition(activate));
  auto closed = *w.plans.plan(old);
  REQUIRE(closed.state == "superseded");
  REQUIRE_FALSE(closed.reviewDate);
  REQUIRE(w.plans.transitions(old).back().toState == "superseded");

  // A predecessor no longer in the expected state is left alone (no second record).
  auto again = transition(*successor, "active", "active");
  again.supersedePlanId = old;
  again.supersedeRecord = activate.supersedeRecord;
  REQUIRE(w.plans.applyTransition(again));
  REQUIRE(w.plans.transitions(old).size() == 2);
}

TEST_CASE("plans: reviews due by a day, in the given states only", "[storage][plans]") {
  StorageWorld w;
  w.populate();
  auto due = w.newPlan(w.elm, w.elmPupil, "active", "2026-05-01");
  auto today = w.newPlan(w.oak, w.oakPupil, "active", "2026-05-28");
  w.newPlan(w.oak, w.oakPupil, "active", "2026-05-29");
  w.newPlan(w.oak, w.oakPupil, "draft", "2026-01-01");
  REQUIRE(w.plans.reviewsDueBy("2026-05-28", {"active"}) == std::vector<engine::Id>{due, today});
  REQUIRE(w.plans.reviewsDueBy("2026-05-28", {}).empty());
}

TEST_CASE("plans: signers of a slot are replaced whole, and refused when the plan moved on",
          "[storage][plans]") {
  StorageWorld w;
  w.populate();
  REQUIRE(w.plans.setSigners(w.oakPlan, "draft", "parent",
                             {{"parent", "contact:1", "Ann"}, {"parent", "contact:2", "Bo"}},
                             auditOf("plan.signers", "plan", w.oakPlan)));
  REQUIRE(w.plans.setSigners(w.oakPlan, "draft", "senco", {{"senco", "user:1", "Ms Senco"}},
                             auditOf("plan.signers", "plan", w.oakPlan)));
  REQUIRE(w.plans.setSigners(w.oakPlan, "draft", "parent", {{"parent", "contact:2", "Bo"}},
                             auditOf("plan.signers", "plan", w.oakPlan)));
  auto s = w.plans.signers(w.oakPlan);
  REQUIRE(s.size() == 2);
  REQUIRE(s[0].personRef == "contact:2");
  REQUIRE(s[1].slot == "senco");
  const auto events = w.auditCount();
  auto stale = w.plans.setSigners(w.oakPlan, "active", "parent", {},
                                  auditOf("plan.signers", "plan", w.oakPlan));
  REQUIRE(stale.error().code == ErrorCode::kConflict);
  REQUIRE(w.plans.signers(w.oakPlan).size() == 2);
  REQUIRE(w.auditCount() == events);
}

TEST_CASE(
    "plans: every request for a review is kept in order with its transition, and a request whose "
    "number another one took first is refused and leaves nothing",
    "[storage][plans]") {
  StorageWorld w;
  w.populate();
  auto asked = [&](int seq, const std::string& from, const std::string& who,
                   const std::string& code) {
    auto c = transition(w.oakPlan, from, "review_due");
    c.record.reasonCode = code;
    c.reviewRequest = engine::ReviewRequestRecord{
        0,    w.oakPlan,        seq, "", who, who == "contact:1" ? "Ana Parent" : "Ms Senco",
        code, "because " + code};
    c.outbox = {mail("review-request:" + std::to_string(w.oakPlan) + ":" + std::to_string(seq))};
    return w.plans.applyTransition(c);
  };
  REQUIRE(asked(1, "draft", "user:1", "change"));
  REQUIRE(asked(2, "review_due", "contact:1", "incident"));
  const auto events = w.auditCount();
  auto late = asked(2, "review_due", "user:1", "stakeholder_request");  // 2 is taken
  REQUIRE(late.error().code == ErrorCode::kConflict);
  CHECK(w.auditCount() == events);
  REQUIRE(asked(3, "review_due", "user:1", "stakeholder_request"));
  auto kept = w.plans.reviewRequests(w.oakPlan);
  REQUIRE(kept.size() == 3);
  CHECK(kept[0].reasonCode == "change");
  CHECK(kept[1].actor == "contact:1");
  CHECK(kept[1].actorName == "Ana Parent");
  CHECK(kept[1].reasonText == "because incident");
  CHECK(kept[2].seq == 3);
  CHECK(kept[2].at == engine::isoTime(w.clock.now()));
  CHECK(w.count("SELECT count(*) FROM outbox") == 3);
  CHECK(w.plans.transitions(w.oakPlan).size() == 3);
  CHECK(w.plans.reviewRequests(w.oakPlan + 1000).empty());
}

TEST_CASE(
    "plans: migration 011 keeps the requests for a review made before it, from the transitions "
    "that carried a reason code, named as the person is now",
    "[storage][plans]") {
  StorageWorld w;
  w.populate();
  auto c = transition(w.oakPlan, "draft", "review_due");
  c.record.actor = "user:" + std::to_string(w.senco);
  c.record.reasonCode = "incident";
  c.record.reasonText = "Fell at break";
  REQUIRE(w.plans.applyTransition(c));
  auto d = transition(w.oakPlan, "review_due", "draft");  // no reason code: not a request
  REQUIRE(w.plans.applyTransition(d));
  // The database as it was before 011, then 011 itself (as the store runs it).
  std::ifstream in(SENDFLOW_SOURCE_ROOT "/storage/migrations/011_plan_review_requests.sql");
  REQUIRE(in);
  const std::string sql((std::istreambuf_iterator<char>(in)), {});
  w.store.write([&](storage::Database& db) {
    db.exec("DROP TABLE plan_review_request");
    db.exec(sql);
  });
  auto kept = w.plans.reviewRequests(w.oakPlan);
  REQUIRE(kept.size() == 1);
  CHECK(kept[0].seq == 1);
  CHECK(kept[0].actorName == "Ms Senco");
  CHECK(kept[0].reasonCode == "incident");
  CHECK(kept[0].reasonText == "Fell at break");
}
