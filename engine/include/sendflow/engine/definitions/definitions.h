// Document types as data: form definitions (forms/<type>/form.json) and workflow definitions
// (workflows/<type>.json), their loader and the validation that stops start-up on a bad file.
//
// A definition is immutable once loaded. Each carries its canonical source JSON (sorted keys,
// no insignificant whitespace) so storage can snapshot the exact version a plan was launched
// with and re-parse it later with parseForm()/parseWorkflow().
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sendflow::engine {

// A definition file is wrong. what() reads "<file>: <json path>: <what is wrong>", e.g.
// "workflows/peep.json: $.transitions[3].to: unknown state 'actve'".
class DefinitionError : public std::runtime_error {
 public:
  DefinitionError(std::string file, std::string jsonPath, const std::string& problem);
  const std::string& file() const { return file_; }
  const std::string& jsonPath() const { return jsonPath_; }

 private:
  std::string file_;
  std::string jsonPath_;
};

// ISO-8601 calendar duration: PnYnMnWnD (no time part). Years and months are added first
// (clamping to the month's end), then weeks and days.
struct Duration {
  int years = 0;
  int months = 0;
  int weeks = 0;
  int days = 0;
  bool operator==(const Duration&) const = default;
};
std::optional<Duration> parseDuration(std::string_view s);  // "P12M", "P2W", "P1Y6M"
std::string durationText(const Duration& d);                // "P12M"

// ---------------------------------------------------------------------------------------------
// Forms

enum class FieldKind {
  kText,         // one line; default max_length 1000 code points
  kLongText,     // paragraphs
  kDate,         // "YYYY-MM-DD"
  kNumber,       // JSON number; "integer": true for whole numbers
  kChoice,       // one option value (string)
  kMultiChoice,  // array of option values
  kYesNo,        // JSON true/false
  kPerson,       // "user:<id>" (staff), "contact:<id>" (a contact of the pupil) or a free-text name
  kTable,        // array of row objects (column id -> cell value)
  kComputed      // derived from other fields by a formula; never accepted from input
};
const char* fieldKindName(FieldKind k);
std::optional<FieldKind> parseFieldKind(std::string_view s);

// visible_when: {"field": id, "equals": v} | {"field": id, "in": [v...]} |
// {"field": id, "not_empty": true|false}. Values compare by their canonical JSON; a
// multi-choice value matches when any selected option matches.
struct Condition {
  enum class Op { kEquals, kIn, kNotEmpty };
  std::string field;
  Op op = Op::kNotEmpty;
  std::vector<std::string> canonicalValues;  // kEquals: one; kIn: many
  bool notEmpty = true;                      // kNotEmpty
};

// Date relations on a date field: "after"/"not_before"/"before"/"not_after" name "today",
// "pupil.date_of_birth" or another date field (in a table: a column of the same row first);
// "within": a duration either side of today.
struct DateRelation {
  enum class Op { kAfter, kNotBefore, kBefore, kNotAfter, kWithin };
  Op op = Op::kAfter;
  std::string ref;    // "today", "pupil.date_of_birth" or a field id
  Duration within{};  // kWithin
};

// Formulas of computed fields. An operand is a field id (string), a number, or a nested formula.
// {"product": [..]}, {"sum": [..]}, {"min": [..]}, {"max": [..]}, and over a table's column:
// {"max_of": "table.column"}, {"min_of": ...}, {"sum_of": ...}, {"count_of": "table"}.
// Inside a table, field ids name columns of the same row.
struct Formula {
  enum class Op { kField, kConstant, kProduct, kSum, kMin, kMax, kMaxOf, kMinOf, kSumOf, kCountOf };
  Op op = Op::kConstant;
  std::string field;   // kField; table id for the *_of ops
  std::string column;  // *_of ops except kCountOf
  double constant = 0;
  std::vector<Formula> args;
};

// A band of a computed value: the first band whose max is >= the value (no max: the rest).
struct Band {
  std::optional<double> max;
  std::string label;
  std::string colour;  // "#rrggbb"
};

struct ChoiceOption {
  std::string value;
  std::string label;
};

struct FieldDef {
  std::string id;
  std::string label;
  std::string help;
  FieldKind kind = FieldKind::kText;
  bool required = false;
  bool readonly = false;  // filled at launch (prefill) and shown, not edited
  bool hidden = false;    // never shown (e.g. a prefilled year group used by visible_when)
  std::optional<Condition> visibleWhen;
  std::string prefill;  // "pupil.legal_name", "contacts.parent_carer", ... (see prefillSources())

  std::optional<std::size_t> minLength, maxLength;  // code points (text kinds)
  std::optional<double> min, max;                   // numbers
  bool integer = false;
  std::string pattern;         // ECMAScript, matched against the whole value
  std::string patternMessage;  // shown when the pattern fails
  std::optional<std::regex> regex;
  std::vector<ChoiceOption> options;                    // choice, multi_choice
  std::optional<std::size_t> minSelected, maxSelected;  // multi_choice
  std::vector<DateRelation> dateRelations;
  std::vector<std::string> people;  // person: allowed of "staff", "contact", "free_text"
  std::vector<FieldDef> columns;    // table
  std::size_t minRows = 0, maxRows = 100;
  std::optional<Formula> formula;  // computed
  std::vector<Band> bands;         // computed

  const FieldDef* column(std::string_view columnId) const;
  const ChoiceOption* option(std::string_view value) const;
};

struct SectionDef {
  std::string id;
  std::string title;
  std::string help;
  std::optional<Condition> visibleWhen;
  std::vector<std::string> roles;  // contact kinds / "pupil" who may contribute; staff always may
  bool pupilVoice = false;         // the pupil's own views; every form has one
  std::vector<FieldDef> fields;
};

struct FormDefinition {
  std::string type;
  std::string title;
  int version = 1;
  std::string description;
  std::vector<SectionDef> sections;
  std::string sourceName;  // file it came from (for messages)
  std::string sourceJson;  // canonical JSON of the definition

  const FieldDef* field(std::string_view id) const;  // top-level fields only
  const SectionDef* sectionOf(std::string_view fieldId) const;
  std::vector<const FieldDef*> fields() const;  // document order
};

// Prefill keys a field may name. Pupil items fill text/date fields; contacts.<kind> fills a
// person field (first active contact of that kind), a text field (names joined by "; ") or a
// table whose columns use "contact.name", "contact.relationship", "contact.email",
// "contact.kind", "contact.ref".
const std::vector<std::string>& prefillSources();

// ---------------------------------------------------------------------------------------------
// Workflows

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

// System events that fire "auto" transitions.
enum class AutoTrigger { kAllRequiredSigned, kReviewDateReached, kSuccessorActive };
const char* autoTriggerName(AutoTrigger t);

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
};

