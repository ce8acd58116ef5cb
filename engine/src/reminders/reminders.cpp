#include "sendflow/engine/reminders/reminders.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <mutex>
#include <tuple>
#include <unordered_set>

#include "sendflow/engine/core/text.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::engine {

using std::chrono::sys_days;

namespace {

std::mutex& serviceMutex() {
  static std::mutex m;
  return m;
}

Date plusDays(Date d, int n) { return Date{sys_days{d} + std::chrono::days{n}}; }

std::string userRef(const User& u) { return "user:" + std::to_string(u.id); }

bool hasRoleAt(const User& u, Id academyId, Role r) {
  return std::any_of(u.memberships.begin(), u.memberships.end(),
                     [&](const Membership& m) { return m.role == r && m.academyId == academyId; });
}

// Each workflow snapshot's definition, fetched once per run.
struct WorkflowCache {
  PlanService& plans;
  std::map<Id, std::shared_ptr<const WorkflowDefinition>> byId;
  const WorkflowDefinition* get(Id id) {
    auto it = byId.find(id);
    if (it != byId.end()) return it->second.get();
    auto wf = plans.workflowSnapshot(id);
    byId.emplace(id, wf);
    return wf.get();
  }
};

Poco::JSON::Object planData(const ReminderPlan& p, const WorkflowDefinition& wf,
                            const std::string& academyName) {
  Poco::JSON::Object o;
  o.set("plan_id", p.id);
  o.set("initials", initialsOf(p.pupilName));
  o.set("plan_title", wf.title);
  o.set("academy", academyName);
  return o;
}

std::string daysWords(int n) { return std::to_string(n) + (n == 1 ? " day" : " days"); }

OutboxMessage message(const char* kind, const std::string& key, Id academyId, Id planId,
                      const User& to, Poco::JSON::Object data, TimePoint now) {
  OutboxMessage m;
  m.kind = kind;
  m.key = key + ":" + userRef(to);
  m.academyId = academyId;
  m.planId = planId;
  m.toAddress = to.email;
  m.toName = to.name;
  data.set("recipient_name", to.name);
  m.data = canonicalJson(data);
  m.createdAt = now;
  m.nextAttemptAt = now;
  return m;
}

// The family a catch-up run collapses to one message (the newest day's).
std::string familyOf(const OutboxMessage& m) {
  const std::string& k = m.key;
  const std::string recipient = k.substr(k.rfind(":user:") + 1);
  if (m.kind == mailkind::kReview) {
    // review:<plan>:<R>:<slot...>:user:N → review:<plan>:<R>
    auto third = k.find(':', k.find(':', 7) + 1);
    return k.substr(0, third) + ":" + recipient;
  }
  if (m.kind == mailkind::kDeadline) {
    // deadline:<plan>:<rule>:<due>:<when>:user:N → deadline:<plan>:<rule>
    auto p1 = k.find(':', 9);
    auto p2 = k.find(':', p1 + 1);
    return k.substr(0, p2) + ":" + recipient;
  }
  if (m.kind == mailkind::kDigest) return "digest:" + std::to_string(m.academyId) + ":" + recipient;
  return k;
}

}  // namespace

ReminderService::ReminderService(ReminderStore& store, PeopleRepository& people, PlanService& plans,
                                 Clock& clock, ReminderSettings settings)
    : store_(store), people_(people), plans_(plans), clock_(clock), settings_(settings) {}

