// SQLite side of live editing (migration 005): the durable log of acknowledged operations.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "sendflow/engine/live/live.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

class SqliteLiveLog final : public engine::LiveLog {
 public:
  explicit SqliteLiveLog(Store& store) : store_(store) {}
  // Reports what is still queued (committed first), then stops the committer thread.
  ~SqliteLiveLog() override;
  SqliteLiveLog(const SqliteLiveLog&) = delete;
  SqliteLiveLog& operator=(const SqliteLiveLog&) = delete;

  // Durable on return (group commit through Store::write).
  void append(const engine::LiveOpRecord& r) override;
  // Queued for the log's committer thread (started by the first call), which writes everything
  // queued meanwhile as one Store::write command (each record in its own savepoint: one
  // failing record loses only itself); its reporter thread then reports each record in order
  // while the committer goes on to the next commit (a report sends the operation to every
  // editor of its plan: done on the committer, it held up the next commit). So no request
  // thread waits for a live operation's fsync, and the operations of many plans share a commit.
  void appendAsync(engine::LiveOpRecord r, Appended done) override;
  void settle() override;
  std::vector<engine::LiveOpRecord> since(engine::Id planId, int baseVersion) override;
  std::int64_t headRevision(engine::Id planId) override;
  std::map<std::string, std::int64_t> lastSeqs(engine::Id planId) override;
  // Plans with acknowledged operations not yet folded into a version (after a crash).
  std::vector<engine::Id> unfolded() override;

 private:
  void run();     // the committer thread
  void report();  // the reporter thread

  Store& store_;
  std::mutex mutex_;
  std::condition_variable queued_;   // records waiting, or stopping
  std::condition_variable settled_;  // reported_ moved on
  std::deque<std::pair<engine::LiveOpRecord, Appended>> queue_;
  std::condition_variable committed_;  // reports waiting, or the committer done
  std::deque<std::pair<Appended, std::exception_ptr>> reports_;
  bool committerDone_ = false;
  std::uint64_t accepted_ = 0;  // records given to appendAsync
  std::uint64_t reported_ = 0;  // records whose `done` has returned
  bool stopping_ = false;
  std::thread committer_;
  std::thread reporter_;
};

}  // namespace sendflow::storage
