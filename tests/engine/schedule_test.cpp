#include "sendflow/engine/plans/schedule.h"

#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>
#include <string>

#include "app/definition_folders.h"
#include "i18n/language_list.h"
#include "sendflow/engine/definitions/definitions.h"

using namespace sendflow::engine;
using Poco::JSON::Object;

namespace {

Date d(const std::string& iso) {
  auto parsed = parseIsoDate(iso);
  REQUIRE(parsed);
  return *parsed;
}

Duration dur(const std::string& s) {
  auto parsed = parseDuration(s);
  REQUIRE(parsed);
  return *parsed;
}

Object::Ptr json(const std::string& text) {
  Poco::JSON::Parser p;
  return p.parse(text).extract<Object::Ptr>();
}

const DefinitionRegistry& registry() {
  static const DefinitionRegistry reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  return reg;
}

}  // namespace

TEST_CASE("adding durations clamps to the month's end, leap years included", "[engine][schedule]") {
  struct Case {
    const char* from;
    const char* by;
    const char* to;
  };
  const Case cases[] = {
      {"2026-01-31", "P1M", "2026-02-28"},   {"2024-01-31", "P1M", "2024-02-29"},
      {"2024-02-29", "P1Y", "2025-02-28"},   {"2024-02-29", "P4Y", "2028-02-29"},
      {"2026-08-31", "P6M", "2027-02-28"},   {"2027-08-31", "P6M", "2028-02-29"},
      {"2026-03-15", "P12M", "2027-03-15"},  {"2026-12-25", "P2W", "2027-01-08"},
      {"2028-02-15", "P2W", "2028-02-29"},   {"2026-05-31", "P1Y1M", "2027-06-30"},
      {"2026-01-30", "P1M1D", "2026-03-01"}, {"2012-02-29", "P31Y", "2043-02-28"},
  };
  for (const auto& c : cases) {
    INFO(c.from << " + " << c.by);
    CHECK(isoDate(addDuration(d(c.from), dur(c.by))) == c.to);
  }
  CHECK(isoDate(subtractDuration(d("2026-03-31"), dur("P1M"))) == "2026-02-28");
  CHECK(isoDate(subtractDuration(d("2028-03-14"), dur("P2W"))) == "2028-02-29");
  CHECK(durationWords(dur("P12M")) == "12 months");
  CHECK(durationWords(dur("P1Y6M")) == "1 year and 6 months");
  CHECK(durationWords(dur("P2W")) == "2 weeks");
}

TEST_CASE("age counts completed years, a 29 February birthday arrives on 1 March",
          "[engine][schedule]") {
  CHECK(ageOn(d("2020-02-29"), d("2025-02-28")) == 4);
  CHECK(ageOn(d("2020-02-29"), d("2025-03-01")) == 5);
  CHECK(ageOn(d("2020-02-29"), d("2024-02-29")) == 4);
  CHECK(ageOn(d("2021-05-20"), d("2026-05-19")) == 4);
  CHECK(ageOn(d("2021-05-20"), d("2026-05-20")) == 5);
}

TEST_CASE("review dates follow each shipped policy", "[engine][schedule]") {
  for (const char* type :
       {"intimate_care", "physical_handling", "peep", "risk_assessment", "healthcare_plan"}) {
    INFO(type);
    const auto& policy = registry().workflow(type)->review;
    CHECK(policy.anchorField.empty());  // from activation
    CHECK(isoDate(policyReviewDate(policy, d("2026-03-15"), d("2019-01-01"))) == "2027-03-15");
    CHECK(isoDate(policyReviewDate(policy, d("2024-02-29"), d("2019-01-01"))) == "2025-02-28");
    // Under-5s are reviewed yearly too in these types.
    CHECK(isoDate(policyReviewDate(policy, d("2026-03-15"), d("2023-01-01"))) == "2027-03-15");
  }

  const auto& ehcp = registry().workflow("ehcp_annual_review")->review;
  CHECK(ehcp.anchorField == "meeting_date");
  struct Case {
    const char* meeting;
    const char* dob;
    const char* review;
  };
  const Case cases[] = {
      {"2026-05-20", "2022-06-01", "2026-11-20"},  // age 3: six months
      {"2026-05-20", "2021-05-21", "2026-11-20"},  // 5 tomorrow: still under 5 at the meeting
      {"2026-05-20", "2021-05-20", "2027-05-20"},  // 5 on the day: twelve months
      {"2026-05-20", "2015-09-01", "2027-05-20"},
      {"2027-08-31", "2024-01-01", "2028-02-29"},  // six months into a leap February
      {"2028-02-29", "2016-02-29", "2029-02-28"},
  };
  for (const auto& c : cases) {
    INFO(c.meeting << " born " << c.dob);
    CHECK(isoDate(policyReviewDate(ehcp, d(c.meeting), d(c.dob))) == c.review);
  }
}

