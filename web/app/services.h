// What handlers see of the application: the engine services they call, and the few web parts
// they render with (as ClickHouse's handlers see IServer). Never the store or a repository:
// App (web/app/app.h), the composition root, implements this and keeps its members private.
// Handlers (web/{http,pages,api,live,mail,cli}) include this header, never app/app.h
// (scripts/check-layers).
#pragma once

#include <Poco/Logger.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "app/config.h"
#include "app/health.h"
#include "http/http.h"
#include "http/metrics.h"
#include "i18n/translations.h"
#include "pages/views.h"
#include "sendflow/engine/contributions/contributions.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/documents/pdf/pdf.h"
#include "sendflow/engine/people/auth.h"
#include "sendflow/engine/people/people.h"
#include "sendflow/engine/plans/plans.h"
#include "sendflow/engine/plans/reads.h"
#include "sendflow/engine/records/records.h"
#include "sendflow/engine/reminders/reminders.h"
#include "sendflow/engine/signing/signatures.h"

namespace sendflow::web {

class LiveHub;      // web/live/live_socket.h
class MailService;  // web/mail/mail.h

class Services {
 public:
  virtual ~Services() = default;

  virtual const Settings& settings() const = 0;
  virtual engine::Clock& clock() = 0;
  virtual Poco::Logger& log() = 0;
  virtual engine::RandomSource& random() = 0;
  virtual const engine::DefinitionRegistry& definitions() const = 0;

  virtual engine::AuthService& auth() = 0;
  virtual engine::PeopleService& people() = 0;
  virtual engine::PlanService& plans() = 0;
  // Every read of a child's record, audited (engine/plans/reads.h).
  virtual engine::ReadService& reads() = 0;
  virtual engine::SignatureService& signatures() = 0;
  virtual engine::ContributionService& contributions() = 0;
  virtual engine::ReminderService& reminders() = 0;
  // Subject access exports, transfers and who read a pupil's records (engine/records).
  virtual engine::RecordsService& records() = 0;
  virtual MailService& mail() = 0;
  // Live editing sessions; REQUIRES: the server's routes were built (App with views).
  virtual LiveHub& live() = 0;
  // The one PDF renderer of the process, its fonts prepared on first use. Thread-safe; throws
  // engine::InfraError when the fonts cannot be read (and tries again on the next call).
  virtual const engine::PdfRenderer& pdf() = 0;

  // The message catalogues and the languages a contact may be given (translations/), read at
  // start. Read-only, thread-safe.
  virtual const Translations& translations() const = 0;
  // What live.js writes on a plan form, in `language` (pages/live_words.h liveWords), kept per
  // language. Thread-safe.
  virtual std::string liveWords(std::string_view language) const = 0;
  // The page templates, and whether they were compiled (not for CLI commands).
  virtual bool hasViews() const = 0;
  virtual Views& views() = 0;
  virtual Router& router() = 0;
  // Set when a self-signed seal certificate is in use (shown to the trust admin).
  virtual const std::string& sealKeyNotice() const = 0;
  // What /healthz reports (app/health.h): the database, scheduled backups, …
  virtual HealthReport health() = 0;
  // What the server counts for /metrics (http/metrics.h): requests and connections.
  virtual ServerMetrics& metrics() = 0;
  // The application's own gauges for /metrics: the outbox, live sessions, the database's size,
  // the last backup, the audit chain's head.
  virtual void collectMetrics(MetricsText& out) = 0;
  // Whether the disk holding the data was found full and no write has succeeded since
  // (storage::Store::diskState): when first seen, and which time it filled in this process.
  struct DiskFull {
    engine::TimePoint since;
    std::uint64_t episode = 0;
  };
  virtual std::optional<DiskFull> diskFull() = 0;
};

}  // namespace sendflow::web
