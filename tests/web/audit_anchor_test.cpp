// The audit chain anchored outside the database (issue 13, point 6), over the real binary: the
// server appends the chain's head to <home>/audit.anchor; `sendflow audit verify` checks the chain
// against every anchor (and one typed from a digest or a PDF), so cutting the newest events off
// and rewinding the head, or rewriting the chain and recomputing the head, fails naming the
// anchor; and every plan version is chained to the audit event that made it.
#include "sendflow/engine/core/audit_anchor.h"

#include <Poco/File.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <fstream>
#include <thread>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/database.h"
#include "sendflow/storage/store.h"
#include "support/demo.h"

using namespace sendflow;
using sendflow::testing::CommandResult;
using sendflow::testing::Demo;

namespace {

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::vector<engine::AuditAnchor> anchorsIn(const std::string& path) {
  std::vector<engine::AuditAnchor> out;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    auto a = engine::parseAnchorLine(line);
    REQUIRE(a.ok());
    out.push_back(*a);
  }
  return out;
}

void copyFile(const std::string& from, const std::string& to) {
  std::ifstream in(from, std::ios::binary);
  std::ofstream(to, std::ios::binary | std::ios::trunc) << in.rdbuf();
}

void sql(const std::string& dbPath, const std::string& statements) {
  storage::Database db(dbPath);
  db.exec(statements);
}

// What someone with the database file could do: change an early event, then recompute every
// hash after it and the head, so the chain is consistent in itself.
void rewriteChain(const std::string& dbPath, engine::Id from) {
  storage::Database db(dbPath);
  db.exec("BEGIN");
  std::vector<engine::StoredAuditEvent> events;
  {
    storage::Statement st(db,
                          "SELECT id, at, actor, action, subject_type, subject_id, academy_id, "
                          "detail FROM audit_event ORDER BY id");
    while (st.step()) {
      engine::StoredAuditEvent e;
      e.id = st.getInt(0);
      e.at = st.getText(1);
      e.actor = st.getText(2);
      e.action = st.getText(3);
      e.subjectType = st.getText(4);
      e.subjectId = st.getInt(5);
      e.academyId = st.getInt(6);
      e.detail = st.getText(7);
      events.push_back(e);
    }
  }
  std::string prev(64, '0');
  for (auto& e : events) {
    if (e.id == from) e.actor = "user:999";
    e.prevHash = prev;
    e.hash = engine::sha256Hex(storage::auditCanonical(e));
    storage::Statement up(db, "UPDATE audit_event SET actor=?, prev_hash=?, hash=? WHERE id=?");
    up.bind(1, e.actor).bind(2, e.prevHash).bind(3, e.hash).bind(4, e.id).run();
    prev = e.hash;
  }
  storage::Statement head(db, "UPDATE audit_head SET last_id=?, hash=? WHERE id=1");
  head.bind(1, events.back().id).bind(2, prev).run();
  db.exec("COMMIT");
}

}  // namespace