TEST_CASE("the SENCO may set an earlier review date, never a later one", "[engine][schedule]") {
  const auto& policy = registry().workflow("peep")->review;
  auto r = reviewDate(policy, d("2026-03-15"), std::nullopt);
  REQUIRE(r.ok());
  CHECK(isoDate(*r) == "2027-03-15");
  r = reviewDate(policy, d("2026-03-15"), std::nullopt, d("2026-09-01"));
  REQUIRE(r.ok());
  CHECK(isoDate(*r) == "2026-09-01");
  CHECK(reviewDate(policy, d("2026-03-15"), std::nullopt, d("2027-03-15")).ok());

  r = reviewDate(policy, d("2026-03-15"), std::nullopt, d("2027-03-16"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == ErrorCode::kInvalid);
  REQUIRE(r.error().fields.size() == 1);
  CHECK(r.error().fields[0].field == "review_date");
  CHECK(r.error().fields[0].message == "The review date must be on or before 15 March 2027");

  r = reviewDate(policy, d("2026-03-15"), std::nullopt, d("2026-03-14"));
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().fields[0].message == "The review date must be on or after 15 March 2026");
}

TEST_CASE("reminders go before, on and after the review date", "[engine][schedule]") {
  const auto& policy = registry().workflow("peep")->review;  // P30D, P7D, P0D; overdue every P7D
  Date review = d("2026-06-30");
  auto kindOn = [&](const char* day) -> std::string {
    auto r = reminderOn(policy, review, d(day));
    if (!r) return "none";
    switch (r->kind) {
      case Reminder::Kind::kBefore:
        return "before " + std::to_string(r->daysToGo);
      case Reminder::Kind::kOnTheDay:
        return "today";
      case Reminder::Kind::kOverdue:
        return "overdue " + std::to_string(r->daysToGo);
    }
    return "?";
  };
  CHECK(kindOn("2026-05-31") == "before 30");
  CHECK(kindOn("2026-06-01") == "none");
  CHECK(kindOn("2026-06-23") == "before 7");
  CHECK(kindOn("2026-06-30") == "today");
  CHECK(kindOn("2026-07-01") == "none");
  CHECK(kindOn("2026-07-07") == "overdue -7");
  CHECK(kindOn("2026-07-14") == "overdue -14");
  CHECK(kindOn("2026-07-15") == "none");
}

TEST_CASE("deadline status: on track, due soon within 14 days, missed, done",
          "[engine][schedule]") {
  Date due = d("2026-03-20");
  CHECK(deadlineStatus(due, d("2026-03-05"), std::nullopt) == DeadlineStatus::kOnTrack);
  CHECK(deadlineStatus(due, d("2026-03-06"), std::nullopt) == DeadlineStatus::kDueSoon);
  CHECK(deadlineStatus(due, d("2026-03-20"), std::nullopt) == DeadlineStatus::kDueSoon);
  CHECK(deadlineStatus(due, d("2026-03-21"), std::nullopt) == DeadlineStatus::kMissed);
  CHECK(deadlineStatus(due, d("2026-03-21"), d("2026-03-19")) == DeadlineStatus::kDone);
  CHECK(std::string(deadlineStatusName(DeadlineStatus::kDueSoon)) == "due_soon");
}

