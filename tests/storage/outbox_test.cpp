// SqliteOutbox against a real SQLite file: idempotent queuing (also from two threads), the
// sender's claim / settle steps, recovery after a crash, and the reminder scan's transaction.
#include <atomic>
#include <catch2/catch.hpp>
#include <set>
#include <thread>

#include "sendflow/storage/outbox_repository.h"
#include "storage/storage_world.h"

using namespace sendflow;
using namespace std::chrono_literals;
using testing::StorageWorld;

namespace {

engine::OutboxMessage mail(const std::string& key, engine::TimePoint due) {
  engine::OutboxMessage m;
  m.key = key;
  m.kind = engine::mailkind::kTest;
  m.toAddress = "senco@oak.example";
  m.data = "{}";
  m.createdAt = due;
  m.nextAttemptAt = due;
  return m;
}

}  // namespace

TEST_CASE("outbox: a key is queued once, and the second enqueue changes nothing",
          "[storage][outbox]") {
  StorageWorld w;
  storage::SqliteOutbox outbox(w.store);
  const auto t = w.clock.now();
  auto id = outbox.enqueue(mail("k1", t));
  REQUIRE(id > 0);
  auto other = mail("k1", t + 1h);
  other.toAddress = "someone@else.example";
  REQUIRE(outbox.enqueue(other) == 0);
  auto m = *outbox.get(id);
  REQUIRE(m.toAddress == "senco@oak.example");
  REQUIRE(m.status == engine::OutboxStatus::kQueued);
  REQUIRE(m.nextAttemptAt == t);
  REQUIRE(outbox.counts().queued == 1);
}

TEST_CASE("outbox: the same key from two threads at once is queued exactly once",
          "[storage][outbox]") {
  StorageWorld w;
  storage::SqliteOutbox outbox(w.store);
  const auto t = w.clock.now();
  std::atomic<int> fresh{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 50; ++k)
        if (outbox.enqueue(mail("key-" + std::to_string(k), t)) > 0) ++fresh;
    });
  for (auto& th : threads) th.join();
  REQUIRE(fresh == 50);
  REQUIRE(w.count("SELECT count(*) FROM outbox") == 50);
}

TEST_CASE(
    "outbox: claim takes the oldest due row, marks it sending for its owner, and never "
    "gives one row to two senders",
    "[storage][outbox]") {
  StorageWorld w;
  storage::SqliteOutbox outbox(w.store);
  const auto t = w.clock.now();
  auto later = outbox.enqueue(mail("later", t + 1h));
  auto second = outbox.enqueue(mail("second", t - 1min));
  auto first = outbox.enqueue(mail("first", t - 2min));
  auto c = outbox.claim(t, "pid:1");
  REQUIRE(c);
  REQUIRE(c->id == first);
  REQUIRE(c->status == engine::OutboxStatus::kSending);
  REQUIRE(c->attempts == 1);
  REQUIRE(outbox.claim(t, "pid:1")->id == second);
  REQUIRE_FALSE(outbox.claim(t, "pid:1"));  // `later` is not due
  REQUIRE(outbox.nextDue() == t + 1h);
  REQUIRE(outbox.sendingOwners() == std::vector<std::string>{"pid:1"});
  REQUIRE(outbox.claim(t + 1h, "pid:1")->id == later);
  REQUIRE_FALSE(outbox.nextDue());

  for (int k = 0; k < 40; ++k) outbox.enqueue(mail("many-" + std::to_string(k), t));
  std::mutex m;
  std::multiset<engine::Id> claimed;
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i)
    threads.emplace_back([&, i] {
      while (auto row = outbox.claim(t, "pid:" + std::to_string(10 + i))) {
        std::lock_guard lock(m);
        claimed.insert(row->id);
      }
    });
  for (auto& th : threads) th.join();
  REQUIRE(claimed.size() == 40);
  REQUIRE(std::set<engine::Id>(claimed.begin(), claimed.end()).size() == 40);
}

TEST_CASE(
    "outbox: sent, retrying and failed rows settle as told, and only failed or retrying rows "
    "are retried",
    "[storage][outbox]") {
  StorageWorld w;
  storage::SqliteOutbox outbox(w.store);
  const auto t = w.clock.now();
  auto a = outbox.enqueue(mail("a", t));
  auto b = outbox.enqueue(mail("b", t));
  auto c = outbox.enqueue(mail("c", t));
  for (int i = 0; i < 3; ++i) REQUIRE(outbox.claim(t, "pid:1"));
  outbox.markSent(a, t + 1s, "250 OK");
  outbox.markRetry(b, t + 10min, "421 busy");
  outbox.markFailed(c, "550 no such user");
  REQUIRE(outbox.get(a)->serverReply == "250 OK");
  REQUIRE(outbox.get(b)->status == engine::OutboxStatus::kRetrying);
  REQUIRE(outbox.get(b)->lastError == "421 busy");
  REQUIRE(outbox.get(c)->status == engine::OutboxStatus::kFailed);
  auto counts = outbox.counts();
  REQUIRE(counts.sent == 1);
  REQUIRE(counts.retrying == 1);
  REQUIRE(counts.failed == 1);
  REQUIRE(outbox.list("failed", 10).size() == 1);
  REQUIRE(outbox.list("", 10).size() == 3);
  REQUIRE(outbox.list("", 10)[0].id == c);  // newest first

  REQUIRE_FALSE(outbox.claim(t + 5min, "pid:1"));  // b's retry is not due yet
  REQUIRE(outbox.claim(t + 10min, "pid:1")->id == b);
  REQUIRE_FALSE(outbox.retry(a, t + 20min));  // sent: not retryable
  REQUIRE(outbox.retry(c, t + 20min));
  auto again = *outbox.get(c);
  REQUIRE(again.status == engine::OutboxStatus::kQueued);
  REQUIRE(again.attempts == 0);
  REQUIRE(again.nextAttemptAt == t + 20min);
  REQUIRE_FALSE(outbox.retry(999, t));
}

