// SqliteContributionRepository against a real SQLite file: a link with its audit event and email
// in one transaction, unique tokens, links per plan.
#include "sendflow/storage/contribution_repository.h"

#include <catch2/catch.hpp>

#include "storage/storage_world.h"

using namespace sendflow;
using testing::auditOf;
using testing::StorageWorld;

namespace {

struct ContributionWorld : StorageWorld {
  ContributionWorld() {
    populate();
    mum = people.createContact({0, oakPupil, "Ann Ellis", "ann@example.org", "Mother",
                                engine::ContactKind::kParentCarer, true},
                               auditOf("contact.create"));
  }
  engine::ContributionLink linkFor(engine::Id plan, const std::string& token) {
    engine::ContributionLink l;
    l.planId = plan;
    l.contactId = mum;
    l.kind = "parent_carer";
    l.name = "Ann Ellis";
    l.email = "ann@example.org";
    l.linkSalt = "salt-" + token;
    l.tokenHash = token;
    l.createdBy = "user:1";
    l.createdAt = "2026-05-28T00:00:00Z";
    l.expiresAt = "2026-06-27T00:00:00Z";
    return l;
  }
  engine::OutboxMessage invite(const std::string& key) {
    engine::OutboxMessage m;
    m.key = key;
    m.kind = engine::mailkind::kContributeInvite;
    m.toAddress = "ann@example.org";
    m.data = "{}";
    return m;
  }
  storage::SqliteContributionRepository links{store};
  engine::Id mum = 0;
};

}  // namespace

TEST_CASE("contributions: a link is created with its audit event and invitation together",
          "[storage][contributions]") {
  ContributionWorld w;
  const auto events = w.auditCount();
  auto id = w.links.create(w.linkFor(w.oakPlan, "tok-1"),
                           auditOf("contribution.invite", "plan", w.oakPlan), {w.invite("inv:1")});
  auto l = *w.links.link(id);
  REQUIRE(l.planId == w.oakPlan);
  REQUIRE(l.kind == "parent_carer");
  REQUIRE(l.revokedAt.empty());
  REQUIRE(w.links.byTokenHash("tok-1")->id == id);
  REQUIRE_FALSE(w.links.byTokenHash("tok-2"));
  REQUIRE(w.auditCount() == events + 1);
  REQUIRE(w.count("SELECT count(*) FROM outbox WHERE kind='contribute_invite'") == 1);
}

TEST_CASE(
    "contributions: a link whose token is already used is refused with no audit event or "
    "email",
    "[storage][contributions]") {
  ContributionWorld w;
  w.links.create(w.linkFor(w.oakPlan, "tok-1"), auditOf("contribution.invite"), {w.invite("i1")});
  const auto events = w.auditCount();
  REQUIRE_THROWS_AS(w.links.create(w.linkFor(w.oakPlan, "tok-1"), auditOf("contribution.invite"),
                                   {w.invite("i2")}),
                    storage::StorageError);
  REQUIRE(w.auditCount() == events);
  REQUIRE(w.count("SELECT count(*) FROM outbox WHERE idem_key='i2'") == 0);
  // A link for a contact that does not exist is refused too (foreign key).
  auto ghost = w.linkFor(w.oakPlan, "tok-ghost");
  ghost.contactId = 999;
  REQUIRE_THROWS_AS(w.links.create(ghost, auditOf("contribution.invite"), {}),
                    storage::StorageError);
  REQUIRE(w.auditCount() == events);
}

TEST_CASE("contributions: a plan's links are its own, oldest first", "[storage][contributions]") {
  ContributionWorld w;
  auto a = w.links.create(w.linkFor(w.oakPlan, "a"), auditOf("contribution.invite"), {});
  auto b = w.links.create(w.linkFor(w.oakPlan, "b"), auditOf("contribution.invite"), {});
  w.links.create(w.linkFor(w.elmPlan, "c"), auditOf("contribution.invite"), {});
  auto ls = w.links.links(w.oakPlan);
  REQUIRE(ls.size() == 2);
  REQUIRE(ls[0].id == a);
  REQUIRE(ls[1].id == b);
  REQUIRE(w.links.links(999).empty());
}

TEST_CASE(
    "contributions: an update writes the link's changing parts with its audit events and "
    "emails, never its token",
    "[storage][contributions]") {
  ContributionWorld w;
  auto id = w.links.create(w.linkFor(w.oakPlan, "tok"), auditOf("contribution.invite"), {});
  auto l = *w.links.link(id);
  l.revokedAt = "2026-05-29T00:00:00Z";
  l.sends = 2;
  l.tokenHash = "changed";
  l.planId = w.elmPlan;
  const auto events = w.auditCount();
  w.links.update(l, {auditOf("contribution.revoke"), auditOf("contribution.note")},
                 {w.invite("resend:1")});
  auto again = *w.links.link(id);
  REQUIRE(again.revokedAt == "2026-05-29T00:00:00Z");
  REQUIRE(again.sends == 2);
  REQUIRE(again.tokenHash == "tok");
  REQUIRE(again.planId == w.oakPlan);
  REQUIRE(w.auditCount() == events + 2);
  REQUIRE(w.count("SELECT count(*) FROM outbox WHERE idem_key='resend:1'") == 1);
  w.links.appendAudit(auditOf("contribution.open"));
  REQUIRE(w.auditActions().back() == "contribution.open");
}
