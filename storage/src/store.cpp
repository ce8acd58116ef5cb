#include "sendflow/storage/store.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Logger.h>
#include <malloc.h>
#include <sqlite3.h>

#include <iterator>
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

Store::~Store() {
  {
    std::lock_guard lock(deferredMutex_);
    stopping_ = true;
  }
  deferredChanged_.notify_all();
  if (flusher_.joinable()) flusher_.join();
  const std::size_t queued = deferredAuditCount();
  if (queued == 0) return;
  try {
    flushDeferredAudit();
  } catch (const std::exception& e) {
    Poco::Logger::get("sendflow")
        .error("audit: %z read events could not be committed as the database closed: %s", queued,
               std::string(e.what()));
  }
}

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
  noteActivity();
  std::unique_lock lock(queueMutex_);
  queue_.push_back(&c);
  c.wake.wait(lock, [&] { return c.done || (!leading_ && queue_.front() == &c); });
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
      std::vector<DeferredEvent> deferred;
      try {
        Transaction tx(*writer_);
        deferred = appendDeferred(*writer_);
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
        if (!deferred.empty()) {
          std::lock_guard deferredLock(deferredMutex_);
          lastDeferredError_ = commitError;
          ++deferredFailures_;
        }
        requeue(std::move(deferred));
      }
    }
    noteBatch(batch, commitError, changed);
    lock.lock();
    for (Command* cmd : batch) {
      if (commitError && !cmd->error) cmd->error = commitError;
      cmd->done = true;
      queue_.pop_front();
      if (cmd != &c) cmd->wake.notify_one();
    }
    leading_ = false;
    if (!queue_.empty()) queue_.front()->wake.notify_one();  // the next group's leader
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

void Store::noteActivity() {
  lastActivity_.store(std::chrono::steady_clock::now().time_since_epoch().count(),
                      std::memory_order_relaxed);
  if (!backgroundStarted_.load(std::memory_order_acquire)) {
    std::lock_guard lock(deferredMutex_);
    if (deferredDelay_.count() > 0) startBackground();  // a server: it has idle times to use
  }
}

// Idle: keep kIdleReadersKept reader connections (closing the rest frees their page caches and
// prepared statements), let SQLite drop the caches it can, and hand free heap back to the
// system (glibc keeps it otherwise: 98 MB after a 64-client load, issue 15).
void Store::releaseIdleMemory() {
  std::vector<std::unique_ptr<Database>> closing;
  {
    std::lock_guard lock(poolMutex_);
    while (idleReaders_.size() > kIdleReadersKept) {
      closing.push_back(std::move(idleReaders_.back()));
      idleReaders_.pop_back();
    }
  }
  closing.clear();
  {
    std::lock_guard lock(poolMutex_);
    for (auto& r : idleReaders_) sqlite3_db_release_memory(r->handle());
  }
  {
    std::lock_guard lock(writeMutex_);
    sqlite3_db_release_memory(writer_->handle());
  }
  ::malloc_trim(0);
}