namespace {

using ResolvedStaff = std::map<std::tuple<Id, Id, std::string>, std::vector<User>>;

// The people a policy names: "senco", "governor", "head" of the academy, "owner" of the plan.
// `cache` holds each academy's staff (read on first use unless the run read them all up front),
// `memo` each resolved list: a day can bring tens of thousands of reminders for a few hundred
// academies.
const std::vector<User>& resolve(std::map<Id, std::vector<User>>& cache, ResolvedStaff& memo,
                                 PeopleRepository& people, Id academyId, Id ownerUserId,
                                 const std::vector<std::string>& roles) {
  std::string rolesKey;
  for (const auto& r : roles) rolesKey += r + ",";
  auto key = std::make_tuple(academyId, ownerUserId, std::move(rolesKey));
  if (auto hit = memo.find(key); hit != memo.end()) return hit->second;
  auto it = cache.find(academyId);
  if (it == cache.end()) it = cache.emplace(academyId, people.users({academyId})).first;
  std::vector<User> out;
  auto add = [&](const User& u) {
    if (!u.active || u.email.empty()) return;
    for (const auto& o : out)
      if (o.id == u.id) return;
    out.push_back(u);
  };
  for (const auto& r : roles) {
    if (r == "owner") {
      bool found = false;
      for (const auto& u : it->second)
        if (u.id == ownerUserId) add(u), found = true;
      if (!found && ownerUserId)
        if (auto u = people.userById(ownerUserId)) add(*u);
      continue;
    }
    auto role = parseRole(r);
    if (!role) continue;  // "participants": not a staff role; contacts are not emailed reminders
    for (const auto& u : it->second)
      if (hasRoleAt(u, academyId, *role)) add(u);
  }
  return memo.emplace(std::move(key), std::move(out)).first->second;
}

// The deadline email for `item` of plan `p`, to each of `recipients`: due soon, or on the day.
void emitDeadline(const ReminderPlan& p, const DeadlineItem& item, bool onDay,
                  Poco::JSON::Object data, const std::vector<User>& recipients, TimePoint now,
                  const std::function<void(OutboxMessage&&)>& emit) {
  data.set("deadline", item.label);
  data.set("due", isoDate(item.due));
  data.set("due_uk", ukDate(item.due));
  data.set("on_the_day", onDay);
  data.set("days", daysWords(item.daysToGo));
  const std::string key = "deadline:" + std::to_string(p.id) + ":" + item.id + ":" +
                          isoDate(item.due) + (onDay ? ":day" : ":soon");
  for (const auto& u : recipients)
    emit(message(mailkind::kDeadline, key, p.academyId, p.id, u, data, now));
}

}  // namespace

void ReminderService::reviewMessages(ReminderSource& src, Date day,
                                     const std::function<void(OutboxMessage&&)>& emit) {
  WorkflowCache wfs{plans_, {}};
  std::vector<const WorkflowDefinition*> all;
  for (Id id : src.workflowSnapshotIds()) all.push_back(wfs.get(id));
  // Review dates that bring a message today, for any policy; each row is checked exactly below.
  std::set<std::string> dates;
  auto earliest = src.earliestReviewDate();
  std::optional<Date> first = earliest ? parseIsoDate(*earliest) : std::nullopt;
  std::vector<Duration> overdueSteps;
  for (const auto* wf : all) {
    const auto& p = wf->review;
    for (const auto& off : p.remind) {
      Date approx = addDuration(day, off);
      for (int k = -3; k <= 3; ++k) {
        Date r = plusDays(approx, k);
        if (reminderOn(p, r, day)) dates.insert(isoDate(r));
      }
    }
    if (std::find(overdueSteps.begin(), overdueSteps.end(), p.overdueEvery) == overdueSteps.end())
      overdueSteps.push_back(p.overdueEvery);
  }
  dates.insert(isoDate(plusDays(day, -(settings_.escalateAfterDays + 1))));
  if (first && sys_days{*first} < sys_days{day}) {
    const int span = daysBetween(*first, day);
    for (const auto& step : overdueSteps) {
      if (step.years == 0 && step.months == 0) {
        const int every = step.weeks * 7 + step.days;
        if (every <= 0) continue;
        for (int back = every; back <= span; back += every)
          dates.insert(isoDate(plusDays(day, -back)));
      } else {
        ReviewPolicy probe;
        probe.overdueEvery = step;
        for (int back = 1; back <= span; ++back)
          if (reminderOn(probe, plusDays(day, -back), day))
            dates.insert(isoDate(plusDays(day, -back)));
      }
    }
  }
  const TimePoint now = clock_.now();
  const std::string dayIso = isoDate(day);
  std::vector<std::string> list(dates.begin(), dates.end());
  src.reviewsOn(list, [&](const ReminderPlan& p) {
    const WorkflowDefinition* wf = wfs.get(p.workflowSnapshotId);
    const StateDef* st = wf->state(p.state);
    auto due = parseIsoDate(p.reviewDate);
    if (!st || !st->active || !due) return;
    const auto& policy = wf->review;
    const std::string& academy = academyNames_[p.academyId];
    if (auto rem = reminderOn(policy, *due, day)) {
      std::string slot =
          rem->kind == Reminder::Kind::kBefore     ? "before:" + std::to_string(rem->daysToGo)
          : rem->kind == Reminder::Kind::kOnTheDay ? std::string("due")
                                                   : "overdue:" + std::to_string(-rem->daysToGo);
      auto data = planData(p, *wf, academy);
      data.set("review_date", p.reviewDate);
      data.set("review_date_uk", ukDate(*due));
      data.set("phase", rem->kind == Reminder::Kind::kBefore     ? "before"
                        : rem->kind == Reminder::Kind::kOnTheDay ? "due"
                                                                 : "overdue");
      data.set("days", rem->daysToGo < 0 ? daysWords(-rem->daysToGo) : daysWords(rem->daysToGo));
      data.set("ics_date", p.reviewDate);
      for (const auto& u :
           resolve(staffCache_, resolved_, people_, p.academyId, p.ownerUserId, policy.recipients))
        emit(message(mailkind::kReview,
                     "review:" + std::to_string(p.id) + ":" + p.reviewDate + ":" + slot,
                     p.academyId, p.id, u, data, now));
    }
    if (!policy.escalateTo.empty() && daysBetween(*due, day) == settings_.escalateAfterDays + 1) {
      auto data = planData(p, *wf, academy);
      data.set("review_date", p.reviewDate);
      data.set("review_date_uk", ukDate(*due));
      data.set("days", daysWords(daysBetween(*due, day)));
      data.set("ics_date", p.reviewDate);
      for (const auto& u :
           resolve(staffCache_, resolved_, people_, p.academyId, p.ownerUserId, policy.escalateTo))
        emit(message(mailkind::kEscalation,
                     "escalation:" + std::to_string(p.id) + ":" + p.reviewDate, p.academyId, p.id,
                     u, data, now));
    }
  });
  (void)dayIso;
}

