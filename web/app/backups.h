// Backups an operator can trust: a consistent copy made in one step while people work, checked
// before it is called a backup; scheduled ones kept to a count; a restore that checks first.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "app/config.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/document_store.h"
#include "sendflow/storage/store.h"

namespace sendflow::web {

// What the checks found in one database file.
struct DatabaseCheck {
  std::vector<std::string> problems;  // empty: sound
  int64_t auditEvents = 0;
  int64_t planVersions = 0;
  int64_t sealedDocuments = 0;  // checked against their files (only when a store is given)
};

// Opens `path` read-only and runs SQLite's full integrity check, the audit chain against its
// head and every plan version's content hash; with `sealed`, also reads every sealed document
// and compares its SHA-256 with the record. Throws HomeError-like std::runtime_error only when
// the file cannot be opened at all.
DatabaseCheck checkDatabaseFile(const std::string& path,
                                const engine::DocumentStore* sealed = nullptr);

struct BackupResult {
  std::string path;
  DatabaseCheck check;
  std::uintmax_t bytes = 0;
};

// Copies the live database to `path` (written as path + ".partial"), checks the copy, and only
// then renames it into place. Throws std::runtime_error naming what failed (nothing is left at
// `path`). Refuses an existing file.
BackupResult backupTo(storage::Store& store, const std::string& path);

struct BackupInfo {
  std::string path;
  engine::TimePoint at;
};
// The newest scheduled backup in `dir` (every one there was checked before it got its name).
std::optional<BackupInfo> lastGoodBackup(const std::string& dir);

// When the newest backup in s.dir is `every` old (or there is none), makes one named
// sendflow-YYYYMMDDTHHMMSSZ.db and removes the oldest beyond `keep`. Returns it when made.
std::optional<BackupResult> backupIfDue(storage::Store& store, const BackupSettings& s,
                                        engine::TimePoint now);

struct RestoreResult {
  std::string databaseKeptAs;  // where the database it replaced went ("" when there was none)
  // <home>/audit.anchor after the restore: anchors past the restored chain's newest event belong
  // to the history the restore replaced, so the file goes aside whole (anchorsKeptAs) and only
  // the anchors the restored chain reaches are written back.
  std::string anchorsKeptAs;  // "" when no anchor was past the restored chain
  int anchorsSetAside = 0;
};
// Puts `file` back as the database at `databasePath`: checks it first (refusing a damaged one),
// copies it in, keeps the database it replaces beside it as <name>.replaced-<time> and rewinds
// the audit anchor file at `anchorPath` as RestoreResult says. The caller holds the data
// directory's lock (no server runs).
RestoreResult restoreDatabase(const std::string& file, const std::string& databasePath,
                              const std::string& anchorPath, engine::TimePoint now);

}  // namespace sendflow::web
