#include "sendflow/engine/plans/schedule.h"

#include <algorithm>
#include <charconv>

#include "sendflow/engine/core/names.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

using namespace std::chrono;

namespace {

Date addMonthsClamped(Date d, int months) {
  year_month ym = year_month{d.year(), d.month()} + std::chrono::months{months};
  year_month_day_last last{ym.year(), month_day_last{ym.month()}};
  day dd = std::min(d.day(), last.day());
  return Date{ym.year(), ym.month(), dd};
}

std::string plural(int n, const char* unit) {
  return std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
}

}  // namespace

Date addDuration(Date d, const Duration& by) {
  Date out = addMonthsClamped(d, by.years * 12 + by.months);
  return Date{sys_days{out} + std::chrono::days{by.weeks * 7 + by.days}};
}

Date subtractDuration(Date d, const Duration& by) {
  Date out = addMonthsClamped(d, -(by.years * 12 + by.months));
  return Date{sys_days{out} - std::chrono::days{by.weeks * 7 + by.days}};
}

std::string durationWords(const Duration& d) {
  std::vector<std::string> parts;
  if (d.years) parts.push_back(plural(d.years, "year"));
  if (d.months) parts.push_back(plural(d.months, "month"));
  if (d.weeks) parts.push_back(plural(d.weeks, "week"));
  if (d.days || parts.empty()) parts.push_back(plural(d.days, "day"));
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " and " : ", ";
    out += parts[i];
  }
  return out;
}

int ageOn(Date dateOfBirth, Date on) {
  int years = static_cast<int>(on.year()) - static_cast<int>(dateOfBirth.year());
  auto md = [](Date x) {
    return static_cast<unsigned>(x.month()) * 100 + static_cast<unsigned>(x.day());
  };
  if (md(on) < md(dateOfBirth)) --years;
  return years;
}

Date policyReviewDate(const ReviewPolicy& policy, Date anchor, std::optional<Date> dateOfBirth) {
  const Duration& every = policy.under5Every && dateOfBirth && ageOn(*dateOfBirth, anchor) < 5
                              ? *policy.under5Every
                              : policy.every;
  return addDuration(anchor, every);
}

Result<Date> reviewDate(const ReviewPolicy& policy, Date anchor, std::optional<Date> dateOfBirth,
                        std::optional<Date> requested) {
  Date latest = policyReviewDate(policy, anchor, dateOfBirth);
  if (!requested) return latest;
  if (sys_days{*requested} > sys_days{latest}) {
    return invalid("The review date is later than the policy allows",
                   {{"review_date", "The review date must be on or before " + ukDate(latest)}});
  }
  if (sys_days{*requested} < sys_days{anchor}) {
    return invalid("The review date is before the plan starts",
                   {{"review_date", "The review date must be on or after " + ukDate(anchor)}});
  }
  return *requested;
}

std::optional<Reminder> reminderOn(const ReviewPolicy& policy, Date reviewDate, Date day) {
  int toGo = daysBetween(day, reviewDate);
  if (toGo < 0) {
    Date next = reviewDate;
    for (int guard = 0; guard < 10000 && sys_days{next} < sys_days{day}; ++guard)
      next = addDuration(next, policy.overdueEvery);
    if (next == day) return Reminder{Reminder::Kind::kOverdue, toGo};
    return std::nullopt;
  }
  for (const auto& offset : policy.remind) {
    if (subtractDuration(reviewDate, offset) == day)
      return Reminder{toGo == 0 ? Reminder::Kind::kOnTheDay : Reminder::Kind::kBefore, toGo};
  }
  return std::nullopt;
}

namespace {

constexpr auto kDeadlineStatusNames =
    nameTable<DeadlineStatus>({{DeadlineStatus::kOnTrack, "on_track"},
                               {DeadlineStatus::kDueSoon, "due_soon"},
                               {DeadlineStatus::kMissed, "missed"},
                               {DeadlineStatus::kDone, "done"}});
static_assert(kDeadlineStatusNames.coversDenseRange());

constexpr auto kDeadlineStatusLabels =
    nameTable<DeadlineStatus>({{DeadlineStatus::kOnTrack, "On track"},
                               {DeadlineStatus::kDueSoon, "Due soon"},
                               {DeadlineStatus::kMissed, "Missed"},
                               {DeadlineStatus::kDone, "Done"}});
static_assert(kDeadlineStatusLabels.coversDenseRange());

}  // namespace