void ReminderService::deadlineMessages(ReminderSource& src, Date day,
                                       const std::function<void(OutboxMessage&&)>& emit) {
  WorkflowCache wfs{plans_, {}};
  std::map<std::string, std::set<std::string>> meetingDates;  // anchor field → candidate dates
  for (Id id : src.workflowSnapshotIds()) {
    const WorkflowDefinition* wf = wfs.get(id);
    if (!wf->deadlines) continue;
    const auto& dp = *wf->deadlines;
    for (const auto& rule : dp.rules) {
      if (!rule.fromField.empty() && rule.fromField != dp.anchorField) continue;
      for (Date dueDay : {day, addDuration(day, dp.dueSoon)}) {
        Date approx =
            rule.before ? addDuration(dueDay, rule.offset) : subtractDuration(dueDay, rule.offset);
        for (int k = -3; k <= 3; ++k)
          meetingDates[dp.anchorField].insert(isoDate(plusDays(approx, k)));
      }
    }
  }
  const TimePoint now = clock_.now();
  for (const auto& [anchor, set] : meetingDates) {
    // A named copy: clang before 16 cannot capture a structured binding in a lambda.
    const std::string& field = anchor;
    std::vector<std::string> list(set.begin(), set.end());
    src.meetingsOn(field, list, [&](const ReminderPlan& p) {
      const WorkflowDefinition* wf = wfs.get(p.workflowSnapshotId);
      const StateDef* st = wf->state(p.state);
      if (!st || st->final || !wf->deadlines || wf->deadlines->anchorField != field) return;
      auto values = parseValues(p.valuesJson);
      if (!values) return;
      const Date soon = addDuration(day, wf->deadlines->dueSoon);
      auto items =
          evaluateDeadlines(*wf->deadlines, *values.value(), day, src.transitionsFired(p.id));
      for (const auto& item : items) {
        if (item.doneOn) continue;
        const bool onDay = item.due == day;
        if (!onDay && item.due != soon) continue;
        auto data = planData(p, *wf, academyNames_[p.academyId]);
        auto meeting = values.value()->optValue<std::string>(field, "");
        if (parseIsoDate(meeting)) {
          data.set("ics_date", meeting);
          data.set("meeting_date_uk", ukDate(*parseIsoDate(meeting)));
        }
        emitDeadline(p, item, onDay, data,
                     resolve(staffCache_, resolved_, people_, p.academyId, p.ownerUserId,
                             wf->review.recipients),
                     now, emit);
      }
    });
  }
}