TEST_CASE(
    "audit verify checks the chain against every anchor: cut back or rewritten, it fails naming "
    "the anchor",
    "[web][audit]") {
  Demo demo;
  testing::Server& s = demo.server;
  const std::string anchorPath = s.home() + "/audit.anchor", db = s.home() + "/sendflow.db";
  // The server anchors the head it found when it starts (the week's anchor)…
  for (int i = 0; i < 100 && !Poco::File(anchorPath).exists(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(Poco::File(anchorPath).exists());
  demo.senco();            // …people work (a sign-in is an event)…
  REQUIRE(s.stop() == 0);  // …and at a clean shutdown it anchors the head again.
  const auto anchors = anchorsIn(anchorPath);
  REQUIRE(anchors.size() == 2);
  CHECK(anchors[0].kind == "weekly");
  CHECK(anchors[1].kind == "shutdown");
  CHECK(anchors[1].eventId > anchors[0].eventId);
  const engine::AuditAnchor newest = anchors[1];

  auto intact = s.run({"audit", "verify", "--anchor", engine::anchorReference(anchors[0])});
  INFO(intact.out << intact.err);
  REQUIRE(intact.exitCode == 0);
  CHECK(contains(intact.out, "2 of 2 anchors in " + anchorPath + " match (the newest: event " +
                                 std::to_string(newest.eventId)));
  CHECK(
      contains(intact.out, "anchor " + engine::anchorReference(anchors[0]) + " (given): matches"));
  CHECK(contains(intact.out, "audit chain intact"));

  copyFile(db, s.home() + "/untouched.db");
  const std::string anchorName = "anchor event " + std::to_string(newest.eventId) + " of " +
                                 engine::isoTime(newest.at) + " (shutdown, " + anchorPath + ")";

  SECTION("the newest events deleted and the head rewound") {
    sql(db, "DELETE FROM audit_event WHERE id > " + std::to_string(newest.eventId - 3) +
                ";"
                "UPDATE audit_head SET last_id=(SELECT MAX(id) FROM audit_event), "
                "hash=(SELECT hash FROM audit_event ORDER BY id DESC LIMIT 1), "
                "count=(SELECT COUNT(*) FROM audit_event) WHERE id=1");
    auto r = s.run({"audit", "verify"});
    INFO(r.out << r.err);
    CHECK(r.exitCode != 0);
    CHECK(contains(r.out, anchorName + " does NOT match: the chain ends at event " +
                              std::to_string(newest.eventId - 3) +
                              " but the anchor records event " + std::to_string(newest.eventId) +
                              " (events were deleted)"));
    CHECK_FALSE(contains(r.out, "audit chain intact"));
  }
  SECTION("the chain rewritten and its head recomputed") {
    rewriteChain(db, 3);
    auto r = s.run({"audit", "verify"});
    INFO(r.out << r.err);
    CHECK(r.exitCode != 0);
    CHECK(contains(r.out, anchorName + " does NOT match: event " + std::to_string(newest.eventId) +
                              " has another hash than the anchor records (the chain was "
                              "rewritten)"));
    CHECK_FALSE(contains(r.out, "audit chain intact"));
    // Without the file, an anchor copied from a digest still catches it.
    Poco::File(anchorPath).remove();
    auto typed = s.run({"audit", "verify", "--anchor", engine::anchorReference(anchors[0])});
    INFO(typed.out << typed.err);
    CHECK(typed.exitCode != 0);
    CHECK(contains(typed.out,
                   "anchor " + engine::anchorReference(anchors[0]) + " (given) does NOT match"));
  }
  SECTION("a typed anchor that is not ID:HASH is a usage error") {
    auto r = s.run({"audit", "verify", "--anchor", "12:zz"});
    CHECK(r.exitCode == 2);
    CHECK(contains(r.err, "--anchor: the anchor's hash is not 64 lowercase hex digits"));
  }
}

TEST_CASE("audit verify names a plan version whose content was changed with its hash",
          "[web][audit]") {
  Demo demo;
  testing::Server& s = demo.server;
  REQUIRE(s.stop() == 0);
  const std::string db = s.home() + "/sendflow.db";
  auto intact = s.run({"audit", "verify"});
  INFO(intact.out << intact.err);
  REQUIRE(intact.exitCode == 0);
  CHECK(contains(intact.out, "plan versions chained to their events"));

  // Values and content hash changed together: the version agrees with itself, but not with the
  // audit event that recorded its saving.
  engine::Id plan = 0;
  int64_t number = 0;
  {
    storage::Database d(db);
    storage::Statement st(d,
                          "SELECT plan_id, number FROM plan_version ORDER BY plan_id DESC, "
                          "number DESC LIMIT 1");
    REQUIRE(st.step());
    plan = st.getInt(0);
    number = st.getInt(1);
  }
  const std::string where =
      " WHERE plan_id=" + std::to_string(plan) + " AND number=" + std::to_string(number);
  sql(db, "UPDATE plan_version SET values_json=json_set(values_json, '$.tampered', 'yes')" + where);
  std::string values;
  {
    storage::Database d(db);
    storage::Statement st(d, "SELECT values_json FROM plan_version" + where);
    REQUIRE(st.step());
    values = st.getText(0);
  }
  sql(db, "UPDATE plan_version SET content_hash='" + engine::sha256Hex(values) + "'" + where);
  const std::string named = "plan " + std::to_string(plan) + " version " + std::to_string(number) +
                            ": its content hash is not the one audit event";
  auto r = s.run({"audit", "verify"});
  INFO(r.out << r.err);
  CHECK(r.exitCode != 0);
  CHECK(contains(r.out, named));
  auto check = s.run({"check"});
  INFO(check.out << check.err);
  CHECK(check.exitCode != 0);
  CHECK(contains(check.out, named));
}
