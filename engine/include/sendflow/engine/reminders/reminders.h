// Reminders: which emails a day brings (review reminders, escalations, EHCP deadline reminders,
// the governors' weekly digest), computed from each plan's pinned workflow policy and written to
// the outbox in one transaction with a record of the day covered. Catch-up: a run covers every
// day since the last covered one (at most catchUpDays back), so a reminder missed while the
// server was down goes out once, late; idempotency keys make repeated runs harmless.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "sendflow/engine/core/audit_anchor.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/engine/plans/schedule.h"
#include "sendflow/engine/reminders/outbox.h"

namespace sendflow::engine {

class PlanService;
struct PlanView;
struct TransitionDef;

// A plan row as the reminder scan sees it.
struct ReminderPlan {
  Id id = 0;
  Id academyId = 0;
  Id ownerUserId = 0;
  Id workflowSnapshotId = 0;
  std::string type;
  std::string state;
  std::string reviewDate;   // ISO; empty when none
  std::string pupilName;    // legal name: only its initials leave the system
  std::string dateOfBirth;  // the pupil's, ISO (when a review is due: under-5s)
  std::string valuesJson;   // current version's values (meeting and phase-transfer scans)
  std::string yearGroup;    // the pupil's (phase-transfer scans only)
};

// Read side of the scan, implemented by storage with indexed queries. Each call streams rows.
class ReminderSource {
 public:
  virtual ~ReminderSource() = default;
  virtual std::vector<Id> workflowSnapshotIds() = 0;
  virtual std::optional<std::string> earliestReviewDate() = 0;
  // Plans whose review date is one of `dates` (ISO).
  virtual void reviewsOn(const std::vector<std::string>& dates,
                         const std::function<void(const ReminderPlan&)>& f) = 0;
  // Plans whose current version has `field` (a date field) equal to one of `dates`.
  virtual void meetingsOn(const std::string& field, const std::vector<std::string>& dates,
                          const std::function<void(const ReminderPlan&)>& f) = 0;
  // An academy's plans with a review date on or before `until`, by review date.
  virtual void academyReviews(Id academyId, const std::string& until,
                              const std::function<void(const ReminderPlan&)>& f) = 0;
  // An academy's plans whose current version has `field` within [from, until].
  virtual void academyMeetings(Id academyId, const std::string& field, const std::string& from,
                               const std::string& until,
                               const std::function<void(const ReminderPlan&)>& f) = 0;
  // Plans of `type` whose pupil is in one of `yearGroups`, with their current values.
  virtual void plansInYearGroups(const std::string& type,
                                 const std::vector<std::string>& yearGroups,
                                 const std::function<void(const ReminderPlan&)>& f) = 0;
  // Transition name → date it first fired (for deadlines done by a transition).
  virtual std::map<std::string, Date> transitionsFired(Id planId) = 0;
};

class OutboxWriter {
 public:
  virtual ~OutboxWriter() = default;
  // INSERT OR IGNORE on the key; true when the row is new.
  virtual bool queue(const OutboxMessage& m) = 0;
  virtual void markDay(const std::string& isoDay, int queued) = 0;
};

class ReminderStore {
 public:
  virtual ~ReminderStore() = default;
  virtual std::optional<std::string> lastCoveredDay() = 0;
  // Runs f in one write transaction (source and writer share it); commits when f returns.
  virtual void writing(const std::function<void(ReminderSource&, OutboxWriter&)>& f) = 0;
  // Runs f on a read snapshot (dry runs, dashboard).
  virtual void reading(const std::function<void(ReminderSource&)>& f) = 0;
};

struct ReminderSettings {
  std::chrono::weekday digestWeekday = std::chrono::Monday;
  int catchUpDays = 31;        // how far back a run looks when days were missed
  int digestHorizonDays = 60;  // "reviews due in the next 60 days"
  int escalateAfterDays = 14;  // escalation when more than this many days overdue
};

struct ReminderRun {
  std::string from, to;               // days covered (ISO)
  int candidates = 0;                 // messages the days brought
  int queued = 0;                     // new outbox rows (0 in a dry run)
  std::vector<OutboxMessage> dryRun;  // filled in a dry run only
};

// The governor's view: what the digest lists, and the timeline per month.
struct OversightItem {
  Id planId = 0;
  std::string initials, planTitle, what;  // what: "Review" or a deadline label
  Date due;
  int daysToGo = 0;
};
struct Oversight {
  Id academyId = 0;
  std::string academyName;
  std::vector<OversightItem> overdue, dueSoon, deadlines;  // deadlines: EHCP, not done
  struct Month {
    Date first{};
    int reviews = 0, deadlines = 0;
  };
  std::vector<Month> months;  // 12 from the current month (dashboard only)
};

class ReminderService {
 public:
  ReminderService(ReminderStore& store, PeopleRepository& people, PlanService& plans, Clock& clock,
                  ReminderSettings settings = {});

