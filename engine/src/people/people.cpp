#include "sendflow/engine/people/people.h"

#include <algorithm>

#include "sendflow/engine/core/email_address.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/people/access.h"

namespace sendflow::engine {
namespace {

std::string trim(std::string s) {
  auto notSpace = [](unsigned char c) { return !std::isspace(c); };
  s.erase(s.begin(), std::find_if(s.begin(), s.end(), notSpace));
  s.erase(std::find_if(s.rbegin(), s.rend(), notSpace).base(), s.end());
  return s;
}

std::string capitalised(std::string noun) {
  if (!noun.empty()) noun[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(noun[0])));
  return noun;
}

// A single-line text field: required, at most `max` code points, no line break or control
// character (a name ends up in mail headers, PDFs and CSV exports).
void requireText(std::vector<FieldError>& errs, const std::string& field, const std::string& value,
                 const std::string& noun, size_t max, bool required) {
  if (!checkText(errs, field, capitalised(noun), value, TextShape::kLine)) return;
  if (required && trim(value).empty()) {
    errs.push_back({field, "Enter " + noun});
  } else if (utf8::countLenient(value) > max) {
    errs.push_back(
        {field, capitalised(noun) + " must be " + std::to_string(max) + " characters or fewer"});
  }
}

void requireEmail(std::vector<FieldError>& errs, const std::string& value) {
  if (!checkText(errs, "email", "The email address", value, TextShape::kLine)) return;
  if (auto email = parseEmailAddress(value); !email)
    errs.push_back({"email", email.error().message});
}

}  // namespace

std::string auditActor(const Actor& a) { return "user:" + std::to_string(a.userId); }

std::string actorName(PeopleRepository& repo, std::string_view ref, Id academyId) {
  auto idAfter = [&](std::string_view prefix) -> std::optional<Id> {
    if (ref.substr(0, prefix.size()) != prefix) return std::nullopt;
    return parseId(ref.substr(prefix.size()));
  };
  if (auto id = idAfter("user:")) {
    auto u = repo.userById(*id);
    if (!u) return "A former user";
    const Membership* role = nullptr;
    for (const auto& m : u->memberships)
      if (!role || m.academyId == academyId) role = &m;
    return role ? u->name + " (" + roleLabel(role->role) + ")" : u->name;
  }
  if (auto id = idAfter("contact:")) {
    auto c = repo.contact(*id);
    if (!c) return "A former contact";
    return contactKindLabel(c->kind) + ": " + c->name;
  }
  if (ref == "system:cli") return "The server's operator (command line)";
  if (ref == "system" || ref.substr(0, 7) == "system:") return "sendflow (automatic)";
  if (ref == "anonymous") return "Someone not signed in";
  return std::string(ref);
}

std::string PeopleService::actorName(std::string_view ref, Id academyId) {
  return engine::actorName(repo_, ref, academyId);
}

PeopleService::PeopleService(PeopleRepository& repo, Clock& clock, RandomSource& random)
    : repo_(repo), clock_(clock), random_(random) {}

std::vector<Academy> PeopleService::academiesOf(const Actor& a) {
  std::vector<Academy> out;
  for (const auto& ac : repo_.academies())
    if (a.canSee(ac.id)) out.push_back(ac);
  return out;
}

std::vector<Pupil> PeopleService::pupils(const Actor& a, const std::string& search,
                                         bool includeInactive) {
  PupilQuery q;
  q.academyIds = academiesWhere(a, Action::kViewPupil);
  if (q.academyIds.empty()) return {};
  q.search = trim(search).substr(0, 200);
  q.includeInactive = includeInactive;
  return repo_.pupils(q);
}

Result<Pupil> PeopleService::pupil(const Actor& a, Id id, Action purpose) {
  auto p = repo_.pupil(id);
  if (!p || !may(a, Action::kViewPupil, p->academyId)) return notFound("There is no such pupil.");
  if (auto st = require(a, purpose, p->academyId, "There is no such pupil.",
                        "Your role does not allow this for this pupil.");
      !st)
    return st.error();
  return *p;
}

std::vector<Contact> PeopleService::contacts(const Actor& a, const Pupil& p) {
  if (!may(a, Action::kViewPupil, p.academyId)) return {};
  return repo_.contacts(p.id);
}

Result<std::pair<Contact, Pupil>> PeopleService::contact(const Actor& a, Id contactId,
                                                         Action purpose) {
  auto c = repo_.contact(contactId);
  if (!c) return notFound("There is no such contact.");
  auto p = pupil(a, c->pupilId, purpose);
  if (!p) {
    if (p.error().code == ErrorCode::kNotFound) return notFound("There is no such contact.");
    return p.error();
  }
  return std::make_pair(*c, p.value());
}

