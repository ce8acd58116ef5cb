// SqlitePeopleRepository against a real SQLite file: academies, users and memberships, pupils,
// contacts; scoping by academy; constraint errors; each change with its audit event or nothing.
#include <algorithm>
#include <catch2/catch.hpp>

#include "storage/storage_world.h"

using namespace sendflow;
using engine::Role;
using testing::auditOf;
using testing::StorageWorld;

TEST_CASE(
    "people: an academy is created with its audit event, and a duplicate name is refused "
    "leaving nothing",
    "[storage][people]") {
  StorageWorld w;
  auto oak = w.people.createAcademy("Oak", auditOf("academy.create", "academy"));
  REQUIRE(w.people.academy(oak)->name == "Oak");
  REQUIRE_FALSE(w.people.academy(oak + 1));
  auto events = w.audit.forSubject("academy", oak);
  REQUIRE(events.size() == 1);
  REQUIRE(events[0].academyId == oak);  // the event is filed under the new academy

  REQUIRE_THROWS_AS(w.people.createAcademy("Oak", auditOf("academy.create", "academy")),
                    storage::StorageError);
  REQUIRE(w.people.academies().size() == 1);
  REQUIRE(w.auditCount() == 1);
}

TEST_CASE("people: academies are listed by name", "[storage][people]") {
  StorageWorld w;
  w.people.createAcademy("Willow", auditOf("academy.create"));
  w.people.createAcademy("Ash", auditOf("academy.create"));
  auto all = w.people.academies();
  REQUIRE(all.size() == 2);
  REQUIRE(all[0].name == "Ash");
  REQUIRE(all[1].name == "Willow");
}

TEST_CASE("people: users are found by email whatever its case, with their memberships",
          "[storage][people]") {
  StorageWorld w;
  w.populate();
  auto u = w.people.userByEmail("SENCO@Oak.Example");
  REQUIRE(u);
  REQUIRE(u->id == w.senco);
  REQUIRE(u->memberships == std::vector<engine::Membership>{{w.oak, Role::kSenco}});
  REQUIRE(w.people.userById(w.senco)->email == "senco@oak.example");
  REQUIRE_FALSE(w.people.userByEmail("nobody@oak.example"));
  REQUIRE_FALSE(w.people.userById(999));
}

TEST_CASE(
    "people: a second account with the same email in another case is refused, leaving no "
    "user, membership or audit event",
    "[storage][people]") {
  StorageWorld w;
  w.populate();
  const auto users = w.count("SELECT count(*) FROM user");
  const auto memberships = w.count("SELECT count(*) FROM membership");
  const auto events = w.auditCount();
  REQUIRE_THROWS_AS(
      w.people.createUser(
          {0, "Senco@OAK.example", "Imposter", "hash", true, {{w.elm, Role::kTrustAdmin}}},
          auditOf("user.create", "user")),
      storage::StorageError);
  REQUIRE(w.count("SELECT count(*) FROM user") == users);
  REQUIRE(w.count("SELECT count(*) FROM membership") == memberships);
  REQUIRE(w.auditCount() == events);
}

TEST_CASE(
    "people: users() lists members of the given academies and trust admins, never another "
    "academy's staff",
    "[storage][people]") {
  StorageWorld w;
  w.populate();
  auto elmStaff =
      w.people.createUser({0, "staff@elm.example", "Elm Staff", "h", true, {{w.elm, Role::kStaff}}},
                          auditOf("user.create"));
  auto admin = w.people.createUser(
      {0, "admin@trust.example", "Trust Admin", "h", true, {{0, Role::kTrustAdmin}}},
      auditOf("user.create"));
  auto ids = [](const std::vector<engine::User>& us) {
    std::vector<engine::Id> out;
    for (const auto& u : us) out.push_back(u.id);
    std::sort(out.begin(), out.end());
    return out;
  };
  REQUIRE(ids(w.people.users({w.oak})) == std::vector<engine::Id>{w.senco, admin});
  REQUIRE(ids(w.people.users({w.elm})) == std::vector<engine::Id>{elmStaff, admin});
  REQUIRE(ids(w.people.users({w.oak, w.elm})) == std::vector<engine::Id>{w.senco, elmStaff, admin});
}