  // Covers every day from the last covered day (or `today` on the first run; at most
  // catchUpDays back) to `today`. Dry run: writes nothing and lists what would be queued.
  ReminderRun run(Date today, bool dryRun);
  // A dry run that hands each message to `each` as it is found instead of keeping them all in
  // ReminderRun::dryRun (left empty): memory stays flat however many plans a day selects.
  ReminderRun dryRun(Date today, const std::function<void(const OutboxMessage&)>& each);
  // The messages one day brings (no catch-up, no writes). For tests and the benchmark.
  std::vector<OutboxMessage> messagesFor(Date day);

  Oversight oversight(Id academyId, Date today, bool withTimeline);

  const ReminderSettings& settings() const { return settings_; }
  // Where the newest weekly audit anchor comes from, printed in the governors' digest (none: the
  // digest carries no anchor). Set once before serving.
  void setAuditAnchors(AuditAnchorSource* anchors) { anchors_ = anchors; }

 private:
  // run's days; a dry run when `dryRunSink` is set (it gets each message), else the writes.
  ReminderRun runDays(Date today, const std::function<void(OutboxMessage&&)>& dryRunSink);
  struct Policies;
  void collect(ReminderSource& src, Date day, bool digestDay,
               const std::function<void(OutboxMessage&&)>& emit);
  void reviewMessages(ReminderSource& src, Date day,
                      const std::function<void(OutboxMessage&&)>& emit);
  void deadlineMessages(ReminderSource& src, Date day,
                        const std::function<void(OutboxMessage&&)>& emit);
  void reviewDueMessages(ReminderSource& src, Date day,
                         const std::function<void(OutboxMessage&&)>& emit);
  void phaseTransferMessages(ReminderSource& src, Date day,
                             const std::function<void(OutboxMessage&&)>& emit);
  void digestMessages(ReminderSource& src, Date day,
                      const std::function<void(OutboxMessage&&)>& emit);
  Oversight oversightFrom(ReminderSource& src, const Academy& a, Date today, bool withTimeline);
  // Before a run: the academies' names, and every academy's staff from one read.
  void startRun();

  ReminderStore& store_;
  PeopleRepository& people_;
  PlanService& plans_;
  Clock& clock_;
  ReminderSettings settings_;
  std::map<Id, std::vector<User>> staffCache_;  // per run: academy → members
  // per run: (academy, plan owner, "role,role,") → the people a policy names
  std::map<std::tuple<Id, Id, std::string>, std::vector<User>> resolved_;
  std::map<Id, std::string> academyNames_;
  AuditAnchorSource* anchors_ = nullptr;
};

// Outbox rows for a transition's notify_senco / notify_owner / notify_governor actions.
// Carries the reason code only (never the free-text reason: it may hold health details).
// `asked` (a request for a review, seq > 0): the message names who asked, and its key is the
// request's own, so every request is emailed.
struct NoticeRequest {
  int seq = 0;
  std::string askedBy;  // a person's name
};
std::vector<OutboxMessage> transitionNotices(const PlanView& v, const TransitionDef& t,
                                             const std::string& reasonCode, TimePoint now,
                                             PeopleRepository& people,
                                             const NoticeRequest& asked = {});

}  // namespace sendflow::engine
