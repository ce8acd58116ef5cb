#include "app/backups.h"

#include <Poco/DateTimeFormatter.h>
#include <Poco/DateTimeParser.h>
#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>

#include <algorithm>
#include <regex>
#include <stdexcept>

#include "app/audit_anchor_file.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/integrity.h"

namespace sendflow::web {
namespace {

const std::regex kBackupName(R"(sendflow-(\d{8}T\d{6}Z)\.db)");
constexpr const char* kStampFormat = "%Y%m%dT%H%M%SZ";

std::string stamp(engine::TimePoint t) {
  return Poco::DateTimeFormatter::format(Poco::Timestamp::fromEpochTime(engine::toUnix(t)),
                                         kStampFormat);
}

void removeIfThere(const std::string& path) {
  Poco::File f(path);
  if (f.exists()) f.remove();
}

void checkSealed(storage::Database& db, const engine::DocumentStore& store, DatabaseCheck& out) {
  for (const auto& s : storage::sealedFiles(db)) {
    ++out.sealedDocuments;
    const std::string where = "the sealed PDF of plan " + std::to_string(s.planId) + " version " +
                              std::to_string(s.version);
    try {
      if (engine::sha256Hex(store.get(s.path)) != s.pdfSha256)
        out.problems.push_back(where + " (" + s.path + ") differs from the file that was sealed");
    } catch (const std::exception& e) {
      out.problems.push_back(where + " cannot be read: " + e.what());
    }
  }
}

// Scheduled backups in `dir`, oldest first.
std::vector<BackupInfo> backupsIn(const std::string& dir) {
  std::vector<BackupInfo> out;
  if (!Poco::File(dir).exists()) return out;
  for (Poco::DirectoryIterator it(dir), end; it != end; ++it) {
    std::smatch m;
    const std::string name = it.name();
    if (!std::regex_match(name, m, kBackupName)) continue;
    int tz = 0;
    Poco::DateTime when;
    if (!Poco::DateTimeParser::tryParse(kStampFormat, m[1].str(), when, tz)) continue;
    out.push_back({it->path(), engine::fromUnix(when.timestamp().epochTime())});
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.at < b.at; });
  return out;
}

void checkOpened(const std::string& path, const engine::DocumentStore* sealed, DatabaseCheck& out) {
  storage::Database db(path, true);
  out.problems = storage::databaseProblems(db, false);
  if (!out.problems.empty()) return;  // the rest would read a damaged file
  auto chain = storage::checkAuditChain(db);
  out.auditEvents = chain.checked;
  if (chain.firstBadId)
    out.problems.push_back("the audit chain is broken at event " +
                           std::to_string(chain.firstBadId) + ": " + chain.problem);
  auto versions = storage::checkPlanVersions(db);
  out.planVersions = versions.checked;
  out.problems.insert(out.problems.end(), versions.problems.begin(), versions.problems.end());
  auto made = storage::checkVersionEvents(db);  // each version chained to its audit event
  out.problems.insert(out.problems.end(), made.problems.begin(), made.problems.end());
  if (sealed) checkSealed(db, *sealed, out);
}

}  // namespace

DatabaseCheck checkDatabaseFile(const std::string& path, const engine::DocumentStore* sealed) {
  if (!Poco::File(path).exists()) throw std::runtime_error("there is no file " + path);
  DatabaseCheck out;
  try {
    checkOpened(path, sealed, out);
  } catch (const std::exception& e) {  // damage SQLite meets before its integrity check can run
    out.problems.push_back(std::string("it cannot be read as a database: ") + e.what());
  }
  return out;
}

BackupResult backupTo(storage::Store& store, const std::string& path) {
  if (Poco::File(path).exists())
    throw std::runtime_error("the backup file " + path + " already exists; name a new file");
  const std::string partial = path + ".partial";
  removeIfThere(partial);
  try {
    store.backup(partial);
    BackupResult r{path, checkDatabaseFile(partial), Poco::File(partial).getSize()};
    if (!r.check.problems.empty())
      throw std::runtime_error("the copy failed its check: " + r.check.problems.front());
    Poco::File(partial).renameTo(path);
    return r;
  } catch (...) {
    removeIfThere(partial);
    throw;
  }
}

std::optional<BackupInfo> lastGoodBackup(const std::string& dir) {
  auto all = backupsIn(dir);
  if (all.empty()) return std::nullopt;
  return all.back();
}

std::optional<BackupResult> backupIfDue(storage::Store& store, const BackupSettings& s,
                                        engine::TimePoint now) {
  if (s.dir.empty()) return std::nullopt;
  auto last = lastGoodBackup(s.dir);
  if (last && now - last->at < s.every) return std::nullopt;
  Poco::File(s.dir).createDirectories();
  auto made = backupTo(store, s.dir + "/sendflow-" + stamp(now) + ".db");
  auto all = backupsIn(s.dir);
  for (std::size_t i = 0; i + static_cast<std::size_t>(s.keep) < all.size(); ++i)
    removeIfThere(all[i].path);
  return made;
}

RestoreResult restoreDatabase(const std::string& file, const std::string& databasePath,
                              const std::string& anchorPath, engine::TimePoint now) {
  auto check = checkDatabaseFile(file);
  if (!check.problems.empty())
    throw std::runtime_error(file + " is not a sound sendflow database: " + check.problems.front() +
                             ". Nothing was changed.");
  const std::string incoming = databasePath + ".restoring";
  removeIfThere(incoming);
  {
    storage::Database source(file, true);
    storage::copyDatabase(source, incoming);
  }
  RestoreResult out;
  if (Poco::File(databasePath).exists()) {
    out.databaseKeptAs = databasePath + ".replaced-" + stamp(now);
    Poco::File(databasePath).renameTo(out.databaseKeptAs);
    for (const char* suffix : {"-wal", "-shm"})
      if (Poco::File(databasePath + suffix).exists())
        Poco::File(databasePath + suffix).renameTo(out.databaseKeptAs + suffix);
  }
  Poco::File(incoming).renameTo(databasePath);
  // The checked chain is events 1..auditEvents, so that is the restored head.
  const auto anchors = AuditAnchorFile(anchorPath).read();
  std::vector<engine::AuditAnchor> reached;
  for (const auto& a : anchors.anchors)
    if (a.eventId <= check.auditEvents) reached.push_back(a);
  out.anchorsSetAside = static_cast<int>(anchors.anchors.size() - reached.size());
  if (out.anchorsSetAside > 0 || !anchors.problems.empty()) {
    out.anchorsKeptAs = anchorPath + ".replaced-" + stamp(now);
    Poco::File(anchorPath).renameTo(out.anchorsKeptAs);
    AuditAnchorFile rewound(anchorPath);
    for (const auto& a : reached) rewound.append(a);
  }
  return out;
}

}  // namespace sendflow::web