Store::Lease::Lease(Store& s) : store(s) {
  s.noteActivity();
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

// --- read events, committed in groups -------------------------------------------------------

void Store::setDeferredAuditDelay(std::chrono::milliseconds delay) {
  std::lock_guard lock(deferredMutex_);
  deferredDelay_ = std::max(delay, std::chrono::milliseconds(0));
}

void Store::appendDeferredAudit(const engine::AuditEvent& e) {
  {
    std::lock_guard lock(deferredMutex_);
    if (deferredDelay_.count() > 0) {
      deferred_.push_back({e, engine::isoTime(clock_.now())});
      startBackground();
      if (deferred_.size() == 1) deferredChanged_.notify_all();
      return;
    }
  }
  write([&](Database& db) { appendAudit(db, e); });
}

std::size_t Store::deferredAuditCount() const {
  std::lock_guard lock(deferredMutex_);
  return deferred_.size();
}

void Store::flushDeferredAudit() {
  std::uint64_t failuresBefore = 0;
  {
    std::lock_guard lock(deferredMutex_);
    if (deferred_.empty()) return;
    failuresBefore = deferredFailures_;
  }
  write([](Database&) {});  // the leader of its group appends the queued events first
  std::lock_guard lock(deferredMutex_);
  if (deferredFailures_ != failuresBefore && lastDeferredError_)
    std::rethrow_exception(lastDeferredError_);
}

void Store::commitQueuedReadsBeforeReading() noexcept {
  try {
    flushDeferredAudit();
  } catch (const std::exception& e) {
    Poco::Logger::get("sendflow")
        .error("audit: queued read events not yet committed: %s", std::string(e.what()));
  }
}

std::vector<Store::DeferredEvent> Store::appendDeferred(Database& db) {
  std::vector<DeferredEvent> taken;
  {
    std::lock_guard lock(deferredMutex_);
    if (deferred_.empty()) return taken;
    taken.assign(std::make_move_iterator(deferred_.begin()),
                 std::make_move_iterator(deferred_.end()));
    deferred_.clear();
  }
  try {
    db.exec("SAVEPOINT deferred_audit");
    try {
      for (const auto& d : taken) appendAudit(db, d.event, d.at);
      db.exec("RELEASE deferred_audit");
    } catch (...) {
      db.exec("ROLLBACK TO deferred_audit");
      db.exec("RELEASE deferred_audit");
      throw;
    }
  } catch (...) {
    {
      std::lock_guard lock(deferredMutex_);
      lastDeferredError_ = std::current_exception();
      ++deferredFailures_;
    }
    requeue(std::move(taken));
    return {};
  }
  return taken;
}

void Store::requeue(std::vector<DeferredEvent> events) {
  if (events.empty()) return;
  std::lock_guard lock(deferredMutex_);
  deferred_.insert(deferred_.begin(), std::make_move_iterator(events.begin()),
                   std::make_move_iterator(events.end()));
}

void Store::startBackground() {
  if (!flusher_.joinable() && !stopping_) flusher_ = std::thread([this] { runBackground(); });
  backgroundStarted_.store(true, std::memory_order_release);
}

// Waits for a first queued event, gives others half the delay to join it, commits them; a failed
// commit is logged and retried after the delay (the events stay queued, in order). With nothing
// queued, once the store has been idle for kIdleAfter it gives memory back (releaseIdleMemory).
void Store::runBackground() {
  std::unique_lock lock(deferredMutex_);
  bool released = false;
  while (!stopping_) {
    if (deferred_.empty()) {
      if (!deferredChanged_.wait_for(lock, kIdleAfter / 2,
                                     [this] { return stopping_ || !deferred_.empty(); })) {
        const auto idleFor =
            std::chrono::steady_clock::now().time_since_epoch() -
            std::chrono::steady_clock::duration(lastActivity_.load(std::memory_order_relaxed));
        if (idleFor < kIdleAfter) {
          released = false;
        } else if (!released) {
          lock.unlock();
          releaseIdleMemory();
          lock.lock();
          released = true;
        }
      }
      continue;
    }
    deferredChanged_.wait_for(lock, deferredDelay_ / 2,
                              [this] { return stopping_ || deferred_.empty(); });
    if (stopping_ || deferred_.empty()) continue;
    const std::size_t queued = deferred_.size();
    lock.unlock();
    bool failed = false;
    try {
      flushDeferredAudit();
    } catch (const std::exception& e) {
      failed = true;
      Poco::Logger::get("sendflow")
          .error("audit: committing %z read events failed, retrying: %s", queued,
                 std::string(e.what()));
    }
    lock.lock();
    if (failed) deferredChanged_.wait_for(lock, deferredDelay_, [this] { return stopping_; });
  }
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
  appendAudit(db, e, engine::isoTime(clock_.now()));
}

void Store::appendAudit(Database& db, const engine::AuditEvent& e, const std::string& at) {
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
  s.at = at;
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