TEST_CASE("EHCP annual review deadlines from the meeting date", "[engine][schedule]") {
  const auto& policy = *registry().workflow("ehcp_annual_review")->deadlines;
  struct Case {
    const char* meeting;
    const char* invitations;  // and advice: 2 weeks before
    const char* report;       // 2 weeks after
    const char* decision;     // 4 weeks after
    const char* amended;      // 12 weeks after, when amending
  };
  const Case cases[] = {
      {"2026-03-12", "2026-02-26", "2026-03-26", "2026-04-09", "2026-06-04"},
      {"2028-03-07", "2028-02-22", "2028-03-21", "2028-04-04", "2028-05-30"},
      {"2024-03-13", "2024-02-28", "2024-03-27", "2024-04-10", "2024-06-05"},
      {"2024-02-15", "2024-02-01", "2024-02-29", "2024-03-14", "2024-05-09"},  // leap day
      {"2025-02-15", "2025-02-01", "2025-03-01", "2025-03-15", "2025-05-10"},
      {"2026-12-30", "2026-12-16", "2027-01-13", "2027-01-27", "2027-03-24"},
  };
  for (const auto& c : cases) {
    INFO("meeting " << c.meeting);
    auto values =
        json(std::string(R"({"recommendation": "amend", "meeting_date": ")") + c.meeting + "\"}");
    auto items = evaluateDeadlines(policy, *values, d("2020-01-01"));
    REQUIRE(items.size() == 5);
    std::map<std::string, std::string> due;
    for (const auto& i : items) due[i.id] = isoDate(i.due);
    CHECK(due["invitations"] == c.invitations);
    CHECK(due["advice"] == c.invitations);
    CHECK(due["report"] == c.report);
    CHECK(due["la_decision"] == c.decision);
    CHECK(due["final_amended_plan"] == c.amended);
  }

  // Statuses on one day; "maintain" has no amended-plan deadline.
  auto values = json(R"({"meeting_date": "2026-03-12", "recommendation": "maintain",
                         "invitations_sent": "2026-02-20"})");
  auto items = evaluateDeadlines(policy, *values, d("2026-02-27"));
  REQUIRE(items.size() == 4);
  CHECK(items[0].id == "invitations");
  CHECK(items[0].status == DeadlineStatus::kDone);
  CHECK(items[1].id == "advice");
  CHECK(items[1].status == DeadlineStatus::kMissed);
  CHECK(items[1].daysToGo == -1);
  CHECK(items[2].id == "report");
  CHECK(items[2].status == DeadlineStatus::kOnTrack);  // 27 days to go
  items = evaluateDeadlines(policy, *values, d("2026-03-13"), {{"all_signed", d("2026-03-13")}});
  CHECK(items[2].status == DeadlineStatus::kDone);
  CHECK(items[3].id == "la_decision");
  CHECK(items[3].status == DeadlineStatus::kOnTrack);  // due 9 April: 27 days
  items = evaluateDeadlines(policy, *values, d("2026-03-27"));
  CHECK(items[3].status == DeadlineStatus::kDueSoon);

  // No meeting date yet: nothing to show.
  CHECK(evaluateDeadlines(policy, Object(), d("2026-02-27")).empty());
}

