#include "sendflow/engine/plans/lifecycle.h"

#include <algorithm>

namespace sendflow::engine {

namespace {

bool mayFire(const TransitionDef& t, const std::set<std::string>& roles) {
  if (t.autoTrigger) return false;
  return std::any_of(t.roles.begin(), t.roles.end(),
                     [&](const std::string& r) { return roles.count(r) > 0; });
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; });
}

// "change, incident or stakeholder request"
std::string reasonList(const std::vector<std::string>& codes) {
  std::string out;
  for (std::size_t i = 0; i < codes.size(); ++i) {
    if (i) out += i + 1 == codes.size() ? " or " : ", ";
    out += reasonWords(codes[i]);
  }
  return out;
}

}  // namespace

std::string reasonWords(std::string_view code) {
  std::string s(code);
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

std::set<std::string> roleNames(const std::set<Role>& staffRoles) {
  std::set<std::string> out;
  for (Role r : staffRoles) out.insert(roleName(r));
  return out;
}

std::vector<const TransitionDef*> availableTransitions(const WorkflowDefinition& wf,
                                                       std::string_view state,
                                                       const std::set<std::string>& roles) {
  std::vector<const TransitionDef*> out;
  for (const auto& t : wf.transitions)
    if (t.firesFrom(state) && mayFire(t, roles)) out.push_back(&t);
  return out;
}

std::vector<const TransitionDef*> autoTransitions(const WorkflowDefinition& wf,
                                                  std::string_view state, AutoTrigger trigger) {
  std::vector<const TransitionDef*> out;
  for (const auto& t : wf.transitions)
    if (t.autoTrigger == trigger && t.firesFrom(state)) out.push_back(&t);
  return out;
}

std::vector<const SignerSlot*> requiredSigners(const WorkflowDefinition& wf,
                                               const std::set<std::string>& involvedKinds) {
  std::vector<const SignerSlot*> out;
  for (const auto& s : wf.signers) {
    if (s.required == SignerSlot::Required::kYes ||
        (s.required == SignerSlot::Required::kIfInvolved && involvedKinds.count(s.kind)))
      out.push_back(&s);
  }
  return out;
}

std::vector<FieldError> checkGuards(const TransitionDef& t, const TransitionRequest& req,
                                    const GuardFacts& facts) {
  std::vector<FieldError> out;
  for (const auto& g : t.guards) {
    switch (g.kind) {
      case GuardKind::kFormComplete: {
        if (!facts.form || !facts.values) {
          out.push_back({"form", "The form has not been filled in"});
          break;
        }
        ValueCheck check = validateValues(*facts.form, *facts.values, facts.valueContext);
        out.insert(out.end(), check.invalid.begin(), check.invalid.end());
        out.insert(out.end(), check.missing.begin(), check.missing.end());
        break;
      }
      case GuardKind::kSignersAssigned:
        // Filled in by the caller through requiredSigners(); see checkTransition.
        break;
      case GuardKind::kReasonGiven:
        // No reason chosen, or one this transition does not list (a form or an API call from
        // another workflow): each says which, so a reason given is never reported as missing.
        if (!t.reasons.empty() && blank(req.reasonCode))
          out.push_back(fieldError("reason_code", Text(N_("Select why this is needed"))));
        else if (!t.reasons.empty() &&
                 std::find(t.reasons.begin(), t.reasons.end(), req.reasonCode) == t.reasons.end())
          out.push_back(
              {"reason_code", "Select one of the reasons listed: " + reasonList(t.reasons)});
        if (blank(req.reasonText)) out.push_back(fieldError("reason", Text(N_("Enter a reason"))));
        break;
      case GuardKind::kFieldSet: {
        const FieldDef* f = facts.form ? facts.form->field(g.field) : nullptr;
        bool set =
            facts.values && facts.values->has(g.field) && isPresent(facts.values->get(g.field));
        if (!set) out.push_back({g.field, "Enter " + (f ? f->label : g.field)});
        break;
      }
      case GuardKind::kNoReviewInProgress:
        if (facts.reviewInProgress)
          out.push_back({"review", "A review of this plan is already in progress"});
        break;
    }
  }
  return out;
}

Result<const TransitionDef*> checkTransition(const WorkflowDefinition& wf, std::string_view state,
                                             std::string_view name, const TransitionRequest& req,
                                             const GuardFacts& facts) {
  const TransitionDef* t = wf.transition(name);
  if (!t) return notFound("There is no action called '" + std::string(name) + "'");
  if (t->autoTrigger ? !req.system : !(req.system || mayFire(*t, req.roles)))
    return forbidden("You are not allowed to " + t->label);
  if (!t->firesFrom(state)) {
    const StateDef* s = wf.state(state);
    return conflict("'" + t->label + "' is not possible while the plan is " +
                    (s ? s->label : std::string(state)));
  }
  std::vector<FieldError> fields = checkGuards(*t, req, facts);
  bool needsSigners = std::any_of(t->guards.begin(), t->guards.end(), [](const Guard& g) {
    return g.kind == GuardKind::kSignersAssigned;
  });
  if (needsSigners) {
    for (const SignerSlot* s : requiredSigners(wf, facts.involvedKinds)) {
      auto it = facts.assignedSigners.find(s->role);
      if (it == facts.assignedSigners.end() || it->second < 1)
        fields.push_back({"signer." + s->role, "Choose who signs as " + s->label});
    }
  }
  if (!fields.empty())
    return invalid(Text(N_("Some things are missing before you can {{action}}"),
                        {TextArg::formWords("action", t->label,
                                            wordsByLanguage(t->translations, &LocalWords::label))}),
                   fields);
  return t;
}

}  // namespace sendflow::engine
