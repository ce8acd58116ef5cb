// The composition root: real implementations wired together once, shared by the server and
// the CLI. Thread-safe after construction.
#pragma once

#include <Poco/Logger.h>

#include <atomic>
#include <memory>
#include <mutex>

#include "app/audit_anchor_file.h"
#include "app/backups.h"
#include "app/config.h"
#include "app/health.h"
#include "app/services.h"
#include "http/http.h"
#include "i18n/translations.h"
#include "pages/live_words.h"
#include "pages/views.h"
#include "sendflow/engine/contributions/contributions.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/document_store.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/documents/pdf/pdf.h"
#include "sendflow/engine/people/auth.h"
#include "sendflow/engine/people/people.h"
#include "sendflow/engine/plans/plans.h"
#include "sendflow/engine/plans/reads.h"
#include "sendflow/engine/records/records.h"
#include "sendflow/engine/reminders/reminders.h"
#include "sendflow/storage/contribution_repository.h"
#include "sendflow/storage/live_repository.h"
#include "sendflow/storage/outbox_repository.h"
#include "sendflow/storage/plan_repository.h"
#include "sendflow/storage/records_repository.h"
#include "sendflow/storage/repositories.h"
#include "sendflow/storage/signature_repository.h"
#include "sendflow/storage/store.h"

namespace sendflow::web {

class MailService;
class LiveHub;

// Handlers see it as Services (web/app/services.h); its members are private to this class, its
// constructor (app.cpp) and its factories.
class App final : public Services {
 public:
  // Opens the database (creating SENDFLOW_HOME), applies pending migrations, and with views
  // compiles the page templates. The form and workflow definitions are read and checked when
  // first asked for (engine::DefinitionRegistry::deferred; a broken one throws
  // engine::DefinitionError naming the file); the signing, contribution, records and mail
  // services are built when first asked for. openAll does all of that now.
  App(Settings settings, engine::Clock& clock, Poco::Logger& log, bool withViews = true);
  ~App() override;
  // Reads the definitions and builds every service not built yet, so a server fails at start (a
  // broken definition, a bad seal key, a missing mail template) rather than at its first
  // request, and logs the seal key notice then.
  void openAll();

  // Services
  const Settings& settings() const override { return settings_; }
  engine::Clock& clock() override { return clock_; }
  Poco::Logger& log() override { return log_; }
  engine::RandomSource& random() override { return random_; }
  const engine::DefinitionRegistry& definitions() const override { return definitions_; }
  engine::AuthService& auth() override { return auth_; }
  engine::PeopleService& people() override { return people_; }
  engine::PlanService& plans() override { return plans_; }
  engine::ReadService& reads() override { return reads_; }
  // Built on first use (a CLI command builds only what it uses; serve builds them all at start,
  // openAll): the signing service (seal key, link key), the mail templates.
  engine::SignatureService& signatures() override;
  engine::ContributionService& contributions() override;
  engine::ReminderService& reminders() override { return reminders_; }
  engine::RecordsService& records() override;
  MailService& mail() override;
  LiveHub& live() override { return *live_; }
  const engine::PdfRenderer& pdf() override;
  const Translations& translations() const override { return translations_; }
  std::string liveWords(std::string_view language) const override {
    return liveWords_.in(language);
  }
  bool hasViews() const override { return views_ != nullptr; }
  Views& views() override { return *views_; }
  Router& router() override { return router_; }
  const std::string& sealKeyNotice() const override { return sealKeyNotice_; }
  HealthReport health() override;
  ServerMetrics& metrics() override { return metrics_; }
  void collectMetrics(MetricsText& out) override;
  std::optional<DiskFull> diskFull() override {
    const auto d = store_.diskState();
    if (!d.full) return std::nullopt;
    return DiskFull{d.since, d.episode};
  }

  // The composition root's own administration (the CLI's migrate, backup and audit verify).
  int schemaVersion() { return store_.schemaVersion(); }
  // A checked copy of the database at `path` (app/backups.h backupTo).
  BackupResult backup(const std::string& path) { return backupTo(store_, path); }
  // The server's scheduled backup (backups.h backupIfDue) when due, recorded for health(); a
  // failure is logged and retried later, never thrown.
  void scheduledBackup(engine::TimePoint now);
  // serve's Scheduler finished a round of its work at `at` (shown by health()).
  void scheduledWorkDone(engine::TimePoint at) { scheduledWorkDoneAt_ = engine::toUnix(at); }
  // Recomputes the audit hash chain and checks it against the chain head, so an altered,
  // reordered or deleted event (the newest ones too) is named; then against every anchor kept
  // outside the database (each line of <home>/audit.anchor, and `given`: typed from a digest or
  // a sealed PDF), so a chain cut back or rewritten with its head recomputed is named too; and
  // every plan version against its content hash and the audit event that made it.
  struct AuditCheck {
    bool intact = true;
    std::int64_t checked = 0;           // events
    std::int64_t versions = 0;          // plan versions
    std::vector<std::string> problems;  // "audit chain BROKEN at event N: ...", "anchor ...: ..."
    std::vector<std::string> anchors;   // which anchors were used and whether each matched
  };
  AuditCheck verifyAuditChain(const std::vector<engine::AuditAnchor>& given = {});
  // Appends the chain's head to <home>/audit.anchor when one is due (engine::anchorDue: weekly,
  // after audit.anchor_every_seconds while events are written, and at a clean shutdown when
  // `closing`). The server's scheduler calls it; throws engine::InfraError when it cannot write.
  void anchorAuditHead(bool closing);
  // The server's clean shutdown: the destructor, once live edits are folded (their last
  // writes), anchors the head (anchorAuditHead(true)).
  void anchorAuditHeadOnClose() { anchorOnClose_ = true; }

