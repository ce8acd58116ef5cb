// Plans: one document of one type for one pupil, moving through its workflow. The service
// decides; the repository applies each decision as one transaction with its audit event.
#pragma once

#include <Poco/JSON/Object.h>

#include <atomic>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/people/access.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/engine/plans/lifecycle.h"
#include "sendflow/engine/plans/schedule.h"
#include "sendflow/engine/reminders/outbox.h"
#include "sendflow/engine/signing/signature_records.h"

namespace sendflow::engine {

// The form field where a review date earlier than the policy's may be asked for. Blank: the
// policy's date from the day the plan becomes active (PlanRecord::reviewDate holds the result).
inline const std::string kReviewDateField = "review_date";

struct PlanRecord {
  Id id = 0;
  Id academyId = 0;
  Id pupilId = 0;
  std::string type;
  std::string state;
  Id ownerUserId = 0;
  Id formSnapshotId = 0;
  Id workflowSnapshotId = 0;
  int currentVersion = 0;
  std::optional<std::string> reviewDate;  // ISO date, while the plan is in force
  Id reviewsPlanId = 0;                   // the plan this one reviews (0: none)
  std::string reviewReason;               // why a review became due ("incident: …")
  std::string createdAt, updatedAt, activatedAt;
};

struct PlanSummary : PlanRecord {
  std::string pupilName;
  std::string pupilYearGroup;
  std::string pupilDateOfBirth;  // ISO date, or empty
  std::string title;
};

struct PlanVersionRecord {
  Id planId = 0;
  int number = 0;
  std::string valuesJson;  // canonical JSON
  std::string contentHash;
  std::string author;  // "user:12"
  std::string authorName;
  std::string createdAt;
};

struct SignerAssignment {
  std::string slot;
  std::string personRef;  // "user:N" or "contact:N"
  std::string name;
};

// Someone who may be chosen for a plan (a signer): the name an assignment stores, and the label
// a list shows (contactLabel, pupilLabel; a member of staff's name).
struct PersonChoice {
  std::string ref;  // "user:N", "contact:N" or "pupil:N"
  std::string name;
  std::string label;
};

// One request for a review of a plan in force (issue 14): every request is kept, with who asked,
// when and why, and each one is emailed on its own.
struct ReviewRequestRecord {
  Id id = 0;
  Id planId = 0;
  int seq = 0;             // 1, 2, ... per plan: the request's number, part of its email's key
  std::string at;          // ISO time
  std::string actor;       // "user:12", "contact:3"
  std::string actorName;   // the name at the time
  std::string reasonCode;  // one of the transition's reasons ("change", "incident", ...)
  std::string reasonText;
};

struct TransitionRecord {
  std::string name, fromState, toState, actor, at, reasonCode, reasonText;
  int version = 0;
};

struct PlanDeadlineInputs {
  std::string valuesJson;                     // the current version's (canonical JSON)
  std::vector<TransitionRecord> transitions;  // oldest first
};

struct PlanQuery {
  std::vector<Id> academyIds;
  Id pupilId = 0;
  bool includeClosed = true;  // superseded / withdrawn
  int limit = 1000;
};

// Everything one transition changes, applied atomically (or not at all when the plan moved on).
struct TransitionChange {
  Id planId = 0;
  std::string expectedState;
  int expectedVersion = 0;
  TransitionRecord record;
  std::optional<std::optional<std::string>> reviewDate;  // set (value) or clear (nullopt)
  std::optional<std::string> reviewReason;
  // A request for a review (a transition whose reasons include a review trigger). Its seq must be
  // the plan's next one, else the change is refused as kConflict (someone else asked just now).
  std::optional<ReviewRequestRecord> reviewRequest;
  bool activated = false;
  Id supersedePlanId = 0;  // predecessor to close (review date cleared) when this one activates
  TransitionRecord supersedeRecord;  // its transition (from its state to e.g. "superseded")
  std::optional<std::pair<PlanRecord, PlanVersionRecord>> successor;  // start_review_draft
  std::vector<AuditEvent> audit;
  std::vector<OutboxMessage> outbox;  // notify_* emails, queued in the same transaction
  // E-signatures (seal_pdf / void_signatures / notify_signers), applied in the same transaction.
  bool voidSignatures = false;  // every live request and signature of the plan becomes void
  std::string voidReason;
  std::vector<SignatureRequest> newRequests;  // send_for_signature
  std::optional<SignatureRecord> signature;   // the signature that completed the set (REQUIRES: its
                                              // request still open, else the change is refused)
  std::optional<SealedDocument> sealed;
};

class PlanRepository {
 public:
  virtual ~PlanRepository() = default;

