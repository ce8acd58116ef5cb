// A simulated year of reminders on a temporary SQLite file: a fixed clock steps day by day over
// plans with different review dates, a review trigger, an EHCP meeting and ten days of downtime;
// the outbox must hold exactly the expected messages, queued on the expected days.
#include <catch2/catch.hpp>
#include <set>
#include <tuple>

#include "mail_world.h"
#include "sendflow/engine/plans/plans.h"
#include "sendflow/storage/database.h"

using namespace sendflow;
using namespace sendflow::testing;

namespace {

using Row = std::tuple<std::string, engine::Id, std::string, int>;  // kind, plan, to, day queued

}  // namespace

TEST_CASE("a simulated year queues exactly the expected reminders, digests and escalations",
          "[mail][slow]") {
  const engine::Date start = day("2026-01-05");  // a Monday
  MailWorld w(start);
  auto iso = [&](int n) { return engine::isoDate(plus(start, n)); };
  const int ra = 40, rb = 100, rd = 300, meeting = 150;
  const engine::Id a = w.addPlan("peep", "active", iso(ra));
  const engine::Id b = w.addPlan("healthcare_plan", "active", iso(rb));
  const engine::Id c =
      w.addPlan("ehcp_annual_review", "draft", "", "{\"meeting_date\":\"" + iso(meeting) + "\"}");
  const engine::Id d = w.addPlan("risk_assessment", "active", iso(rd));
  const engine::Id closed = w.addPlan("intimate_care", "superseded", "");  // never reminded
  (void)closed;
  const int downFrom = 295, downTo = 305;  // no runs on days 295..304; day 305 catches up

  for (int n = 0; n < 365; ++n) {
    if (n >= downFrom && n < downTo) continue;
    w.setDay(plus(start, n));
    if (n == 60) {
      auto fired = w.app->plans().fire(w.sencoActor(), b, "trigger_review",
                                       {"change", "moved to a new classroom"});
      REQUIRE(fired.ok());
    }
    w.app->reminders().run(plus(start, n), false);
    if (n == 200)
      w.app->reminders().run(plus(start, n), false);  // a second run the same day adds nothing
  }

  // Expected, from the policies written out by hand: reminders 30 and 7 days before, on the day,
  // then every 7 days while overdue, to the SENCO and the owner; escalation to the governor on
  // the 15th day overdue; EHCP deadlines 14 days before and on the day; digest every Monday.
  std::multiset<Row> want;
  const std::string senco = "senco@oak.test", owner = "teacher@oak.test",
                    governor = "governor@oak.test";
  auto ran = [&](int n) { return n >= 0 && n < 365 && (n < downFrom || n >= downTo); };
  auto reviewDays = [](int r) {
    std::vector<int> out{r - 30, r - 7, r};
    for (int k = r + 7; k < 400; k += 7) out.push_back(k);
    return out;
  };
  for (auto [plan, r] : {std::pair{a, ra}, std::pair{b, rb}, std::pair{d, rd}}) {
    int lateDay = -1;
    for (int n : reviewDays(r)) {
      if (ran(n)) {
        for (const auto& to : {senco, owner}) want.insert({"review_reminder", plan, to, n});
      } else if (n >= downFrom && n < downTo) {
        lateDay = n;  // the catch-up sends only the latest one of the missed days, once
      }
    }
    if (lateDay >= 0)
      for (const auto& to : {senco, owner}) want.insert({"review_reminder", plan, to, downTo});
    if (ran(r + 15)) want.insert({"escalation", plan, governor, r + 15});
  }
  for (const auto& to : {senco, owner}) want.insert({"notice", b, to, 60});
  // EHCP (meeting on day 150): invitations and advice due 136, report 164, LA decision 178.
  for (int due : {meeting - 14, meeting - 14, meeting + 14, meeting + 28})
    for (int n : {due - 14, due})
      for (const auto& to : {senco, owner}) want.insert({"deadline", c, to, n});
  for (int n = 0; n < 365; n += 7) {
    if (ran(n))
      want.insert({"digest", 0, governor, n});
    else
      want.insert({"digest", 0, governor, downTo});
  }

  std::multiset<Row> got;
  for (const auto& m : w.app->outbox().list("", 100000))
    got.insert(
        {m.kind, m.planId, m.toAddress, engine::daysBetween(start, engine::dateOf(m.createdAt))});

  std::vector<Row> missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                      std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  for (const auto& [k, p, to, n] : missing)
    UNSCOPED_INFO("missing " << k << " plan " << p << " to " << to << " day " << n);
  for (const auto& [k, p, to, n] : extra)
    UNSCOPED_INFO("extra " << k << " plan " << p << " to " << to << " day " << n);
  CHECK(missing.empty());
  CHECK(extra.empty());
  CHECK(got.size() == want.size());
}

TEST_CASE("a dry run lists what a day brings and writes nothing", "[mail]") {
  const engine::Date today = day("2026-03-02");  // a Monday
  MailWorld w(today);
  w.addPlan("peep", "active", engine::isoDate(plus(today, 7)));
  auto dry = w.app->reminders().run(today, true);
  CHECK(dry.dryRun.size() == 3);  // SENCO + owner (7 days to go) and the governor's digest
  CHECK(w.app->outbox().counts().queued == 0);
  CHECK_FALSE(w.app->outbox().lastCoveredDay());
  auto real = w.app->reminders().run(today, false);
  CHECK(real.queued == 3);
  CHECK(w.app->reminders().run(today, false).queued == 0);  // idempotent
}

TEST_CASE("EHCP phase transfer: the SENCO and the owner are reminded 14 days before and on the day",
          "[mail]") {
  MailWorld w(day("2026-01-20"));
  auto setYear = [&](const std::string& year) {
    w.app->store().write([&](storage::Database& db) {
      storage::Statement st(db, "UPDATE pupil SET year_group=? WHERE id=?");
      st.bind(1, year).bind(2, w.pupil).run();
    });
  };
  setYear("6");  // moves to secondary school in September: plan amended by 15 February
  const engine::Id plan = w.addPlan("ehcp_annual_review", "active", "2026-11-30");
  for (int n = 0; n < 40; ++n) {
    w.setDay(plus(day("2026-01-20"), n));
    w.app->reminders().run(plus(day("2026-01-20"), n), false);
  }
  std::multiset<std::string> keys;
  for (const auto& m : w.app->outbox().list("", 5000))
    if (m.kind == "deadline" && m.planId == plan)
      keys.insert(m.key.substr(0, m.key.find(":user:")) + "|" + m.toAddress);
  const std::string base = "deadline:" + std::to_string(plan) + ":phase_transfer:2026-02-15:";
  CHECK(keys ==
        std::multiset<std::string>{base + "soon|senco@oak.test", base + "soon|teacher@oak.test",
                                   base + "day|senco@oak.test", base + "day|teacher@oak.test"});

  // Year 5 has no transfer this year: nothing.
  MailWorld y5(day("2026-02-01"));
  const engine::Id other = y5.addPlan("ehcp_annual_review", "active", "2026-11-30");
  y5.app->reminders().run(day("2026-02-01"), false);
  for (const auto& m : y5.app->outbox().list("", 5000))
    CHECK_FALSE((m.kind == "deadline" && m.planId == other));
}
