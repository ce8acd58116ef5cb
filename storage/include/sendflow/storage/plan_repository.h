// SQLite implementation of engine's PlanRepository.
#pragma once

#include "sendflow/engine/plans/plans.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

class SqlitePlanRepository final : public engine::PlanRepository {
 public:
  explicit SqlitePlanRepository(Store& store) : store_(store) {}

  engine::Id snapshot(const std::string& kind, const std::string& type, int version,
                      const std::string& json) override;
  std::string snapshotJson(engine::Id id) override;
  std::optional<engine::PlanRecord> plan(engine::Id id) override;
  std::vector<engine::PlanSummary> plans(const engine::PlanQuery& q) override;
  std::optional<engine::PlanVersionRecord> version(engine::Id planId, int number) override;
  std::vector<engine::PlanVersionRecord> versions(engine::Id planId) override;
  std::vector<engine::SignerAssignment> signers(engine::Id planId) override;
  std::vector<engine::TransitionRecord> transitions(engine::Id planId) override;
  std::optional<engine::PlanRecord> latestSuccessor(engine::Id planId) override;
  std::vector<engine::ReviewRequestRecord> reviewRequests(engine::Id planId) override;
  std::map<engine::Id, engine::PlanDeadlineInputs> deadlineInputs(
      const std::vector<engine::Id>& planIds) override;
  std::vector<engine::Id> reviewsDueBy(const std::string& isoDay,
                                       const std::vector<std::string>& states) override;
  engine::Id create(const engine::PlanRecord& p, const engine::PlanVersionRecord& first,
                    const engine::AuditEvent& audit) override;
  engine::Status saveVersion(const std::string& expectedState, int expectedVersion,
                             const engine::PlanVersionRecord& v,
                             const engine::AuditEvent& audit) override;
  engine::Result<engine::Id> applyTransition(const engine::TransitionChange& c) override;
  engine::Status setSigners(engine::Id planId, const std::string& expectedState,
                            const std::string& slot,
                            const std::vector<engine::SignerAssignment>& people,
                            const engine::AuditEvent& audit) override;

 private:
  Store& store_;
};

}  // namespace sendflow::storage
