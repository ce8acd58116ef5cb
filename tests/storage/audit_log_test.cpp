// SqliteAuditLog against a real SQLite file: the hash chain's links, the head the trigger keeps,
// scoping of the academy's trail, and verification naming the first broken link.
#include <catch2/catch.hpp>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/signature_repository.h"
#include "storage/storage_world.h"

using namespace sendflow;
using testing::auditOf;
using testing::StorageWorld;

TEST_CASE("audit: each event links to the one before it by hash, starting from zeros",
          "[storage][audit]") {
  StorageWorld w;
  for (int i = 1; i <= 4; ++i) {
    w.clock.advance(std::chrono::seconds(1));
    w.audit.append({"test.event", "user:1", "thing", i, 7, "{\"n\":" + std::to_string(i) + "}"});
  }
  auto events = w.audit.forSubject("thing", 1);
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].prevHash == std::string(64, '0'));
  REQUIRE(events[0].at == engine::isoTime(engine::fromUnix(1'780'000'001)));
  std::string prev = std::string(64, '0');
  for (int i = 1; i <= 4; ++i) {
    auto e = w.audit.forSubject("thing", i).at(0);
    REQUIRE(e.id == i);
    REQUIRE(e.prevHash == prev);
    REQUIRE(e.hash == engine::sha256Hex(storage::auditCanonical(e)));
    prev = e.hash;
  }
  // The head, kept by a trigger, names the newest event.
  auto head = storage::auditHead(w.store);
  REQUIRE(head);
  REQUIRE(head->lastId == 4);
  REQUIRE(head->hash == prev);
  REQUIRE(head->count == 4);
  REQUIRE(storage::lastAuditEvent(w.store) == std::make_pair(engine::Id{4}, prev));
}

TEST_CASE("audit: an empty detail is stored as {} and covered by the hash", "[storage][audit]") {
  StorageWorld w;
  w.audit.append({"test.event", "system", "thing", 1, 0, ""});
  auto e = w.audit.forSubject("thing", 1).at(0);
  REQUIRE(e.detail == "{}");
  REQUIRE(w.audit.verify().firstBadId == 0);
}

TEST_CASE(
    "audit: an academy's recent trail holds only its own events, newest first, up to the "
    "limit",
    "[storage][audit]") {
  StorageWorld w;
  for (int i = 0; i < 6; ++i) w.audit.append(auditOf("test.event", "thing", i, 1 + i % 2));
  auto one = w.audit.recent({1}, 100);
  REQUIRE(one.size() == 3);
  for (const auto& e : one) REQUIRE(e.academyId == 1);
  REQUIRE(one[0].id > one[1].id);
  REQUIRE(w.audit.recent({1, 2}, 100).size() == 6);
  REQUIRE(w.audit.recent({1, 2}, 2).size() == 2);
  REQUIRE(w.audit.recent({3}, 100).empty());
  REQUIRE(w.audit.recent({}, 100).empty());
}

TEST_CASE("audit: verification names events swapped or appended out of the chain",
          "[storage][audit]") {
  StorageWorld w;
  for (int i = 0; i < 4; ++i) w.audit.append(auditOf("test.event", "thing", i));
  auto v = w.audit.verify();
  REQUIRE(v.firstBadId == 0);
  REQUIRE(v.checked == 4);
  // An event written outside Store::appendAudit (wrong previous hash) is caught.
  w.store.write([](storage::Database& db) {
    db.exec(
        "INSERT INTO audit_event(id, at, actor, action, subject_type, subject_id, academy_id, "
        "detail, prev_hash, hash) VALUES (5, 'x', 'mallory', 'a', 't', 0, 0, '{}', 'bad', 'bad')");
  });
  v = w.audit.verify();
  REQUIRE(v.firstBadId == 5);
  REQUIRE_THAT(v.problem, Catch::Contains("does not follow"));
}
