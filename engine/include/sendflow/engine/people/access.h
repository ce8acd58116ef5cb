// Who may do what: the one access policy of sendflow, a table of role × action × record.
// Pages, the API, documents, live sockets, the CLI and the services all ask it; nothing else
// decides by role. docs/security.md ("Who may do what") holds the same table, checked by a test.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/core/error.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

enum class Action {
  kViewOverview,        // the reviews overview: counts, pupils' initials, dates
  kViewPupil,           // pupil lists and records (names, date of birth, contacts' emails)
  kManagePupil,         // add or change a pupil or a contact
  kViewPlan,            // a plan's answers: page, API, versions, history, diffs, live snapshot
  kEditPlan,            // save answers, edit live, fire the transitions the workflow grants
  kLaunchPlan,          // start a plan for a pupil
  kManageSigners,       // choose, replace or re-invite signers; let the pupil sign in person
  kManageContributors,  // invite or withdraw a parent's or professional's contribution link
  kSign,                // sign or decline a signature request addressed to oneself
  kDownloadPdf,         // a plan's PDF, the version sent for signature, the sealed PDF
  kViewAudit,           // a plan's audit trail
  kViewSignerNetwork,   // signers' and contributors' IP addresses and user agents in audit trails
  kManageUsers,         // staff accounts and their roles (trust-wide)
  kManageMail,          // the outbox, retries and test emails (trust-wide)
  kExportRecords,    // a pupil's or contact's whole file as one archive (subject access, transfer)
  kViewReads,        // who opened a pupil's records, when, through which door
  kManageRetention,  // records whose retention has ended, and their erasure (trust-wide)
  kRequestReview,    // ask for a review of a plan in force, with a reason
};

// Where an action's record lives: in one academy, or trust-wide (academy id 0).
enum class Scope { kAcademy, kTrust };

struct AccessRule {
  Action action;
  const char* name;         // "view_plan": docs, route listings
  const char* record;       // "plan", "pupil", ...
  const char* description;  // one line for the docs table
  Scope scope;
  std::set<Role> roles;  // who may, at the record's academy (trust admins: every academy)
  // The read that reveals the record: without it a refusal is 404 (as if the record did not
  // exist, exactly like another academy's); with it, 403. nullopt: always 403.
  std::optional<Action> revealedBy;
  // A contact (a parent, carer or professional: no account) may do it to the one record an
  // emailed link of theirs was sent for; nothing else.
  bool contactByLink = false;
};

// Every action once, in the order of the enum.
const std::vector<AccessRule>& accessTable();
const AccessRule& accessRule(Action a);
const char* accessActionName(Action a);
std::optional<Action> parseAccessAction(std::string_view name);
// Every role once, in table-column order.
const std::vector<Role>& allRoles();

// The actor may do `a` to a record of academy `academyId` (0 for trust-wide actions).
bool may(const Actor& actor, Action a, Id academyId);
// The actor may do `a` in at least one academy (or trust-wide).
bool mayAnywhere(const Actor& actor, Action a);
// The academies where the actor may do `a` (sorted).
std::vector<Id> academiesWhere(const Actor& actor, Action a);
// A role alone may do `a` (the docs table's cell).
bool roleMay(Role r, Action a);
// A contact may do `a` through their emailed link, to the record it was sent for (the caller
// checks the link and its record).
bool contactMay(Action a);

// Ok when the actor may; else the refusal the policy gives: kNotFound (`missing`) when the actor
// may not even see the record, kForbidden (`why`) when they may see it but not do this.
Status require(const Actor& actor, Action a, Id academyId, const std::string& missing,
               const std::string& why);
// The HTTP-independent refusal for an actor who may not do `a` anywhere: kNotFound or kForbidden.
ErrorCode refusalAnywhere(const Actor& actor, Action a);

// An audit event's detail as this actor may see it: without kViewSignerNetwork at the event's
// academy, "ip" and "user_agent" are removed (at any depth).
std::string auditDetailFor(const Actor& actor, const AuditEvent& e);

// The docs table ("| action | record | senco | staff | ... |"), one line per action.
std::string accessTableMarkdown();

}  // namespace sendflow::engine
