#include "app/app.h"

#include "app/definition_folders.h"
#include "app/home.h"
#include "mail/mail.h"

namespace sendflow::web {
namespace {

const std::string& ensureHome(const Settings& s) {
  checkHome(s.home, s.databasePath);
  return s.databasePath;
}

}  // namespace

App::App(Settings s, engine::Clock& c, Poco::Logger& l, bool withViews)
    : settings(std::move(s)),
      clock(c),
      log(l),
      definitions(loadDefinitionFolders(settings.formsDir, settings.workflowsDir)),
      store(ensureHome(settings), clock),
      people(store),
      sessions(store),
      audit(store),
      planRepository(store),
      auth(people, sessions, clock, random),
      peopleService(people, clock, random),
      planService(planRepository, people, definitions, clock),
      outbox(store),
      reminders(outbox, people, planService, clock, settings.reminders) {
  store.migrate();
  mail = std::make_unique<MailService>(*this, settings.mail);
  signatures = makeSignatureService(*this);
  contributions = std::make_unique<engine::ContributionService>(
      planService, contributionRepository, people, clock, random, signatures->settings().linkKey);
  if (withViews) {
    views = std::make_unique<Views>(settings.webRoot + "/templates");
    registerRoutes(*this);
  }
}

const engine::PdfRenderer& App::pdf() {
  std::lock_guard<std::mutex> lock(pdfMutex_);
  if (!pdf_) pdf_ = std::make_unique<engine::PdfRenderer>(FontFiles(settings.pdfFonts));
  return *pdf_;
}

App::~App() = default;

}  // namespace sendflow::web
