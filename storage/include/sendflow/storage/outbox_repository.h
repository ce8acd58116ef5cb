// SQLite outbox: queuing (idempotent on the key), the sender's claim/settle steps, the trust
// admin's list, and the reminder scan's indexed queries. All SQL of the mail feature lives here.
#pragma once

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/reminders/outbox.h"
#include "sendflow/engine/reminders/reminders.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

// INSERT OR IGNORE one row. REQUIRES: inside Store::write (same transaction as its cause).
// Returns true when the row is new.
bool insertOutbox(Database& db, const engine::OutboxMessage& m);

using OutboxCounts = engine::OutboxCounts;

class SqliteOutbox final : public engine::ReminderStore, public engine::Outbox {
 public:
  explicit SqliteOutbox(Store& store) : store_(store) {}
  ~SqliteOutbox() override;
  SqliteOutbox(const SqliteOutbox&) = delete;
  SqliteOutbox& operator=(const SqliteOutbox&) = delete;

  // Queues messages in their own transaction (test email, admin actions).
  engine::Id enqueue(const engine::OutboxMessage& m) override;

  // Sender side. claim(): the oldest due row (queued, or retrying whose time has come) becomes
  // "sending", owned by `owner`, in one transaction; nullopt when none is due.
  std::optional<engine::OutboxMessage> claim(engine::TimePoint now,
                                             const std::string& owner) override;
  // Committed just before the final "." of DATA, and "sent" right after the reply, on the
  // sender's own connection (synchronous=NORMAL: durable against a killed process, and no fsync
  // between the message body and its terminator).
  void markHandedOver(engine::Id id, engine::TimePoint at) override;
  void markSent(engine::Id id, engine::TimePoint at, const std::string& reply) override;
  void markRetry(engine::Id id, engine::TimePoint next, const std::string& error) override;
  void markFailed(engine::Id id, const std::string& error) override;
  void markUncertain(engine::Id id, const std::string& error) override;
  // Rows left "sending" by an owner that is gone: never handed over (the server discards a DATA
  // without its terminator) → "retrying", due now; handed over (the kernel delivers the buffered
  // terminator even after the process dies, but the server may still refuse it) → "uncertain".
  int recoverAbandoned(const std::vector<std::string>& liveOwners, engine::TimePoint now,
                       engine::TimePoint staleBefore) override;
  std::vector<std::string> sendingOwners() override;
  std::optional<engine::TimePoint> nextDue();
  // Admin: a failed (or retrying) row is queued again now. False when not found / not retryable.
  bool retry(engine::Id id, engine::TimePoint now) override;
  bool resendUncertain(engine::Id id, engine::TimePoint now,
                       const engine::AuditEvent& audit) override;

  std::optional<engine::OutboxMessage> get(engine::Id id);
  std::vector<engine::OutboxMessage> list(const std::string& status, int limit) override;
  OutboxCounts counts() override;
  int uncertainCount() override;

  // engine::ReminderStore
  std::optional<std::string> lastCoveredDay() override;
  void writing(
      const std::function<void(engine::ReminderSource&, engine::OutboxWriter&)>& f) override;
  void reading(const std::function<void(engine::ReminderSource&)>& f) override;

 private:
  template <typename F>
  void fast(F&& f);
  Store& store_;
  std::mutex fastMutex_;
  std::unique_ptr<Database> fast_;
};

}  // namespace sendflow::storage