// When the review being prepared is due (EHCP: within 12 months of the last review or of the plan
// being issued; 6 for an under-5), reminded like the statutory deadlines until the meeting is held.
void ReminderService::reviewDueMessages(ReminderSource& src, Date day,
                                        const std::function<void(OutboxMessage&&)>& emit) {
  WorkflowCache wfs{plans_, {}};
  std::map<std::string, std::set<std::string>> startDates;  // due_from field → candidate dates
  for (Id id : src.workflowSnapshotIds()) {
    const WorkflowDefinition* wf = wfs.get(id);
    const ReviewPolicy& rp = wf->review;
    const Duration soon = wf->deadlines ? wf->deadlines->dueSoon : Duration{0, 0, 0, 14};
    for (const auto& from : rp.dueFrom) {
      for (Date dueDay : {day, addDuration(day, soon)}) {
        for (const auto& within : {std::optional<Duration>(rp.every), rp.under5Every}) {
          if (!within) continue;
          // Month ends clamp (31 Aug + 6 months = 28 Feb): a few days either side.
          Date approx = subtractDuration(dueDay, *within);
          for (int k = -3; k <= 3; ++k) startDates[from.field].insert(isoDate(plusDays(approx, k)));
        }
      }
    }
  }
  const TimePoint now = clock_.now();
  std::set<Id> seen;  // a plan found through two of its fields is reminded once
  for (const auto& [fieldName, set] : startDates) {
    const std::string& field = fieldName;
    std::vector<std::string> list(set.begin(), set.end());
    src.meetingsOn(field, list, [&](const ReminderPlan& p) {
      const WorkflowDefinition* wf = wfs.get(p.workflowSnapshotId);
      const StateDef* st = wf->state(p.state);
      if (!st || !(st->editable || st->signing) || seen.count(p.id)) return;
      auto values = parseValues(p.valuesJson);
      if (!values) return;
      const Duration soon = wf->deadlines ? wf->deadlines->dueSoon : Duration{0, 0, 0, 14};
      auto item =
          reviewDueDeadline(wf->review, *values.value(), parseIsoDate(p.dateOfBirth), day, soon);
      if (!item || item->doneOn) return;
      const bool onDay = item->due == day;
      if (!onDay && item->due != addDuration(day, soon)) return;
      seen.insert(p.id);
      emitDeadline(p, *item, onDay, planData(p, *wf, academyNames_[p.academyId]),
                   resolve(staffCache_, resolved_, people_, p.academyId, p.ownerUserId,
                           wf->review.recipients),
                   now, emit);
    });
  }
}

// Phase transfer (EHCP): the plan must be amended by 15 February (31 March from Year 11) before
// the pupil moves on. Reminded like the other deadlines: when it is due soon and on the day.
void ReminderService::phaseTransferMessages(ReminderSource& src, Date day,
                                            const std::function<void(OutboxMessage&&)>& emit) {
  WorkflowCache wfs{plans_, {}};
  std::map<std::string, std::set<std::string>> yearsByType;  // only rules due today or soon
  for (Id id : src.workflowSnapshotIds()) {
    const WorkflowDefinition* wf = wfs.get(id);
    if (!wf->deadlines) continue;
    const Date soon = addDuration(day, wf->deadlines->dueSoon);
    for (const auto& rule : wf->deadlines->phaseTransfers) {
      // A transfer next September (pupils in from_year now), or the one after it (pupils a year
      // below whose review falls in the next academic year).
      for (int ahead : {0, 1}) {
        const Date due = phaseTransferDate(rule, academicYearOf(day) + 1 + ahead);
        const std::string year = yearGroupAfter(rule.fromYear, -ahead);
        if ((due == day || due == soon) && !year.empty()) yearsByType[wf->type].insert(year);
      }
    }
  }
  const TimePoint now = clock_.now();
  for (const auto& [type, years] : yearsByType) {
    src.plansInYearGroups(type, {years.begin(), years.end()}, [&](const ReminderPlan& p) {
      const WorkflowDefinition* wf = wfs.get(p.workflowSnapshotId);
      const StateDef* st = wf->state(p.state);
      if (!st || st->final || !wf->deadlines) return;
      auto values = parseValues(p.valuesJson);
      if (!values) return;
      auto item =
          phaseTransferDeadline(*wf->deadlines, p.yearGroup, *values.value(), day,
                                reviewOn(wf->review, *values.value(), parseIsoDate(p.dateOfBirth)));
      if (!item) return;
      const bool onDay = item->due == day;
      if (!onDay && item->due != addDuration(day, wf->deadlines->dueSoon)) return;
      emitDeadline(p, *item, onDay, planData(p, *wf, academyNames_[p.academyId]),
                   resolve(staffCache_, resolved_, people_, p.academyId, p.ownerUserId,
                           wf->review.recipients),
                   now, emit);
    });
  }
}