Actor PeopleService::cliOperator() {
  Actor a;
  a.name = "sendflow CLI";
  a.memberships.push_back({0, Role::kTrustAdmin});
  for (const auto& ac : repo_.academies()) a.allAcademyIds.push_back(ac.id);
  return a;
}

std::string PeopleService::academyName(Id academyId) {
  auto a = repo_.academy(academyId);
  return a ? a->name : std::string();
}

std::vector<FieldError> PeopleService::validatePupil(const PupilInput& in, Date today) {
  std::vector<FieldError> errs;
  requireText(errs, "legal_name", in.legalName, "the pupil's legal name", 200, true);
  requireText(errs, "preferred_name", in.preferredName, "the preferred name", 200, false);
  if (!checkText(errs, "date_of_birth", "The date of birth", in.dateOfBirth, TextShape::kLine)) {
  } else if (trim(in.dateOfBirth).empty()) {
    errs.push_back({"date_of_birth", "Enter the pupil's date of birth"});
  } else if (auto dob = parseIsoDate(in.dateOfBirth); !dob) {
    errs.push_back({"date_of_birth", "Date of birth must be a real date, like 2015-03-27"});
  } else if (daysBetween(*dob, today) < 0) {
    errs.push_back({"date_of_birth", "Date of birth must be in the past"});
  } else if (daysBetween(*dob, today) > 366 * 26) {
    errs.push_back({"date_of_birth", "Date of birth must be within the last 26 years"});
  }
  if (!isValidYearGroup(in.yearGroup))
    errs.push_back({"year_group", "Choose a year group: N, R or 1 to 14"});
  if (!checkText(errs, "upn", "The UPN", in.upn, TextShape::kLine)) {
  } else if (!in.upn.empty()) {
    bool ok = in.upn.size() == 13 && std::isalpha(static_cast<unsigned char>(in.upn[0])) &&
              std::all_of(in.upn.begin() + 1, in.upn.end() - 1,
                          [](unsigned char c) { return std::isdigit(c); }) &&
              std::isalnum(static_cast<unsigned char>(in.upn.back()));
    if (!ok)
      errs.push_back(
          {"upn", "A UPN is 13 characters: a letter, 11 digits, then a digit or letter"});
  }
  return errs;
}

std::vector<FieldError> PeopleService::validateContact(const ContactInput& in) {
  std::vector<FieldError> errs;
  requireText(errs, "name", in.name, "the contact's name", 200, true);
  requireEmail(errs, in.email);
  requireText(errs, "relationship", in.relationship, "the relationship to the pupil", 100, true);
  if (!parseContactKind(in.kind)) errs.push_back({"kind", "Choose what kind of contact this is"});
  return errs;
}

std::vector<FieldError> PeopleService::validateUser(const UserInput& in, bool passwordRequired) {
  std::vector<FieldError> errs;
  requireText(errs, "name", in.name, "the person's name", 200, true);
  requireEmail(errs, in.email);
  if (passwordRequired || !in.password.empty()) {
    auto st = AuthService::checkPasswordPolicy(in.password);
    if (!st) errs.insert(errs.end(), st.error().fields.begin(), st.error().fields.end());
  }
  if (in.memberships.empty()) errs.push_back({"roles", "Give the person at least one role"});
  return errs;
}

namespace {

// The record a valid input makes, names trimmed.
Pupil pupilFrom(Id id, Id academyId, const PupilInput& in) {
  return Pupil{id,           academyId, trim(in.legalName), trim(in.preferredName), in.dateOfBirth,
               in.yearGroup, in.upn,    in.active};
}

}  // namespace

Result<Id> PeopleService::createPupil(const Actor& a, const PupilInput& in) {
  if (auto st = require(a, Action::kManagePupil, in.academyId, "There is no such academy.",
                        "Only a SENCO or trust admin can add pupils.");
      !st)
    return st.error();
  auto errs = validatePupil(in, dateOf(clock_.now()));
  if (!errs.empty()) return invalid("Check the pupil's details", errs);
  Pupil p = pupilFrom(0, in.academyId, in);
  return repo_.createPupil(p, {"pupil.create", auditActor(a), "pupil", 0, in.academyId, "{}"});
}

Status PeopleService::updatePupil(const Actor& a, Id id, const PupilInput& in) {
  auto existing = pupil(a, id);
  if (!existing) return existing.error();
  if (auto st = require(a, Action::kManagePupil, existing->academyId, "There is no such pupil.",
                        "Only a SENCO or trust admin can change a pupil's record.");
      !st)
    return st.error();
  auto errs = validatePupil(in, dateOf(clock_.now()));
  if (!errs.empty()) return invalid("Check the pupil's details", errs);
  Pupil p = pupilFrom(id, existing->academyId, in);
  repo_.updatePupil(p, {in.active || !existing->active ? "pupil.update" : "pupil.deactivate",
                        auditActor(a), "pupil", id, p.academyId, "{}"});
  return Ok{};
}