TEST_CASE(
    "people: users() come in name order, a tie in order of creation, each once with all their "
    "memberships",
    "[storage][people]") {
  StorageWorld w;
  w.populate();
  auto both = w.people.createUser({0,
                                   "both@trust.example",
                                   "Ann Both",
                                   "h",
                                   true,
                                   {{w.oak, Role::kStaff}, {w.elm, Role::kHead}}},
                                  auditOf("user.create"));
  auto zed = w.people.createUser({0, "zed@elm.example", "Zed", "h", true, {{w.elm, Role::kStaff}}},
                                 auditOf("user.create"));
  auto twin1 = w.people.createUser(
      {0, "twin1@oak.example", "Same Name", "h", true, {{w.oak, Role::kGovernor}}},
      auditOf("user.create"));
  auto twin2 =
      w.people.createUser({0, "twin2@oak.example", "Same Name", "h", true, {{w.oak, Role::kStaff}}},
                          auditOf("user.create"));
  auto us = w.people.users({w.oak, w.elm});
  std::vector<engine::Id> got;
  std::vector<std::string> names;
  for (const auto& u : us) {
    got.push_back(u.id);
    names.push_back(u.name);
  }
  REQUIRE(std::is_sorted(names.begin(), names.end()));
  REQUIRE(std::count(got.begin(), got.end(), both) == 1);
  REQUIRE(std::find(got.begin(), got.end(), twin1) + 1 == std::find(got.begin(), got.end(), twin2));
  REQUIRE(got.back() == zed);
  auto ann = *std::find_if(us.begin(), us.end(), [&](const auto& u) { return u.id == both; });
  REQUIRE(ann.email == "both@trust.example");
  REQUIRE(ann.memberships.size() == 2);
  REQUIRE(ann.memberships == w.people.userById(both)->memberships);
}

TEST_CASE(
    "people: updating a user replaces the memberships and ends the other sessions in the "
    "same transaction",
    "[storage][people]") {
  StorageWorld w;
  w.populate();
  storage::SqliteSessionRepository sessions(w.store);
  const auto t = w.clock.now();
  sessions.create({"keep", w.senco, t, t, "10.0.0.1", "a"});
  sessions.create({"other", w.senco, t, t, "10.0.0.2", "b"});
  auto u = *w.people.userById(w.senco);
  u.name = "Mrs Senco";
  u.memberships = {{w.elm, Role::kHead}, {w.oak, Role::kStaff}};
  const auto before = w.auditCount();
  w.people.updateUser(u, auditOf("user.update", "user", w.senco),
                      {true, "keep", auditOf("session.end", "user", w.senco)});
  auto again = *w.people.userById(w.senco);
  REQUIRE(again.name == "Mrs Senco");
  REQUIRE(again.memberships ==
          std::vector<engine::Membership>{{w.oak, Role::kStaff}, {w.elm, Role::kHead}});
  REQUIRE(sessions.find("keep"));
  REQUIRE_FALSE(sessions.find("other"));
  REQUIRE(w.auditCount() == before + 2);

  // Without `end`, sessions stay and only the change is audited.
  w.people.updateUser(again, auditOf("user.update", "user", w.senco), {});
  REQUIRE(sessions.find("keep"));
  REQUIRE(w.auditCount() == before + 3);
}

TEST_CASE(
    "people: a pupil needs an existing academy (foreign key), and a refused pupil leaves "
    "no audit event",
    "[storage][people]") {
  StorageWorld w;
  w.populate();
  const auto events = w.auditCount();
  REQUIRE_THROWS_AS(w.people.createPupil({0, 999, "Nobody", "", "2015-01-01", "3", "", true},
                                         auditOf("pupil.create", "pupil", 0, 999)),
                    storage::StorageError);
  REQUIRE(w.auditCount() == events);
  REQUIRE(w.count("SELECT count(*) FROM pupil") == 2);
}

