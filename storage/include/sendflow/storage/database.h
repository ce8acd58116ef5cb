// Thin RAII over SQLite: a connection, prepared statements (kept per connection for reuse), and
// transactions that roll back unless committed. sqlite3.h stays out of this header.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace sendflow::storage {

// Thrown on any SQLite failure (an infrastructure fault).
class StorageError : public std::runtime_error {
 public:
  StorageError(const std::string& what, int code) : std::runtime_error(what), code_(code) {}
  int code() const { return code_; }

 private:
  int code_;
};

class Database {
 public:
  // Opens (creating if needed) with WAL, foreign keys on, a busy timeout and synchronous=FULL.
  explicit Database(const std::string& path, bool readOnly = false);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(std::string_view sql);  // one or more statements, no parameters
  int64_t lastInsertId() const;
  int changes() const;
  int64_t totalChanges() const;  // rows changed through this connection since it opened
  sqlite3* handle() { return db_; }
  const std::string& path() const { return path_; }

 private:
  friend class Statement;
  // Prepared statements kept for reuse, one idle statement per SQL text: preparing parses the
  // SQL, and a request runs the same few statements every time (a quarter of a PATCH's CPU was
  // sqlite3_prepare before this cache). At most kMaxCachedStatements texts; a slot holds nullptr
  // while its statement is in use (a second user of the same text prepares its own). Slots are
  // never erased before the connection closes, so a Statement may keep a pointer to its slot.
  static constexpr std::size_t kMaxCachedStatements = 128;
  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, sqlite3_stmt*, std::less<>> cached_;
};

class Statement {
 public:
  Statement(Database& db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Bind by 1-based index; chainable.
  Statement& bind(int i, int64_t v);
  Statement& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Statement& bind(int i, double v);
  Statement& bind(int i, std::string_view v);
  Statement& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Statement& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Statement& bindNull(int i);
  Statement& bindBlob(int i, std::string_view bytes);
  Statement& bindOptional(int i, const std::optional<std::string>& v);

  bool step();   // true while a row is available
  void run();    // step to completion (for writes)
  void reset();  // keep bindings; ready to run again

  int64_t getInt(int col) const;
  double getDouble(int col) const;
  std::string getText(int col) const;  // "" for NULL
  std::optional<std::string> getOptionalText(int col) const;
  bool isNull(int col) const;
  // The result's shape: column count, names, and each value's kind in the current row.
  int columnCount() const;
  std::string columnName(int col) const;
  enum class Kind { kInteger, kReal, kText, kBlob, kNull };
  Kind kind(int col) const;

 private:
  Database& db_;
  sqlite3_stmt** slot_ = nullptr;  // where it goes back when done (nullptr: finalized instead)
  sqlite3_stmt* stmt_ = nullptr;
};

// BEGIN IMMEDIATE on construction; rolls back in the destructor unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Database& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Database& db_;
  bool done_ = false;
};

}  // namespace sendflow::storage
