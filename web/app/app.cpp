#include "app/app.h"

#include <Poco/File.h>

#include "app/definition_folders.h"
#include "app/home.h"
#include "i18n/language_list.h"
#include "live/live_socket.h"
#include "mail/mail.h"
#include "pages/routes.h"
#include "sendflow/engine/core/text.h"

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
      // A CLI command without pages (render, verify…) reads the catalogues only if it shows a
      // translated text; the server (and any command with pages) reads and checks them now.
      translations_(settings_.translationsDir, withViews ? Translations::Catalogues::kNow
                                                         : Translations::Catalogues::kOnFirstUse),
      // Read when first asked (openAll at server start; a command that launches or lists plans):
      // a plan already launched reads its own pinned snapshot, so `render` reads no folder.
      definitions_(engine::DefinitionRegistry::deferred([this] {
        return loadDefinitionFolders(
            settings_.formsDir, settings_.workflowsDir,
            languageListOf(translations_.languages(), settings_.translationsDir + "/LANGUAGES"));
      })),
      store_(ensureHome(settings_), clock_),
      anchors_(settings_.home + "/audit.anchor"),
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
  {  // a contact's language is one of those with a catalogue (translations/LANGUAGES)
    std::vector<std::string> tags;
    for (const auto& language : translations_.languages()) tags.push_back(language.tag);
    people_.setLanguages(std::move(tags));
  }
  store_.setDeferredAuditDelay(settings_.auditReadCommit);
  reminders_.setAuditAnchors(&anchors_);
  // The signing service is built by the first transition with e-signature actions (or the first
  // use of signatures()), then registers itself; until then this stand-in answers for it.
  plans_.setTransitionActions(&signingOnFirstUse_);
  if (withViews) {
    views_ = std::make_unique<Views>(settings_.webRoot + "/templates", &translations_);
    registerRoutes(router_);
    if (settings_.demo()) registerDemoMailboxRoutes(router_);  // a demo server only
    // The plan service asks the live hub to fold live edits before a transition.
    live_ = std::make_shared<LiveHub>(*this, liveLog_);
    plans_.setPendingEdits(live_.get());
  }
}

MailService& App::mail() {
  std::call_once(mailOnce_,
                 [this] { mail_ = std::make_unique<MailService>(*this, outbox_, settings_.mail); });
  return *mail_;
}

engine::SignatureService& App::signatures() {
  std::call_once(signaturesOnce_, [this] {
    signatures_ = makeSignatureService(*this);
    signatures_->setAuditAnchors(&anchors_);
  });
  return *signatures_;
}

engine::ContributionService& App::contributions() {
  std::call_once(contributionsOnce_, [this] {
    contributions_ = std::make_unique<engine::ContributionService>(
        plans_, contributionRepo_, peopleRepo_, clock_, random_, signatures().settings().linkKey);
  });
  return *contributions_;
}

engine::RecordsService& App::records() {
  std::call_once(recordsOnce_, [this] {
    signatures();  // makes sealedDocuments_
    records_ =
        std::make_unique<engine::RecordsService>(people_, peopleRepo_, plans_, definitions_,
                                                 recordsRepo_, *sealedDocuments_, audit_, clock_);
  });
  return *records_;
}

void App::openAll() {
  definitions_.check();
  mail();
  signatures().key();  // the seal key, read (or made) now: a bad one stops start-up
  contributions();
  records();
}

const engine::PdfRenderer& App::pdf() {
  std::lock_guard<std::mutex> lock(pdfMutex_);
  if (!pdf_)
    pdf_ = std::make_unique<engine::PdfRenderer>(std::make_shared<FontFiles>(settings_.pdfFonts));
  return *pdf_;
}

App::AuditCheck App::verifyAuditChain(const std::vector<engine::AuditAnchor>& given) {
  AuditCheck out;
  const auto file = anchors_.read();
  for (const auto& p : file.problems) out.problems.push_back(anchors_.path() + " " + p);
  std::vector<engine::AuditAnchor> all = given;
  all.insert(all.end(), file.anchors.begin(), file.anchors.end());
  auto v = audit_.verify(all);  // one snapshot (storage/integrity.h)
  out.checked = v.chain.checked;
  out.versions = v.versions.checked;
  if (v.chain.firstBadId)
    out.problems.push_back("audit chain BROKEN at event " + std::to_string(v.chain.firstBadId) +
                           ": " + v.chain.problem);
  constexpr std::size_t kNamedMismatches = 10;
  std::size_t matchedInFile = 0, mismatchedInFile = 0;
  std::optional<engine::AuditAnchor> newestMatched;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const auto& a = all[i];
    const bool typed = i < given.size();
    const std::string name = typed ? "anchor " + engine::anchorReference(a) + " (given)"
                                   : "anchor event " + std::to_string(a.eventId) + " of " +
                                         engine::isoTime(a.at) + " (" + a.kind + ", " +
                                         anchors_.path() + ")";
    const auto m = engine::matchAnchor(a, v.hashAtAnchor[i]);
    if (m != engine::AnchorMatch::kMatched) {
      // Every typed one is named; of the file's, the first few (a restore leaves many).
      if (typed || ++mismatchedInFile <= kNamedMismatches) {
        out.problems.push_back(name + " does NOT match: " + engine::anchorMismatch(a, m, v.lastId));
        out.anchors.push_back(name + ": does NOT match");
      }
    } else if (typed) {
      out.anchors.push_back(name + ": matches");
    } else {
      ++matchedInFile;
      newestMatched = a;
    }
  }
  if (file.anchors.empty())
    out.anchors.push_back("no anchors in " + anchors_.path());
  else if (matchedInFile)
    out.anchors.push_back(std::to_string(matchedInFile) + " of " +
                          std::to_string(file.anchors.size()) + " anchors in " + anchors_.path() +
                          " match (the newest: event " + std::to_string(newestMatched->eventId) +
                          " of " + engine::isoTime(newestMatched->at) + ")");
  if (mismatchedInFile > kNamedMismatches)
    out.problems.push_back(std::to_string(mismatchedInFile - kNamedMismatches) +
                           " more anchors in " + anchors_.path() + " do NOT match");
  out.problems.insert(out.problems.end(), v.versions.problems.begin(), v.versions.problems.end());
  out.intact = out.problems.empty();
  return out;
}