  // The storage underneath, through the engine's ports, for the demo seeder and for tests that
  // arrange a world directly. Handlers never see App, only Services.
  engine::PeopleRepository& peopleRepository() { return peopleRepo_; }
  // Tests only: the SQLite parts themselves.
  storage::Store& store() { return store_; }
  storage::SqliteOutbox& outbox() { return outbox_; }
  storage::SqlitePlanRepository& planRepository() { return planRepo_; }
  storage::SqliteAuditLog& auditLog() { return audit_; }

 private:
  friend std::unique_ptr<engine::SignatureService> makeSignatureService(App& app);
  HealthCheck scheduledWorkCheck();

  // The plan service's e-signature actions until the signing service exists: the first
  // transition that needs them builds it (reading the seal key), and it then registers itself.
  class SigningOnFirstUse final : public engine::TransitionActions {
   public:
    explicit SigningOnFirstUse(App& app) : app_(app) {}
    engine::Status prepare(engine::ActionKind action, const engine::PlanView& v,
                           const engine::TransitionDef& t, engine::TransitionChange& c) override {
      return app_.signatures().prepare(action, v, t, c);
    }

   private:
    App& app_;
  };

  const Settings settings_;
  engine::Clock& clock_;
  Poco::Logger& log_;
  engine::SystemRandom random_;
  // translations.dir (translations/LANGUAGES and *.po): read first, as its list of languages is
  // also the one the definitions' words may be in.
  const Translations translations_;
  const LiveWords liveWords_{translations_};
  const engine::DefinitionRegistry definitions_;
  storage::Store store_;
  AuditAnchorFile anchors_;  // <home>/audit.anchor
  storage::SqlitePeopleRepository peopleRepo_;
  storage::SqliteSessionRepository sessions_;
  storage::SqliteAuditLog audit_;
  storage::SqlitePlanRepository planRepo_;
  engine::AuthService auth_;
  engine::PeopleService people_;
  engine::PlanService plans_;
  std::unique_ptr<Views> views_;
  Router router_;
  storage::SqliteOutbox outbox_;
  engine::ReminderService reminders_;
  std::unique_ptr<MailService> mail_;  // SMTP sender and reminder scheduling (web/mail)
  storage::SqliteSignatureRepository signatureRepo_{store_};
  std::unique_ptr<engine::DocumentStore> sealedDocuments_;  // <home>/sealed
  engine::ReadService reads_{plans_, people_, planRepo_, signatureRepo_, audit_};
  std::unique_ptr<engine::SignatureService> signatures_;  // web/app/signing_service.cpp
  storage::SqliteContributionRepository contributionRepo_{store_};
  std::unique_ptr<engine::ContributionService> contributions_;  // parents' and professionals'
  storage::SqliteRecordsRepository recordsRepo_{store_};
  std::unique_ptr<engine::RecordsService> records_;  // subject access, transfers, who read what
  std::once_flag mailOnce_, signaturesOnce_, contributionsOnce_, recordsOnce_;
  SigningOnFirstUse signingOnFirstUse_{*this};
  storage::SqliteLiveLog liveLog_{store_};  // live edits not yet folded (web/live/live_socket.cpp)
  BackupStatus backups_{settings_.backup};
  ServerMetrics metrics_;
  std::atomic<std::int64_t> scheduledWorkDoneAt_{0};  // unix seconds; 0: not yet
  std::string sealKeyNotice_;      // set when a self-signed seal certificate is in use
  std::shared_ptr<LiveHub> live_;  // live editing sessions (web/live); destroyed first
  bool anchorOnClose_ = false;
  std::mutex pdfMutex_;
  std::unique_ptr<engine::PdfRenderer> pdf_;
};

// Loads (or on first start generates) the seal key and builds the signature service.
std::unique_ptr<engine::SignatureService> makeSignatureService(App& app);

// Registers every route of the application.
void registerRoutes(Router& router);

}  // namespace sendflow::web
