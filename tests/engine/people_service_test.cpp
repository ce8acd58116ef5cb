// PeopleService with fakes of its ports: who may see and change pupils, contacts and users,
// what each change writes, which audit event it records and which error a refusal is.
#include <catch2/catch.hpp>

#include "engine/fakes.h"
#include "sendflow/engine/people/people.h"

using namespace sendflow::engine;
using sendflow::testing::actionsOf;
using sendflow::testing::actorWith;
using sendflow::testing::CountingRandom;
using sendflow::testing::FakePeople;

namespace {

struct World {
  World() : clock(fromUnix(1'780'000'000)), service(people, clock, random) {
    people.academiesById = {{1, {1, "Oak"}}, {2, {2, "Elm"}}};
    oakPupil = people.createPupil({0, 1, "Zoë Ellis", "", "2015-01-01", "3", "", true}, {});
    elmPupil = people.createPupil({0, 2, "Sam Ash", "", "2014-02-02", "4", "", true}, {});
    mum = people.createContact(
        {0, oakPupil, "Ann Ellis", "ann@example.org", "Mother", ContactKind::kParentCarer, true},
        {});
    people.audit.clear();
  }
  FakePeople people;
  FixedClock clock;
  CountingRandom random;
  PeopleService service;
  Actor senco = actorWith(7, "", {{1, Role::kSenco}});
  Actor staff = actorWith(8, "", {{1, Role::kStaff}});
  Actor governor = actorWith(9, "", {{1, Role::kGovernor}});
  Actor admin = actorWith(10, "", {{0, Role::kTrustAdmin}});
  Id oakPupil = 0, elmPupil = 0, mum = 0;
};

PupilInput pupilInput(Id academy, const std::string& name) {
  PupilInput in;
  in.academyId = academy;
  in.legalName = name;
  in.dateOfBirth = "2016-04-04";
  in.yearGroup = "2";
  return in;
}

}  // namespace

TEST_CASE("people service: an academy's staff see its pupils only, and a governor sees none",
          "[engine][people]") {
  World w;
  auto seen = w.service.pupils(w.staff, "  Zo  ");
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].id == w.oakPupil);
  REQUIRE(w.people.lastPupilQuery->academyIds == std::vector<Id>{1});
  REQUIRE(w.people.lastPupilQuery->search == "Zo");  // trimmed
  REQUIRE(w.service.pupils(w.admin, "").size() == 2);

  w.people.lastPupilQuery.reset();
  REQUIRE(w.service.pupils(w.governor, "").empty());
  REQUIRE_FALSE(w.people.lastPupilQuery);  // not even asked
}

TEST_CASE("people service: another academy's pupil is not found, exactly like a missing one",
          "[engine][people]") {
  World w;
  REQUIRE(w.service.pupil(w.senco, w.oakPupil));
  auto other = w.service.pupil(w.senco, w.elmPupil);
  auto missing = w.service.pupil(w.senco, 999);
  REQUIRE(other.error().code == ErrorCode::kNotFound);
  REQUIRE(missing.error().code == ErrorCode::kNotFound);
  REQUIRE(other.error().message == missing.error().message);
  REQUIRE(w.service.pupil(w.governor, w.oakPupil).error().code == ErrorCode::kNotFound);
  // A purpose the role may not have but whose record it may see is forbidden, not hidden.
  REQUIRE(w.service.pupil(w.staff, w.oakPupil, Action::kManagePupil).error().code ==
          ErrorCode::kForbidden);
  REQUIRE(w.service.contacts(w.governor, *w.people.pupil(w.oakPupil)).empty());
  REQUIRE(w.service.contacts(w.staff, *w.people.pupil(w.oakPupil)).size() == 1);
}

