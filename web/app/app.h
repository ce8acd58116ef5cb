// The composition root: real implementations wired together once, shared by the server and
// the CLI. Thread-safe after construction.
#pragma once

#include <Poco/Logger.h>

#include <memory>
#include <mutex>

#include "app/config.h"
#include "http/http.h"
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
#include "sendflow/engine/reminders/reminders.h"
#include "sendflow/storage/contribution_repository.h"
#include "sendflow/storage/live_repository.h"
#include "sendflow/storage/outbox_repository.h"
#include "sendflow/storage/plan_repository.h"
#include "sendflow/storage/repositories.h"
#include "sendflow/storage/signature_repository.h"
#include "sendflow/storage/store.h"

namespace sendflow::web {

class MailService;
class LiveHub;

class App {
 public:
  // Loads and checks every form and workflow definition (throws engine::DefinitionError naming
  // the file), opens the database (creating SENDFLOW_HOME), applies pending migrations, and
  // compiles the page templates.
  App(Settings settings, engine::Clock& clock, Poco::Logger& log, bool withViews = true);

  const Settings settings;
  engine::Clock& clock;
  Poco::Logger& log;
  engine::SystemRandom random;
  const engine::DefinitionRegistry definitions;
  storage::Store store;
  storage::SqlitePeopleRepository people;
  storage::SqliteSessionRepository sessions;
  storage::SqliteAuditLog audit;
  storage::SqlitePlanRepository planRepository;
  engine::AuthService auth;
  engine::PeopleService peopleService;
  engine::PlanService planService;
  std::unique_ptr<Views> views;
  Router router;
  storage::SqliteOutbox outbox;
  engine::ReminderService reminders;
  std::unique_ptr<MailService> mail;  // SMTP sender and reminder scheduling (web/src/mail_*.cpp)
  storage::SqliteSignatureRepository signatureRepository{store};
  std::unique_ptr<engine::DocumentStore> sealedDocuments;  // <home>/sealed
  // Every read of a child's record, audited (engine/plans/reads.h).
  engine::ReadService reads{planService, peopleService, planRepository, signatureRepository, audit};
  std::unique_ptr<engine::SignatureService>
      signatures;  // e-signatures (web/app/signing_service.cpp)
  storage::SqliteContributionRepository contributionRepository{store};
  std::unique_ptr<engine::ContributionService>
      contributions;                      // parents' and professionals' sections
  storage::SqliteLiveLog liveLog{store};  // live edits not yet folded (web/live/live_socket.cpp)
  std::string sealKeyNotice;              // set when a self-signed seal certificate is in use
  std::shared_ptr<LiveHub>
      live;  // live editing sessions (web/live/live_socket.cpp); destroyed first
  ~App();

  // The one PDF renderer of the process, its fonts prepared on first use. Thread-safe; throws
  // engine::InfraError when the fonts cannot be read (and tries again on the next call).
  const engine::PdfRenderer& pdf();
  // Throws when the database does not answer (the health check).
  void checkDatabase() { store.schemaVersion(); }

 private:
  std::mutex pdfMutex_;
  std::unique_ptr<engine::PdfRenderer> pdf_;
};

// Loads (or on first start generates) the seal key and builds the signature service.
std::unique_ptr<engine::SignatureService> makeSignatureService(App& app);

// Registers every route of the application.
void registerRoutes(App& app);

}  // namespace sendflow::web
