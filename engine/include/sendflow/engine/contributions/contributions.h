// Contributions: parents and professionals write their sections of a draft plan before it is
// signed, through an emailed link and without an account. The SENCO invites a
// contact of the pupil; the link lets them edit exactly the sections whose "roles" name their
// kind (forms/README.md), by form post or live, while the plan is editable.
#pragma once

#include <Poco/JSON/Object.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/live/live.h"
#include "sendflow/engine/plans/plans.h"
#include "sendflow/engine/reminders/outbox.h"

namespace sendflow::engine {

namespace mailkind {
inline constexpr const char* kContributeInvite = "contribute_invite";
}

struct ContributionLink {
  Id id = 0;
  Id planId = 0;
  Id contactId = 0;
  std::string kind;  // the contact's kind when invited: the role the form's sections name
  std::string name, email;
  std::string linkSalt;   // the token is derived from it and the server's link key
  std::string tokenHash;  // SHA-256 of the token
  std::string createdBy;  // "user:N"
  std::string createdAt, expiresAt, revokedAt, openedAt;
  int sends = 0;
};

// Each change is one transaction with its audit event and outbox messages.
class ContributionRepository {
 public:
  virtual ~ContributionRepository() = default;
  virtual std::vector<ContributionLink> links(Id planId) = 0;  // oldest first
  virtual std::optional<ContributionLink> link(Id id) = 0;
  virtual std::optional<ContributionLink> byTokenHash(const std::string& hash) = 0;
  virtual Id create(const ContributionLink& l, const AuditEvent& audit,
                    const std::vector<OutboxMessage>& outbox) = 0;
  virtual void update(const ContributionLink& l, const std::vector<AuditEvent>& audit,
                      const std::vector<OutboxMessage>& outbox) = 0;
  virtual void appendAudit(const AuditEvent& e) = 0;
};

// A contributor's plan, opened through their link.
struct Contribution {
  ContributionLink link;
  PlanView plan;                            // the current version
  std::vector<const SectionDef*> sections;  // theirs to write
  std::set<std::string> fields;             // the editable top-level fields of those sections
  bool editable = false;                    // the plan is in an editable state
  Text reason;                              // why not, when not
  std::string ref() const { return "contact:" + std::to_string(link.contactId); }
};

class ContributionService {
 public:
  ContributionService(PlanService& plans, ContributionRepository& repo, PeopleRepository& people,
                      Clock& clock, RandomSource& random, std::string linkKey, int linkDays = 30);

  // The sections a form grants a contributor of this kind ("parent_carer", …).
  static std::vector<const SectionDef*> sectionsFor(const FormDefinition& form,
                                                    const std::string& kind);
  // The pupil's active contacts with an email whose kind the form grants a section: (id, label).
  std::vector<std::pair<Id, std::string>> candidates(const PlanView& v);
  std::vector<ContributionLink> links(Id planId) { return repo_.links(planId); }
  // "invited", "opened", "expired", "withdrawn".
  std::string displayState(const ContributionLink& l) const;

  // The SENCO invites a contact to contribute. A contact who already has a live link gets the
  // same link again (valid for another linkDays); otherwise a new one. Audited; emailed.
  Status invite(const Actor& a, Id planId, Id contactId);
  // The SENCO withdraws a link: it stops working at once (live editors included).
  Status revoke(const Actor& a, Id planId, Id linkId);

  // The link's plan and the contributor's rights now. kNotFound for an unknown token, kGone for
  // a withdrawn or expired link or a contact no longer active. `ip` non-empty: a read of the
  // plan (the page, or the live socket's snapshot), audited once with the door contributor_link
  // (the first also marks the link opened: contribution.opened; later ones plan.view).
  Result<Contribution> open(const std::string& token, const std::string& ip = "");
  // The language of the contact a link was sent to, whatever the link's state; "" for no such
  // link. Reads no record of the child: not audited.
  std::string linkLanguage(const std::string& token);
  // Saves the contributor's answers to their own fields (others' are never touched). A stale
  // `baseVersion` is a conflict only when one of their own fields changed meanwhile: what the
  // SENCO wrote elsewhere in the plan does not stand in a parent's way.
  Result<SaveOutcome> save(const std::string& token, int baseVersion,
                           const Poco::JSON::Object& values);
  // The live-editing identity of the link's contact (`c`: the link just opened); their rights
  // are re-read from the link and the plan's row at every check.
  LiveEditor liveEditor(const std::string& token, const Contribution& c);

  // The link token of a link salt, as the outbox holds it: the mailer derives the link when it
  // renders the email (web/ builds the address), so no stored row ever holds a usable link.
  std::string linkTokenFor(const std::string& linkSalt) const;
  // The link of a token, while it works (kNotFound, kGone otherwise). Not audited.
  Result<ContributionLink> validLink(const std::string& token);

 private:
  static std::set<std::string> fieldsFor(const std::vector<const SectionDef*>& sections);
  static Text closedReason(const StateDef& s);

  PlanService& plans_;
  ContributionRepository& repo_;
  PeopleRepository& people_;
  Clock& clock_;
  RandomSource& random_;
  const std::string linkKey_;
  const int linkDays_;
};

}  // namespace sendflow::engine