// The Scheduler runs every minute: reminders, review dates, signing reminders, backups. Ten
// minutes without a finished round means that work has stalled.
HealthCheck App::scheduledWorkCheck() {
  HealthCheck c{"scheduler", HealthLevel::kOk, "", new Poco::JSON::Object};
  const std::int64_t at = scheduledWorkDoneAt_;
  if (at == 0) {
    c.message = "Scheduled work (reminders, review dates, backups) has not finished a round yet.";
    return c;
  }
  const auto last = engine::fromUnix(at);
  c.facts->set("last_run", engine::isoTime(last));
  c.message = "Scheduled work (reminders, review dates, backups) last finished on " +
              engine::ukDateTime(last) + ".";
  if (clock_.now() - last > std::chrono::minutes(10)) {
    c.level = HealthLevel::kWarning;
    c.message += " That is more than ten minutes ago: it may be stuck (see the log).";
  }
  return c;
}

namespace {

// /healthz, the mail part: no mail server to send to (`noServer`, MailService::noServerNotice),
// and messages handed to the mail server whose reply never came.
HealthCheck mailCheck(int uncertain, const std::string& noServer) {
  Poco::JSON::Object::Ptr facts = new Poco::JSON::Object;
  facts->set("mail_uncertain", uncertain);
  facts->set("mail_server_configured", noServer.empty());
  if (!noServer.empty()) return {"mail", HealthLevel::kWarning, noServer, facts};
  if (uncertain == 0) return {"mail", HealthLevel::kOk, "No message is uncertain.", facts};
  return {"mail", HealthLevel::kWarning,
          engine::countOf(uncertain, "message went to the mail server but no reply came: it",
                          "messages went to the mail server but no reply came: they") +
              " may not have arrived (the trust admin's mail page lists them, with a button to "
              "send again).",
          facts};
}

}  // namespace

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
  // A full disk: changes answer 507 until one commits again, which clears this by itself.
  HealthCheck storage{"storage", HealthLevel::kOk, "Changes are being saved.", nullptr};
  if (auto full = diskFull()) {
    storage.level = HealthLevel::kFailing;
    storage.message =
        "The disk holding the data is full: changes are refused until space is "
        "freed.";
    storage.facts = new Poco::JSON::Object;
    storage.facts->set("full_since", engine::isoTime(full->since));
  }
  r.checks.push_back(storage);
  r.checks.push_back(scheduledWorkCheck());
  r.checks.push_back(backups_.check(clock_.now()));
  r.checks.push_back(mailCheck(mail().uncertainCount(), mail().noServerNotice()));
  return r;
}

void App::collectMetrics(MetricsText& out) {
  const auto now = clock_.now();
  const auto c = mail().counts();
  out.family("sendflow_outbox_messages", "gauge", "Messages in the outbox, by state.");
  for (const auto& [state, n] :
       {std::pair{"queued", c.queued}, std::pair{"sending", c.sending}, std::pair{"sent", c.sent},
        std::pair{"retrying", c.retrying}, std::pair{"failed", c.failed},
        std::pair{"uncertain", c.uncertain}})
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

void App::anchorAuditHead(bool closing) {
  const auto head = storage::auditHead(store_);
  if (!head) return;
  const auto now = clock_.now();
  const auto due = engine::anchorDue(anchors_.latest(), anchors_.latestWeekly(), head->lastId, now,
                                     settings_.auditAnchorEvery, closing);
  if (due) anchors_.append({head->lastId, head->hash, now, *due});
}

// The threads go first, while every service they use still exists: the live hub's flusher
// (it folds live edits through plans_ and the live log) and the mail sender (it renders through
// signatures_ and contributions_, members destroyed before mail_ would be). REQUIRES: the HTTP
// server and the scheduler, which call into this App, have stopped. Then, when serve closes
// cleanly, the audit head (with the live edits' last events) is anchored.
App::~App() {
  live_.reset();
  mail_.reset();
  if (!anchorOnClose_) return;
  try {
    anchorAuditHead(true);
  } catch (const std::exception& e) {
    log_.error("could not anchor the audit head at shutdown: %s", std::string(e.what()));
  }
}

}  // namespace sendflow::web