  // Stores a definition's canonical JSON once; returns the same id for the same content.
  virtual Id snapshot(const std::string& kind, const std::string& type, int version,
                      const std::string& json) = 0;
  virtual std::string snapshotJson(Id id) = 0;

  virtual std::optional<PlanRecord> plan(Id id) = 0;
  virtual std::vector<PlanSummary> plans(const PlanQuery& q) = 0;
  virtual std::optional<PlanVersionRecord> version(Id planId, int number) = 0;
  virtual std::vector<PlanVersionRecord> versions(Id planId) = 0;
  virtual std::vector<SignerAssignment> signers(Id planId) = 0;
  virtual std::vector<TransitionRecord> transitions(Id planId) = 0;
  virtual std::optional<PlanRecord> latestSuccessor(Id planId) = 0;  // newest plan reviewing it
  virtual std::vector<ReviewRequestRecord> reviewRequests(Id planId) = 0;  // oldest first
  // What the deadlines of the plans in `planIds` are worked out from, for a list that shows them:
  // each plan's current values and its transitions (oldest first), in a fixed number of
  // statements however many plans there are. Plans that do not exist are left out.
  virtual std::map<Id, PlanDeadlineInputs> deadlineInputs(const std::vector<Id>& planIds) = 0;
  // Plans in one of `states` whose review date is on or before `isoDay` (an indexed scan).
  virtual std::vector<Id> reviewsDueBy(const std::string& isoDay,
                                       const std::vector<std::string>& states) = 0;

