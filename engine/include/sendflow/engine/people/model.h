// The people side of the domain: trust, academies, staff, pupils and their contacts.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"

namespace sendflow::engine {

using Id = std::int64_t;

enum class Role { kSenco, kStaff, kHead, kGovernor, kTrustAdmin };
const char* roleName(Role r);  // "senco", "staff", "head", "governor", "trust_admin"
std::optional<Role> parseRole(std::string_view s);
std::string roleLabel(Role r);  // "SENCO", "Staff", ...
// A trust-wide role is held at academy 0 (every academy); the others at one academy each.
bool isTrustWideRole(Role r);
const std::vector<Role>& academyRoles();  // senco, staff, head, governor

struct Academy {
  Id id = 0;
  std::string name;
};

struct Membership {
  Id academyId = 0;  // 0 with kTrustAdmin: every academy of the trust
  Role role = Role::kStaff;
  auto operator<=>(const Membership&) const = default;
};

struct User {
  Id id = 0;
  std::string email;
  std::string name;
  std::string passwordHash;
  bool active = true;
  std::vector<Membership> memberships;
};

// Who is acting, and where. Built once per request from the session.
struct Actor {
  Id userId = 0;
  std::string email;
  std::string name;
  std::vector<Membership> memberships;
  std::vector<Id> allAcademyIds;  // the trust's academies, for trust admins

  bool isTrustAdmin() const;
  bool hasRole(Id academyId,
               Role r) const;  // trust admins count as every role's superset only for kTrustAdmin
  bool canSee(Id academyId) const;
  std::vector<Id> academyIds() const;  // sorted, unique
  std::set<Role> rolesAt(Id academyId) const;
};

enum class ContactKind { kParentCarer, kHealthProfessional, kLaOfficer, kOther };
const char* contactKindName(ContactKind k);  // parent_carer, health_professional, la_officer, other
std::optional<ContactKind> parseContactKind(std::string_view s);
std::string contactKindLabel(ContactKind k);

struct Contact {
  Id id = 0;
  Id pupilId = 0;
  std::string name;
  std::string email;
  std::string relationship;  // free text: "Mother", "Physiotherapist"
  ContactKind kind = ContactKind::kParentCarer;
  bool active = true;
  // The language of the pages and emails the contact gets: a BCP 47 tag from the languages the
  // server offers (PeopleService::setLanguages). The plan itself stays in English.
  std::string language = "en-GB";
};

struct Pupil {
  Id id = 0;
  Id academyId = 0;
  std::string legalName;
  std::string preferredName;  // may be empty
  std::string dateOfBirth;    // ISO date
  std::string yearGroup;      // "N", "R", "1".."14"
  std::string upn;            // optional Unique Pupil Number
  bool active = true;

  const std::string& displayName() const {
    return preferredName.empty() ? legalName : preferredName;
  }
};

// How a person connected to a pupil is labelled wherever one is chosen or listed: "Ann Lee
// (Mother)" (the kind's label when no relationship was given), "Sam (pupil)".
std::string contactLabel(const Contact& c);
std::string pupilLabel(const Pupil& p);

// Year groups in England (nursery, reception, years 1–14 for post-16 with an EHCP).
bool isValidYearGroup(std::string_view y);
std::string yearGroupLabel(std::string_view y);  // "Year 7", "Reception", "Nursery"

// One audit event, appended in the same transaction as the change it describes.
struct AuditEvent {
  std::string action;       // "login.success", "pupil.update", ...
  std::string actor;        // "user:12", "contact:3", "system", "anonymous"
  std::string subjectType;  // "pupil", "user", "plan", ...
  Id subjectId = 0;
  Id academyId = 0;    // 0 when not academy-scoped
  std::string detail;  // compact JSON, no secrets
};

struct StoredAuditEvent : AuditEvent {
  Id id = 0;
  std::string at;  // ISO UTC
  std::string prevHash;
  std::string hash;
};

}  // namespace sendflow::engine
