// What `/healthz` and the trust admin's page say about the server: one check per part an
// operator watches (the database, scheduled backups, …), each ok, a warning or failing.
// A failing check makes /healthz answer 503 (take this instance out of service); a warning is
// still 200 (it serves, but someone should look).
#pragma once

#include <Poco/JSON/Object.h>

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "app/backups.h"
#include "sendflow/engine/core/clock.h"

namespace sendflow::web {

enum class HealthLevel { kOk, kWarning, kFailing };
const char* healthLevelName(HealthLevel l);  // "ok", "warning", "failing"

struct HealthCheck {
  std::string name;  // "database", "backup", …
  HealthLevel level = HealthLevel::kOk;
  std::string message;            // plain English, for an operator
  Poco::JSON::Object::Ptr facts;  // figures a monitor may read (may be null)
};

struct HealthReport {
  std::vector<HealthCheck> checks;
  HealthLevel overall() const;  // the worst of the checks
  const HealthCheck* find(const std::string& name) const;
};

// {"status": "ok", "checks": {"database": {"status": "ok", "message": …, …facts}, …}}
std::string healthJson(const HealthReport& report);

// What the server's scheduled backups have done since it started (thread-safe): the newest
// checked backup on disk, and the last attempt that failed, if it came after it.
class BackupStatus {
 public:
  // Reads the newest backup already in `s.dir` (none when backups are off).
  explicit BackupStatus(const BackupSettings& s);
  void succeeded(const BackupInfo& made);
  void failed(engine::TimePoint at, const std::string& why);
  // False for a while after a failed attempt (an hour, or `every` when shorter): a backup that
  // fails is not retried every minute on a large database.
  bool mayTry(engine::TimePoint now) const;
  HealthCheck check(engine::TimePoint now) const;
  std::optional<BackupInfo> lastGood() const;

 private:
  const BackupSettings settings_;
  mutable std::mutex mutex_;
  std::optional<BackupInfo> last_;
  std::optional<engine::TimePoint> failedAt_;
  std::string failure_;
};

}  // namespace sendflow::web