TEST_CASE("phase transfer deadlines by year group", "[engine][schedule]") {
  const auto& policy = *registry().workflow("ehcp_annual_review")->deadlines;
  Object none;
  auto expected = json(R"({"phase_transfer_expected": true})");
  struct Case {
    const char* year;
    bool transferExpected;
    const char* today;
    const char* due;  // "" when none
    DeadlineStatus status;
  };
  const Case cases[] = {
      {"6", false, "2025-09-01", "2026-02-15", DeadlineStatus::kOnTrack},
      {"6", false, "2025-08-31", "2025-02-15", DeadlineStatus::kMissed},
      {"6", false, "2026-02-01", "2026-02-15", DeadlineStatus::kDueSoon},
      {"6", false, "2026-02-16", "2026-02-15", DeadlineStatus::kMissed},
      {"11", false, "2027-11-30", "2028-03-31", DeadlineStatus::kOnTrack},
      {"11", false, "2028-03-20", "2028-03-31", DeadlineStatus::kDueSoon},
      {"N", true, "2027-10-01", "2028-02-15", DeadlineStatus::kOnTrack},
      {"2", true, "2024-01-20", "2024-02-15", DeadlineStatus::kOnTrack},
      {"N", false, "2027-10-01", "", DeadlineStatus::kOnTrack},
      {"2", false, "2024-01-20", "", DeadlineStatus::kOnTrack},
      {"5", true, "2026-01-01", "", DeadlineStatus::kOnTrack},
      {"9", false, "2026-01-01", "", DeadlineStatus::kOnTrack},
  };
  for (const auto& c : cases) {
    INFO("Year " << c.year << " on " << c.today);
    auto item =
        phaseTransferDeadline(policy, c.year, c.transferExpected ? *expected : none, d(c.today));
    if (std::string(c.due).empty()) {
      CHECK_FALSE(item);
      continue;
    }
    REQUIRE(item);
    CHECK(isoDate(item->due) == c.due);
    CHECK(item->status == c.status);
  }
  auto done =
      phaseTransferDeadline(policy, "6", none, d("2026-03-01"), std::nullopt, d("2026-02-10"));
  REQUIRE(done);
  CHECK(done->status == DeadlineStatus::kDone);
}

TEST_CASE("records are kept until date of birth plus 31 years", "[engine][schedule]") {
  const auto& retention = registry().workflow("peep")->retention;
  CHECK(retention.from == "date_of_birth");
  CHECK(isoDate(retentionUntil(retention, d("2015-09-01"))) == "2046-09-01");
  CHECK(isoDate(retentionUntil(retention, d("2012-02-29"))) == "2043-02-28");
}

TEST_CASE("a review is due soon from 30 days before its date, overdue the day after",
          "[engine][schedule]") {
  const Date today = d("2026-03-01");
  CHECK(reviewTiming(d("2026-04-01"), today).status == ReviewStatus::kNotYet);  // 31 days
  auto soon = reviewTiming(d("2026-03-31"), today);
  CHECK(soon.status == ReviewStatus::kDueSoon);
  CHECK(soon.daysToGo == kReviewDueSoonDays);
  CHECK(reviewTiming(today, today).status == ReviewStatus::kDueSoon);
  auto late = reviewTiming(d("2026-02-27"), today);
  CHECK(late.status == ReviewStatus::kOverdue);
  CHECK(late.daysToGo == -2);
  CHECK(std::string(reviewStatusName(ReviewStatus::kDueSoon)) == "due_soon");
}

// Issue 14, point 4: the review on an EHCP is due from the plan's issue or its last review
// (Code of Practice 9.166, 9.178), never from the meeting that is being arranged.
TEST_CASE("an EHCP review is due within 12 months of the plan being issued, with no meeting set",
          "[engine][schedule]") {
  const auto& review = registry().workflow("ehcp_annual_review")->review;
  auto values = json(R"({"plan_issued": "2026-03-10"})");
  auto item = reviewDueDeadline(review, *values, d("2015-04-01"), d("2026-12-03"));
  REQUIRE(item);
  CHECK(item->id == "review_due");
  CHECK(isoDate(item->due) == "2027-03-10");
  CHECK(item->label == "Hold the review (within 12 months of the plan being issued)");
  CHECK(item->status == DeadlineStatus::kOnTrack);
  CHECK_FALSE(item->doneOn);
  CHECK(reviewDueDeadline(review, *values, d("2015-04-01"), d("2027-03-01"))->status ==
        DeadlineStatus::kDueSoon);
  CHECK(reviewDueDeadline(review, *values, d("2015-04-01"), d("2027-03-11"))->status ==
        DeadlineStatus::kMissed);
  // Nothing recorded: no date to count from.
  CHECK_FALSE(reviewDueDeadline(review, Object(), d("2015-04-01"), d("2026-12-03")));
}

