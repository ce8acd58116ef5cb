// Date rules: ISO-8601 durations on calendar dates, review dates from a workflow's policy,
// reminders, when a review is due (EHCP: from issue or the last review), EHCP statutory deadlines
// from the meeting date, phase transfer by academic year and retention.
// All functions are pure: "today" is always a parameter.
#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/definitions/definitions.h"

namespace sendflow::engine {

// Years and months first, clamped to the month's end (31 Jan + P1M = 28/29 Feb), then weeks
// and days. subtractDuration mirrors it (31 Mar - P1M = 28/29 Feb).
Date addDuration(Date d, const Duration& by);
Date subtractDuration(Date d, const Duration& by);
std::string durationWords(const Duration& d);  // "12 months", "2 weeks", "1 year and 6 months"

// Completed years on `on` (a 29 February birthday is reached on 1 March in common years).
int ageOn(Date dateOfBirth, Date on);

// The latest review date the policy allows: anchor + every, or + under_5_every when the child is
// under 5 on the anchor date (EHCP). The anchor is the activation date, or the date in the
// policy's anchor field (EHCP: the review meeting) when the caller has it.
Date policyReviewDate(const ReviewPolicy& policy, Date anchor, std::optional<Date> dateOfBirth);

// The review date to store: the policy date, or `requested` when the SENCO sets an earlier one.
// kInvalid (field "review_date") when requested is later than the policy allows or before the
// anchor.
Result<Date> reviewDate(const ReviewPolicy& policy, Date anchor, std::optional<Date> dateOfBirth,
                        std::optional<Date> requested = std::nullopt);

// Whether a review reminder goes out on `day` for a plan due on `reviewDate`.
struct Reminder {
  enum class Kind { kBefore, kOnTheDay, kOverdue };
  Kind kind = Kind::kBefore;
  int daysToGo = 0;  // negative when overdue
};
std::optional<Reminder> reminderOn(const ReviewPolicy& policy, Date reviewDate, Date day);

// A plan in force is due soon for review from this many days before its review date: the one
// rule behind the "Due in N days" tags of every page and the API's review_status.
inline constexpr int kReviewDueSoonDays = 30;
enum class ReviewStatus { kNotYet, kDueSoon, kOverdue };
struct ReviewTiming {
  ReviewStatus status = ReviewStatus::kNotYet;
  int daysToGo = 0;  // negative: days overdue
};
ReviewTiming reviewTiming(Date reviewDate, Date today);
const char* reviewStatusName(ReviewStatus s);  // not_yet, due_soon, overdue

enum class DeadlineStatus { kOnTrack, kDueSoon, kMissed, kDone };
const char* deadlineStatusName(DeadlineStatus s);   // on_track, due_soon, missed, done
std::string deadlineStatusLabel(DeadlineStatus s);  // "On track", "Due soon", "Missed", "Done"

struct DeadlineItem {
  std::string id;  // rule id, or "phase_transfer"
  std::string label;
  Date due;
  DeadlineStatus status = DeadlineStatus::kOnTrack;
  std::optional<Date> doneOn;
  int daysToGo = 0;  // due - today
};

// due_soon: due within policy.dueSoon (default 14 days) and not done; missed: past and not done
// (a deadline done after its date stays done, with doneOn showing when).
DeadlineStatus deadlineStatus(Date due, Date today, std::optional<Date> doneOn,
                              const Duration& dueSoon = Duration{0, 0, 0, 14});

// EHCP statutory deadlines from the form values: rules whose anchor date is set and whose
// `when` holds. Done dates come from each rule's done_field, or from `transitionsFired`
// (transition name -> date it fired) for done_transition. Sorted by due date.
std::vector<DeadlineItem> evaluateDeadlines(
    const DeadlinePolicy& policy, const Poco::JSON::Object& values, Date today,
    const std::map<std::string, Date>& transitionsFired = {});

// The review held on a plan (the policy's anchor field: the EHCP review meeting) is due within
// `every` of the first `due_from` field that is set (the last review, else the date the plan was
// issued), or within `under_5_every` when the child is under 5 on that date (Code of Practice
// 9.178; a 5th birthday during the cycle does not shorten or lengthen it). Counted from those
// dates, never from the meeting itself. Empty when the policy has no due_from or none is set.
struct ReviewDue {
  Date due;
  Date from;                // the date the cycle started
  const ReviewDueFrom* by;  // the field it came from
  Duration within;          // every, or under_5_every
  bool under5 = false;
};
std::optional<ReviewDue> reviewDue(const ReviewPolicy& policy, const Poco::JSON::Object& values,
                                   std::optional<Date> dateOfBirth);

// The due date as a deadline (id "review_due"): done on the meeting date once the meeting is on
// or before `today`.
std::optional<DeadlineItem> reviewDueDeadline(const ReviewPolicy& policy,
                                              const Poco::JSON::Object& values,
                                              std::optional<Date> dateOfBirth, Date today,
                                              const Duration& dueSoon = Duration{0, 0, 0, 14});

// When the review on a plan takes place, as far as is known: its meeting (anchor field) when set,
// else when it is due (reviewDue).
std::optional<Date> reviewOn(const ReviewPolicy& policy, const Poco::JSON::Object& values,
                             std::optional<Date> dateOfBirth);

// A warning, not a refusal: the meeting (anchor field) is set later than the review is due.
// Field is the anchor field; message "This meeting is after the review is due on 3 March 2027".
std::optional<FieldError> lateMeetingWarning(const ReviewPolicy& policy,
                                             const Poco::JSON::Object& values,
                                             std::optional<Date> dateOfBirth);

// England's academic year runs 1 September to 31 August; it is named by the calendar year it
// starts in (2026 for 2026/27).
int academicYearOf(Date d);

// The year group `years` academic years on ("5" + 1 = "6", "N" + 1 = "R"); empty before Nursery
// or after Year 14, or for an unknown year group.
std::string yearGroupAfter(const std::string& yearGroup, int years);

// The date of `rule` for a transfer at the start of the academic year `transferYear` (the
// September of that calendar year): the rule's month-day in that calendar year.
Date phaseTransferDate(const PhaseTransferRule& rule, int transferYear);

// The phase-transfer deadline of a plan (SEND Regs 2014 reg 18). `yearGroup` is the pupil's in
// the academic year containing `today`; the transfer is the one the review on `reviewDay` (the
// meeting, else when the review is due; today when neither is known) must prepare for: the
// first academic year from today's to the review's in which the pupil is in a rule's
// from_year, the transfer being at the start of the academic year after it. Empty when no rule
// matches or its `when` fails. The date never moves with today: only the status does.
std::optional<DeadlineItem> phaseTransferDeadline(const DeadlinePolicy& policy,
                                                  const std::string& yearGroup,
                                                  const Poco::JSON::Object& values, Date today,
                                                  std::optional<Date> reviewDay = std::nullopt,
                                                  std::optional<Date> doneOn = std::nullopt);

// The date until which a plan's records are kept (retention.from = date_of_birth).
Date retentionUntil(const RetentionPolicy& policy, Date from);

}  // namespace sendflow::engine
