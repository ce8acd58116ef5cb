// ContributionService with fakes of its ports (links, plans and people in memory, an injected
// clock): who may invite, what a link lets a contact write, when it stops working, and which
// audit events and emails go with each step.
#include <Poco/JSON/Parser.h>

#include <catch2/catch.hpp>

#include "app/definition_folders.h"
#include "engine/fakes.h"
#include "i18n/language_list.h"
#include "sendflow/engine/contributions/contributions.h"

using namespace sendflow::engine;
using sendflow::testing::actionsOf;
using sendflow::testing::actorWith;
using sendflow::testing::CountingRandom;
using sendflow::testing::FakeContributions;
using sendflow::testing::FakePeople;
using sendflow::testing::FakePlans;

namespace {

const DefinitionRegistry& registry() {
  static const DefinitionRegistry reg = sendflow::web::loadDefinitionFolders(
      SENDFLOW_SOURCE_ROOT "/forms", SENDFLOW_SOURCE_ROOT "/workflows",
      sendflow::web::offeredLanguages(SENDFLOW_SOURCE_ROOT "/translations"));
  return reg;
}

Poco::JSON::Object::Ptr json(const std::string& text) {
  Poco::JSON::Parser p;
  return p.parse(text).extract<Poco::JSON::Object::Ptr>();
}

const std::string kLinkKey = "0123456789abcdef0123456789abcdef";

struct World {
  World()
      : clock(startOf(*parseIsoDate("2026-03-02"))),
        plansService(plans, people, registry(), clock),
        service(plansService, links, people, clock, random, kLinkKey, 30) {
    people.academiesById = {{1, {1, "Oak"}}, {2, {2, "Elm"}}};
    people.byId[7] = {7, "senco@oak.example", "Ms Senco", "", true, {{1, Role::kSenco}}};
    pupil = people.createPupil({0, 1, "Zoë Khan", "", "2014-05-02", "6", "", true}, {});
    mum = people.createContact(
        {0, pupil, "Ann Khan", "ann@example.org", "Mother", ContactKind::kParentCarer, true}, {});
    plan = *plansService.launch(senco, pupil, "peep");
    plans.audit.clear();
  }
  // The token the invitation email carries (the mailer derives it from the salt).
  std::string tokenOf(const OutboxMessage& m) {
    return linkToken(kLinkKey, "contribution",
                     json(m.data)->getValue<std::string>("contribute_salt"));
  }
  std::string invited() {
    REQUIRE(service.invite(senco, plan, mum));
    return tokenOf(links.outbox.messages.back());
  }

  FakePlans plans;
  FakePeople people;
  FakeContributions links;
  FixedClock clock;
  CountingRandom random;
  PlanService plansService;
  ContributionService service;
  Actor senco = actorWith(7, "Ms Senco", {{1, Role::kSenco}});
  Actor staff = actorWith(8, "Ms Senco", {{1, Role::kStaff}});
  Id pupil = 0, mum = 0, plan = 0;
};

}  // namespace

TEST_CASE(
    "contributions: the SENCO invites a contact, and the link is stored as a hash, audited and "
    "emailed without the token",
    "[engine][contributions]") {
  World w;
  const auto token = w.invited();
  REQUIRE(w.links.byId.size() == 1);
  const auto& l = w.links.byId.begin()->second;
  REQUIRE(l.kind == "parent_carer");
  REQUIRE(l.tokenHash == sha256Hex(token));
  REQUIRE(l.expiresAt == isoTime(w.clock.now() + std::chrono::days(30)));
  REQUIRE(actionsOf(w.links.audit) == std::vector<std::string>{"contribution.invite"});
  const auto& m = w.links.outbox.messages.at(0);
  REQUIRE(m.kind == mailkind::kContributeInvite);
  REQUIRE(m.toAddress == "ann@example.org");
  REQUIRE(m.data.find(token) == std::string::npos);
  REQUIRE(json(m.data)->getValue<std::string>("initials") == "Z. K.");
  REQUIRE(w.service.displayState(l) == "invited");

  // Inviting again resends the same link for another 30 days: no second link.
  w.clock.advance(std::chrono::days(10));
  REQUIRE(w.service.invite(w.senco, w.plan, w.mum));
  REQUIRE(w.links.byId.size() == 1);
  REQUIRE(w.links.byId.begin()->second.sends == 2);
  REQUIRE(w.tokenOf(w.links.outbox.messages.back()) == token);
  REQUIRE(w.links.outbox.messages.size() == 2);
}

TEST_CASE(
    "contributions: staff may not invite, and a contact of another pupil, without a section, or "
    "a plan past its draft cannot be invited",
    "[engine][contributions]") {
  World w;
  REQUIRE(w.service.invite(w.staff, w.plan, w.mum).error().code == ErrorCode::kForbidden);
  auto other = w.people.createPupil({0, 1, "Other", "", "2014-05-02", "6", "", true}, {});
  auto stranger = w.people.createContact(
      {0, other, "Stranger", "s@example.org", "Aunt", ContactKind::kParentCarer, true}, {});
  REQUIRE(w.service.invite(w.senco, w.plan, stranger).error().code == ErrorCode::kInvalid);
  auto officer = w.people.createContact(
      {0, w.pupil, "LA Officer", "la@example.org", "Caseworker", ContactKind::kLaOfficer, true},
      {});
  REQUIRE(w.service.invite(w.senco, w.plan, officer).error().fields.at(0).field == "contact");
  w.plans.byId[w.plan].state = "active";
  REQUIRE(w.service.invite(w.senco, w.plan, w.mum).error().code == ErrorCode::kConflict);
  REQUIRE(w.links.byId.empty());
  REQUIRE(w.links.outbox.messages.empty());
}

