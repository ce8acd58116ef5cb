// The SQLite store: a serialized writer connection and a pool of reader connections over one
// WAL database file. Thread-safe: many readers run concurrently with one writer.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/storage/database.h"

namespace sendflow::storage {

class SchemaTooNewError : public StorageError {
 public:
  using StorageError::StorageError;
};

class Store {
 public:
  // Opens the file; does not migrate. Refuses a database from a newer sendflow.
  Store(const std::string& path, engine::Clock& clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  static int latestSchemaVersion();
  int schemaVersion();
  // Applies every pending numbered migration, each in its own transaction; returns how many.
  int migrate();

  // Runs f(Database&) on a reader connection (no transaction: each statement sees a snapshot).
  template <typename F>
  auto read(F&& f) {
    Lease lease(*this);
    return f(*lease.db);
  }

  // Runs f(Database&) as one command on the single writer connection and returns once it is
  // durable. f throwing undoes f alone. Commands arriving while a commit is in flight are
  // grouped into the next transaction (each inside its own savepoint) so one fsync covers many
  // of them: group commit. No command is answered before the COMMIT that holds it succeeded.
  // REQUIRES: f does no I/O outside the database and does not call write() itself (it runs on
  // whichever thread leads the group and may be rolled back to its savepoint).
  template <typename F>
  auto write(F&& f) {
    using R = decltype(f(std::declval<Database&>()));
    if constexpr (std::is_void_v<R>) {
      Command c{[&](Database& db) { f(db); }};
      submit(c);
    } else {
      std::optional<R> result;
      Command c{[&](Database& db) { result.emplace(f(db)); }};
      submit(c);
      return std::move(*result);
    }
  }

  // Appends an audit event to the hash chain. REQUIRES: inside write().
  void appendAudit(Database& db, const engine::AuditEvent& e);

  // Read events (docs/security.md, "What is audited on read"): with a delay > 0 the event is
  // queued with its own time and committed into the chain by the next write's group commit or,
  // failing one, by the store's flusher thread within the delay; a page view does not wait for
  // an fsync of its own. With 0 (the default) it commits before this returns. A failed flush is
  // logged to stderr and retried (the events stay queued, in order); the destructor flushes what
  // is queued. Thread-safe.
  void setDeferredAuditDelay(std::chrono::milliseconds delay);
  void appendDeferredAudit(const engine::AuditEvent& e);
  // Commits every queued read event now. Throws (and keeps them queued) if the commit fails.
  void flushDeferredAudit();
  std::size_t deferredAuditCount() const;
  // Before a read of the audit log: flushDeferredAudit(), a failure logged (the flusher retries)
  // rather than thrown, so the reader sees every read event that could be committed.
  void commitQueuedReadsBeforeReading() noexcept;

  // A consistent copy of the database at destPath, made in one step while writers carry on
  // (storage/integrity.h copyDatabase). Refuses an existing file.
  void backup(const std::string& destPath);
  engine::Clock& clock() { return clock_; }
  const std::string& path() const { return path_; }

  // Whether the disk is full: set when a command or its commit failed for want of space
  // (engine::DiskFullError), cleared by the next command that commits. `episode` counts the
  // times it filled in this process. Thread-safe.
  struct DiskState {
    bool full = false;
    engine::TimePoint since{};  // when it was first seen full, this time
    std::uint64_t episode = 0;
  };
  DiskState diskState() const;

 private:
  struct Command {
    explicit Command(std::function<void(Database&)> r) : run(std::move(r)) {}
    std::function<void(Database&)> run;
    std::exception_ptr error;
    bool done = false;
    // Its own wake-up (with queueMutex_): a finished batch wakes its commands and the next
    // leader only, not every thread waiting (at 64 clients notify_all woke them all per commit).
    std::condition_variable wake;
  };
  // Queues c and waits; the first waiting thread commits everyone queued so far. Rethrows c's
  // own exception, or the commit's.
  void submit(Command& c);
  void noteBatch(const std::vector<Command*>& batch, const std::exception_ptr& commitError,
                 bool changed);
  struct DeferredEvent {
    engine::AuditEvent event;
    std::string at;  // when it was read
  };
  void appendAudit(Database& db, const engine::AuditEvent& e, const std::string& at);
  // In the leader's transaction: appends the queued read events (own savepoint); on a failure
  // they go back to the front of the queue. Returns those appended (requeued if COMMIT fails).
  std::vector<DeferredEvent> appendDeferred(Database& db);
  void requeue(std::vector<DeferredEvent> events);
  // The background thread (started by the first deferred event, or by the first request once a
  // delay is set): commits queued read events; releases memory when the store goes idle.
  void startBackground();  // REQUIRES: deferredMutex_ held
  void runBackground();
  void noteActivity();
  void releaseIdleMemory();
  static constexpr std::chrono::seconds kIdleAfter{2};
  static constexpr std::size_t kIdleReadersKept = 2;

  struct Lease {
    explicit Lease(Store& s);
    ~Lease();
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    Store& store;
    std::unique_ptr<Database> db;
  };
  std::string path_;
  engine::Clock& clock_;
  std::mutex writeMutex_;  // the writer connection
  std::mutex queueMutex_;
  std::deque<Command*> queue_;
  bool leading_ = false;
  std::unique_ptr<Database> writer_;
  std::mutex poolMutex_;
  std::vector<std::unique_ptr<Database>> idleReaders_;
  mutable std::mutex diskMutex_;
  DiskState disk_;
  mutable std::mutex deferredMutex_;
  std::condition_variable deferredChanged_;
  std::deque<DeferredEvent> deferred_;
  std::exception_ptr lastDeferredError_;
  std::uint64_t deferredFailures_ = 0;
  std::chrono::milliseconds deferredDelay_{0};
  bool stopping_ = false;
  std::thread flusher_;  // runBackground()
  std::atomic<bool> backgroundStarted_{false};
  std::atomic<std::chrono::steady_clock::rep> lastActivity_{0};
};

// The canonical content an audit event's hash covers (shared with `audit verify`).
std::string auditCanonical(const engine::StoredAuditEvent& e);

}  // namespace sendflow::storage
