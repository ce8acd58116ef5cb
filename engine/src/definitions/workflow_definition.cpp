#include "sendflow/engine/definitions/workflow_definition.h"

#include <algorithm>

#include "sendflow/engine/core/language.h"
#include "sendflow/engine/core/names.h"

namespace sendflow::engine {
namespace {

constexpr auto kGuardNames =
    nameTable<GuardKind>({{GuardKind::kFormComplete, "form_complete"},
                          {GuardKind::kSignersAssigned, "signers_assigned"},
                          {GuardKind::kReasonGiven, "reason_given"},
                          {GuardKind::kFieldSet, "field_set"},
                          {GuardKind::kNoReviewInProgress, "no_review_in_progress"}});
static_assert(kGuardNames.coversDenseRange());

constexpr auto kActionNames =
    nameTable<ActionKind>({{ActionKind::kSealPdf, "seal_pdf"},
                           {ActionKind::kScheduleReview, "schedule_review"},
                           {ActionKind::kClearReviewDate, "clear_review_date"},
                           {ActionKind::kNotifySenco, "notify_senco"},
                           {ActionKind::kNotifyOwner, "notify_owner"},
                           {ActionKind::kNotifyGovernor, "notify_governor"},
                           {ActionKind::kNotifyParticipants, "notify_participants"},
                           {ActionKind::kNotifySigners, "notify_signers"},
                           {ActionKind::kNotifyLa, "notify_la"},
                           {ActionKind::kStartReviewDraft, "start_review_draft"},
                           {ActionKind::kSupersedePrevious, "supersede_previous"},
                           {ActionKind::kVoidSignatures, "void_signatures"},
                           {ActionKind::kRecordIncident, "record_incident"}});
static_assert(kActionNames.coversDenseRange());

constexpr auto kAutoTriggerNames =
    nameTable<AutoTrigger>({{AutoTrigger::kAllRequiredSigned, "all_required_signed"},
                            {AutoTrigger::kReviewDateReached, "review_date_reached"},
                            {AutoTrigger::kSuccessorActive, "successor_active"}});
static_assert(kAutoTriggerNames.coversDenseRange());

}  // namespace

const char* guardName(GuardKind g) { return kGuardNames.nameOf(g); }
std::optional<GuardKind> parseGuard(std::string_view s) { return kGuardNames.parse(s); }

const char* actionName(ActionKind a) { return kActionNames.nameOf(a); }
std::optional<ActionKind> parseAction(std::string_view s) { return kActionNames.parse(s); }
std::string actionNames() { return kActionNames.joined(); }

const char* autoTriggerName(AutoTrigger t) { return kAutoTriggerNames.nameOf(t); }
std::optional<AutoTrigger> parseAutoTrigger(std::string_view s) {
  return kAutoTriggerNames.parse(s);
}

const std::vector<std::string>& transitionRoleNames() {
  static const std::vector<std::string> kNames{"senco",       "staff",   "head",  "governor",
                                               "trust_admin", "contact", "signer"};
  return kNames;
}

bool TransitionDef::firesFrom(std::string_view state) const {
  return std::find(from.begin(), from.end(), state) != from.end();
}

const StateDef* WorkflowDefinition::state(std::string_view name) const {
  for (const auto& s : states)
    if (s.name == name) return &s;
  return nullptr;
}

const TransitionDef* WorkflowDefinition::transition(std::string_view name) const {
  for (const auto& t : transitions)
    if (t.name == name) return &t;
  return nullptr;
}

const SignerSlot* WorkflowDefinition::signer(std::string_view role) const {
  for (const auto& s : signers)
    if (s.role == role) return &s;
  return nullptr;
}

LocalText SignerSlot::labelIn(std::string_view language) const {
  return wordsIn(translations, language, label, &LocalWords::label);
}

std::optional<std::string> WorkflowDefinition::signerLabelIn(std::string_view role,
                                                             const std::string& label,
                                                             std::string_view language) const {
  const SignerSlot* s = signer(role);
  if (!s || s->label != label || language == kEnglish) return std::nullopt;
  LocalText t = s->labelIn(language);
  if (t.fellBack) return std::nullopt;
  return t.text;
}

}  // namespace sendflow::engine
