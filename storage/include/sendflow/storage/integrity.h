// What an operator checks on a database file: SQLite's own integrity, the audit hash chain
// against its head, every plan version against its content hash, the sealed documents it
// records; and the consistent copy a backup makes. Each works on any Database — the live one,
// a backup, a file about to be restored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/people/model.h"
#include "sendflow/storage/database.h"

namespace sendflow::storage {

// PRAGMA quick_check (quick) or integrity_check: the problems SQLite names; empty when sound.
std::vector<std::string> databaseProblems(Database& db, bool quick);

struct AuditChainCheck {
  engine::Id firstBadId = 0;  // 0: intact
  std::string problem;        // a sentence naming the event
  int64_t checked = 0;        // events read
};
// Recomputes every event's hash, checks each follows the one before, and that the newest event
// is the one the chain head records (so deleting the newest events is found too).
AuditChainCheck checkAuditChain(Database& db);

// Plan versions whose stored values do not hash to their recorded content hash, as sentences.
struct VersionCheck {
  int64_t checked = 0;
  std::vector<std::string> problems;
};
VersionCheck checkPlanVersions(Database& db);

// Each plan version against the audit event that made it ("plan.launch" for version 1,
// "plan.edit" with its number): a version without one, or whose content hash is not the one
// its event records, is named. (Events from before events recorded the hash only need to exist.)
VersionCheck checkVersionEvents(Database& db);

// The hash the chain holds for event `id`; nullopt when it has no such event.
std::optional<std::string> auditEventHash(Database& db, engine::Id id);
// The newest event's id (0 for an empty chain).
engine::Id lastAuditEventId(Database& db);

struct SealedFileRecord {
  engine::Id planId = 0;
  int version = 0;
  std::string pdfSha256;
  std::string path;
};
std::vector<SealedFileRecord> sealedFiles(Database& db);

// Writes a consistent copy of `source` to `destPath` in one step (VACUUM INTO: one read
// transaction, so writers carry on and the copy always completes). Refuses an existing file.
void copyDatabase(Database& source, const std::string& destPath);

}  // namespace sendflow::storage