void PeopleService::setLanguages(std::vector<std::string> tags) {
  if (!tags.empty()) languages_ = std::move(tags);
}

Result<std::string> PeopleService::contactLanguage(const ContactInput& in,
                                                   const std::string& current) const {
  if (!in.language) return current;
  for (const auto& tag : languages_)
    if (tag == *in.language) return tag;
  std::string offered;
  for (const auto& tag : languages_) offered += (offered.empty() ? "" : ", ") + tag;
  return invalid("Check the contact's details",
                 {{"language", "Choose a language sendflow offers (" + offered + "); \"" +
                                   in.language->substr(0, 40) + "\" is not one of them"}});
}

Result<Id> PeopleService::addContact(const Actor& a, Id pupilId, const ContactInput& in) {
  auto p = pupil(a, pupilId);
  if (!p) return p.error();
  if (auto st = require(a, Action::kManagePupil, p->academyId, "There is no such pupil.",
                        "Only a SENCO or trust admin can add contacts.");
      !st)
    return st.error();
  auto errs = validateContact(in);
  auto language = contactLanguage(in, languages_.front());
  if (!language) errs.push_back(language.error().fields.front());
  if (!errs.empty()) return invalid("Check the contact's details", errs);
  Contact c{0,
            pupilId,
            trim(in.name),
            trim(in.email),
            trim(in.relationship),
            *parseContactKind(in.kind),
            in.active,
            language.value()};
  return repo_.createContact(
      c, {"contact.create", auditActor(a), "pupil", pupilId, p->academyId, "{}"});
}

Status PeopleService::updateContact(const Actor& a, Id contactId, const ContactInput& in) {
  auto c = repo_.contact(contactId);
  if (!c) return notFound("There is no such contact.");
  auto p = pupil(a, c->pupilId);
  if (!p) return notFound("There is no such contact.");
  if (auto st = require(a, Action::kManagePupil, p->academyId, "There is no such contact.",
                        "Only a SENCO or trust admin can change contacts.");
      !st)
    return st.error();
  auto errs = validateContact(in);
  auto language = contactLanguage(in, c->language);
  if (!language) errs.push_back(language.error().fields.front());
  if (!errs.empty()) return invalid("Check the contact's details", errs);
  Contact updated{contactId,
                  c->pupilId,
                  trim(in.name),
                  trim(in.email),
                  trim(in.relationship),
                  *parseContactKind(in.kind),
                  in.active,
                  language.value()};
  repo_.updateContact(updated,
                      {"contact.update", auditActor(a), "pupil", c->pupilId, p->academyId, "{}"});
  return Ok{};
}

std::vector<User> PeopleService::users(const Actor& a) {
  if (!may(a, Action::kManageUsers, 0)) return {};
  return repo_.users(a.academyIds());
}

Result<User> PeopleService::user(const Actor& a, Id id) {
  if (!may(a, Action::kManageUsers, 0)) return forbidden("Only a trust admin can manage users.");
  auto u = repo_.userById(id);
  if (!u) return notFound("There is no such user.");
  return *u;
}

Result<Id> PeopleService::createUser(const Actor& a, const UserInput& in) {
  if (!may(a, Action::kManageUsers, 0)) return forbidden("Only a trust admin can add users.");
  auto errs = validateUser(in, true);
  for (const auto& m : in.memberships)
    if (m.academyId != 0 && !a.canSee(m.academyId)) errs.push_back({"roles", "Unknown academy"});
  if (repo_.userByEmail(in.email))
    errs.push_back({"email", "A user with this email address already exists"});
  if (!errs.empty()) return invalid("Check the user's details", errs);
  User u{0,         trim(in.email), trim(in.name), hashPassword(in.password, random_),
         in.active, in.memberships};
  return repo_.createUser(u, {"user.create", auditActor(a), "user", 0, 0, "{}"});
}

Status PeopleService::updateUser(const Actor& a, Id id, const UserInput& in) {
  auto existing = user(a, id);
  if (!existing) return existing.error();
  auto errs = validateUser(in, false);
  auto other = repo_.userByEmail(in.email);
  if (other && other->id != id)
    errs.push_back({"email", "A user with this email address already exists"});
  if (!errs.empty()) return invalid("Check the user's details", errs);
  User u = existing.value();
  u.email = trim(in.email);
  u.name = trim(in.name);
  u.active = in.active;
  u.memberships = in.memberships;
  if (!in.password.empty()) u.passwordHash = hashPassword(in.password, random_);
  // An admin resetting the password (or deactivating, or changing roles) ends every session of
  // the user, the admin's own included when they edit themselves.
  repo_.updateUser(
      u, {in.active ? "user.update" : "user.deactivate", auditActor(a), "user", id, 0, "{}"},
      sessionsEndedBy(existing.value(), u, auditActor(a)));
  return Ok{};
}

}  // namespace sendflow::engine
