// Read events committed in groups (Store::appendDeferredAudit, docs/security.md "What is audited
// on read"): committed within the delay or with the next write, in order, on the hash chain;
// flushed when the store closes; a failed commit keeps them queued and is retried, never lost.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "sendflow/storage/repositories.h"
#include "sendflow/storage/store.h"
#include "support/temp_dir.h"

using namespace sendflow;
using storage::Database;
using storage::Statement;
using storage::Store;

namespace {

engine::FixedClock deferredClock(engine::fromUnix(1'780'000'000));

int64_t count(const std::string& path, const std::string& where = "1") {
  Database db(path);
  Statement st(db, "SELECT count(*) FROM audit_event WHERE " + where);
  st.step();
  return st.getInt(0);
}

engine::AuditEvent readEvent(int n) {
  return {"plan.view", "user:1", "plan", n, 1, "{\"door\":\"page\"}"};
}

}  // namespace

TEST_CASE("audit: queued read events are committed by the flusher within the delay, chained",
          "[storage][audit]") {
  testing::TempDir dir;
  const std::string path = dir.file("d.db");
  Store store(path, deferredClock);
  store.migrate();
  store.setDeferredAuditDelay(std::chrono::milliseconds(200));
  for (int i = 1; i <= 5; ++i) store.appendDeferredAudit(readEvent(i));
  // Not waiting on a write: the flusher commits them. Polled (the test never fails on speed).
  for (int i = 0; i < 300 && count(path) < 5; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  REQUIRE(count(path) == 5);
  REQUIRE(store.deferredAuditCount() == 0);
  REQUIRE(count(path, "subject_id=id") == 5);  // in the order they were read
  storage::SqliteAuditLog log(store);
  REQUIRE(log.verify().firstBadId == 0);
}

TEST_CASE("audit: read events still queued are committed when the store closes",
          "[storage][audit]") {
  testing::TempDir dir;
  const std::string path = dir.file("c.db");
  {
    Store store(path, deferredClock);
    store.migrate();
    store.setDeferredAuditDelay(std::chrono::milliseconds(1000));
    for (int i = 1; i <= 3; ++i) store.appendDeferredAudit(readEvent(i));
  }
  REQUIRE(count(path) == 3);
  Store again(path, deferredClock);
  REQUIRE(storage::SqliteAuditLog(again).verify().firstBadId == 0);
}

TEST_CASE("audit: a write commits the queued read events first, ahead of its own",
          "[storage][audit]") {
  testing::TempDir dir;
  const std::string path = dir.file("w.db");
  Store store(path, deferredClock);
  store.migrate();
  store.setDeferredAuditDelay(std::chrono::milliseconds(1000));
  store.appendDeferredAudit(readEvent(7));
  store.write([&](Database& db) {
    store.appendAudit(db, {"pupil.update", "user:1", "pupil", 9, 1, "{}"});
  });
  REQUIRE(count(path) == 2);
  REQUIRE(count(path, "id=1 AND action='plan.view'") == 1);
  REQUIRE(count(path, "id=2 AND action='pupil.update'") == 1);
}

TEST_CASE("audit: a failed commit of read events keeps them queued and a retry commits them",
          "[storage][audit]") {
  testing::TempDir dir;
  const std::string path = dir.file("f.db");
  Store store(path, deferredClock);
  store.migrate();
  store.setDeferredAuditDelay(std::chrono::milliseconds(1000));
  store.write([](Database& db) {
    db.exec(
        "CREATE TRIGGER refuse_audit BEFORE INSERT ON audit_event BEGIN "
        "SELECT RAISE(ABORT, 'audit refused'); END;");
  });
  store.appendDeferredAudit(readEvent(1));
  store.appendDeferredAudit(readEvent(2));
  REQUIRE_THROWS_WITH(store.flushDeferredAudit(), Catch::Contains("audit refused"));
  REQUIRE(store.deferredAuditCount() == 2);
  // Other writes are not failed by the read events' trouble.
  REQUIRE_NOTHROW(store.write([](Database& db) {
    db.exec("INSERT INTO academy(name, created_at) VALUES ('Oak', 'now')");
  }));
  REQUIRE(store.deferredAuditCount() == 2);
  store.write([](Database& db) { db.exec("DROP TRIGGER refuse_audit"); });
  store.flushDeferredAudit();
  REQUIRE(store.deferredAuditCount() == 0);
  REQUIRE(count(path) == 2);
  REQUIRE(count(path, "subject_id=id") == 2);
  REQUIRE(storage::SqliteAuditLog(store).verify().firstBadId == 0);
}