const char* deadlineStatusName(DeadlineStatus s) { return kDeadlineStatusNames.nameOf(s); }

std::string deadlineStatusLabel(DeadlineStatus s) { return kDeadlineStatusLabels.nameOf(s); }

ReviewTiming reviewTiming(Date reviewDate, Date today) {
  const int days = daysBetween(today, reviewDate);
  if (days < 0) return {ReviewStatus::kOverdue, days};
  if (days <= kReviewDueSoonDays) return {ReviewStatus::kDueSoon, days};
  return {ReviewStatus::kNotYet, days};
}

const char* reviewStatusName(ReviewStatus s) {
  switch (s) {
    case ReviewStatus::kNotYet:
      return "not_yet";
    case ReviewStatus::kDueSoon:
      return "due_soon";
    case ReviewStatus::kOverdue:
      return "overdue";
  }
  return "not_yet";
}

DeadlineStatus deadlineStatus(Date due, Date today, std::optional<Date> doneOn,
                              const Duration& dueSoon) {
  if (doneOn) return DeadlineStatus::kDone;
  if (sys_days{today} > sys_days{due}) return DeadlineStatus::kMissed;
  if (sys_days{addDuration(today, dueSoon)} >= sys_days{due}) return DeadlineStatus::kDueSoon;
  return DeadlineStatus::kOnTrack;
}

static std::optional<Date> dateValue(const Poco::JSON::Object& values, const std::string& field) {
  if (field.empty() || !values.has(field)) return std::nullopt;
  const auto& v = values.get(field);
  if (v.isEmpty() || !v.isString()) return std::nullopt;
  return parseIsoDate(v.extract<std::string>());
}

std::vector<DeadlineItem> evaluateDeadlines(const DeadlinePolicy& policy,
                                            const Poco::JSON::Object& values, Date today,
                                            const std::map<std::string, Date>& transitionsFired) {
  std::vector<DeadlineItem> out;
  for (const auto& rule : policy.rules) {
    if (rule.when && !conditionHolds(*rule.when, values)) continue;
    auto from = dateValue(values, rule.fromField.empty() ? policy.anchorField : rule.fromField);
    if (!from) continue;
    DeadlineItem item;
    item.id = rule.id;
    item.label = rule.label;
    item.due = rule.before ? subtractDuration(*from, rule.offset) : addDuration(*from, rule.offset);
    item.doneOn = dateValue(values, rule.doneField);
    if (!item.doneOn && !rule.doneTransition.empty()) {
      if (auto it = transitionsFired.find(rule.doneTransition); it != transitionsFired.end())
        item.doneOn = it->second;
    }
    item.status = deadlineStatus(item.due, today, item.doneOn, policy.dueSoon);
    item.daysToGo = daysBetween(today, item.due);
    out.push_back(std::move(item));
  }
  std::stable_sort(out.begin(), out.end(), [](const DeadlineItem& a, const DeadlineItem& b) {
    return sys_days{a.due} < sys_days{b.due};
  });
  return out;
}

std::optional<ReviewDue> reviewDue(const ReviewPolicy& policy, const Poco::JSON::Object& values,
                                   std::optional<Date> dateOfBirth) {
  for (const auto& by : policy.dueFrom) {
    auto from = dateValue(values, by.field);
    if (!from) continue;
    ReviewDue r{*from, *from, &by, policy.every, false};
    // The child's age when the cycle starts decides it (9.178: "every 3 to 6 months" under 5).
    r.under5 = policy.under5Every && dateOfBirth && ageOn(*dateOfBirth, *from) < 5;
    if (r.under5) r.within = *policy.under5Every;
    r.due = addDuration(*from, r.within);
    return r;
  }
  return std::nullopt;
}

