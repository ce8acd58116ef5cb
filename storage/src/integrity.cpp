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
