// A migrated store in a real SQLite file in a temporary directory, with the rows most
// repository tests need (two academies, a SENCO, a pupil in each academy, a plan for each pupil)
// and small helpers to count rows and read the audit trail (storage tests only).
#pragma once

#include <string>
#include <vector>

#include "sendflow/storage/plan_repository.h"
#include "sendflow/storage/repositories.h"
#include "sendflow/storage/store.h"
#include "support/temp_dir.h"

namespace sendflow::testing {

inline engine::AuditEvent auditOf(const std::string& action, const std::string& type = "test",
                                  engine::Id subject = 0, engine::Id academy = 0) {
  return {action, "user:1", type, subject, academy, "{}"};
}

struct StorageWorld {
  StorageWorld() : clock(engine::fromUnix(1'780'000'000)), store(dir.file("world.db"), clock) {
    store.migrate();
  }

  // Two academies (Oak, Elm), a pupil in each, a SENCO in Oak, and a draft plan for each pupil.
  void populate() {
    oak = people.createAcademy("Oak", auditOf("academy.create", "academy"));
    elm = people.createAcademy("Elm", auditOf("academy.create", "academy"));
    senco = people.createUser(
        {0, "senco@oak.example", "Ms Senco", "hash", true, {{oak, engine::Role::kSenco}}},
        auditOf("user.create", "user"));
    oakPupil = people.createPupil({0, oak, "Zoë Ellis", "", "2015-01-01", "3", "", true},
                                  auditOf("pupil.create", "pupil", 0, oak));
    elmPupil = people.createPupil({0, elm, "Sam Ash", "", "2014-02-02", "4", "", true},
                                  auditOf("pupil.create", "pupil", 0, elm));
    formSnapshot = plans.snapshot("form", "sen_support", 1, R"({"form":1})");
    workflowSnapshot = plans.snapshot("workflow", "sen_support", 1, R"({"workflow":1})");
    oakPlan = newPlan(oak, oakPupil);
    elmPlan = newPlan(elm, elmPupil);
  }

  engine::Id newPlan(engine::Id academy, engine::Id pupil, const std::string& state = "draft",
                     std::optional<std::string> reviewDate = std::nullopt) {
    engine::PlanRecord p;
    p.academyId = academy;
    p.pupilId = pupil;
    p.type = "sen_support";
    p.state = state;
    p.ownerUserId = senco;
    p.formSnapshotId = formSnapshot;
    p.workflowSnapshotId = workflowSnapshot;
    p.reviewDate = std::move(reviewDate);
    engine::PlanVersionRecord v{0, 1, R"({"a":"1"})", "hash1", "user:1", "Ms Senco", ""};
    return plans.create(p, v, auditOf("plan.create", "plan", 0, academy));
  }

  int64_t count(const std::string& sql) {
    return store.read([&](storage::Database& db) {
      storage::Statement st(db, sql);
      st.step();
      return st.getInt(0);
    });
  }

  std::vector<std::string> auditActions() {
    return store.read([](storage::Database& db) {
      storage::Statement st(db, "SELECT action FROM audit_event ORDER BY id");
      std::vector<std::string> out;
      while (st.step()) out.push_back(st.getText(0));
      return out;
    });
  }

  int64_t auditCount() { return count("SELECT count(*) FROM audit_event"); }

  TempDir dir;
  engine::FixedClock clock;
  storage::Store store;
  storage::SqlitePeopleRepository people{store};
  storage::SqlitePlanRepository plans{store};
  storage::SqliteAuditLog audit{store};
  engine::Id oak = 0, elm = 0, senco = 0, oakPupil = 0, elmPupil = 0;
  engine::Id formSnapshot = 0, workflowSnapshot = 0, oakPlan = 0, elmPlan = 0;
};

}  // namespace sendflow::testing