Oversight ReminderService::oversightFrom(ReminderSource& src, const Academy& a, Date today,
                                         bool withTimeline) {
  WorkflowCache wfs{plans_, {}};
  Oversight o;
  o.academyId = a.id;
  o.academyName = a.name;
  using namespace std::chrono;
  const Date monthStart{today.year(), today.month(), std::chrono::day{1}};
  const Date horizon = plusDays(today, settings_.digestHorizonDays);
  Date until = horizon;
  if (withTimeline) {
    for (int i = 0; i < 12; ++i) {
      year_month ym = year_month{monthStart.year(), monthStart.month()} + months{i};
      o.months.push_back({Date{ym.year(), ym.month(), std::chrono::day{1}}, 0, 0});
    }
    year_month end = year_month{monthStart.year(), monthStart.month()} + months{12};
    until = plusDays(Date{end.year(), end.month(), std::chrono::day{1}}, -1);
    if (sys_days{until} < sys_days{horizon}) until = horizon;
  }
  auto bucket = [&](Date d) -> Oversight::Month* {
    for (auto& m : o.months)
      if (m.first.year() == d.year() && m.first.month() == d.month()) return &m;
    return nullptr;
  };
  src.academyReviews(a.id, isoDate(until), [&](const ReminderPlan& p) {
    const WorkflowDefinition* wf = wfs.get(p.workflowSnapshotId);
    const StateDef* st = wf->state(p.state);
    auto due = parseIsoDate(p.reviewDate);
    if (!st || !st->active || !due) return;
    if (auto* m = bucket(*due)) m->reviews++;
    if (sys_days{*due} > sys_days{horizon}) return;
    OversightItem item{p.id, initialsOf(p.pupilName), wf->title, "Review",
                       *due, daysBetween(today, *due)};
    (sys_days{*due} < sys_days{today} ? o.overdue : o.dueSoon).push_back(std::move(item));
  });
  std::set<std::string> fields;
  Duration longest{};
  for (Id id : src.workflowSnapshotIds()) {
    const WorkflowDefinition* wf = wfs.get(id);
    if (!wf->deadlines) continue;
    fields.insert(wf->deadlines->anchorField);
    for (const auto& r : wf->deadlines->rules)
      if (!r.before && r.offset.weeks * 7 + r.offset.days + r.offset.months * 31 >
                           longest.weeks * 7 + longest.days + longest.months * 31)
        longest = r.offset;
  }
  // Meetings whose deadlines can fall from (today - longest after-offset) to `until` + 4 weeks.
  const Date from = subtractDuration(plusDays(today, -120), longest);
  for (const auto& field : fields) {
    src.academyMeetings(
        a.id, field, isoDate(from), isoDate(plusDays(until, 60)), [&](const ReminderPlan& p) {
          const WorkflowDefinition* wf = wfs.get(p.workflowSnapshotId);
          const StateDef* st = wf->state(p.state);
          if (!st || st->final || !wf->deadlines) return;
          auto values = parseValues(p.valuesJson);
          if (!values) return;
          for (const auto& item : evaluateDeadlines(*wf->deadlines, *values.value(), today,
                                                    src.transitionsFired(p.id))) {
            if (item.doneOn) continue;
            if (auto* m = bucket(item.due)) m->deadlines++;
            if (sys_days{item.due} > sys_days{horizon}) continue;
            o.deadlines.push_back(
                {p.id, initialsOf(p.pupilName), wf->title, item.label, item.due, item.daysToGo});
          }
        });
  }
  // Reviews being prepared, due from their plan's issue or last review (EHCP).
  std::map<std::string, Duration> startFields;  // due_from field → the longest cycle
  for (Id id : src.workflowSnapshotIds()) {
    const WorkflowDefinition* wf = wfs.get(id);
    for (const auto& by : wf->review.dueFrom)
      if (!startFields.count(by.field) ||
          daysBetween(today, addDuration(today, wf->review.every)) >
              daysBetween(today, addDuration(today, startFields[by.field])))
        startFields[by.field] = wf->review.every;
  }
  std::set<Id> counted;
  for (const auto& [fieldName, every] : startFields) {
    const std::string& field = fieldName;
    src.academyMeetings(a.id, field, isoDate(subtractDuration(plusDays(today, -120), every)),
                        isoDate(until), [&](const ReminderPlan& p) {
                          const WorkflowDefinition* wf = wfs.get(p.workflowSnapshotId);
                          const StateDef* st = wf->state(p.state);
                          if (!st || !(st->editable || st->signing) || counted.count(p.id)) return;
                          auto values = parseValues(p.valuesJson);
                          if (!values) return;
                          auto item = reviewDueDeadline(wf->review, *values.value(),
                                                        parseIsoDate(p.dateOfBirth), today);
                          if (!item || item->doneOn) return;
                          counted.insert(p.id);
                          if (auto* m = bucket(item->due)) m->deadlines++;
                          if (sys_days{item->due} > sys_days{horizon}) return;
                          o.deadlines.push_back({p.id, initialsOf(p.pupilName), wf->title,
                                                 item->label, item->due, item->daysToGo});
                        });
  }
  auto byDue = [](const OversightItem& x, const OversightItem& y) {
    return sys_days{x.due} < sys_days{y.due} || (x.due == y.due && x.planId < y.planId);
  };
  std::sort(o.overdue.begin(), o.overdue.end(), byDue);
  std::sort(o.dueSoon.begin(), o.dueSoon.end(), byDue);
  std::sort(o.deadlines.begin(), o.deadlines.end(), byDue);
  return o;
}

