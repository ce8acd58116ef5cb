// Date rules: ISO-8601 durations on calendar dates, review dates from a workflow's policy,
// reminders, EHCP statutory deadlines from the meeting date, phase transfer and retention.
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

// The date of `rule` for the transfer that follows the academic year containing `today`.
Date phaseTransferDate(const PhaseTransferRule& rule, Date today);

// The phase-transfer deadline for a pupil in `yearGroup` during the academic year (1 Sept to
// 31 Aug) containing `today`: the rule's month-day in the calendar year the transfer happens
// (the September after). Empty when no rule matches the year group or its `when` fails.
std::optional<DeadlineItem> phaseTransferDeadline(const DeadlinePolicy& policy,
                                                  const std::string& yearGroup,
                                                  const Poco::JSON::Object& values, Date today,
                                                  std::optional<Date> doneOn = std::nullopt);

// The date until which a plan's records are kept (retention.from = date_of_birth).
Date retentionUntil(const RetentionPolicy& policy, Date from);

}  // namespace sendflow::engine
