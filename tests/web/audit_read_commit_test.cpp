// Read events committed in groups by the real server (audit.read_commit_ms, docs/security.md
// "What is audited on read"): a read answered just before a clean stop is in the audit log after
// it, and the chain verifies; after a SIGKILL every read answered more than the stated window
// earlier is there.
#include <signal.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "sendflow/storage/database.h"
#include "support/demo.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

int64_t planViews(const std::string& db, int64_t planId, int64_t after) {
  storage::Database d(db);
  storage::Statement st(d,
                        "SELECT count(*) FROM audit_event WHERE action='plan.view' AND "
                        "subject_id=? AND id>? AND detail LIKE '%\"door\":\"page\"%'");
  st.bind(1, planId).bind(2, after);
  st.step();
  return st.getInt(0);
}

int64_t lastEvent(const std::string& db) {
  storage::Database d(db);
  storage::Statement st(d, "SELECT COALESCE(MAX(id), 0) FROM audit_event");
  st.step();
  return st.getInt(0);
}

int64_t somePlan(Demo& demo) {
  return demo.plans("", "", Demo::kOak).front()->getValue<int64_t>("id");
}

}  // namespace

TEST_CASE("A read answered just before a clean stop is in the audit log and the chain verifies",
          "[web][audit]") {
  // The longest delay allowed: without the flush on stop the event would still be queued.
  Demo demo(std::map<std::string, std::string>{{"SENDFLOW_AUDIT_READ_COMMIT_MS", "1000"}});
  const std::string db = demo.server.home() + "/sendflow.db";
  const int64_t plan = somePlan(demo);
  Client senco = demo.senco();
  const int64_t before = lastEvent(db);
  for (int i = 0; i < 3; ++i) REQUIRE(senco.get("/plans/" + std::to_string(plan)).status == 200);
  REQUIRE(demo.server.stop() == 0);
  REQUIRE(planViews(db, plan, before) == 3);
  auto verify = demo.server.run({"audit", "verify"});
  INFO(verify.out << verify.err);
  REQUIRE(verify.exitCode == 0);
}

TEST_CASE("After a SIGKILL the reads answered more than the window earlier are in the audit log",
          "[web][audit]") {
  Demo demo(std::map<std::string, std::string>{{"SENDFLOW_AUDIT_READ_COMMIT_MS", "200"}});
  const std::string db = demo.server.home() + "/sendflow.db";
  const int64_t plan = somePlan(demo);
  Client senco = demo.senco();
  const int64_t before = lastEvent(db);
  REQUIRE(senco.get("/plans/" + std::to_string(plan)).status == 200);
  // Well past the stated window (200 ms), so a loaded machine does not make this fail.
  std::this_thread::sleep_for(std::chrono::seconds(3));
  REQUIRE(::kill(static_cast<pid_t>(demo.server.pid()), SIGKILL) == 0);
  demo.server.stop();  // reaps it
  REQUIRE(planViews(db, plan, before) == 1);
  auto verify = demo.server.run({"audit", "verify"});
  INFO(verify.out << verify.err);
  REQUIRE(verify.exitCode == 0);
}