TEST_CASE(
    "people: pupil queries are scoped to the academies asked for, hide inactive pupils "
    "unless asked, search names and UPN, and honour the limit",
    "[storage][people]") {
  StorageWorld w;
  w.populate();
  auto kit = w.people.createPupil(
      {0, w.oak, "Katherine Bell", "Kit", "2016-03-03", "2", "A123456789012", true},
      auditOf("pupil.create", "pupil", 0, w.oak));
  auto left = w.people.createPupil({0, w.oak, "Alex Gone", "", "2013-03-03", "6", "", false},
                                   auditOf("pupil.create", "pupil", 0, w.oak));
  auto names = [](const std::vector<engine::Pupil>& ps) {
    std::vector<std::string> out;
    for (const auto& p : ps) out.push_back(p.legalName);
    return out;
  };
  REQUIRE(names(w.people.pupils({{w.oak}, "", false, 100})) ==
          std::vector<std::string>{"Katherine Bell", "Zoë Ellis"});
  REQUIRE(names(w.people.pupils({{w.oak}, "", true, 100})) ==
          std::vector<std::string>{"Alex Gone", "Katherine Bell", "Zoë Ellis"});
  REQUIRE(names(w.people.pupils({{w.elm}, "", true, 100})) == std::vector<std::string>{"Sam Ash"});
  // An Elm pupil's name searched from Oak finds nothing.
  REQUIRE(w.people.pupils({{w.oak}, "Sam", true, 100}).empty());
  REQUIRE(w.people.pupils({{w.oak}, "kit", false, 100})[0].id == kit);       // preferred name
  REQUIRE(w.people.pupils({{w.oak}, "A1234567", false, 100})[0].id == kit);  // UPN
  REQUIRE(w.people.pupils({{w.oak}, "", true, 1}).size() == 1);
  REQUIRE(w.people.pupils({{}, "", true, 100}).empty());  // no academies: nothing
  REQUIRE(w.people.pupil(left)->active == false);
  REQUIRE_FALSE(w.people.pupil(999));
}

TEST_CASE("people: a pupil update changes the row and appends its audit event",
          "[storage][people]") {
  StorageWorld w;
  w.populate();
  auto p = *w.people.pupil(w.oakPupil);
  p.preferredName = "Zo";
  p.yearGroup = "4";
  w.clock.advance(std::chrono::hours(1));
  w.people.updatePupil(p, auditOf("pupil.update", "pupil", p.id, w.oak));
  auto again = *w.people.pupil(w.oakPupil);
  REQUIRE(again.preferredName == "Zo");
  REQUIRE(again.yearGroup == "4");
  REQUIRE(again.displayName() == "Zo");
  REQUIRE(w.audit.forSubject("pupil", p.id).back().action == "pupil.update");
  REQUIRE(w.count("SELECT count(*) FROM pupil WHERE updated_at<>created_at") == 1);
}

TEST_CASE("people: contacts belong to one pupil, active ones first, kinds kept exactly",
          "[storage][people]") {
  StorageWorld w;
  w.populate();
  auto mum = w.people.createContact({0, w.oakPupil, "Ann Ellis", "ann@example.org", "Mother",
                                     engine::ContactKind::kParentCarer, false},
                                    auditOf("contact.create", "pupil", w.oakPupil, w.oak));
  auto physio =
      w.people.createContact({0, w.oakPupil, "Dr Rao", "rao@nhs.example", "Physiotherapist",
                              engine::ContactKind::kHealthProfessional, true},
                             auditOf("contact.create", "pupil", w.oakPupil, w.oak));
  w.people.createContact({0, w.elmPupil, "Bo Ash", "bo@example.org", "Father",
                          engine::ContactKind::kParentCarer, true},
                         auditOf("contact.create", "pupil", w.elmPupil, w.elm));
  auto cs = w.people.contacts(w.oakPupil);
  REQUIRE(cs.size() == 2);
  REQUIRE(cs[0].id == physio);  // active first
  REQUIRE(cs[0].kind == engine::ContactKind::kHealthProfessional);
  REQUIRE(cs[1].id == mum);
  REQUIRE_FALSE(cs[1].active);

  auto c = *w.people.contact(mum);
  c.active = true;
  c.kind = engine::ContactKind::kLaOfficer;
  w.people.updateContact(c, auditOf("contact.update", "pupil", w.oakPupil, w.oak));
  REQUIRE(w.people.contact(mum)->kind == engine::ContactKind::kLaOfficer);
  REQUIRE(w.people.contacts(w.oakPupil)[0].id == mum);           // both active now: by id
  REQUIRE(w.audit.forSubject("pupil", w.oakPupil).size() == 4);  // pupil, two contacts, one update

  // A contact of a pupil that does not exist is refused (foreign key), with no audit event.
  const auto events = w.auditCount();
  REQUIRE_THROWS_AS(w.people.createContact(
                        {0, 999, "X", "x@example.org", "Aunt", engine::ContactKind::kOther, true},
                        auditOf("contact.create")),
                    storage::StorageError);
  REQUIRE(w.auditCount() == events);
}