struct ReviewPolicy {
  Duration every{0, 12, 0, 0};
  std::optional<Duration> under5Every;  // EHCP: P6M for a child under 5 at the anchor date
  std::string anchorField;              // empty: from activation; else a date field (meeting)
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
};

// Parse and validate one definition. Throw DefinitionError naming sourceName and the JSON path.
// parseWorkflow checks field references (guards, review anchor, deadlines) against `form` when
// given, and that form.type == workflow.form.
FormDefinition parseForm(const std::string& json, const std::string& sourceName);
WorkflowDefinition parseWorkflow(const std::string& json, const std::string& sourceName,
                                 const FormDefinition* form = nullptr);

// Every workflows/*.json and forms/*/form.json of two directories. Thread-safe to read once
// loaded. A form's folder name and a workflow's file stem must equal their "type".
class DefinitionRegistry {
 public:
  // Throws DefinitionError for any bad file or unreadable directory.
  static DefinitionRegistry load(const std::string& formsDir, const std::string& workflowsDir);

  const WorkflowDefinition* workflow(std::string_view type) const;  // nullptr when unknown
  const FormDefinition* form(std::string_view type) const;          // by form type
  const FormDefinition* formFor(const WorkflowDefinition& wf) const;
  std::vector<std::string> types() const;  // workflow types, sorted

 private:
  std::map<std::string, std::shared_ptr<const FormDefinition>, std::less<>> forms_;
  std::map<std::string, std::shared_ptr<const WorkflowDefinition>, std::less<>> workflows_;
};

}  // namespace sendflow::engine
