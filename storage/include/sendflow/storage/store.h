// The SQLite store: a serialized writer connection and a pool of reader connections over one
// WAL database file. Thread-safe: many readers run concurrently with one writer.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "sendflow/engine/clock.h"
#include "sendflow/engine/model.h"
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

  // Runs f(Database&) inside BEGIN IMMEDIATE … COMMIT on the single writer connection.
  // f throwing rolls back. REQUIRES: not called from inside another write().
  template <typename F>
  auto write(F&& f) {
    std::lock_guard lock(writeMutex_);
    Transaction tx(*writer_);
    if constexpr (std::is_void_v<decltype(f(*writer_))>) {
      f(*writer_);
      tx.commit();
    } else {
      auto result = f(*writer_);
      tx.commit();
      return result;
    }
  }

  // Appends an audit event to the hash chain. REQUIRES: inside write().
  void appendAudit(Database& db, const engine::AuditEvent& e);

  void backup(const std::string& destPath);
  engine::Clock& clock() { return clock_; }
  const std::string& path() const { return path_; }

 private:
  struct Lease {
    explicit Lease(Store& s);
    ~Lease();
    Store& store;
    std::unique_ptr<Database> db;
  };
  std::string path_;
  engine::Clock& clock_;
  std::mutex writeMutex_;
  std::unique_ptr<Database> writer_;
  std::mutex poolMutex_;
  std::vector<std::unique_ptr<Database>> idleReaders_;
};

// The canonical content an audit event's hash covers (shared with `audit verify`).
std::string auditCanonical(const engine::StoredAuditEvent& e);

}  // namespace sendflow::storage
