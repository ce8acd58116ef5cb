#include "sendflow/engine/people/access.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace sendflow::engine {
namespace {

using R = Role;

// The table. A SEND governor oversees provision (counts, initials, dates), never reads a plan's
// answers, a pupil's record, a contact, a PDF or an audit trail. Teachers read and write the
// plans of their academy but do not see signers' network details.
const std::vector<AccessRule> kRules{
    {Action::kViewOverview,
     "view_overview",
     "academy",
     "The reviews overview: counts, pupils' initials, review dates and deadlines",
     Scope::kAcademy,
     {R::kSenco, R::kHead, R::kGovernor, R::kTrustAdmin},
     std::nullopt},
    {Action::kViewPupil,
     "view_pupil",
     "pupil",
     "Pupil lists and records: names, date of birth, UPN, contacts and their emails",
     Scope::kAcademy,
     {R::kSenco, R::kStaff, R::kHead, R::kTrustAdmin},
     Action::kViewPupil},
    {Action::kManagePupil,
     "manage_pupil",
     "pupil",
     "Add or change a pupil or a contact",
     Scope::kAcademy,
     {R::kSenco, R::kTrustAdmin},
     Action::kViewPupil},
    {Action::kViewPlan,
     "view_plan",
     "plan",
     "A plan's answers: page, API, versions, history, diffs, the live snapshot",
     Scope::kAcademy,
     {R::kSenco, R::kStaff, R::kHead, R::kTrustAdmin},
     Action::kViewPlan},
    {Action::kEditPlan,
     "edit_plan",
     "plan",
     "Save answers, edit live, fire the transitions the workflow grants the role",
     Scope::kAcademy,
     {R::kSenco, R::kStaff, R::kHead, R::kTrustAdmin},
     Action::kViewPlan},
    {Action::kLaunchPlan,
     "launch_plan",
     "pupil",
     "Start a plan for a pupil",
     Scope::kAcademy,
     {R::kSenco, R::kTrustAdmin},
     Action::kViewPupil},
    {Action::kManageSigners,
     "manage_signers",
     "plan",
     "Choose, replace or re-invite signers; let the pupil sign in person",
     Scope::kAcademy,
     {R::kSenco, R::kTrustAdmin},
     Action::kViewPlan},
    {Action::kManageContributors,
     "manage_contributors",
     "plan",
     "Invite or withdraw a parent's or professional's contribution link",
     Scope::kAcademy,
     {R::kSenco, R::kTrustAdmin},
     Action::kViewPlan},
    {Action::kSign,
     "sign",
     "signature request",
     "Sign or decline a signature request addressed to oneself",
     Scope::kAcademy,
     {R::kSenco, R::kStaff, R::kHead, R::kTrustAdmin},
     Action::kViewPlan},
    {Action::kDownloadPdf,
     "download_pdf",
     "plan",
     "A plan's PDF, the version sent for signature, the sealed PDF",
     Scope::kAcademy,
     {R::kSenco, R::kStaff, R::kHead, R::kTrustAdmin},
     Action::kViewPlan},
    {Action::kViewAudit,
     "view_audit",
     "plan",
     "A plan's audit trail",
     Scope::kAcademy,
     {R::kSenco, R::kStaff, R::kHead, R::kTrustAdmin},
     Action::kViewPlan},
    {Action::kViewSignerNetwork,
     "view_signer_network",
     "audit event",
     "Signers' and contributors' IP addresses and user agents in audit trails (removed for "
     "everyone else)",
     Scope::kAcademy,
     {R::kSenco, R::kHead, R::kTrustAdmin},
     Action::kViewAudit},
    {Action::kManageUsers,
     "manage_users",
     "trust",
     "Staff accounts and their roles",
     Scope::kTrust,
     {R::kTrustAdmin},
     std::nullopt},
    {Action::kManageMail,
     "manage_mail",
     "trust",
     "The outbox, retries and test emails",
     Scope::kTrust,
     {R::kTrustAdmin},
     std::nullopt},
    {Action::kExportRecords,
     "export_records",
     "pupil",
     "A pupil's or contact's whole file as one archive (subject access request, transfer)",
     Scope::kAcademy,
     {R::kSenco, R::kTrustAdmin},
     Action::kViewPupil},
    {Action::kViewReads,
     "view_reads",
     "pupil",
     "Who opened a pupil's records, when and through which door",
     Scope::kAcademy,
     {R::kTrustAdmin},
     Action::kViewPupil},
    {Action::kManageRetention,
     "manage_retention",
     "trust",
     "Records whose retention period has ended, and erasing them to an anonymous stub",
     Scope::kTrust,
     {R::kTrustAdmin},
     std::nullopt},
    {Action::kRequestReview,
     "request_review",
     "plan",
     "Ask for a review of a plan in force, with a reason (a contact: through the link emailed "
     "to them for that plan)",
     Scope::kAcademy,
     {R::kSenco, R::kStaff, R::kHead, R::kTrustAdmin},
     Action::kViewPlan,
     true},
};

bool ruleAllows(const AccessRule& rule, const std::set<Role>& roles) {
  return std::any_of(roles.begin(), roles.end(), [&](Role r) { return rule.roles.count(r) > 0; });
}

void redact(Poco::JSON::Object& o) {
  o.remove("ip");
  o.remove("user_agent");
  for (auto& [k, v] : o) {
    (void)k;
    if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
      if (auto inner = v.extract<Poco::JSON::Object::Ptr>()) redact(*inner);
    } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
      if (auto arr = v.extract<Poco::JSON::Array::Ptr>())
        for (std::size_t i = 0; i < arr->size(); ++i)
          if (auto inner = arr->getObject(static_cast<unsigned>(i))) redact(*inner);
    }
  }
}

}  // namespace

