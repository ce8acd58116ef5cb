#include "app/app.h"

#include <Poco/File.h>

#include "app/definition_folders.h"
#include "app/home.h"
#include "live/live_socket.h"
#include "mail/mail.h"

namespace sendflow::web {
namespace {

const std::string& ensureHome(const Settings& s) {
  checkHome(s.home, s.databasePath);
  return s.databasePath;
}

}  // namespace

App::App(Settings s, engine::Clock& c, Poco::Logger& l, bool withViews)
    : settings_(std::move(s)),
      clock_(c),
      log_(l),
      definitions_(loadDefinitionFolders(settings_.formsDir, settings_.workflowsDir)),
      store_(ensureHome(settings_), clock_),
      peopleRepo_(store_),
      sessions_(store_),
      audit_(store_),
      planRepo_(store_),
      auth_(peopleRepo_, sessions_, clock_, random_),
      people_(peopleRepo_, clock_, random_),
      plans_(planRepo_, peopleRepo_, definitions_, clock_),
      outbox_(store_),
      reminders_(outbox_, peopleRepo_, plans_, clock_, settings_.reminders) {
  store_.migrate();
  mail_ = std::make_unique<MailService>(*this, outbox_, settings_.mail);
  signatures_ = makeSignatureService(*this);
  contributions_ = std::make_unique<engine::ContributionService>(
      plans_, contributionRepo_, peopleRepo_, clock_, random_, signatures_->settings().linkKey);
  records_ = std::make_unique<engine::RecordsService>(
      people_, peopleRepo_, plans_, definitions_, recordsRepo_, *sealedDocuments_, audit_, clock_);
  if (withViews) {
    views_ = std::make_unique<Views>(settings_.webRoot + "/templates");
    registerRoutes(router_);
    // The plan service asks the live hub to fold live edits before a transition.
    live_ = std::make_shared<LiveHub>(*this, liveLog_);
    plans_.setPendingEdits(live_.get());
  }
}

const engine::PdfRenderer& App::pdf() {
  std::lock_guard<std::mutex> lock(pdfMutex_);
  if (!pdf_) pdf_ = std::make_unique<engine::PdfRenderer>(FontFiles(settings_.pdfFonts));
  return *pdf_;
}

App::AuditCheck App::verifyAuditChain() {
  auto v = audit_.verify();  // the chain and its head (storage/integrity.h)
  if (v.firstBadId)
    return {false, v.checked,
            "audit chain BROKEN at event " + std::to_string(v.firstBadId) + ": " + v.problem};
  return {true, v.checked, ""};
}

HealthReport App::health() {
  HealthReport r;
  HealthCheck db{"database", HealthLevel::kOk, "The database answers.", nullptr};
  try {
    store_.schemaVersion();
  } catch (const std::exception& e) {
    db.level = HealthLevel::kFailing;
    db.message = std::string("The database does not answer: ") + e.what();
  }
  r.checks.push_back(db);
  r.checks.push_back(backups_.check(clock_.now()));
  return r;
}

void App::collectMetrics(MetricsText& out) {
  const auto now = clock_.now();
  const auto c = mail_->counts();
  out.family("sendflow_outbox_messages", "gauge", "Messages in the outbox, by state.");
  for (const auto& [state, n] :
       {std::pair{"queued", c.queued}, std::pair{"sending", c.sending}, std::pair{"sent", c.sent},
        std::pair{"retrying", c.retrying}, std::pair{"failed", c.failed}})
    out.sample("sendflow_outbox_messages", n, {{"state", state}});
  out.family("sendflow_outbox_oldest_due_seconds", "gauge",
             "How long the longest-waiting queued or retrying message has been due (0: none).");
  out.sample("sendflow_outbox_oldest_due_seconds",
             c.earliestDue && *c.earliestDue < now
                 ? static_cast<double>((now - *c.earliestDue).count())
                 : 0);
  if (live_) {
    out.family("sendflow_live_sessions", "gauge", "Plans being edited live now.");
    out.sample("sendflow_live_sessions", static_cast<double>(live_->sessionCount()));
  }
  out.family("sendflow_database_bytes", "gauge", "Size of the database files, by file.");
  for (const auto& [file, path] : {std::pair{"main", settings_.databasePath},
                                   std::pair{"wal", settings_.databasePath + "-wal"}}) {
    Poco::File f(path);
    out.sample("sendflow_database_bytes", f.exists() ? static_cast<double>(f.getSize()) : 0,
               {{"file", file}});
  }
  if (auto last = backups_.lastGood()) {
    out.family("sendflow_backup_age_seconds", "gauge",
               "Age of the newest checked scheduled backup (absent: none yet or backups off).");
    out.sample("sendflow_backup_age_seconds", static_cast<double>((now - last->at).count()));
  }
  out.family("sendflow_audit_head_id", "gauge", "Id of the newest event in the audit chain.");
  const auto head = storage::auditHead(store_);
  out.sample("sendflow_audit_head_id", head ? static_cast<double>(head->lastId) : 0);
}

void App::scheduledBackup(engine::TimePoint now) {
  if (!backups_.mayTry(now)) return;
  try {
    if (auto b = backupIfDue(store_, settings_.backup, now)) {
      backups_.succeeded({b->path, now});
      log_.information("backed up to %s (%s bytes, checked: %s audit events, %s plan versions)",
                       b->path, std::to_string(b->bytes), std::to_string(b->check.auditEvents),
                       std::to_string(b->check.planVersions));
    }
  } catch (const std::exception& e) {
    backups_.failed(now, e.what());
    log_.error("the scheduled backup failed: %s", std::string(e.what()));
  }
}

App::~App() = default;

}  // namespace sendflow::web
