// SQLite implementation of engine's ContributionRepository (migration 007).
#pragma once

#include "sendflow/engine/contributions/contributions.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

class SqliteContributionRepository final : public engine::ContributionRepository {
 public:
  explicit SqliteContributionRepository(Store& store) : store_(store) {}

  std::vector<engine::ContributionLink> links(engine::Id planId) override;
  std::optional<engine::ContributionLink> link(engine::Id id) override;
  std::optional<engine::ContributionLink> byTokenHash(const std::string& hash) override;
  engine::Id create(const engine::ContributionLink& l, const engine::AuditEvent& audit,
                    const std::vector<engine::OutboxMessage>& outbox) override;
  void update(const engine::ContributionLink& l, const std::vector<engine::AuditEvent>& audit,
              const std::vector<engine::OutboxMessage>& outbox) override;
  void appendAudit(const engine::AuditEvent& e) override;

 private:
  Store& store_;
};

}  // namespace sendflow::storage