TEST_CASE("an EHCP review is due within 12 months of the last review, whatever the meeting says",
          "[engine][schedule]") {
  const auto& review = registry().workflow("ehcp_annual_review")->review;
  auto values = json(R"({"plan_issued": "2024-01-10", "last_review": "2026-05-20"})");
  auto item = reviewDueDeadline(review, *values, d("2015-04-01"), d("2026-12-03"));
  REQUIRE(item);
  CHECK(isoDate(item->due) == "2027-05-20");
  CHECK(item->label == "Hold the review (within 12 months of the last review)");
  // A meeting set does not move the due date; once held, the review is done on that day.
  values->set("meeting_date", "2027-04-30");
  item = reviewDueDeadline(review, *values, d("2015-04-01"), d("2026-12-03"));
  CHECK(isoDate(item->due) == "2027-05-20");
  CHECK_FALSE(item->doneOn);
  item = reviewDueDeadline(review, *values, d("2015-04-01"), d("2027-05-02"));
  REQUIRE(item->doneOn);
  CHECK(isoDate(*item->doneOn) == "2027-04-30");
  CHECK(item->status == DeadlineStatus::kDone);
}

TEST_CASE("an under-5's EHCP review is due within the policy's 3 or 6 months",
          "[engine][schedule]") {
  ReviewPolicy policy = registry().workflow("ehcp_annual_review")->review;
  CHECK(policy.under5Every == Duration{0, 6, 0, 0});
  struct Case {
    const char* under5;
    const char* dob;
    const char* lastReview;
    const char* due;
    bool under5Label;
  };
  const Case cases[] = {
      {"P6M", "2022-06-01", "2026-03-01", "2026-09-01", true},   // 3 years old
      {"P3M", "2022-06-01", "2026-03-01", "2026-06-01", true},   // the trust's 3 months
      {"P6M", "2022-06-01", "2026-08-31", "2027-02-28", true},   // month end clamps
      {"P3M", "2021-05-01", "2026-03-01", "2026-06-01", true},   // turns 5 in the cycle: still 3
      {"P6M", "2021-05-01", "2026-03-01", "2026-09-01", true},   // turns 5 in the cycle: still 6
      {"P6M", "2021-03-01", "2026-03-01", "2027-03-01", false},  // 5 on the day the cycle starts
      {"P3M", "2021-02-28", "2026-03-01", "2027-03-01", false},  // already 5: 12 months
  };
  for (const auto& c : cases) {
    INFO(c.under5 << ", born " << c.dob << ", last review " << c.lastReview);
    policy.under5Every = dur(c.under5);
    auto values = json(std::string(R"({"plan_issued": "2025-01-10", "last_review": ")") +
                       c.lastReview + "\"}");
    auto item = reviewDueDeadline(policy, *values, d(c.dob), d("2026-03-02"));
    REQUIRE(item);
    CHECK(isoDate(item->due) == c.due);
    CHECK((item->label.find("under 5") != std::string::npos) == c.under5Label);
  }
  // The first review of a plan issued to a 4-year-old: 6 months from issue.
  policy.under5Every = dur("P6M");
  auto first = reviewDueDeadline(policy, *json(R"({"plan_issued": "2026-01-15"})"), d("2021-09-01"),
                                 d("2026-03-02"));
  REQUIRE(first);
  CHECK(isoDate(first->due) == "2026-07-15");
  CHECK(first->label ==
        "Hold the review (within 6 months of the plan being issued, as the child is under 5)");
}

TEST_CASE("a review meeting set after the review is due is warned about, not refused",
          "[engine][schedule]") {
  const auto& review = registry().workflow("ehcp_annual_review")->review;
  auto values = json(R"({"plan_issued": "2026-03-03", "meeting_date": "2027-03-04"})");
  auto w = lateMeetingWarning(review, *values, d("2015-04-01"));
  REQUIRE(w);
  CHECK(w->field == "meeting_date");
  CHECK(w->message == "This meeting is after the review is due on 3 March 2027");
  values->set("meeting_date", "2027-03-03");  // on the day: in time
  CHECK_FALSE(lateMeetingWarning(review, *values, d("2015-04-01")));
  values->remove("meeting_date");
  CHECK_FALSE(lateMeetingWarning(review, *values, d("2015-04-01")));
  // Under 5: due after 6 months, so a meeting 7 months on is late.
  auto young = json(R"({"plan_issued": "2026-03-03", "meeting_date": "2026-10-01"})");
  auto late = lateMeetingWarning(review, *young, d("2022-01-01"));
  REQUIRE(late);
  CHECK(late->message == "This meeting is after the review is due on 3 September 2026");
}

