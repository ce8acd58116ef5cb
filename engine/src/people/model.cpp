#include "sendflow/engine/people/model.h"

#include <algorithm>

namespace sendflow::engine {

const char* roleName(Role r) {
  switch (r) {
    case Role::kSenco:
      return "senco";
    case Role::kStaff:
      return "staff";
    case Role::kHead:
      return "head";
    case Role::kGovernor:
      return "governor";
    case Role::kTrustAdmin:
      return "trust_admin";
  }
  return "staff";
}

bool isTrustWideRole(Role r) { return r == Role::kTrustAdmin; }

const std::vector<Role>& academyRoles() {
  static const std::vector<Role> roles{Role::kSenco, Role::kStaff, Role::kHead, Role::kGovernor};
  return roles;
}

std::optional<Role> parseRole(std::string_view s) {
  for (Role r : {Role::kSenco, Role::kStaff, Role::kHead, Role::kGovernor, Role::kTrustAdmin}) {
    if (s == roleName(r)) return r;
  }
  return std::nullopt;
}

std::string roleLabel(Role r) {
  switch (r) {
    case Role::kSenco:
      return "SENCO";
    case Role::kStaff:
      return "Staff";
    case Role::kHead:
      return "Headteacher";
    case Role::kGovernor:
      return "SEND governor";
    case Role::kTrustAdmin:
      return "Trust admin";
  }
  return "Staff";
}

bool Actor::isTrustAdmin() const {
  return std::any_of(memberships.begin(), memberships.end(),
                     [](const Membership& m) { return m.role == Role::kTrustAdmin; });
}

bool Actor::hasRole(Id academyId, Role r) const {
  return std::any_of(memberships.begin(), memberships.end(), [&](const Membership& m) {
    return m.role == r &&
           (m.academyId == academyId || (r == Role::kTrustAdmin && m.academyId == 0));
  });
}

bool Actor::canSee(Id academyId) const {
  auto ids = academyIds();
  return std::binary_search(ids.begin(), ids.end(), academyId);
}

std::vector<Id> Actor::academyIds() const {
  std::vector<Id> ids;
  if (isTrustAdmin()) ids = allAcademyIds;
  for (const auto& m : memberships)
    if (m.academyId != 0) ids.push_back(m.academyId);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  return ids;
}

std::set<Role> Actor::rolesAt(Id academyId) const {
  std::set<Role> out;
  for (const auto& m : memberships)
    if (m.academyId == academyId || m.academyId == 0) out.insert(m.role);
  return out;
}

const char* contactKindName(ContactKind k) {
  switch (k) {
    case ContactKind::kParentCarer:
      return "parent_carer";
    case ContactKind::kHealthProfessional:
      return "health_professional";
    case ContactKind::kLaOfficer:
      return "la_officer";
    case ContactKind::kOther:
      return "other";
  }
  return "other";
}

std::optional<ContactKind> parseContactKind(std::string_view s) {
  for (ContactKind k : {ContactKind::kParentCarer, ContactKind::kHealthProfessional,
                        ContactKind::kLaOfficer, ContactKind::kOther}) {
    if (s == contactKindName(k)) return k;
  }
  return std::nullopt;
}

std::string contactLabel(const Contact& c) {
  return c.name + " (" + (c.relationship.empty() ? contactKindLabel(c.kind) : c.relationship) + ")";
}

std::string pupilLabel(const Pupil& p) { return p.displayName() + " (pupil)"; }

std::string contactKindLabel(ContactKind k) {
  switch (k) {
    case ContactKind::kParentCarer:
      return "Parent or carer";
    case ContactKind::kHealthProfessional:
      return "Health professional";
    case ContactKind::kLaOfficer:
      return "Local authority officer";
    case ContactKind::kOther:
      return "Other";
  }
  return "Other";
}

bool isValidYearGroup(std::string_view y) {
  if (y == "N" || y == "R") return true;
  if (y.empty() || y.size() > 2) return false;
  int n = 0;
  for (char c : y) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + (c - '0');
  }
  return n >= 1 && n <= 14 && y[0] != '0';
}

std::string yearGroupLabel(std::string_view y) {
  if (y == "N") return "Nursery";
  if (y == "R") return "Reception";
  return "Year " + std::string(y);
}

}  // namespace sendflow::engine