namespace {

Poco::JSON::Array itemsJson(const std::vector<OversightItem>& items, bool overdue) {
  Poco::JSON::Array arr;
  for (const auto& i : items) {
    Poco::JSON::Object o;
    o.set("plan_id", i.planId);
    o.set("initials", i.initials);
    o.set("plan_title", i.planTitle);
    o.set("what", i.what);
    o.set("due_uk", ukDate(i.due));
    o.set("when", overdue || i.daysToGo < 0 ? "overdue by " + daysWords(-i.daysToGo)
                  : i.daysToGo == 0         ? std::string("today")
                                            : "in " + daysWords(i.daysToGo));
    arr.add(o);
  }
  return arr;
}

// The 12-month table for the digest, as on the reviews overview: each month's counts and its
// bars' widths in per cent of the largest count (an email shows them as coloured table cells).
Poco::JSON::Array monthsJson(const std::vector<Oversight::Month>& months) {
  static constexpr const char* kNames[] = {"January",   "February", "March",    "April",
                                           "May",       "June",     "July",     "August",
                                           "September", "October",  "November", "December"};
  int top = 0;
  for (const auto& m : months) top = std::max({top, m.reviews, m.deadlines});
  Poco::JSON::Array arr;
  for (const auto& m : months) {
    Poco::JSON::Object o;
    o.set("month", std::string(kNames[static_cast<unsigned>(m.first.month()) - 1]) + " " +
                       std::to_string(static_cast<int>(m.first.year())));
    o.set("reviews", m.reviews);
    o.set("deadlines", m.deadlines);
    o.set("summary", countOf(m.reviews, "review date", "review dates") + ", " +
                         countOf(m.deadlines, "EHCP deadline", "EHCP deadlines"));
    // Non-zero bars only, at least 2% so a count of one is visible.
    if (m.reviews) o.set("reviews_pct", std::max(2, 100 * m.reviews / top));
    if (m.deadlines) o.set("deadlines_pct", std::max(2, 100 * m.deadlines / top));
    arr.add(o);
  }
  return arr;
}

}  // namespace

