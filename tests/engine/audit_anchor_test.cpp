// Audit anchors (engine/core/audit_anchor.h): the anchor file's line and the ID:HASH reference
// parsed exactly, when the server writes one, and how one compares with the chain.
#include "sendflow/engine/core/audit_anchor.h"

#include <catch2/catch.hpp>

using namespace sendflow::engine;

namespace {

const std::string kHash(64, 'a');
const TimePoint kNow = startOf(*parseIsoDate("2026-12-02")) + std::chrono::hours(9);

AuditAnchor anchor(Id id, TimePoint at, const std::string& kind) { return {id, kHash, at, kind}; }

}  // namespace

TEST_CASE("an anchor line reads back exactly, and anything else is refused with the reason",
          "[engine][audit]") {
  const AuditAnchor a = anchor(120, kNow, kWeeklyAnchor);
  const std::string line = anchorLine(a);
  CHECK(line == "120 " + kHash + " 2026-12-02T09:00:00Z weekly");
  auto back = parseAnchorLine(line);
  REQUIRE(back.ok());
  CHECK(back->eventId == 120);
  CHECK(back->hash == kHash);
  CHECK(back->at == kNow);
  CHECK(back->kind == "weekly");

  const std::string t = " 2026-12-02T09:00:00Z periodic";
  for (const auto& [bad, why] : std::vector<std::pair<std::string, std::string>>{
           {"", "not \""},
           {"120 " + kHash + t + " extra", "not \""},
           {"120  " + kHash + t, "not \""},
           {"12a " + kHash + t, "event id"},
           {"0 " + kHash + t, "event id"},
           {"-1 " + kHash + t, "event id"},
           {"+1 " + kHash + t, "event id"},
           {"120 " + std::string(63, 'a') + t, "hash"},
           {"120 " + std::string(64, 'A') + t, "hash"},
           {"120 " + kHash + " 2026-12-02 periodic", "time"},
           {"120 " + kHash + " 2026-13-02T09:00:00Z periodic", "time"},
           {"120 " + kHash + " 2026-12-02T09:00:00Z daily", "kind"},
           {"120 " + kHash + t + "\r", "kind"}}) {
    INFO(bad);
    auto r = parseAnchorLine(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().message.find(why) != std::string::npos);
  }
}

TEST_CASE("an anchor copied from a digest or a PDF is ID:HASH, exactly", "[engine][audit]") {
  const AuditAnchor a = anchor(7, kNow, kWeeklyAnchor);
  CHECK(anchorReference(a) == "7:" + kHash);
  CHECK(anchorForPeople(a) == "event 7 of 2 December 2026, 7:" + kHash);
  auto back = parseAnchorReference(anchorReference(a));
  REQUIRE(back.ok());
  CHECK(back->eventId == 7);
  CHECK(back->hash == kHash);
  for (const std::string& bad : {std::string("7"), "7:" + kHash + "0", "x:" + kHash, ":" + kHash,
                                 "7:" + std::string(64, 'g'), " 7:" + kHash}) {
    INFO(bad);
    CHECK_FALSE(parseAnchorReference(bad).ok());
  }
}

TEST_CASE("the server anchors weekly, after writes at most every interval, and at shutdown",
          "[engine][audit]") {
  using std::chrono::minutes;
  const std::chrono::seconds every = minutes(10);
  const auto weekly = anchor(100, kNow - std::chrono::days(2), kWeeklyAnchor);
  // An empty chain: nothing to anchor.
  CHECK_FALSE(anchorDue(std::nullopt, std::nullopt, 0, kNow, every, true));
  // No weekly anchor yet, or the newest is a week old: a weekly one first.
  CHECK(anchorDue(std::nullopt, std::nullopt, 5, kNow, every, false) == "weekly");
  const auto oldWeekly = anchor(100, kNow - std::chrono::days(7), kWeeklyAnchor);
  CHECK(anchorDue(oldWeekly, oldWeekly, 100, kNow, every, false) == "weekly");
  // The head has not moved: none, even at shutdown.
  CHECK_FALSE(anchorDue(weekly, weekly, 100, kNow, every, false));
  CHECK_FALSE(anchorDue(weekly, weekly, 100, kNow, every, true));
  // Moved: after the interval since the newest anchor, or at once at shutdown.
  const auto recent = anchor(110, kNow - minutes(9), kPeriodicAnchor);
  CHECK_FALSE(anchorDue(recent, weekly, 111, kNow, every, false));
  CHECK(anchorDue(recent, weekly, 111, kNow + minutes(1), every, false) == "periodic");
  CHECK(anchorDue(recent, weekly, 111, kNow, every, true) == "shutdown");
}

TEST_CASE("an anchor matches the chain, or names the deleted or rewritten events",
          "[engine][audit]") {
  const AuditAnchor a = anchor(120, kNow, kPeriodicAnchor);
  CHECK(matchAnchor(a, kHash) == AnchorMatch::kMatched);
  CHECK(matchAnchor(a, std::nullopt) == AnchorMatch::kEventMissing);
  CHECK(matchAnchor(a, std::string(64, 'b')) == AnchorMatch::kHashDiffers);
  CHECK(anchorMismatch(a, AnchorMatch::kEventMissing, 97) ==
        "the chain ends at event 97 but the anchor records event 120 (events were deleted)");
  CHECK(anchorMismatch(a, AnchorMatch::kHashDiffers, 130) ==
        "event 120 has another hash than the anchor records (the chain was rewritten)");
}
