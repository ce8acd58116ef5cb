#include "app/health.h"

#include <Poco/JSON/Stringifier.h>
#include <Poco/Path.h>

#include <algorithm>
#include <sstream>

namespace sendflow::web {

const char* healthLevelName(HealthLevel l) {
  switch (l) {
    case HealthLevel::kOk:
      return "ok";
    case HealthLevel::kWarning:
      return "warning";
    case HealthLevel::kFailing:
      return "failing";
  }
  return "failing";
}

HealthLevel HealthReport::overall() const {
  HealthLevel worst = HealthLevel::kOk;
  for (const auto& c : checks) worst = std::max(worst, c.level);
  return worst;
}

const HealthCheck* HealthReport::find(const std::string& name) const {
  for (const auto& c : checks)
    if (c.name == name) return &c;
  return nullptr;
}

std::string healthJson(const HealthReport& report) {
  Poco::JSON::Object out(Poco::JSON_PRESERVE_KEY_ORDER);
  out.set("status", healthLevelName(report.overall()));
  Poco::JSON::Object::Ptr checks = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
  for (const auto& c : report.checks) {
    Poco::JSON::Object::Ptr o = new Poco::JSON::Object(Poco::JSON_PRESERVE_KEY_ORDER);
    o->set("status", healthLevelName(c.level));
    o->set("message", c.message);
    if (c.facts)
      for (const auto& [key, value] : *c.facts) o->set(key, value);
    checks->set(c.name, o);
  }
  out.set("checks", checks);
  std::ostringstream s;
  Poco::JSON::Stringifier::stringify(out, s);
  return s.str() + "\n";
}

BackupStatus::BackupStatus(const BackupSettings& s) : settings_(s) {
  if (!s.dir.empty()) last_ = lastGoodBackup(s.dir);
}

void BackupStatus::succeeded(const BackupInfo& made) {
  std::lock_guard lock(mutex_);
  last_ = made;
  failedAt_.reset();
  failure_.clear();
}

void BackupStatus::failed(engine::TimePoint at, const std::string& why) {
  std::lock_guard lock(mutex_);
  failedAt_ = at;
  failure_ = why;
}

bool BackupStatus::mayTry(engine::TimePoint now) const {
  std::lock_guard lock(mutex_);
  const auto pause = std::min<std::chrono::seconds>(std::chrono::hours(1), settings_.every);
  return !failedAt_ || now - *failedAt_ >= pause;
}

std::optional<BackupInfo> BackupStatus::lastGood() const {
  std::lock_guard lock(mutex_);
  return last_;
}

HealthCheck BackupStatus::check(engine::TimePoint now) const {
  std::lock_guard lock(mutex_);
  HealthCheck c{"backup", HealthLevel::kOk, "", new Poco::JSON::Object};
  if (settings_.dir.empty()) {
    c.level = HealthLevel::kWarning;
    c.message = "Scheduled backups are off: set backup.dir.";
    return c;
  }
  if (last_) {
    const auto age = std::chrono::duration_cast<std::chrono::seconds>(now - last_->at);
    c.facts->set("last_good", engine::isoTime(last_->at));
    c.facts->set("last_good_file", Poco::Path(last_->path).getFileName());
    c.facts->set("age_seconds", static_cast<Poco::Int64>(age.count()));
    c.message = "The last checked backup was made on " + engine::ukDateTime(last_->at) + ".";
    // One missed interval is tolerated (a restart, a slow copy); two are not.
    if (age > 2 * settings_.every) {
      c.level = HealthLevel::kWarning;
      c.message += " That is older than backup.every allows.";
    }
  } else {
    c.level = HealthLevel::kWarning;
    c.message = "No checked backup has been made yet.";
  }
  if (failedAt_) {
    c.level = HealthLevel::kWarning;
    c.facts->set("last_failure", engine::isoTime(*failedAt_));
    c.facts->set("last_failure_reason", failure_);
    c.message +=
        " The backup attempted on " + engine::ukDateTime(*failedAt_) + " failed: " + failure_;
  }
  return c;
}

}  // namespace sendflow::web