  virtual Id create(const PlanRecord& p, const PlanVersionRecord& first,
                    const AuditEvent& audit) = 0;
  // kConflict when the plan is no longer at expectedVersion in expectedState.
  virtual Status saveVersion(const std::string& expectedState, int expectedVersion,
                             const PlanVersionRecord& v, const AuditEvent& audit) = 0;
  // Returns the successor's id when the change creates one (else 0); kConflict as above.
  virtual Result<Id> applyTransition(const TransitionChange& c) = 0;
  virtual Status setSigners(Id planId, const std::string& expectedState, const std::string& slot,
                            const std::vector<SignerAssignment>& people,
                            const AuditEvent& audit) = 0;
};

struct PlanPeople {
  std::vector<User> staff;
  std::vector<Contact> contacts;
};

// A plan opened for reading or writing, with the definitions it pinned.
struct PlanView {
  PlanRecord plan;
  Pupil pupil;
  std::shared_ptr<const FormDefinition> form;
  std::shared_ptr<const WorkflowDefinition> workflow;
  PlanVersionRecord version;       // the version shown (current unless asked otherwise)
  Poco::JSON::Object::Ptr values;  // of that version
  ValueCheck check;                // of those values against the pinned form
  const StateDef* state = nullptr;
  bool canEdit = false;                           // the actor may edit, and the state is editable
  std::vector<const TransitionDef*> transitions;  // the actor may fire from this state
  std::vector<DeadlineItem> deadlines;  // review due, EHCP statutory deadlines, phase transfer
  std::vector<FieldError> warnings;     // shown beside the field, never refusing (a late meeting)
  std::vector<SignerAssignment> signers;
  // The staff of the pupil's academy and the pupil's contacts (active or not), read once when the
  // plan was opened: who the plan may name (PlanService::people, signerCandidates).
  std::shared_ptr<const PlanPeople> people;
};

// The deadlines a plan shows (PlanView::deadlines), worked out from its current values: the
// workflow's statutory deadlines (done dates from `transitions`, oldest first), and while the
// review is being prepared (an editable or signing state) the phase transfer and when the review
// is due, by due date. Pure: the plan page and the plan lists both use it.
std::vector<DeadlineItem> planDeadlines(const WorkflowDefinition& wf, const StateDef& state,
                                        const Poco::JSON::Object& values,
                                        const std::string& yearGroup,
                                        std::optional<Date> dateOfBirth, Date today,
                                        const std::vector<TransitionRecord>& transitions);

// One row of a plan list (dashboard, pupil page): the plan, its pinned workflow, and for a plan
// not closed whose workflow has statutory deadlines, its deadlines as its own page shows them.
struct PlanListing {
  PlanSummary plan;
  std::shared_ptr<const WorkflowDefinition> workflow;
  std::vector<DeadlineItem> deadlines;
};

// Fills in what the e-signature actions change before a transition is applied (implemented by
// SignatureService). An error refuses the transition.
class TransitionActions {
 public:
  virtual ~TransitionActions() = default;
  virtual Status prepare(ActionKind action, const PlanView& v, const TransitionDef& t,
                         TransitionChange& c) = 0;
};

// Live edits acknowledged to their editors but not yet folded into a version (implemented by
// web's live hub). Thread-safe.
class PendingEdits {
 public:
  virtual ~PendingEdits() = default;
  // Folds the plan's pending live edits into a new version now; Ok when there are none.
  virtual Status fold(Id planId) = 0;
};

struct TransitionInput {
  std::string reasonCode;
  std::string reasonText;
};

struct SaveOutcome {
  int version = 0;  // the current version after the save
  bool changed = false;
  std::vector<FieldError> missing;   // still needed before sending for signature
  std::vector<FieldError> warnings;  // as PlanView::warnings, for the values saved
};

class PlanService {
 public:
  PlanService(PlanRepository& plans, PeopleRepository& people, const DefinitionRegistry& defs,
              Clock& clock);

  // Workflow types a SENCO can launch now, by title.
  std::vector<const WorkflowDefinition*> launchable() const;
  std::vector<PlanSummary> list(const Actor& a, Id pupilId = 0);
  // The plans list() gives, each with its workflow and, when it is not closed and its workflow
  // has statutory deadlines, its deadlines: one read of the plans and one of what their deadlines
  // come from, however many plans there are (no plan is opened one by one).
  std::vector<PlanListing> listing(const Actor& a, Id pupilId = 0);

