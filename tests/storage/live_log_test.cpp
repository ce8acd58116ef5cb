// SqliteLiveLog against a real SQLite file: the durable log of acknowledged live operations.
#include <catch2/catch.hpp>
#include <exception>
#include <mutex>
#include <utility>
#include <vector>

#include "sendflow/storage/live_repository.h"
#include "storage/storage_world.h"

using namespace sendflow;
using testing::auditOf;
using testing::StorageWorld;

namespace {

engine::LiveOpRecord op(engine::Id plan, std::int64_t revision, int base, const std::string& client,
                        std::int64_t seq, const std::string& field = "summary") {
  engine::LiveOpRecord r;
  r.planId = plan;
  r.field = field;
  r.revision = revision;
  r.baseVersion = base;
  r.kind = "set";
  r.opJson = R"({"value":"x"})";
  r.author = "user:1";
  r.authorName = "Ms Senco";
  r.clientId = client;
  r.clientSeq = seq;
  r.at = 1'780'000'000 + revision;
  return r;
}

}  // namespace

TEST_CASE("live: operations come back per plan and base version, by revision", "[storage][live]") {
  StorageWorld w;
  w.populate();
  storage::SqliteLiveLog log(w.store);
  REQUIRE(log.headRevision(w.oakPlan) == 0);
  log.append(op(w.oakPlan, 2, 1, "c1", 2));
  log.append(op(w.oakPlan, 1, 1, "c1", 1, "other"));
  log.append(op(w.oakPlan, 3, 2, "c2", 1));
  log.append(op(w.elmPlan, 1, 1, "c3", 7));
  auto ops = log.since(w.oakPlan, 1);
  REQUIRE(ops.size() == 2);
  REQUIRE(ops[0].revision == 1);
  REQUIRE(ops[0].field == "other");
  REQUIRE(ops[1].revision == 2);
  REQUIRE(ops[1].opJson == R"({"value":"x"})");
  REQUIRE(ops[1].authorName == "Ms Senco");
  REQUIRE(ops[1].at == 1'780'000'002);
  REQUIRE(log.since(w.oakPlan, 2).size() == 1);
  REQUIRE(log.headRevision(w.oakPlan) == 3);
  REQUIRE(log.headRevision(w.elmPlan) == 1);
  REQUIRE(log.lastSeqs(w.oakPlan) == std::map<std::string, std::int64_t>{{"c1", 2}, {"c2", 1}});
}

TEST_CASE("live: a revision is never written twice for a plan, and an unknown kind is refused",
          "[storage][live]") {
  StorageWorld w;
  w.populate();
  storage::SqliteLiveLog log(w.store);
  log.append(op(w.oakPlan, 1, 1, "c1", 1));
  REQUIRE_THROWS_AS(log.append(op(w.oakPlan, 1, 1, "c2", 1, "elsewhere")), storage::StorageError);
  log.append(op(w.elmPlan, 1, 1, "c1", 1));  // another plan's revision 1 is fine
  auto bad = op(w.oakPlan, 2, 1, "c1", 2);
  bad.kind = "delete_everything";
  REQUIRE_THROWS_AS(log.append(bad), storage::StorageError);
  REQUIRE_THROWS_AS(log.append(op(999, 1, 1, "c1", 1)), storage::StorageError);  // no such plan
  REQUIRE(log.since(w.oakPlan, 1).size() == 1);
}

TEST_CASE("live: plans with operations on top of their current version are the unfolded ones",
          "[storage][live]") {
  StorageWorld w;
  w.populate();
  storage::SqliteLiveLog log(w.store);
  log.append(op(w.oakPlan, 1, 1, "c1", 1));
  log.append(op(w.elmPlan, 1, 1, "c1", 1));
  REQUIRE(log.unfolded() == std::vector<engine::Id>{w.oakPlan, w.elmPlan});
  // Oak's operations were folded into version 2: no longer unfolded.
  REQUIRE(w.plans.saveVersion("draft", 1, {w.oakPlan, 2, "{}", "h2", "user:1", "", ""},
                              auditOf("plan.edit", "plan", w.oakPlan)));
  REQUIRE(log.unfolded() == std::vector<engine::Id>{w.elmPlan});
  // The seqs of folded operations are still known (a resent operation is recognised).
  REQUIRE(log.lastSeqs(w.oakPlan).at("c1") == 1);
}

TEST_CASE(
    "live: appendAsync reports each operation once it is committed, in order, and a bad one "
    "loses only itself",
    "[storage][live]") {
  StorageWorld w;
  w.populate();
  storage::SqliteLiveLog log(w.store);
  std::mutex m;
  std::vector<std::pair<std::int64_t, bool>> reports;  // revision, committed
  std::vector<std::int64_t> durableWhenReported;       // rows in the file when each was reported
  auto report = [&](std::int64_t revision) {
    return [&, revision](std::exception_ptr error) {
      // Read on another connection: a report comes after the commit, never before.
      const auto head = log.headRevision(w.oakPlan);
      std::lock_guard lock(m);
      reports.emplace_back(revision, error == nullptr);
      durableWhenReported.push_back(head);
    };
  };
  for (std::int64_t r = 1; r <= 200; ++r) {
    if (r == 50) log.appendAsync(op(w.oakPlan, 10, 1, "c2", 1, "again"), report(-10));  // taken
    log.appendAsync(op(w.oakPlan, r, 1, "c1", r), report(r));
  }
  log.settle();  // every report has been made when it returns
  std::lock_guard lock(m);
  REQUIRE(reports.size() == 201);
  std::int64_t expected = 1;
  for (std::size_t i = 0; i < reports.size(); ++i) {
    if (reports[i].first == -10) {
      REQUIRE_FALSE(reports[i].second);  // revision 10 was written already: refused alone
      continue;
    }
    REQUIRE(reports[i].first == expected);  // in the order given
    REQUIRE(reports[i].second);
    REQUIRE(durableWhenReported[i] >= expected);
    ++expected;
  }
  auto ops = log.since(w.oakPlan, 1);
  REQUIRE(ops.size() == 200);
  REQUIRE(ops[9].clientId == "c1");
}
