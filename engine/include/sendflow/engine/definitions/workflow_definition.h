// A workflow definition (workflows/<type>.json) as the engine reads it: states, transitions,
// signers and the review, deadline and retention policies. Immutable once loaded; parsed by
// parseWorkflow() (registry.h).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/definitions/duration.h"
#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine {

// Who may fire a transition: staff roles (senco, staff, head, governor, trust_admin),
// "contact" (any contact taking part in the plan), "signer" (the person holding a signature
// request on the current version).
const std::vector<std::string>& transitionRoleNames();

enum class GuardKind {
  kFormComplete,       // every visible required field has a valid value
  kSignersAssigned,    // every required signer slot has a person
  kReasonGiven,        // a reason (and a reason code when the transition lists reasons)
  kFieldSet,           // a named field has a value ({"field_set": "meeting_date"})
  kNoReviewInProgress  // no draft successor of this plan is open
};
const char* guardName(GuardKind g);
std::optional<GuardKind> parseGuard(std::string_view s);

struct Guard {
  GuardKind kind = GuardKind::kFormComplete;
  std::string field;  // kFieldSet
};

enum class ActionKind {
  kSealPdf,
  kScheduleReview,
  kClearReviewDate,
  kNotifySenco,
  kNotifyOwner,
  kNotifyGovernor,
  kNotifyParticipants,
  kNotifySigners,
  kNotifyLa,
  kStartReviewDraft,
  kSupersedePrevious,
  kVoidSignatures,
  kRecordIncident
};
const char* actionName(ActionKind a);
std::optional<ActionKind> parseAction(std::string_view s);
std::string actionNames();  // "seal_pdf, schedule_review, ...": every action, for messages

// System events that fire "auto" transitions.
enum class AutoTrigger { kAllRequiredSigned, kReviewDateReached, kSuccessorActive };
const char* autoTriggerName(AutoTrigger t);
std::optional<AutoTrigger> parseAutoTrigger(std::string_view s);

// How a state is shown beside a plan (a tag's colour): a property of the workflow definition,
// never of the state's name, so a trust's own document type is shown the same way.
enum class StateTone {
  kNeutral,     // "neutral": closed, nothing to do (no colour)
  kGood,        // "good": in force (green)
  kInProgress,  // "in_progress": being written (amber)
  kWaiting,     // "waiting": waiting on others, e.g. signatures (blue)
  kAttention,   // "attention": needs someone to act, e.g. a review is due (red)
};
const char* stateToneName(StateTone t);
std::optional<StateTone> parseStateTone(std::string_view s);

struct StateDef {
  std::string name;
  std::string label;
  bool editable = false;  // field values may change
  bool signing = false;   // signature requests are open
  bool active = false;    // the plan is in force (its review date counts)
  bool final = false;     // no way out
  // "tone" in the file; when absent, from the flags: final neutral, active good (attention when
  // a review_date_reached transition leads to it), signing waiting, editable in progress,
  // otherwise attention.
  StateTone tone = StateTone::kAttention;
  // The label in other languages, for the contacts who read it inside a message ("This plan is
  // “Active” now…"): "translations" in the file, as a signer's.
  Translations translations;
  const std::string& shown() const { return label.empty() ? name : label; }  // for people
};

struct TransitionDef {
  std::string name;
  std::string label;
  std::vector<std::string> from;
  std::string to;
  std::vector<std::string> roles;  // empty for auto transitions
  std::vector<Guard> guards;
  std::vector<ActionKind> actions;
  std::optional<AutoTrigger> autoTrigger;
  bool requiresReason = false;
  std::vector<std::string> reasons;  // allowed reason codes; empty: free text only
  bool destructive = false;          // ends or undoes something (e.g. withdraw): shown as a warning
  Translations translations;         // the label in other languages, as a state's

  bool firesFrom(std::string_view state) const;
};