  Result<Id> launch(const Actor& a, Id pupilId, const std::string& type);
  // versionNumber 0: the current version. A plan the actor may not view (another academy's, or
  // a role without view_plan) is kNotFound; `purpose` (engine/access.h) is checked too: kNotFound
  // or kForbidden as the policy says.
  Result<PlanView> open(const Actor& a, Id planId, int versionNumber = 0,
                        Action purpose = Action::kViewPlan);
  // Replaces the field values (the whole set). kConflict when baseVersion is stale (the
  // message lists what changed since), kInvalid naming each invalid field (nothing saved).
  // `liveEditors` (live editing: actor ref -> [field ids]) goes into the plan.edit audit event,
  // so a version folded from several people's live edits records who changed what.
  Result<SaveOutcome> save(const Actor& a, Id planId, int baseVersion,
                           const Poco::JSON::Object& values,
                           const Poco::JSON::Object::Ptr& liveEditors = nullptr);
  // The current version without an actor's scope, and a save by someone who has no staff role
  // (a contact through their contribution link; a live session folding edits it checked one by
  // one): the caller has authorised them. The plan must still be in an editable state.
  Result<PlanView> view(Id planId, int versionNumber = 0);
  Result<SaveOutcome> saveAs(const std::string& authorRef, const std::string& authorName, Id planId,
                             int baseVersion, const Poco::JSON::Object& values,
                             const Poco::JSON::Object::Ptr& liveEditors = nullptr);
  // Changes some answers: `changes` (field -> value; null removes the answer) merged into the
  // current values, taken with exactly their JSON types. Read-only and hidden fields keep their
  // value whatever `changes` says. Then as save().
  Result<SaveOutcome> patch(const Actor& a, Id planId, int baseVersion,
                            const Poco::JSON::Object& changes);
  // Folds the plan's pending live edits first (setPendingEdits), so the transition acts on what
  // editors saw acknowledged; a fold that fails refuses the transition with its error (kInvalid:
  // a live answer is not valid yet; kConflict, or any other), and nothing is done.
  Result<Id> fire(const Actor& a, Id planId, const std::string& transition,
                  const TransitionInput& in);  // returns the plan to show next
  Status assignSigners(const Actor& a, Id planId, const std::string& slot,
                       const std::vector<std::string>& personRefs);
  Result<std::vector<ValueChange>> diff(const Actor& a, Id planId, int from, int to);
  // What changed from version `from` to the version `newer` shows (kNotFound: no such version).
  Result<std::vector<ValueChange>> diffFrom(const PlanView& newer, int from);
  Result<std::vector<PlanVersionRecord>> history(const Actor& a, Id planId);

  // The engine's own transitions (all signed, review date reached, successor active).
  // `extend` (optional) adds to the change before the actions are prepared.
  using ChangeExtension = std::function<Status(const PlanView&, TransitionChange&)>;
  Result<Id> fireAutomatic(Id planId, AutoTrigger trigger, const std::string& actor,
                           const ChangeExtension& extend = {});
  // A named transition fired on behalf of someone without a staff role (a signer declining);
  // the caller has authorised them. Guards are not checked.
  Result<Id> fireFor(Id planId, const std::string& transition, const TransitionInput& in,
                     const std::string& actor, const ChangeExtension& extend = {});
  // A contact asks for a review through a link they were emailed for this plan (the caller has
  // checked the link). The access policy (contact x request_review) and the transition's roles
  // ("contact") and guards (the reason) are checked here; the request is kept and emailed like
  // a member of staff's.
  Result<Id> fireAsContact(Id planId, const std::string& contactRef, const std::string& contactName,
                           const std::string& transition, const TransitionInput& in,
                           const ChangeExtension& extend = {});
  // The transition a contact may fire from the plan's state to ask for a review (nullptr: none).
  static const TransitionDef* contactReviewTransition(const WorkflowDefinition& wf,
                                                      std::string_view state);
  // Every request for a review of the plan, oldest first (no permission check: the caller
  // opened the plan).
  std::vector<ReviewRequestRecord> reviewRequests(Id planId) {
    return plans_.reviewRequests(planId);
  }
  // The e-signature actions (SignatureService registers itself; a composition root may register
  // a stand-in that builds it on first use). A transition with a signing action and none
  // registered throws InfraError: a wiring mistake must not skip the signers. Thread-safe.
  void setTransitionActions(TransitionActions* actions) { actions_ = actions; }
  // REQUIRES: set (or cleared) before requests are served, or after they stopped.
  void setPendingEdits(PendingEdits* pending) { pending_ = pending; }
  // Makes review-due every plan in force whose review date has come. Returns how many.
  int markReviewsDue(Date today);