std::optional<DeadlineItem> reviewDueDeadline(const ReviewPolicy& policy,
                                              const Poco::JSON::Object& values,
                                              std::optional<Date> dateOfBirth, Date today,
                                              const Duration& dueSoon) {
  auto r = reviewDue(policy, values, dateOfBirth);
  if (!r) return std::nullopt;
  DeadlineItem item;
  item.id = "review_due";
  item.label = "Hold the review (within " + durationWords(r->within) + " of " + r->by->since +
               (r->under5 ? ", as the child is under 5)" : ")");
  item.due = r->due;
  auto meeting = dateValue(values, policy.anchorField);
  if (meeting && sys_days{*meeting} <= sys_days{today}) item.doneOn = meeting;
  item.status = deadlineStatus(item.due, today, item.doneOn, dueSoon);
  item.daysToGo = daysBetween(today, item.due);
  return item;
}

std::optional<Date> reviewOn(const ReviewPolicy& policy, const Poco::JSON::Object& values,
                             std::optional<Date> dateOfBirth) {
  if (auto meeting = dateValue(values, policy.anchorField)) return meeting;
  if (auto r = reviewDue(policy, values, dateOfBirth)) return r->due;
  return std::nullopt;
}

std::optional<FieldError> lateMeetingWarning(const ReviewPolicy& policy,
                                             const Poco::JSON::Object& values,
                                             std::optional<Date> dateOfBirth) {
  auto meeting = dateValue(values, policy.anchorField);
  auto r = reviewDue(policy, values, dateOfBirth);
  if (!meeting || !r || sys_days{*meeting} <= sys_days{r->due}) return std::nullopt;
  return FieldError{policy.anchorField,
                    "This meeting is after the review is due on " + ukDate(r->due)};
}

int academicYearOf(Date d) { return static_cast<int>(d.year()) - (d.month() >= September ? 0 : 1); }

std::string yearGroupAfter(const std::string& yearGroup, int years) {
  // N, R, 1..14 in order.
  int index = yearGroup == "N" ? 0 : yearGroup == "R" ? 1 : -1;
  if (index < 0) {
    int n = 0;
    if (!isValidYearGroup(yearGroup)) return "";
    std::from_chars(yearGroup.data(), yearGroup.data() + yearGroup.size(), n);  // 1..14
    index = 1 + n;
  }
  const int next = index + years;
  if (next < 0 || next > 15) return "";
  return next == 0 ? "N" : next == 1 ? "R" : std::to_string(next - 1);
}

Date phaseTransferDate(const PhaseTransferRule& rule, int transferYear) {
  return Date{year{transferYear}, month{rule.month}, day{rule.day}};
}

std::optional<DeadlineItem> phaseTransferDeadline(const DeadlinePolicy& policy,
                                                  const std::string& yearGroup,
                                                  const Poco::JSON::Object& values, Date today,
                                                  std::optional<Date> reviewDay,
                                                  std::optional<Date> doneOn) {
  const int now = academicYearOf(today);
  const int review = reviewDay ? academicYearOf(*reviewDay) : now;
  for (int ay = std::min(now, review); ay <= std::max(now, review); ++ay) {
    const std::string then = yearGroupAfter(yearGroup, ay - now);
    for (const auto& rule : policy.phaseTransfers) {
      if (rule.fromYear != then) continue;
      if (rule.when && !conditionHolds(*rule.when, values)) break;
      DeadlineItem item;
      item.id = "phase_transfer";
      item.label = rule.label;
      item.due = phaseTransferDate(rule, ay + 1);  // the transfer: the September after
      item.doneOn = doneOn;
      item.status = deadlineStatus(item.due, today, doneOn, policy.dueSoon);
      item.daysToGo = daysBetween(today, item.due);
      return item;
    }
  }
  return std::nullopt;
}

Date retentionUntil(const RetentionPolicy& policy, Date from) {
  return addDuration(from, policy.keep);
}

}  // namespace sendflow::engine
