#include "sendflow/storage/database.h"

#include <sqlite3.h>

#include <cerrno>
#include <utility>

#include "sendflow/engine/core/disk_full.h"

namespace sendflow::storage {
namespace {

// SQLITE_FULL, or an I/O error whose system error says the disk (or the quota) is full, as a
// write to a full WAL or an fsync on a full disk reports it.
bool diskFull(sqlite3* db, int rc) {
  if ((rc & 0xff) == SQLITE_FULL) return true;
  if ((rc & 0xff) != SQLITE_IOERR || !db) return false;
  const int e = sqlite3_system_errno(db);
  return e == ENOSPC || e == EDQUOT;
}

[[noreturn]] void fail(sqlite3* db, int rc, std::string_view what) {
  std::string msg(what);
  msg += ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  if (diskFull(db, rc)) throw engine::DiskFullError(msg);
  throw StorageError(msg, rc);
}

}  // namespace

Database::Database(const std::string& path, bool readOnly) : path_(path) {
  int flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
              SQLITE_OPEN_NOMUTEX;
  int rc = sqlite3_open_v2(path.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    std::string msg =
        "cannot open database " + path + ": " + (db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc));
    sqlite3_close(db_);
    db_ = nullptr;
    throw StorageError(msg, rc);
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, 10000);
  // synchronous=FULL: a committed transaction survives power loss (the durable path).
  exec("PRAGMA foreign_keys=ON; PRAGMA synchronous=FULL;");
  if (!readOnly) exec("PRAGMA journal_mode=WAL;");
}

Database::~Database() {
  for (auto& [sql, stmt] : cached_) sqlite3_finalize(stmt);
  sqlite3_close_v2(db_);
}

void Database::exec(std::string_view sql) {
  if (sql.find(';') == std::string_view::npos) {
    // One statement (BEGIN, SAVEPOINT, COMMIT, …): run it from the statement cache.
    Statement st(*this, sql);
    st.run();
    return;
  }
  std::string s(sql);
  char* err = nullptr;
  int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    if (diskFull(db_, rc)) throw engine::DiskFullError("SQL failed: " + msg);
    throw StorageError("SQL failed: " + msg, rc);
  }
}

int64_t Database::lastInsertId() const { return sqlite3_last_insert_rowid(db_); }
int Database::changes() const { return sqlite3_changes(db_); }
int64_t Database::totalChanges() const { return sqlite3_total_changes64(db_); }

Statement::Statement(Database& db, std::string_view sql) : db_(db) {
  auto it = db.cached_.find(sql);
  if (it == db.cached_.end() && db.cached_.size() < Database::kMaxCachedStatements)
    it = db.cached_.emplace(std::string(sql), nullptr).first;
  if (it != db.cached_.end()) {
    slot_ = &it->second;
    stmt_ = std::exchange(it->second, nullptr);
    if (stmt_) return;
  }
  int rc = sqlite3_prepare_v3(db.handle(), sql.data(), static_cast<int>(sql.size()),
                              SQLITE_PREPARE_PERSISTENT, &stmt_, nullptr);
  if (rc != SQLITE_OK) fail(db.handle(), rc, "prepare");
}

Statement::~Statement() {
  if (slot_ && !*slot_ && stmt_) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    *slot_ = stmt_;
  } else {
    sqlite3_finalize(stmt_);
  }
}

Statement& Statement::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_, i, v);
  if (rc != SQLITE_OK) fail(db_.handle(), rc, "bind");
  return *this;
}
Statement& Statement::bind(int i, double v) {
  int rc = sqlite3_bind_double(stmt_, i, v);
  if (rc != SQLITE_OK) fail(db_.handle(), rc, "bind");
  return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
  int rc = sqlite3_bind_text64(stmt_, i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(db_.handle(), rc, "bind");
  return *this;
}
Statement& Statement::bindNull(int i) {
  int rc = sqlite3_bind_null(stmt_, i);
  if (rc != SQLITE_OK) fail(db_.handle(), rc, "bind");
  return *this;
}
Statement& Statement::bindBlob(int i, std::string_view bytes) {
  int rc = sqlite3_bind_blob64(stmt_, i, bytes.data(), bytes.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) fail(db_.handle(), rc, "bind");
  return *this;
}
Statement& Statement::bindOptional(int i, const std::optional<std::string>& v) {
  return v ? bind(i, *v) : bindNull(i);
}

bool Statement::step() {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  fail(db_.handle(), rc, "step");
}

void Statement::run() {
  while (step()) {
  }
}

void Statement::reset() { sqlite3_reset(stmt_); }

int64_t Statement::getInt(int col) const { return sqlite3_column_int64(stmt_, col); }
double Statement::getDouble(int col) const { return sqlite3_column_double(stmt_, col); }
std::string Statement::getText(int col) const {
  const auto* p = sqlite3_column_blob(stmt_, col);
  int n = sqlite3_column_bytes(stmt_, col);
  return p ? std::string(static_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}
std::optional<std::string> Statement::getOptionalText(int col) const {
  if (isNull(col)) return std::nullopt;
  return getText(col);
}
bool Statement::isNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
int Statement::columnCount() const { return sqlite3_column_count(stmt_); }
std::string Statement::columnName(int col) const {
  const char* name = sqlite3_column_name(stmt_, col);
  return name ? name : "";
}
Statement::Kind Statement::kind(int col) const {
  switch (sqlite3_column_type(stmt_, col)) {
    case SQLITE_INTEGER:
      return Kind::kInteger;
    case SQLITE_FLOAT:
      return Kind::kReal;
    case SQLITE_TEXT:
      return Kind::kText;
    case SQLITE_BLOB:
      return Kind::kBlob;
    default:
      return Kind::kNull;
  }
}

Transaction::Transaction(Database& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }
Transaction::~Transaction() {
  if (!done_) {
    try {
      db_.exec("ROLLBACK");
    } catch (...) {  // a failed rollback leaves SQLite to roll back on close
    }
  }
}
void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace sendflow::storage