void ReminderService::digestMessages(ReminderSource& src, Date day,
                                     const std::function<void(OutboxMessage&&)>& emit) {
  const TimePoint now = clock_.now();
  for (const auto& a : people_.academies()) {
    auto governors = resolve(staffCache_, resolved_, people_, a.id, 0, {"governor"});
    if (governors.empty()) continue;
    Oversight o = oversightFrom(src, a, day, true);
    Poco::JSON::Object data;
    data.set("academy", a.name);
    data.set("date_uk", ukDate(day));
    data.set("overdue_count", static_cast<int>(o.overdue.size()));
    data.set("due_count", static_cast<int>(o.dueSoon.size()));
    data.set("deadline_count", static_cast<int>(o.deadlines.size()));
    data.set("horizon_days", settings_.digestHorizonDays);
    data.set("overdue", itemsJson(o.overdue, true));
    data.set("due", itemsJson(o.dueSoon, false));
    data.set("deadlines", itemsJson(o.deadlines, false));
    data.set("months", monthsJson(o.months));
    // The week's anchor of the audit trail: a copy outside the database that pins it.
    if (auto anchor = anchors_ ? anchors_->latestWeekly() : std::nullopt)
      data.set("audit_anchor", anchorForPeople(*anchor));
    for (const auto& g : governors)
      emit(message(mailkind::kDigest, "digest:" + std::to_string(a.id) + ":" + isoDate(day), a.id,
                   0, g, data, now));
  }
}

void ReminderService::startRun() {
  staffCache_.clear();
  resolved_.clear();
  academyNames_.clear();
  std::vector<Id> ids;
  for (const auto& a : people_.academies()) {
    academyNames_[a.id] = a.name;
    ids.push_back(a.id);
  }
  if (ids.empty()) return;
  // Every academy's staff from one read, each academy's list as people_.users({id}) gives it
  // (its members and the trust-wide ones, in that order): one read per academy walked every user
  // each time, 60% of the CPU of a run over 100,000 plans in 500 academies (perf).
  for (Id id : ids) staffCache_[id];
  for (const auto& u : people_.users(ids)) {
    const bool trustWide = std::any_of(u.memberships.begin(), u.memberships.end(),
                                       [](const Membership& m) { return m.academyId == 0; });
    if (trustWide) {
      for (auto& [id, staff] : staffCache_) staff.push_back(u);
      continue;
    }
    std::set<Id> placed;
    for (const auto& m : u.memberships)
      if (auto it = staffCache_.find(m.academyId);
          it != staffCache_.end() && placed.insert(m.academyId).second)
        it->second.push_back(u);
  }
}

void ReminderService::collect(ReminderSource& src, Date day, bool digestDay,
                              const std::function<void(OutboxMessage&&)>& emit) {
  reviewMessages(src, day, emit);
  deadlineMessages(src, day, emit);
  reviewDueMessages(src, day, emit);
  phaseTransferMessages(src, day, emit);
  if (digestDay) digestMessages(src, day, emit);
}

std::vector<OutboxMessage> ReminderService::messagesFor(Date day) {
  std::lock_guard lock(serviceMutex());
  startRun();
  std::vector<OutboxMessage> out;
  const bool digestDay = std::chrono::weekday{sys_days{day}} == settings_.digestWeekday;
  store_.reading([&](ReminderSource& src) {
    collect(src, day, digestDay, [&](OutboxMessage&& m) { out.push_back(std::move(m)); });
  });
  return out;
}

ReminderRun ReminderService::run(Date today, bool dryRun) {
  if (dryRun) {
    std::vector<OutboxMessage> kept;
    ReminderRun r = runDays(today, [&](OutboxMessage&& m) { kept.push_back(std::move(m)); });
    r.dryRun = std::move(kept);
    return r;
  }
  return runDays(today, nullptr);
}

ReminderRun ReminderService::dryRun(Date today,
                                    const std::function<void(const OutboxMessage&)>& each) {
  return runDays(today, [&](OutboxMessage&& m) { each(m); });
}

