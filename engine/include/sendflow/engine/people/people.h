// Academies, staff and pupils, always seen through an Actor's scope.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/core/error.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/engine/people/access.h"
#include "sendflow/engine/people/auth.h"

namespace sendflow::engine {

struct PupilInput {
  Id academyId = 0;
  std::string legalName, preferredName, dateOfBirth, yearGroup, upn;
  bool active = true;
};

struct ContactInput {
  std::string name, email, relationship, kind;
  bool active = true;
  // A tag of PeopleService::languages(); not given: the first (new contact) or unchanged (edit).
  std::optional<std::string> language = std::nullopt;
};

struct UserInput {
  std::string email, name, password;  // password empty on edit: unchanged
  std::vector<Membership> memberships;
  bool active = true;
};

class PeopleService {
 public:
  PeopleService(PeopleRepository& repo, Clock& clock, RandomSource& random);

  // The closed list of languages a contact may be given (BCP 47 tags, exactly as written; the
  // first is the default), from the composition root (web: translations/LANGUAGES). Until set,
  // en-GB only. REQUIRES: called before the service is shared between threads.
  void setLanguages(std::vector<std::string> tags);
  const std::vector<std::string>& languages() const { return languages_; }

  std::vector<Academy> academiesOf(const Actor& a);
  std::vector<Pupil> pupils(const Actor& a, const std::string& search,
                            bool includeInactive = false);
  // Another academy's pupil is kNotFound, exactly like a missing one (so is any pupil for a role
  // without view_pupil); `purpose` is checked too (kNotFound or kForbidden, engine/access.h).
  Result<Pupil> pupil(const Actor& a, Id id, Action purpose = Action::kViewPupil);
  std::vector<Contact> contacts(const Actor& a, const Pupil& p);
  // A contact with its pupil, checked like the pupil for `purpose` (a contact the actor may not
  // see is kNotFound, exactly like a missing one).
  Result<std::pair<Contact, Pupil>> contact(const Actor& a, Id contactId,
                                            Action purpose = Action::kViewPupil);
  // The CLI's operator: a trust admin of every academy, with no account (audited as system:cli).
  Actor cliOperator();
  // The academy's name ("" when there is none).
  std::string academyName(Id academyId);
  // engine::actorName over this service's repository.
  std::string actorName(std::string_view ref, Id academyId = 0);

  // Who may: engine/access.h (view_pupil, manage_pupil, manage_users).
  Result<Id> createPupil(const Actor& a, const PupilInput& in);
  Status updatePupil(const Actor& a, Id id, const PupilInput& in);
  Result<Id> addContact(const Actor& a, Id pupilId, const ContactInput& in);
  Status updateContact(const Actor& a, Id contactId, const ContactInput& in);

  // Trust admins only.
  std::vector<User> users(const Actor& a);
  Result<User> user(const Actor& a, Id id);
  Result<Id> createUser(const Actor& a, const UserInput& in);
  Status updateUser(const Actor& a, Id id, const UserInput& in);

  // Validation, shared by the CLI and the demo seeder.
  static std::vector<FieldError> validatePupil(const PupilInput& in, Date today);
  static std::vector<FieldError> validateContact(const ContactInput& in);
  static std::vector<FieldError> validateUser(const UserInput& in, bool passwordRequired);

 private:
  // The language a contact gets from `in` (`current` when none is given), or a field error.
  Result<std::string> contactLanguage(const ContactInput& in, const std::string& current) const;

  PeopleRepository& repo_;
  Clock& clock_;
  RandomSource& random_;
  std::vector<std::string> languages_{"en-GB"};
};

std::string auditActor(const Actor& a);  // "user:12"

// Who an audit actor is, as people read it: "Sam Patel (SENCO)" (the role held in `academyId`,
// else the first), "Parent or carer: Jo Khan", "sendflow (automatic)", "The server's operator
// (command line)"; never "user:12". A record since erased is "A former user" / "A former contact".
std::string actorName(PeopleRepository& repo, std::string_view ref, Id academyId = 0);

}  // namespace sendflow::engine