TEST_CASE(
    "outbox: rows abandoned by a dead sender are sent again unless handed over (then uncertain), "
    "and a live sender's rows are left alone",
    "[storage][outbox]") {
  StorageWorld w;
  storage::SqliteOutbox outbox(w.store);
  const auto t = w.clock.now();
  auto mid = outbox.enqueue(mail("mid", t));
  auto handed = outbox.enqueue(mail("handed", t));
  auto live = outbox.enqueue(mail("live", t));
  REQUIRE(outbox.claim(t, "pid:dead")->id == mid);
  REQUIRE(outbox.claim(t, "pid:dead")->id == handed);
  REQUIRE(outbox.claim(t, "pid:live")->id == live);
  outbox.markHandedOver(handed, t + 2s);

  REQUIRE(outbox.recoverAbandoned({"pid:live"}, t + 1min, t - 1h) == 2);
  auto m = *outbox.get(mid);
  REQUIRE(m.status == engine::OutboxStatus::kRetrying);
  REQUIRE(m.nextAttemptAt == t + 1min);
  // Handed over, then no reply: nobody knows whether the server took it.
  auto h = *outbox.get(handed);
  REQUIRE(h.status == engine::OutboxStatus::kUncertain);
  REQUIRE_THAT(h.lastError, Catch::Contains("may or may not have been delivered"));
  REQUIRE(outbox.counts().uncertain == 1);
  REQUIRE(outbox.get(live)->status == engine::OutboxStatus::kSending);

  // A live owner's row older than the stale limit is recovered too.
  REQUIRE(outbox.recoverAbandoned({"pid:live"}, t + 2h, t + 1h) == 1);
  REQUIRE(outbox.get(live)->status == engine::OutboxStatus::kRetrying);
}

TEST_CASE("outbox: a reminder scan's rows and covered day commit together, or not at all",
          "[storage][outbox]") {
  StorageWorld w;
  storage::SqliteOutbox outbox(w.store);
  const auto t = w.clock.now();
  REQUIRE_FALSE(outbox.lastCoveredDay());
  outbox.writing([&](engine::ReminderSource&, engine::OutboxWriter& out) {
    REQUIRE(out.queue(mail("r1", t)));
    REQUIRE_FALSE(out.queue(mail("r1", t)));
    REQUIRE(out.queue(mail("r2", t)));
    out.markDay("2026-05-28", 2);
  });
  REQUIRE(outbox.lastCoveredDay() == "2026-05-28");
  REQUIRE_THROWS(outbox.writing([&](engine::ReminderSource&, engine::OutboxWriter& out) {
    out.queue(mail("r3", t));
    out.markDay("2026-05-29", 1);
    throw std::runtime_error("the scan failed");
  }));
  REQUIRE(outbox.lastCoveredDay() == "2026-05-28");
  REQUIRE(w.count("SELECT count(*) FROM outbox") == 2);
  // Covering a day again adds to its count.
  outbox.writing(
      [&](engine::ReminderSource&, engine::OutboxWriter& out) { out.markDay("2026-05-28", 1); });
  REQUIRE(w.count("SELECT queued FROM reminder_day WHERE day='2026-05-28'") == 3);
}

TEST_CASE(
    "outbox: the reminder source finds reviews by date and an academy's reviews only in "
    "that academy",
    "[storage][outbox]") {
  StorageWorld w;
  w.populate();
  storage::SqliteOutbox outbox(w.store);
  auto oakDue = w.newPlan(w.oak, w.oakPupil, "active", "2026-06-01");
  auto elmDue = w.newPlan(w.elm, w.elmPupil, "active", "2026-06-01");
  w.newPlan(w.elm, w.elmPupil, "active", "2026-06-02");
  outbox.reading([&](engine::ReminderSource& src) {
    std::vector<engine::Id> on;
    src.reviewsOn({"2026-06-01"}, [&](const engine::ReminderPlan& p) { on.push_back(p.id); });
    std::sort(on.begin(), on.end());
    REQUIRE(on == std::vector<engine::Id>{oakDue, elmDue});
    std::vector<engine::ReminderPlan> oak;
    src.academyReviews(w.oak, "2026-12-31",
                       [&](const engine::ReminderPlan& p) { oak.push_back(p); });
    REQUIRE(oak.size() == 1);
    REQUIRE(oak[0].id == oakDue);
    REQUIRE(oak[0].pupilName == "Zoë Ellis");
    REQUIRE(src.earliestReviewDate() == "2026-06-01");
    REQUIRE(src.workflowSnapshotIds() == std::vector<engine::Id>{w.workflowSnapshot});
  });
}