ReminderRun ReminderService::runDays(Date today,
                                     const std::function<void(OutboxMessage&&)>& dryRunSink) {
  const bool dryRun = static_cast<bool>(dryRunSink);
  std::lock_guard lock(serviceMutex());
  startRun();
  ReminderRun r;
  Date start = today;
  if (auto last = store_.lastCoveredDay()) {
    if (auto d = parseIsoDate(*last); d && sys_days{*d} <= sys_days{today}) start = *d;
  }
  const Date floor = plusDays(today, -(std::max(settings_.catchUpDays, 1) - 1));
  if (sys_days{start} < sys_days{floor}) start = floor;
  r.from = isoDate(start);
  r.to = isoDate(today);
  // Newest day first: in a catch-up, each reminder family goes out once, with the latest news.
  auto cover = [&](ReminderSource& src, const std::function<void(OutboxMessage &&)>& sink,
                   const std::function<void(const std::string&)>& dayDone) {
    std::unordered_set<std::string> families;
    for (Date d = today; sys_days{d} >= sys_days{start}; d = plusDays(d, -1)) {
      const bool digestDay = std::chrono::weekday{sys_days{d}} == settings_.digestWeekday;
      collect(src, d, digestDay, [&](OutboxMessage&& m) {
        ++r.candidates;
        // One day (the usual run) needs no collapsing, and so no memory per message.
        if (start == today || families.insert(familyOf(m)).second) sink(std::move(m));
      });
      dayDone(isoDate(d));
    }
  };
  if (dryRun) {
    store_.reading([&](ReminderSource& src) { cover(src, dryRunSink, [](const std::string&) {}); });
    return r;
  }
  store_.writing([&](ReminderSource& src, OutboxWriter& out) {
    int queued = 0;
    cover(
        src, [&](OutboxMessage&& m) { queued += out.queue(m) ? 1 : 0; },
        [&](const std::string& d) { out.markDay(d, queued); });
    r.queued = queued;
  });
  return r;
}

Oversight ReminderService::oversight(Id academyId, Date today, bool withTimeline) {
  std::lock_guard lock(serviceMutex());
  auto a = people_.academy(academyId);
  Oversight o;
  if (!a) return o;
  store_.reading([&](ReminderSource& src) { o = oversightFrom(src, *a, today, withTimeline); });
  return o;
}

std::vector<OutboxMessage> transitionNotices(const PlanView& v, const TransitionDef& t,
                                             const std::string& reasonCode, TimePoint now,
                                             PeopleRepository& people, const NoticeRequest& asked) {
  std::vector<std::string> roles;
  for (ActionKind a : t.actions) {
    if (a == ActionKind::kNotifySenco) roles.push_back("senco");
    if (a == ActionKind::kNotifyOwner) roles.push_back("owner");
    if (a == ActionKind::kNotifyGovernor) roles.push_back("governor");
  }
  if (roles.empty()) return {};
  std::map<Id, std::vector<User>> cache;
  ResolvedStaff memo;
  auto to = resolve(cache, memo, people, v.plan.academyId, v.plan.ownerUserId, roles);
  std::string academyName;
  if (auto a = people.academy(v.plan.academyId)) academyName = a->name;
  ReminderPlan p;
  p.id = v.plan.id;
  p.pupilName = v.pupil.legalName;
  std::vector<OutboxMessage> out;
  const std::string reviewDate = v.plan.reviewDate.value_or(isoDate(dateOf(now)));
  for (const auto& u : to) {
    auto data = planData(p, *v.workflow, academyName);
    if (t.autoTrigger == AutoTrigger::kReviewDateReached) {
      // The same message (and key) as the on-the-day reminder: whichever comes first wins.
      auto due = parseIsoDate(reviewDate).value_or(dateOf(now));
      data.set("review_date", reviewDate);
      data.set("review_date_uk", ukDate(due));
      data.set("phase", "due");
      data.set("days", daysWords(0));
      data.set("ics_date", reviewDate);
      out.push_back(message(mailkind::kReview,
                            "review:" + std::to_string(p.id) + ":" + reviewDate + ":due",
                            v.plan.academyId, p.id, u, data, now));
      continue;
    }
    const StateDef* st = v.workflow->state(t.to);
    data.set("transition", t.label.empty() ? t.name : t.label);
    data.set("state", st && !st->label.empty() ? st->label : t.to);
    data.set("reason", reasonWords(reasonCode));
    data.set("review_trigger", !reasonCode.empty());
    if (!asked.askedBy.empty()) data.set("asked_by", asked.askedBy);
    const std::string key =
        asked.seq > 0 ? "review-request:" + std::to_string(p.id) + ":" + std::to_string(asked.seq)
                      : "notice:" + std::to_string(p.id) + ":" + t.name + ":" + isoTime(now);
    out.push_back(message(mailkind::kNotice, key, v.plan.academyId, p.id, u, data, now));
  }
  return out;
}

}  // namespace sendflow::engine