TEST_CASE(
    "people service: a SENCO adds a pupil to their academy, trimmed and audited, and staff may "
    "not, nor may a SENCO elsewhere",
    "[engine][people]") {
  World w;
  auto in = pupilInput(1, "  Kit Bell ");
  auto id = w.service.createPupil(w.senco, in);
  REQUIRE(id);
  REQUIRE(w.people.pupilsById[*id].legalName == "Kit Bell");
  REQUIRE(actionsOf(w.people.audit) == std::vector<std::string>{"pupil.create"});
  REQUIRE(w.people.audit[0].actor == "user:7");
  REQUIRE(w.people.audit[0].academyId == 1);

  REQUIRE(w.service.createPupil(w.staff, in).error().code == ErrorCode::kForbidden);
  REQUIRE(w.service.createPupil(w.senco, pupilInput(2, "Kit")).error().code ==
          ErrorCode::kNotFound);
  REQUIRE(w.people.audit.size() == 1);
}

TEST_CASE("people service: invalid pupil details name each field and write nothing",
          "[engine][people]") {
  World w;
  auto in = pupilInput(1, "");
  in.dateOfBirth = "2030-01-01";  // after the clock's today
  in.yearGroup = "15";
  in.upn = "123";
  auto r = w.service.createPupil(w.senco, in);
  REQUIRE(r.error().code == ErrorCode::kInvalid);
  std::vector<std::string> fields;
  for (const auto& f : r.error().fields) fields.push_back(f.field);
  REQUIRE(fields == std::vector<std::string>{"legal_name", "date_of_birth", "year_group", "upn"});
  REQUIRE(w.people.audit.empty());
  // "In the future" follows the injected clock, not the machine's.
  w.clock.set(startOf(*parseIsoDate("2030-06-01")));
  in = pupilInput(1, "Future");
  in.dateOfBirth = "2030-01-01";
  REQUIRE(w.service.createPupil(w.senco, in));
}

TEST_CASE("people service: deactivating a pupil is its own audit event", "[engine][people]") {
  World w;
  auto in = pupilInput(1, "Zoë Ellis");
  in.active = false;
  REQUIRE(w.service.updatePupil(w.senco, w.oakPupil, in));
  REQUIRE_FALSE(w.people.pupilsById[w.oakPupil].active);
  REQUIRE(w.people.pupilsById[w.oakPupil].academyId == 1);  // the academy never moves
  in.active = true;
  REQUIRE(w.service.updatePupil(w.senco, w.oakPupil, in));
  REQUIRE(actionsOf(w.people.audit) ==
          std::vector<std::string>{"pupil.deactivate", "pupil.update"});
  REQUIRE(w.service.updatePupil(w.senco, w.elmPupil, in).error().code == ErrorCode::kNotFound);
}

TEST_CASE(
    "people service: contacts are added and changed by a SENCO of the pupil's academy, "
    "audited against the pupil",
    "[engine][people]") {
  World w;
  ContactInput in{"Dr Rao", "rao@nhs.example", "Physiotherapist", "health_professional", true};
  auto id = w.service.addContact(w.senco, w.oakPupil, in);
  REQUIRE(id);
  REQUIRE(w.people.contactsById[*id].kind == ContactKind::kHealthProfessional);
  REQUIRE(w.people.audit.back().action == "contact.create");
  REQUIRE(w.people.audit.back().subjectType == "pupil");
  REQUIRE(w.people.audit.back().subjectId == w.oakPupil);

  REQUIRE(w.service.addContact(w.staff, w.oakPupil, in).error().code == ErrorCode::kForbidden);
  REQUIRE(w.service.addContact(w.senco, w.elmPupil, in).error().code == ErrorCode::kNotFound);
  in.kind = "neighbour";
  in.email = "not an address";
  auto bad = w.service.addContact(w.senco, w.oakPupil, in);
  REQUIRE(bad.error().code == ErrorCode::kInvalid);
  REQUIRE(bad.error().fields.size() == 2);

  ContactInput change{"Ann Ellis", "ann@example.org", "Mother", "parent_carer", false};
  REQUIRE(w.service.updateContact(w.senco, w.mum, change));
  REQUIRE_FALSE(w.people.contactsById[w.mum].active);
  REQUIRE(w.people.audit.back().action == "contact.update");
  REQUIRE(w.service.updateContact(w.senco, 999, change).error().code == ErrorCode::kNotFound);
  Actor elmSenco = actorWith(11, "", {{2, Role::kSenco}});
  REQUIRE(w.service.updateContact(elmSenco, w.mum, change).error().code == ErrorCode::kNotFound);
}

