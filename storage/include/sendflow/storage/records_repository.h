// SQLite implementation of engine's RecordsRepository: every row about a pupil or a contact,
// for subject access exports and transfers, and the read events about a pupil.
#pragma once

#include "sendflow/engine/records/records.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

class SqliteRecordsRepository final : public engine::RecordsRepository {
 public:
  explicit SqliteRecordsRepository(Store& store) : store_(store) {}

  engine::Holdings pupilHoldings(engine::Id pupilId) override;
  engine::Holdings contactHoldings(engine::Id contactId) override;
  std::vector<engine::StoredAuditEvent> eventsAbout(
      engine::Id pupilId, const std::vector<std::string>& actions) override;
  std::vector<engine::RetentionCandidate> retentionCandidates() override;
  std::vector<std::string> erasePupil(engine::Id pupilId, const engine::AuditEvent& audit) override;

 private:
  Store& store_;
};

}  // namespace sendflow::storage
