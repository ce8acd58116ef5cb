#include "sendflow/storage/store.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>

#include "migrations.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/disk_full.h"
#include "sendflow/storage/integrity.h"

namespace sendflow::storage {

Store::Store(const std::string& path, engine::Clock& clock)
    : path_(path), clock_(clock), writer_(std::make_unique<Database>(path)) {
  int version = schemaVersion();
  if (version > latestSchemaVersion()) {
    throw SchemaTooNewError("the database " + path + " has schema version " +
                                std::to_string(version) + ", newer than this sendflow knows (" +
                                std::to_string(latestSchemaVersion()) +
                                "); run a newer sendflow or restore a backup",
                            0);
  }
}

Store::~Store() = default;

int Store::latestSchemaVersion() {
  const auto& all = embeddedMigrations();
  return all.empty() ? 0 : all.back().number;
}

// On a reader: /healthz asks this, and must not wait behind the writer's group commits.
int Store::schemaVersion() {
  return read([](Database& db) {
    Statement st(db, "PRAGMA user_version");
    st.step();
    return static_cast<int>(st.getInt(0));
  });
}

int Store::migrate() {
  int applied = 0;
  for (const auto& m : embeddedMigrations()) {
    std::lock_guard lock(writeMutex_);
    Transaction tx(*writer_);
    int64_t current = 0;
    {
      // Finalised before the migration runs: an open statement would make DROP TABLE fail.
      Statement v(*writer_, "PRAGMA user_version");
      v.step();
      current = v.getInt(0);
    }
    if (current >= m.number) continue;
    writer_->exec(m.sql);
    writer_->exec("PRAGMA user_version=" + std::to_string(m.number));
    tx.commit();
    ++applied;
  }
  return applied;
}

void Store::submit(Command& c) {
  constexpr size_t kMaxBatch = 128;
  std::unique_lock lock(queueMutex_);
  queue_.push_back(&c);
  queueChanged_.wait(lock, [&] { return c.done || (!leading_ && queue_.front() == &c); });
  if (!c.done) {
    // Lead: commit everything queued so far in one transaction.
    leading_ = true;
    std::vector<Command*> batch(
        queue_.begin(), queue_.begin() + static_cast<long>(std::min(queue_.size(), kMaxBatch)));
    lock.unlock();
    std::exception_ptr commitError;
    bool changed = false;
    {
      std::lock_guard writer(writeMutex_);
      const int64_t before = writer_->totalChanges();
      try {
        Transaction tx(*writer_);
        for (Command* cmd : batch) {
          writer_->exec("SAVEPOINT command");
          try {
            cmd->run(*writer_);
            writer_->exec("RELEASE command");
          } catch (...) {
            cmd->error = std::current_exception();
            writer_->exec("ROLLBACK TO command");
            writer_->exec("RELEASE command");
          }
        }
        tx.commit();
        changed = writer_->totalChanges() != before;
      } catch (...) {
        commitError = std::current_exception();
      }
    }
    noteBatch(batch, commitError, changed);
    lock.lock();
    for (Command* cmd : batch) {
      if (commitError && !cmd->error) cmd->error = commitError;
      cmd->done = true;
      queue_.pop_front();
    }
    leading_ = false;
    queueChanged_.notify_all();
  }
  if (c.error) std::rethrow_exception(c.error);
}

namespace {

bool isDiskFull(const std::exception_ptr& e) {
  if (!e) return false;
  try {
    std::rethrow_exception(e);
  } catch (const engine::DiskFullError&) {
    return true;
  } catch (...) {
    return false;
  }
}

}  // namespace

// A batch that wrote something clears the disk-full state; one that failed for want of space sets
// it (a commit that changed nothing proves nothing: it needed no room).
void Store::noteBatch(const std::vector<Command*>& batch, const std::exception_ptr& commitError,
                      bool changed) {
  bool full = isDiskFull(commitError);
  for (const Command* cmd : batch) full = full || isDiskFull(cmd->error);
  if (!full && !changed) return;
  std::lock_guard lock(diskMutex_);
  if (full && !disk_.full) {
    disk_.full = true;
    disk_.since = clock_.now();
    ++disk_.episode;
  } else if (!full && disk_.full) {
    disk_.full = false;
  }
}

Store::DiskState Store::diskState() const {
  std::lock_guard lock(diskMutex_);
  return disk_;
}

Store::Lease::Lease(Store& s) : store(s) {
  {
    std::lock_guard lock(s.poolMutex_);
    if (!s.idleReaders_.empty()) {
      db = std::move(s.idleReaders_.back());
      s.idleReaders_.pop_back();
    }
  }
  if (!db) db = std::make_unique<Database>(s.path_);
}

// Keep as many idle readers as requests ever ran at once (up to a bound): opening a connection
// parses the whole schema, and with a small pool 64 concurrent clients spent their time there.
constexpr std::size_t kMaxIdleReaders = 256;

Store::Lease::~Lease() {
  std::lock_guard lock(store.poolMutex_);
  if (store.idleReaders_.size() < kMaxIdleReaders) store.idleReaders_.push_back(std::move(db));
}

std::string auditCanonical(const engine::StoredAuditEvent& e) {
  Poco::JSON::Array a;
  a.add(e.id);
  a.add(e.at);
  a.add(e.actor);
  a.add(e.action);
  a.add(e.subjectType);
  a.add(e.subjectId);
  a.add(e.academyId);
  a.add(e.detail);
  a.add(e.prevHash);
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(a, out);
  return out.str();
}

void Store::appendAudit(Database& db, const engine::AuditEvent& e) {
  engine::StoredAuditEvent s;
  static_cast<engine::AuditEvent&>(s) = e;
  {
    Statement last(db, "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1");
    if (last.step()) {
      s.id = last.getInt(0) + 1;
      s.prevHash = last.getText(1);
    } else {
      s.id = 1;
      s.prevHash = std::string(64, '0');
    }
  }
  if (s.detail.empty()) s.detail = "{}";
  s.at = engine::isoTime(clock_.now());
  s.hash = engine::sha256Hex(auditCanonical(s));
  Statement ins(db,
                "INSERT INTO audit_event(id, at, actor, action, subject_type, subject_id, "
                "academy_id, detail, prev_hash, hash) VALUES (?,?,?,?,?,?,?,?,?,?)");
  ins.bind(1, s.id).bind(2, s.at).bind(3, s.actor).bind(4, s.action).bind(5, s.subjectType);
  ins.bind(6, s.subjectId).bind(7, s.academyId).bind(8, s.detail.empty() ? "{}" : s.detail);
  ins.bind(9, s.prevHash).bind(10, s.hash);
  ins.run();
}

void Store::backup(const std::string& destPath) {
  Lease lease(*this);
  copyDatabase(*lease.db, destPath);
}

}  // namespace sendflow::storage