TEST_CASE(
    "people service: a contact's language is one of those offered, English unless given, kept "
    "when an edit names none",
    "[engine][people][i18n]") {
  World w;
  w.service.setLanguages({"en-GB", "pl", "ur"});
  ContactInput in{"Amina Khan", "amina@example.org", "Mother", "parent_carer", true};
  auto english = w.service.addContact(w.senco, w.oakPupil, in);
  REQUIRE(english);
  CHECK(w.people.contactsById[*english].language == "en-GB");

  in.language = "ur";
  auto urdu = w.service.addContact(w.senco, w.oakPupil, in);
  REQUIRE(urdu);
  CHECK(w.people.contactsById[*urdu].language == "ur");

  const auto before = w.people.contactsById.size();
  for (const char* bad : {"ur-PK", "UR", "", "en", "xx", "ar"}) {
    INFO(bad);
    in.language = bad;
    auto refused = w.service.addContact(w.senco, w.oakPupil, in);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::kInvalid);
    REQUIRE(refused.error().fields.size() == 1);
    CHECK(refused.error().fields[0].field == "language");
    CHECK(refused.error().fields[0].message.find("en-GB, pl, ur") != std::string::npos);
  }
  CHECK(w.people.contactsById.size() == before);  // nothing saved

  in.language = std::nullopt;  // an edit that names no language keeps theirs
  in.relationship = "Mum";
  REQUIRE(w.service.updateContact(w.senco, *urdu, in));
  CHECK(w.people.contactsById[*urdu].language == "ur");
  in.language = "pl";
  REQUIRE(w.service.updateContact(w.senco, *urdu, in));
  CHECK(w.people.contactsById[*urdu].language == "pl");
  in.language = "klingon";
  CHECK_FALSE(w.service.updateContact(w.senco, *urdu, in));
  CHECK(w.people.contactsById[*urdu].language == "pl");
}

TEST_CASE(
    "people service: only a trust admin manages users, and a duplicate email is a field error",
    "[engine][people]") {
  World w;
  UserInput in{"new@oak.example", "New Teacher", "a long enough password", {{1, Role::kStaff}}};
  REQUIRE(w.service.createUser(w.senco, in).error().code == ErrorCode::kForbidden);
  REQUIRE(w.service.users(w.senco).empty());
  auto id = w.service.createUser(w.admin, in);
  REQUIRE(id);
  const auto& u = w.people.byId[*id];
  REQUIRE(verifyPassword("a long enough password", u.passwordHash));
  REQUIRE(u.passwordHash.find("a long enough") == std::string::npos);
  REQUIRE(w.people.audit.back().action == "user.create");

  in.email = "NEW@oak.example";
  auto dup = w.service.createUser(w.admin, in);
  REQUIRE(dup.error().code == ErrorCode::kInvalid);
  REQUIRE(dup.error().fields.at(0).field == "email");
  UserInput noRoles{"x@oak.example", "X", "a long enough password", {}};
  REQUIRE(w.service.createUser(w.admin, noRoles).error().fields.at(0).field == "roles");
}

TEST_CASE("people service: deactivating a user is audited as such and ends their sessions",
          "[engine][people]") {
  World w;
  auto id = *w.service.createUser(
      w.admin, {"t@oak.example", "T", "a long enough password", {{1, Role::kStaff}}});
  const auto hash = w.people.byId[id].passwordHash;
  UserInput off{"t@oak.example", "T", "", {{1, Role::kStaff}}, false};
  REQUIRE(w.service.updateUser(w.admin, id, off));
  REQUIRE_FALSE(w.people.byId[id].active);
  REQUIRE(w.people.byId[id].passwordHash == hash);  // empty password: unchanged
  auto actions = actionsOf(w.people.audit);
  REQUIRE(actions[actions.size() - 2] == "user.deactivate");
  REQUIRE(w.people.audit.size() == 3);  // create, deactivate, and the sessions it ended
  REQUIRE(w.service.updateUser(w.admin, 999, off).error().code == ErrorCode::kNotFound);
}