  // People who may be named on this plan: "user:N" active staff of the pupil's academy and
  // "contact:N" active contacts of the pupil, with their names (from v.people: nothing is read).
  static std::vector<std::pair<std::string, std::string>> people(const PlanView& v);
  // The plan's row alone (state, current version): a cheap look, no permission check.
  std::optional<PlanRecord> record(Id planId) { return plans_.plan(planId); }
  // The newest plan reviewing this one (no permission check: the caller opened the plan).
  std::optional<PlanRecord> latestSuccessor(Id planId) { return plans_.latestSuccessor(planId); }
  // Names for the people a plan's document may mention ("user:N", "contact:N", "pupil:N"):
  // staff of every academy (a trust-wide colleague may be named too), the pupil's contacts and
  // the pupil as contactLabel and pupilLabel give them.
  std::map<std::string, std::string> documentNames(const PlanView& v);
  // Who may fill a signer slot of this plan (ref, label): staff with the slot's role in the
  // plan's academy (any staff for a "staff" slot), the pupil's active contacts of the slot's
  // kind, or the pupil for a "pupil" slot. assignSigners accepts exactly these.
  std::vector<PersonChoice> signerCandidates(const PlanView& v, const SignerSlot& slot);

  std::shared_ptr<const FormDefinition> formSnapshot(Id id);
  std::shared_ptr<const WorkflowDefinition> workflowSnapshot(Id id);

 private:
  Result<PlanView> load(const Actor* a, Id planId, int versionNumber,
                        Action purpose = Action::kViewPlan);
  Result<SaveOutcome> saveValues(const PlanView& v, const std::string& authorRef,
                                 const std::string& authorName, int baseVersion,
                                 const Poco::JSON::Object& values,
                                 const Poco::JSON::Object::Ptr& liveEditors);
  Result<Id> apply(PlanView& v, const TransitionDef& t, const TransitionInput& in,
                   const std::string& actor, const std::string& actorName,
                   const ChangeExtension& extend = {});
  Result<Id> fireChecked(PlanView& v, const std::set<std::string>& roles,
                         const std::string& transition, const TransitionInput& in,
                         const std::string& actor, const std::string& actorName,
                         const ChangeExtension& extend = {});
  GuardFacts facts(const PlanView& v);
  ValueContext valueContext(const PlanView& v, const Poco::JSON::Object* previous);
  std::optional<Date> anchorDate(const PlanView& v);

  PlanRepository& plans_;
  PeopleRepository& people_;
  const DefinitionRegistry& defs_;
  Clock& clock_;
  std::atomic<TransitionActions*> actions_{nullptr};
  PendingEdits* pending_ = nullptr;
  std::mutex cacheMutex_;
  std::map<Id, std::shared_ptr<const FormDefinition>> forms_;
  std::map<Id, std::shared_ptr<const WorkflowDefinition>> workflows_;

  // A stored version's values as parsed, and their check against the pinned form, kept for the
  // next view of the same version: a version never changes, and the check depends on nothing
  // else than what the key holds (checkedValues). The values are shared by every view of that
  // version: REQUIRES: nobody modifies a PlanView's values in place.
  struct CheckedValues {
    Poco::JSON::Object::Ptr values;
    ValueCheck check;
  };
  std::shared_ptr<const CheckedValues> checkedValues(const PlanView& v);
  static constexpr std::size_t kMaxCheckedValues = 256;  // entries kept, the oldest dropped first
  std::mutex checkedMutex_;
  std::unordered_map<std::string, std::shared_ptr<const CheckedValues>> checked_;
  std::deque<std::string> checkedOrder_;  // keys of checked_, oldest first
};

std::set<std::string> actorRolesAt(const Actor& a, Id academyId);
// A transition that asks for a review: one of its reasons makes a review due at once (the
// workflow's review triggers). Each firing is kept as a ReviewRequestRecord.
bool isReviewRequest(const WorkflowDefinition& wf, const TransitionDef& t);
// The longest reason a person may give for a review, in characters.
inline constexpr std::size_t kMaxReasonChars = 1000;
// "This plan is Awaiting signatures and cannot be edited now."
std::string notEditableMessage(const StateDef& s);

}  // namespace sendflow::engine