const std::vector<AccessRule>& accessTable() { return kRules; }

const AccessRule& accessRule(Action a) {
  for (const auto& r : kRules)
    if (r.action == a) return r;
  throw std::logic_error("access rule missing");
}

const char* accessActionName(Action a) { return accessRule(a).name; }

std::optional<Action> parseAccessAction(std::string_view name) {
  for (const auto& r : kRules)
    if (name == r.name) return r.action;
  return std::nullopt;
}

const std::vector<Role>& allRoles() {
  static const std::vector<Role> roles{R::kSenco, R::kStaff, R::kHead, R::kGovernor,
                                       R::kTrustAdmin};
  return roles;
}

bool roleMay(Role r, Action a) { return accessRule(a).roles.count(r) > 0; }

bool contactMay(Action a) { return accessRule(a).contactByLink; }

bool may(const Actor& actor, Action a, Id academyId) {
  const auto& rule = accessRule(a);
  if (rule.scope == Scope::kTrust) return ruleAllows(rule, actor.rolesAt(0));
  if (academyId == 0 || !actor.canSee(academyId)) return false;
  return ruleAllows(rule, actor.rolesAt(academyId));
}

bool mayAnywhere(const Actor& actor, Action a) {
  const auto& rule = accessRule(a);
  return std::any_of(actor.memberships.begin(), actor.memberships.end(),
                     [&](const Membership& m) { return rule.roles.count(m.role) > 0; });
}

std::vector<Id> academiesWhere(const Actor& actor, Action a) {
  std::vector<Id> out;
  for (Id id : actor.academyIds())
    if (may(actor, a, id)) out.push_back(id);
  return out;
}

Status require(const Actor& actor, Action a, Id academyId, const std::string& missing,
               const std::string& why) {
  if (may(actor, a, academyId)) return Ok{};
  const auto& rule = accessRule(a);
  if (rule.scope == Scope::kTrust || !rule.revealedBy) return forbidden(why);
  if (!actor.canSee(academyId) || !may(actor, *rule.revealedBy, academyId))
    return notFound(missing);
  return forbidden(why);
}

ErrorCode refusalAnywhere(const Actor& actor, Action a) {
  const auto& rule = accessRule(a);
  if (rule.scope == Scope::kTrust || !rule.revealedBy) return ErrorCode::kForbidden;
  return mayAnywhere(actor, *rule.revealedBy) ? ErrorCode::kForbidden : ErrorCode::kNotFound;
}

std::string auditDetailFor(const Actor& actor, const AuditEvent& e) {
  if (may(actor, Action::kViewSignerNetwork, e.academyId)) return e.detail;
  if (e.detail.find("\"ip\"") == std::string::npos &&
      e.detail.find("\"user_agent\"") == std::string::npos)
    return e.detail;
  try {
    auto parsed = Poco::JSON::Parser().parse(e.detail);
    auto o = parsed.extract<Poco::JSON::Object::Ptr>();
    if (!o) return "{}";
    redact(*o);
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(o, out);
    return out.str();
  } catch (const std::exception&) {
    return "{}";  // unreadable detail: show nothing rather than something it may hold
  }
}

std::string accessTableMarkdown() {
  std::string out = "| action | record | what it covers |";
  for (Role r : allRoles()) out += std::string(" ") + roleName(r) + " |";
  out += " contact (by link) |\n|---|---|---|";
  for (std::size_t i = 0; i <= allRoles().size(); ++i) out += "---|";
  out += "\n";
  for (const auto& rule : kRules) {
    out += std::string("| `") + rule.name + "` | " + rule.record + " | " + rule.description + " |";
    for (Role r : allRoles()) out += rule.roles.count(r) ? " yes |" : " no |";
    out += rule.contactByLink ? " yes |" : " no |";
    out += "\n";
  }
  return out;
}

}  // namespace sendflow::engine