TEST_CASE(
    "contributions: a link opens to the contact's own sections, and the first view marks it "
    "opened, later views are audited as plan views",
    "[engine][contributions]") {
  World w;
  const auto token = w.invited();
  auto c = w.service.open(token, "203.0.113.5");
  REQUIRE(c);
  REQUIRE(c->editable);
  REQUIRE(c->fields == std::set<std::string>{"parent_views", "parent_concerns"});
  REQUIRE(c->ref() == "contact:" + std::to_string(w.mum));
  REQUIRE(w.service.displayState(w.links.byId.begin()->second) == "opened");
  REQUIRE(w.service.open(token, "203.0.113.5"));
  REQUIRE(actionsOf(w.links.audit) ==
          std::vector<std::string>{"contribution.invite", "contribution.opened", "plan.view"});
  REQUIRE(w.service.open(token).value().editable);  // no ip: not a page view, not audited
  REQUIRE(w.links.audit.size() == 3);
  REQUIRE(w.service.open("x").error().code == ErrorCode::kNotFound);
}

TEST_CASE(
    "contributions: a link stops working when withdrawn, expired or its contact is "
    "inactive",
    "[engine][contributions]") {
  World w;
  const auto token = w.invited();
  w.clock.advance(std::chrono::days(30) + std::chrono::seconds(1));
  REQUIRE(w.service.open(token).error().code == ErrorCode::kGone);
  REQUIRE(w.service.displayState(w.links.byId.begin()->second) == "expired");
  REQUIRE(w.service.invite(w.senco, w.plan, w.mum));  // renewed
  REQUIRE(w.service.open(token));

  w.people.contactsById[w.mum].active = false;
  REQUIRE(w.service.open(token).error().code == ErrorCode::kGone);
  w.people.contactsById[w.mum].active = true;

  const Id linkId = w.links.byId.begin()->first;
  REQUIRE(w.service.revoke(w.staff, w.plan, linkId).error().code == ErrorCode::kForbidden);
  REQUIRE(w.service.revoke(w.senco, w.plan, linkId));
  REQUIRE(w.service.open(token).error().code == ErrorCode::kGone);
  REQUIRE(w.links.audit.back().action == "contribution.revoke");
  const auto events = w.links.audit.size();
  REQUIRE(w.service.revoke(w.senco, w.plan, linkId));  // again: nothing more
  REQUIRE(w.links.audit.size() == events);
  REQUIRE(w.service.revoke(w.senco, w.plan, 999).error().code == ErrorCode::kNotFound);
}

TEST_CASE("contributions: a contact's save changes only their own fields, authored as the contact",
          "[engine][contributions]") {
  World w;
  const auto token = w.invited();
  Poco::JSON::Object values;
  values.set("parent_views", "We agree with the plan.");
  values.set("why_needed", "Overwritten by a parent?");  // not theirs: ignored
  auto r = w.service.save(token, 1, values);
  REQUIRE(r);
  REQUIRE(r->version == 2);
  auto saved = json(w.plans.version(w.plan, 2)->valuesJson);
  REQUIRE(saved->getValue<std::string>("parent_views") == "We agree with the plan.");
  REQUIRE_FALSE(saved->has("why_needed"));
  REQUIRE(w.plans.version(w.plan, 2)->author == "contact:" + std::to_string(w.mum));
  REQUIRE(w.plans.audit.back().actor == "contact:" + std::to_string(w.mum));
}

TEST_CASE(
    "contributions: a stale base is a conflict only when the contact's own fields changed "
    "meanwhile",
    "[engine][contributions]") {
  World w;
  const auto token = w.invited();
  // The SENCO edits another section: the parent's save on version 1 still goes through.
  auto senco = json(w.plans.version(w.plan, 1)->valuesJson);
  senco->set("why_needed", "Uses a wheelchair.");
  REQUIRE(w.plansService.save(w.senco, w.plan, 1, *senco));
  Poco::JSON::Object mine;
  mine.set("parent_views", "Mine.");
  auto r = w.service.save(token, 1, mine);
  REQUIRE(r);
  REQUIRE(r->version == 3);
  REQUIRE(json(w.plans.version(w.plan, 3)->valuesJson)->getValue<std::string>("why_needed") ==
          "Uses a wheelchair.");

  // Now someone changes the parent's own answer: a save based on version 3 clashes.
  auto theirs = json(w.plans.version(w.plan, 3)->valuesJson);
  theirs->set("parent_views", "Changed by the SENCO.");
  REQUIRE(w.plansService.save(w.senco, w.plan, 3, *theirs));
  Poco::JSON::Object again;
  again.set("parent_views", "Mine again.");
  auto clash = w.service.save(token, 3, again);
  REQUIRE(clash.error().code == ErrorCode::kConflict);
  REQUIRE(clash.error().fields.at(0).field == "parent_views");
  REQUIRE(w.plans.versionsOf[w.plan].size() == 4);
  REQUIRE(w.service.save(token, 99, again).error().code == ErrorCode::kBadRequest);
}
