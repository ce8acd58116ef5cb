// SQLite side of live editing (migration 005): the durable log of acknowledged operations.
#pragma once

#include "sendflow/engine/live/live.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

class SqliteLiveLog final : public engine::LiveLog {
 public:
  explicit SqliteLiveLog(Store& store) : store_(store) {}
  // Durable on return (group commit through Store::write).
  void append(const engine::LiveOpRecord& r) override;
  std::vector<engine::LiveOpRecord> since(engine::Id planId, int baseVersion) override;
  std::int64_t headRevision(engine::Id planId) override;
  std::map<std::string, std::int64_t> lastSeqs(engine::Id planId) override;
  // Plans with acknowledged operations not yet folded into a version (after a crash).
  std::vector<engine::Id> unfolded() override;

 private:
  Store& store_;
};

}  // namespace sendflow::storage
