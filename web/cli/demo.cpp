// The demo trust: two academies, their staff, twenty pupils with contacts. Fixed passwords,
// for trying sendflow out only.
#include "cli/demo.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Path.h>

#include <algorithm>

#include "app/app.h"
#include "http/paths.h"
#include "sendflow/engine/people/people.h"

namespace sendflow::web {
namespace {

struct DemoAccount {
  const char* email;
  const char* name;
  engine::Role role;
  int academy;  // index into kAcademies; -1 for trust-wide
  const char* password;
};

constexpr const char* kAcademies[] = {"Oakfield Primary Academy", "Hillcrest Secondary Academy"};

constexpr DemoAccount kAccounts[] = {
    {"senco@oakfield.example", "Ms Siobhán Ní Bhriain", engine::Role::kSenco, 0,
     "oakfield-senco-demo"},
    {"head@oakfield.example", "Mr Kwame Mensah", engine::Role::kHead, 0, "oakfield-head-demo"},
    {"governor@oakfield.example", "Mrs Agnieszka Wróbel", engine::Role::kGovernor, 0,
     "oakfield-governor-demo"},
    {"teacher@oakfield.example", "Miss Chloé Dubois", engine::Role::kStaff, 0,
     "oakfield-teacher-demo"},
    {"senco@hillcrest.example", "Mr Rhys Llewellyn", engine::Role::kSenco, 1,
     "hillcrest-senco-demo"},
    {"head@hillcrest.example", "Dr Amara Okonkwo", engine::Role::kHead, 1, "hillcrest-head-demo"},
    {"governor@hillcrest.example", "Mr Øystein Berg", engine::Role::kGovernor, 1,
     "hillcrest-governor-demo"},
    {"teacher@hillcrest.example", "Ms Priya Raman", engine::Role::kStaff, 1,
     "hillcrest-teacher-demo"},
    {"admin@trust.example", "Mrs Helen Carter", engine::Role::kTrustAdmin, -1,
     "trust-admin-demo-1"},
};

struct DemoPupil {
  int academy;
  const char* legal;
  const char* preferred;
  const char* dob;
  const char* year;
  const char* parent;
  const char* parentRelationship;
};

constexpr DemoPupil kPupils[] = {
    {0, "Zoë Ellis", "", "2018-05-14", "3", "Hannah Ellis", "Mother"},
    {0, "Łukasz Nowak", "Luke", "2017-09-02", "4", "Katarzyna Nowak", "Mother"},
    {0, "Nguyễn Thị Ánh", "Ánh", "2019-01-23", "2", "Nguyễn Văn Minh", "Father"},
    {0, "Oisín Ó Súilleabháin", "", "2016-11-30", "5", "Máire Ó Súilleabháin", "Mother"},
    {0, "Amelia Brown", "Millie", "2020-03-08", "1", "James Brown", "Father"},
    {0, "Yusuf Ağca", "", "2015-07-19", "6", "Elif Ağca", "Mother"},
    {0, "Юлия Иванова", "Yulia", "2017-02-11", "4", "Ольга Иванова", "Mother"},
    {0, "Harry O'Connor", "", "2021-06-01", "R", "Sinéad O'Connor", "Carer"},
    {0, "Freya Ærøskøbing-Hansen", "Freya", "2016-04-27", "5", "Lars Hansen", "Father"},
    {0, "Mohammed Al-Rashid", "", "2018-10-05", "3", "Fatima Al-Rashid", "Mother"},
    {1, "Νίκος Ψάρης", "Nikos", "2012-08-17", "9", "Ελένη Ψάρη", "Mother"},
    {1, "Aoife Byrne", "", "2011-12-03", "10", "Declan Byrne", "Father"},
    {1, "Chidi Okafor", "", "2013-03-29", "8", "Ngozi Okafor", "Mother"},
    {1, "Sofía García López", "Sofi", "2010-05-21", "11", "Carmen López", "Mother"},
    {1, "Jakub Dvořák", "", "2012-01-14", "9", "Petra Dvořáková", "Mother"},
    {1, "Ellie-Mae Thompson", "Ellie", "2014-07-07", "7", "Gary Thompson",
     "Grandparent (kinship carer)"},
    {1, "Björn Ångström", "", "2009-09-09", "12", "Ingrid Ångström", "Mother"},
    {1, "Aarav Sharma", "", "2013-11-11", "8", "Deepa Sharma", "Mother"},
    {1, "Ffion Pritchard", "", "2011-02-25", "10", "Gwen Pritchard", "Mother"},
    {1, "Dmitri Volkov", "Dima", "2014-04-04", "7", "Anna Volkova", "Mother"},
};

constexpr const char* kDemoAudit = "system:demo";

std::string emailFor(const std::string& name, int i) {
  std::string local;
  for (char c : name)
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
      local.push_back(static_cast<char>(std::tolower(c)));
  if (local.empty()) local = "parent";
  return local + std::to_string(i) + "@families.example";
}

std::vector<engine::Id> seedPeople(App& app) {
  std::vector<engine::Id> academyIds;
  for (const char* name : kAcademies) {
    engine::Id id = 0;
    for (const auto& a : app.peopleRepository().academies())
      if (a.name == name) id = a.id;
    if (id == 0)
      id = app.peopleRepository().createAcademy(
          name, {"academy.create", kDemoAudit, "academy", 0, 0, "{}"});
    academyIds.push_back(id);
  }
  for (const auto& acct : kAccounts) {
    if (app.peopleRepository().userByEmail(acct.email)) continue;
    engine::Id academy = acct.academy < 0 ? 0 : academyIds[static_cast<size_t>(acct.academy)];
    engine::User u{0,         acct.email,
                   acct.name, engine::hashPassword(acct.password, app.random()),
                   true,      {{academy, acct.role}}};
    app.peopleRepository().createUser(u, {"user.create", kDemoAudit, "user", 0, academy, "{}"});
  }
  engine::PupilQuery q;
  q.academyIds = academyIds;
  q.includeInactive = true;
  q.limit = 1000;
  auto existing = app.peopleRepository().pupils(q);
  int i = 0;
  for (const auto& p : kPupils) {
    ++i;
    engine::Id academy = academyIds[static_cast<size_t>(p.academy)];
    bool found = std::any_of(existing.begin(), existing.end(), [&](const engine::Pupil& e) {
      return e.legalName == p.legal && e.academyId == academy;
    });
    if (found) continue;
    engine::Pupil pupil{0, academy, p.legal, p.preferred, p.dob, p.year, "", true};
    engine::Id id = app.peopleRepository().createPupil(
        pupil, {"pupil.create", kDemoAudit, "pupil", 0, academy, "{}"});
    app.peopleRepository().createContact(
        {0, id, p.parent, emailFor(p.parent, i), p.parentRelationship,
         engine::ContactKind::kParentCarer, true},
        {"contact.create", kDemoAudit, "pupil", id, academy, "{}"});
    if (i % 3 == 0) {
      app.peopleRepository().createContact(
          {0, id, "Dr Imogen Taylor", "physio" + std::to_string(i) + "@nhs.example",
           "Paediatric physiotherapist", engine::ContactKind::kHealthProfessional, true},
          {"contact.create", kDemoAudit, "pupil", id, academy, "{}"});
    }
  }
  return academyIds;
}

// The demo academies' plans, as the demo's trust admin sees them.
std::vector<engine::PlanSummary> demoPlans(App& app, const std::vector<engine::Id>& academyIds) {
  auto admin = app.peopleRepository().userByEmail("admin@trust.example");
  if (!admin) return {};
  std::vector<engine::PlanSummary> out;
  for (auto& p : app.plans().list(app.auth().actorFor(*admin)))
    if (std::find(academyIds.begin(), academyIds.end(), p.academyId) != academyIds.end())
      out.push_back(std::move(p));
  return out;
}

// The open contribution links of the demo's plans: plan id -> ("Name, plan title", URL).
std::vector<std::pair<engine::Id, std::pair<std::string, std::string>>> contributionLinks(
    App& app, const std::vector<engine::Id>& academyIds) {
  std::vector<std::pair<engine::Id, std::pair<std::string, std::string>>> out;
  for (const auto& p : demoPlans(app, academyIds))
    for (const auto& l : app.contributions().links(p.id))
      if (l.revokedAt.empty())
        out.push_back(
            {p.id,
             {l.name + " (" + app.definitions().workflow(p.type)->title + ", " + p.pupilName + ")",
              app.settings().baseUrl +
                  paths::contributorLink(app.contributions().linkTokenFor(l.linkSalt))}});
  return out;
}

void printText(App& app, const std::vector<engine::Id>& academyIds, std::ostream& out) {
  out << "Demo trust ready in " << app.settings().home
      << "\n\nDemo logins (for trying sendflow out only):\n";
  for (const auto& a : kAccounts) {
    out << "  " << engine::roleLabel(a.role)
        << (a.academy >= 0 ? std::string(", ") + kAcademies[a.academy] : "")
        << "\n    email: " << a.email << "\n    password: " << a.password << "\n";
  }
  out << "\nDemo plans of every kind are in place (drafts, awaiting signature, in force, review "
         "due).\n";
  bool first = true;
  for (const auto& [plan, link] : contributionLinks(app, academyIds)) {
    if (first)
      out << "\nParents and professionals asked to write their part of a draft (the links their "
             "emails carry):\n";
    first = false;
    out << "  " << link.first << ": " << link.second << "\n";
  }
}

Poco::JSON::Array accountsJson() {
  Poco::JSON::Array accounts;
  for (const auto& a : kAccounts) {
    Poco::JSON::Object o;
    o.set("email", a.email);
    o.set("password", a.password);
    o.set("role", engine::roleName(a.role));
    o.set("academy", a.academy >= 0 ? kAcademies[a.academy] : "");
    accounts.add(o);
  }
  return accounts;
}

Poco::JSON::Array pupilsJson(App& app, const std::vector<engine::Id>& academyIds) {
  Poco::JSON::Array pupils;
  engine::PupilQuery q;
  q.academyIds = academyIds;
  q.limit = 1000;
  for (const auto& p : app.peopleRepository().pupils(q)) {
    Poco::JSON::Object o;
    o.set("id", p.id);
    o.set("name", p.legalName);
    o.set("academy_id", p.academyId);
    pupils.add(o);
  }
  return pupils;
}

Poco::JSON::Array plansJson(App& app, const std::vector<engine::Id>& academyIds) {
  Poco::JSON::Array plans;
  std::map<engine::Id, std::string> academyNames;
  for (size_t i = 0; i < academyIds.size(); ++i) academyNames[academyIds[i]] = kAcademies[i];
  for (const auto& p : demoPlans(app, academyIds)) {
    Poco::JSON::Object o;
    o.set("id", p.id);
    o.set("type", p.type);
    o.set("state", p.state);
    o.set("academy", academyNames[p.academyId]);
    o.set("pupil", p.pupilName);
    o.set("pupil_id", p.pupilId);
    o.set("review_date", p.reviewDate ? Poco::Dynamic::Var(*p.reviewDate) : Poco::Dynamic::Var());
    if (auto sealed = app.signatures().sealedFor(p.id))
      o.set("sealed_pdf", Poco::Path(sealed->path).absolute().toString());
    Poco::JSON::Array links;
    for (const auto& l : app.contributions().links(p.id)) {
      Poco::JSON::Object lo;
      lo.set("name", l.name);
      lo.set("kind", l.kind);
      lo.set("link", app.settings().baseUrl +
                         paths::contributorLink(app.contributions().linkTokenFor(l.linkSalt)));
      links.add(lo);
    }
    if (links.size()) o.set("contribution_links", links);
    plans.add(o);
  }
  return plans;
}

void printJson(App& app, const std::vector<engine::Id>& academyIds, std::ostream& out) {
  Poco::JSON::Object root;
  root.set("accounts", accountsJson());
  Poco::JSON::Array academies;
  for (size_t i = 0; i < academyIds.size(); ++i) {
    Poco::JSON::Object o;
    o.set("id", academyIds[i]);
    o.set("name", kAcademies[i]);
    academies.add(o);
  }
  root.set("academies", academies);
  root.set("pupils", pupilsJson(app, academyIds));
  root.set("plans", plansJson(app, academyIds));
  Poco::JSON::Stringifier::stringify(root, out, 2);
  out << "\n";
}

}  // namespace

int runDemo(App& app, engine::FixedClock& clock, bool json, std::ostream& out) {
  auto academyIds = seedPeople(app);
  if (app.plans()
          .list(app.auth().actorFor(*app.peopleRepository().userByEmail("admin@trust.example")))
          .empty())
    seedDemoPlans(app, clock, academyIds);
  if (json)
    printJson(app, academyIds, out);
  else
    printText(app, academyIds, out);
  return 0;
}

}  // namespace sendflow::web