struct SignerSlot {
  enum class Required { kYes, kNo, kIfInvolved };
  std::string role;   // the slot's name, unique in the workflow: "senco", "premises_lead"
  std::string label;  // "Premises / fire safety lead"
  std::string kind;   // who fills it: senco, staff, head, governor, parent_carer,
                      // health_professional, la_officer, other, pupil
  Required required = Required::kYes;
  bool multiple = false;  // several people may hold this slot (e.g. named helpers)
  int order = 0;          // 0: any time; otherwise slots sign in ascending order
  // The label in other languages, for the contacts who read it (their invitation, the signing
  // page's list of signers): "translations" in the file, as a form's (forms/README.md).
  Translations translations;

  LocalText labelIn(std::string_view language) const;
};

// Where the review held on a plan (its anchor field, the EHCP meeting) is due from: the first of
// these date fields that has a value starts the cycle (EHCP: the last review, else the date the
// plan was issued; Code of Practice 9.166, 9.178).
struct ReviewDueFrom {
  std::string field;  // a date field of the form
  std::string since;  // how the label names it: "the last review"
};

struct ReviewPolicy {
  Duration every{0, 12, 0, 0};
  std::optional<Duration> under5Every;  // EHCP: P6M for a child under 5 at the anchor date
  std::string anchorField;              // empty: from activation; else a date field (meeting)
  std::vector<ReviewDueFrom> dueFrom;   // REQUIRES: anchorField set; empty: no due date shown
  std::vector<Duration> remind;         // before the review date (P0D: on the day)
  Duration overdueEvery{0, 0, 1, 0};
  std::vector<std::string> recipients;  // "senco", "owner", "governor", "participants"
  std::vector<std::string> escalateTo;  // when overdue
  std::vector<std::string> triggers;    // reason codes that make a review due at once
};

// A statutory deadline relative to a date field of the form (EHCP meeting date).
struct DeadlineRule {
  std::string id;
  std::string label;
  std::string fromField;  // empty: the deadlines' anchor field
  bool before = false;    // due = from - offset; otherwise from + offset
  Duration offset;
  std::string doneField;          // a date field whose value marks it done
  std::string doneTransition;     // or a transition whose firing marks it done
  std::optional<Condition> when;  // applies only when the form values match
};

// Phase transfer (SEND Regs 2014 reg 18): a plan for a pupil in `fromYear` must be reviewed and
// amended by `month`/`day` of the calendar year of transfer.
struct PhaseTransferRule {
  std::string fromYear;  // "N", "R", "2", "6", "11"
  std::string label;
  unsigned month = 2;
  unsigned day = 15;
  std::optional<Condition> when;
};

struct DeadlinePolicy {
  std::string anchorField;
  Duration dueSoon{0, 0, 0, 14};
  std::vector<DeadlineRule> rules;
  std::vector<PhaseTransferRule> phaseTransfers;
};

struct RetentionPolicy {
  std::string from = "date_of_birth";  // "date_of_birth" or "closed"
  Duration keep{31, 0, 0, 0};
};

struct WorkflowDefinition {
  std::string type;
  std::string title;
  std::string form;
  int version = 1;
  std::string initial;
  std::vector<StateDef> states;
  std::vector<TransitionDef> transitions;
  std::vector<SignerSlot> signers;
  ReviewPolicy review;
  std::optional<DeadlinePolicy> deadlines;
  RetentionPolicy retention;
  bool requireCode = false;  // contacts must also enter an emailed one-time code to sign
  std::string sourceName;
  std::string sourceJson;  // canonical JSON of the definition

  const StateDef* state(std::string_view name) const;
  const TransitionDef* transition(std::string_view name) const;
  const SignerSlot* signer(std::string_view role) const;
  // The words in `language` that this definition gives for the label of signer slot `role`,
  // when a request recorded that label as `label` (a request keeps the English label it was made
  // with; words given for another label do not translate it). nullopt when the definition gives
  // none: the caller falls back on the message catalogue, then English.
  std::optional<std::string> signerLabelIn(std::string_view role, const std::string& label,
                                           std::string_view language) const;
};

}  // namespace sendflow::engine
