#include "app/app.h"

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

App::~App() = default;

}  // namespace sendflow::web
