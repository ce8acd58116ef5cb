#include "sendflow/storage/integrity.h"

#include <Poco/File.h>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

std::vector<std::string> databaseProblems(Database& db, bool quick) {
  std::vector<std::string> out;
  Statement st(db, quick ? "PRAGMA quick_check" : "PRAGMA integrity_check");
  while (st.step()) {
    std::string line = st.getText(0);
    if (line != "ok") out.push_back(line);
  }
  return out;
}

VersionCheck checkPlanVersions(Database& db) {
  VersionCheck out;
  Statement st(db,
               "SELECT plan_id, number, values_json, content_hash FROM plan_version "
               "ORDER BY plan_id, number");
  while (st.step()) {
    ++out.checked;
    if (engine::sha256Hex(st.getText(2)) != st.getText(3))
      out.problems.push_back("plan " + std::to_string(st.getInt(0)) + " version " +
                             std::to_string(st.getInt(1)) +
                             ": its values do not match its content hash (changed after saving)");
  }
  return out;
}

VersionCheck checkVersionEvents(Database& db) {
  VersionCheck out;
  Statement st(db,
               "WITH made AS ("
               "  SELECT subject_id AS plan_id,"
               "         CASE action WHEN 'plan.launch' THEN 1"
               "                     ELSE json_extract(detail, '$.version') END AS number,"
               "         json_extract(detail, '$.content_hash') AS hash, id"
               "  FROM audit_event WHERE subject_type='plan' AND json_valid(detail)"
               "    AND action IN ('plan.launch', 'plan.edit'))"
               "SELECT v.plan_id, v.number, v.content_hash, m.id, m.hash "
               "FROM plan_version v LEFT JOIN made m ON m.plan_id=v.plan_id AND m.number=v.number "
               "ORDER BY v.plan_id, v.number, m.id");
  engine::Id lastPlan = 0;
  int64_t lastNumber = 0;
  while (st.step()) {
    const engine::Id plan = st.getInt(0);
    const int64_t number = st.getInt(1);
    if (plan == lastPlan && number == lastNumber) continue;  // the first event that made it
    lastPlan = plan;
    lastNumber = number;
    ++out.checked;
    const std::string name = "plan " + std::to_string(plan) + " version " + std::to_string(number);
    if (st.isNull(3))
      out.problems.push_back(name + ": no audit event records its saving (event deleted?)");
    else if (!st.isNull(4) && st.getText(4) != st.getText(2))
      out.problems.push_back(name + ": its content hash is not the one audit event " +
                             std::to_string(st.getInt(3)) + " recorded (changed after saving)");
  }
  return out;
}

std::optional<std::string> auditEventHash(Database& db, engine::Id id) {
  Statement st(db, "SELECT hash FROM audit_event WHERE id=?");
  st.bind(1, id);
  if (!st.step()) return std::nullopt;
  return st.getText(0);
}

engine::Id lastAuditEventId(Database& db) {
  Statement st(db, "SELECT COALESCE(MAX(id), 0) FROM audit_event");
  st.step();
  return st.getInt(0);
}

std::vector<SealedFileRecord> sealedFiles(Database& db) {
  std::vector<SealedFileRecord> out;
  Statement st(db,
               "SELECT plan_id, version, pdf_sha256, path FROM sealed_document "
               "ORDER BY plan_id, version");
  while (st.step())
    out.push_back({st.getInt(0), static_cast<int>(st.getInt(1)), st.getText(2), st.getText(3)});
  return out;
}

void copyDatabase(Database& source, const std::string& destPath) {
  if (Poco::File(destPath).exists())
    throw StorageError("the backup file " + destPath + " already exists; name a new file", 0);
  Statement st(source, "VACUUM INTO ?");
  st.bind(1, destPath);
  st.run();
}

}  // namespace sendflow::storage
