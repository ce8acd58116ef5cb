// SqliteSessionRepository against a real SQLite file: sessions by hash, expiry sweeps, and the
// sign-in attempt counter (atomic under concurrency, refusing without writing).
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "sendflow/storage/outbox_repository.h"
#include "storage/storage_world.h"

using namespace sendflow;
using namespace std::chrono_literals;
using testing::StorageWorld;

TEST_CASE("sessions: created, found by hash, touched and removed with login and logout audited",
          "[storage][sessions]") {
  StorageWorld w;
  w.populate();
  storage::SqliteSessionRepository sessions(w.store);
  const auto t = w.clock.now();
  sessions.create({"hash-1", w.senco, t, t, "10.0.0.1", "Firefox"});
  auto s = sessions.find("hash-1");
  REQUIRE(s);
  REQUIRE(s->userId == w.senco);
  REQUIRE(s->createdAt == t);
  REQUIRE(s->ip == "10.0.0.1");
  REQUIRE(s->userAgent == "Firefox");
  REQUIRE_FALSE(sessions.find("hash-2"));

  sessions.touch("hash-1", t + 10min);
  REQUIRE(sessions.find("hash-1")->lastSeenAt == t + 10min);
  REQUIRE(sessions.find("hash-1")->createdAt == t);

  const auto before = w.auditCount();
  sessions.remove("no-such-hash");  // nothing to end: nothing audited
  REQUIRE(w.auditCount() == before);
  sessions.remove("hash-1");
  REQUIRE_FALSE(sessions.find("hash-1"));
  auto actions = w.auditActions();
  REQUIRE(actions.back() == "logout");
  REQUIRE(std::count(actions.begin(), actions.end(), "login.success") == 1);
}

TEST_CASE("sessions: a session for an unknown user is refused (foreign key)",
          "[storage][sessions]") {
  StorageWorld w;
  storage::SqliteSessionRepository sessions(w.store);
  const auto t = w.clock.now();
  REQUIRE_THROWS_AS(sessions.create({"h", 42, t, t, "", ""}), storage::StorageError);
  REQUIRE(w.auditCount() == 0);
}

TEST_CASE("sessions: the sweep ends sessions too old or idle too long and nothing else",
          "[storage][sessions]") {
  StorageWorld w;
  w.populate();
  storage::SqliteSessionRepository sessions(w.store);
  const auto t = w.clock.now();
  sessions.create({"old", w.senco, t - 13h, t - 1min, "", ""});
  sessions.create({"idle", w.senco, t - 2h, t - 61min, "", ""});
  sessions.create({"fresh", w.senco, t - 2h, t - 5min, "", ""});
  sessions.removeOlderThan(t - 12h, t - 60min);
  REQUIRE_FALSE(sessions.find("old"));
  REQUIRE_FALSE(sessions.find("idle"));
  REQUIRE(sessions.find("fresh"));

  sessions.removeForUser(w.senco);
  REQUIRE_FALSE(sessions.find("fresh"));
}

TEST_CASE(
    "sessions: an attempt over a key's limit is refused without writing, naming the key and "
    "its oldest failure",
    "[storage][sessions]") {
  StorageWorld w;
  storage::SqliteSessionRepository sessions(w.store);
  const auto t0 = w.clock.now();
  const std::vector<engine::AttemptLimit> limits{{"email:a@x", 3}, {"ip:1.2.3.4", 10}};
  for (int i = 0; i < 3; ++i) {
    auto a = sessions.beginAttempt(limits, t0 - 15min, t0 + std::chrono::seconds(i));
    REQUIRE(a.id > 0);
    REQUIRE(a.refusedBy.empty());
    sessions.attemptFailed(a.id, 0, std::nullopt);
  }
  REQUIRE(sessions.failuresSince("email:a@x", t0 - 15min) == 3);
  REQUIRE(sessions.failuresSince("ip:1.2.3.4", t0 - 15min) == 3);
  const auto rows = w.count("SELECT count(*) FROM login_failure");

  auto refused = sessions.beginAttempt(limits, t0 - 15min, t0 + 5s);
  REQUIRE(refused.id == 0);
  REQUIRE(refused.refusedBy == "email:a@x");
  REQUIRE(refused.oldest == t0);
  REQUIRE(w.count("SELECT count(*) FROM login_failure") == rows);

  // Outside the window the failures no longer count.
  REQUIRE(sessions.beginAttempt(limits, t0 + 1s, t0 + 16min).id > 0);
}

TEST_CASE("sessions: a successful attempt withdraws its own failures and clears the given key",
          "[storage][sessions]") {
  StorageWorld w;
  storage::SqliteSessionRepository sessions(w.store);
  const auto t = w.clock.now();
  const std::vector<engine::AttemptLimit> limits{{"email:a@x|ip:1", 5}, {"email:a@x", 100}};
  auto failed = sessions.beginAttempt(limits, t - 15min, t);
  sessions.attemptFailed(failed.id, 0, std::nullopt);
  auto other = sessions.beginAttempt({{"email:b@x", 5}}, t - 15min, t);
  sessions.attemptFailed(other.id, 0, std::nullopt);
  auto ok = sessions.beginAttempt(limits, t - 15min, t);
  REQUIRE(sessions.failuresSince("email:a@x|ip:1", t - 15min) == 2);
  sessions.attemptSucceeded(ok.id, "email:a@x|ip:1");
  REQUIRE(sessions.failuresSince("email:a@x|ip:1", t - 15min) == 0);
  REQUIRE(sessions.failuresSince("email:a@x", t - 15min) == 1);  // the earlier failure stays
  REQUIRE(sessions.failuresSince("email:b@x", t - 15min) == 1);  // another account's stays
}

TEST_CASE("sessions: concurrent attempts see each other, so the limit is never exceeded",
          "[storage][sessions]") {
  StorageWorld w;
  storage::SqliteSessionRepository sessions(w.store);
  const auto t = w.clock.now();
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i)
    threads.emplace_back([&] {
      for (int k = 0; k < 5; ++k)
        if (sessions.beginAttempt({{"email:a@x", 5}}, t - 15min, t).id > 0) ++admitted;
    });
  for (auto& th : threads) th.join();
  REQUIRE(admitted == 5);
  REQUIRE(sessions.failuresSince("email:a@x", t - 15min) == 5);
}

TEST_CASE(
    "sessions: a failed attempt is audited without the address typed, and its notice is "
    "queued once",
    "[storage][sessions]") {
  StorageWorld w;
  w.populate();
  storage::SqliteSessionRepository sessions(w.store);
  const auto t = w.clock.now();
  engine::OutboxMessage notice;
  notice.key = "lockout:senco:1";
  notice.kind = engine::mailkind::kNotice;
  notice.toAddress = "senco@oak.example";
  notice.data = "{}";
  notice.createdAt = notice.nextAttemptAt = t;
  for (int i = 0; i < 3; ++i) {
    auto a = sessions.beginAttempt({{"email:senco@oak.example", 10}}, t - 15min, t);
    sessions.attemptFailed(a.id, w.senco, notice);
  }
  REQUIRE(w.count("SELECT count(*) FROM outbox") == 1);
  auto events = w.audit.forSubject("user", w.senco);
  REQUIRE(std::count_if(events.begin(), events.end(),
                        [](auto& e) { return e.action == "login.failure"; }) == 3);
  for (const auto& e : events) REQUIRE(e.detail.find("senco@") == std::string::npos);
}
