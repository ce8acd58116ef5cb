#include "sendflow/engine/people/model.h"

#include <algorithm>

#include "sendflow/engine/core/message.h"
#include "sendflow/engine/core/names.h"

namespace sendflow::engine {

namespace {

constexpr auto kRoleNames = nameTable<Role>({{Role::kSenco, "senco"},
                                             {Role::kStaff, "staff"},
                                             {Role::kHead, "head"},
                                             {Role::kGovernor, "governor"},
                                             {Role::kTrustAdmin, "trust_admin"}});
static_assert(kRoleNames.coversDenseRange());

constexpr auto kRoleLabels = nameTable<Role>({{Role::kSenco, "SENCO"},
                                              {Role::kStaff, "Staff"},
                                              {Role::kHead, "Headteacher"},
                                              {Role::kGovernor, "SEND governor"},
                                              {Role::kTrustAdmin, "Trust admin"}});
static_assert(kRoleLabels.coversDenseRange());

constexpr auto kContactKindNames =
    nameTable<ContactKind>({{ContactKind::kParentCarer, "parent_carer"},
                            {ContactKind::kHealthProfessional, "health_professional"},
                            {ContactKind::kLaOfficer, "la_officer"},
                            {ContactKind::kOther, "other"}});
static_assert(kContactKindNames.coversDenseRange());

constexpr auto kContactKindLabels =
    // Contacts read these on their pages (N_: extracted into the catalogues).
    nameTable<ContactKind>({{ContactKind::kParentCarer, N_("Parent or carer")},
                            {ContactKind::kHealthProfessional, N_("Health professional")},
                            {ContactKind::kLaOfficer, N_("Local authority officer")},
                            {ContactKind::kOther, N_("Other")}});
static_assert(kContactKindLabels.coversDenseRange());

}  // namespace

const char* roleName(Role r) { return kRoleNames.nameOf(r); }
bool isTrustWideRole(Role r) { return r == Role::kTrustAdmin; }

const std::vector<Role>& academyRoles() {
  static const std::vector<Role> roles{Role::kSenco, Role::kStaff, Role::kHead, Role::kGovernor};
  return roles;
}

std::string contactLabel(const Contact& c) {
  return c.name + " (" + (c.relationship.empty() ? contactKindLabel(c.kind) : c.relationship) + ")";
}

std::string pupilLabel(const Pupil& p) { return p.displayName() + " (pupil)"; }

std::optional<Role> parseRole(std::string_view s) { return kRoleNames.parse(s); }
std::string roleLabel(Role r) { return kRoleLabels.nameOf(r); }

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

const char* contactKindName(ContactKind k) { return kContactKindNames.nameOf(k); }
std::optional<ContactKind> parseContactKind(std::string_view s) {
  return kContactKindNames.parse(s);
}
std::string contactKindLabel(ContactKind k) { return kContactKindLabels.nameOf(k); }

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