TEST_CASE("phase transfer dates come from the academic year of the transfer",
          "[engine][schedule]") {
  const auto& policy = *registry().workflow("ehcp_annual_review")->deadlines;
  CHECK(academicYearOf(d("2027-08-31")) == 2026);
  CHECK(academicYearOf(d("2027-09-01")) == 2027);
  CHECK(yearGroupAfter("5", 1) == "6");
  CHECK(yearGroupAfter("N", 1) == "R");
  CHECK(yearGroupAfter("R", -1) == "N");
  CHECK(yearGroupAfter("R", 1) == "1");
  CHECK(yearGroupAfter("14", 1).empty());
  CHECK(yearGroupAfter("N", -1).empty());
  Object none;
  struct Case {
    const char* year;  // the pupil's year group on `today`
    const char* today;
    const char* review;  // the review's day (meeting, else when due); "" for none
    const char* due;     // "" when none
    DeadlineStatus status;
  };
  const Case cases[] = {
      // In Year 6 this academic year: the transfer is next September, whatever side of 1 Sept
      // the review falls.
      {"6", "2026-12-03", "", "2027-02-15", DeadlineStatus::kOnTrack},
      {"6", "2026-12-03", "2027-01-20", "2027-02-15", DeadlineStatus::kOnTrack},
      {"6", "2026-12-03", "2027-10-05", "2027-02-15", DeadlineStatus::kOnTrack},
      // In Year 5 now, reviewed next academic year (in Year 6): the transfer after that, on
      // both sides of 1 September (the record says 5 on 31 August, 6 from 1 September).
      {"5", "2027-08-31", "2027-10-05", "2028-02-15", DeadlineStatus::kOnTrack},
      {"6", "2027-09-01", "2027-10-05", "2028-02-15", DeadlineStatus::kOnTrack},
      {"5", "2027-02-16", "2027-09-20", "2028-02-15", DeadlineStatus::kOnTrack},
      {"5", "2027-02-16", "2027-07-20", "", DeadlineStatus::kOnTrack},  // reviewed in Year 5
      // Both sides of 15 February, for the transfer this coming September.
      {"6", "2027-02-15", "2027-01-20", "2027-02-15", DeadlineStatus::kDueSoon},
      {"6", "2027-02-16", "2027-01-20", "2027-02-15", DeadlineStatus::kMissed},
      {"6", "2027-02-16", "2027-03-01", "2027-02-15", DeadlineStatus::kMissed},
      // Post-16: 31 March.
      {"10", "2027-06-30", "2027-11-15", "2028-03-31", DeadlineStatus::kOnTrack},
      {"11", "2028-03-31", "", "2028-03-31", DeadlineStatus::kDueSoon},
      {"11", "2028-04-01", "", "2028-03-31", DeadlineStatus::kMissed},
  };
  for (const auto& c : cases) {
    INFO("Year " << c.year << " on " << c.today << ", review " << c.review);
    std::optional<Date> review;
    if (*c.review) review = d(c.review);
    auto item = phaseTransferDeadline(policy, c.year, none, d(c.today), review);
    if (std::string(c.due).empty()) {
      CHECK_FALSE(item);
      continue;
    }
    REQUIRE(item);
    CHECK(isoDate(item->due) == c.due);
    CHECK(item->status == c.status);
  }
  // Nursery to school needs the form's "will the pupil change phase" answer.
  auto expected = json(R"({"phase_transfer_expected": true})");
  auto nursery = phaseTransferDeadline(policy, "N", *expected, d("2027-08-31"), d("2027-06-10"));
  REQUIRE(nursery);
  CHECK(isoDate(nursery->due) == "2027-02-15");
  CHECK_FALSE(phaseTransferDeadline(policy, "N", none, d("2027-08-31"), d("2027-06-10")));
}
