#include "sendflow/engine/plans/plans.h"

#include <Poco/JSON/Array.h>

#include <algorithm>
#include <map>

#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/forms/hidden_answers.h"
#include "sendflow/engine/people/access.h"
#include "sendflow/engine/people/people.h"
#include "sendflow/engine/reminders/reminders.h"

namespace sendflow::engine {

std::string notEditableMessage(const StateDef& s) {
  return "This plan is " + s.shown() + " and cannot be edited now.";
}

std::set<std::string> actorRolesAt(const Actor& a, Id academyId) {
  return roleNames(a.rolesAt(academyId));
}

PlanService::PlanService(PlanRepository& plans, PeopleRepository& people,
                         const DefinitionRegistry& defs, Clock& clock)
    : plans_(plans), people_(people), defs_(defs), clock_(clock) {}

std::vector<const WorkflowDefinition*> PlanService::launchable() const {
  std::vector<const WorkflowDefinition*> out;
  for (const auto& t : defs_.types())
    if (auto* wf = defs_.workflow(t)) out.push_back(wf);
  std::sort(out.begin(), out.end(), [](auto* x, auto* y) { return x->title < y->title; });
  return out;
}

std::shared_ptr<const FormDefinition> PlanService::formSnapshot(Id id) {
  {
    std::lock_guard lock(cacheMutex_);
    if (auto it = forms_.find(id); it != forms_.end()) return it->second;
  }
  auto parsed = std::make_shared<const FormDefinition>(
      parseForm(plans_.snapshotJson(id), "form snapshot " + std::to_string(id)));
  std::lock_guard lock(cacheMutex_);
  return forms_.emplace(id, parsed).first->second;
}

std::shared_ptr<const WorkflowDefinition> PlanService::workflowSnapshot(Id id) {
  {
    std::lock_guard lock(cacheMutex_);
    if (auto it = workflows_.find(id); it != workflows_.end()) return it->second;
  }
  auto parsed = std::make_shared<const WorkflowDefinition>(
      parseWorkflow(plans_.snapshotJson(id), "workflow snapshot " + std::to_string(id)));
  std::lock_guard lock(cacheMutex_);
  return workflows_.emplace(id, parsed).first->second;
}

std::vector<PlanSummary> PlanService::list(const Actor& a, Id pupilId) {
  PlanQuery q;
  q.academyIds = academiesWhere(a, Action::kViewPlan);
  if (q.academyIds.empty()) return {};
  q.pupilId = pupilId;
  return plans_.plans(q);
}

std::vector<PlanListing> PlanService::listing(const Actor& a, Id pupilId) {
  std::vector<PlanListing> out;
  std::vector<Id> withDeadlines;
  for (auto& p : list(a, pupilId)) {
    auto workflow = workflowSnapshot(p.workflowSnapshotId);
    PlanListing row{std::move(p), std::move(workflow), {}};
    const StateDef* st = row.workflow->state(row.plan.state);
    if (row.workflow->deadlines && st && !st->final) withDeadlines.push_back(row.plan.id);
    out.push_back(std::move(row));
  }
  if (withDeadlines.empty()) return out;
  const auto inputs = plans_.deadlineInputs(withDeadlines);
  const Date today = dateOf(clock_.now());
  for (auto& row : out) {
    auto in = inputs.find(row.plan.id);
    if (in == inputs.end()) continue;
    auto values = parseValues(in->second.valuesJson);
    if (!values) throw InfraError("plan " + std::to_string(row.plan.id) + " has unreadable values");
    row.deadlines =
        planDeadlines(*row.workflow, *row.workflow->state(row.plan.state), *values.value(),
                      row.plan.pupilYearGroup, parseIsoDate(row.plan.pupilDateOfBirth), today,
                      in->second.transitions);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> PlanService::people(const PlanView& v) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& u : v.people->staff)
    if (u.active) out.emplace_back("user:" + std::to_string(u.id), u.name);
  for (const auto& c : v.people->contacts)
    if (c.active) out.emplace_back("contact:" + std::to_string(c.id), contactLabel(c));
  return out;
}

std::map<std::string, std::string> PlanService::documentNames(const PlanView& v) {
  std::map<std::string, std::string> out;
  std::vector<Id> academies{0};
  for (const auto& a : people_.academies()) academies.push_back(a.id);
  for (const auto& u : people_.users(academies)) out["user:" + std::to_string(u.id)] = u.name;
  for (const auto& c : people_.contacts(v.pupil.id))
    out["contact:" + std::to_string(c.id)] = contactLabel(c);
  out["pupil:" + std::to_string(v.pupil.id)] = pupilLabel(v.pupil);
  return out;
}

std::vector<PersonChoice> PlanService::signerCandidates(const PlanView& v, const SignerSlot& slot) {
  std::vector<PersonChoice> out;
  if (slot.kind == "pupil") {
    out.push_back(
        {"pupil:" + std::to_string(v.pupil.id), v.pupil.displayName(), pupilLabel(v.pupil)});
  } else if (auto role = parseRole(slot.kind)) {
    // The staff read when the plan was opened, unless the pupil has moved academy since.
    const std::vector<User> staff = v.plan.academyId == v.pupil.academyId
                                        ? std::vector<User>{}
                                        : people_.users({v.plan.academyId});
    for (const auto& u : v.plan.academyId == v.pupil.academyId ? v.people->staff : staff) {
      auto here = [&](const Membership& m) {
        return m.academyId == v.plan.academyId || m.academyId == 0;
      };
      // Only someone who may sign (engine/access.h): a governor never reads a plan to sign it.
      const bool maySign = std::any_of(
          u.memberships.begin(), u.memberships.end(),
          [&](const Membership& m) { return here(m) && roleMay(m.role, Action::kSign); });
      const bool fits =
          *role == Role::kStaff ||
          std::any_of(u.memberships.begin(), u.memberships.end(),
                      [&](const Membership& m) { return m.role == *role && here(m); });
      if (u.active && fits && maySign)
        out.push_back({"user:" + std::to_string(u.id), u.name, u.name});
    }
  } else {
    for (const auto& c : v.people->contacts)
      if (c.active && contactKindName(c.kind) == slot.kind)
        out.push_back({"contact:" + std::to_string(c.id), c.name, contactLabel(c)});
  }
  return out;
}

ValueContext PlanService::valueContext(const PlanView& v, const Poco::JSON::Object* previous) {
  ValueContext ctx;
  ctx.today = dateOf(clock_.now());
  ctx.pupil = &v.pupil;
  ctx.previous = previous;
  std::set<std::string> known;
  for (const auto& [ref, name] : people(v)) known.insert(ref);
  ctx.knownPeople = std::move(known);
  return ctx;
}

std::optional<Date> PlanService::anchorDate(const PlanView& v) {
  const auto& field = v.workflow->review.anchorField;
  if (field.empty()) return dateOf(clock_.now());
  if (!v.values->has(field) || !v.values->get(field).isString()) return std::nullopt;
  return parseIsoDate(v.values->getValue<std::string>(field));
}

Result<PlanView> PlanService::load(const Actor* a, Id planId, int versionNumber, Action purpose) {
  auto rec = plans_.plan(planId);
  if (!rec || (a && !may(*a, Action::kViewPlan, rec->academyId)))
    return notFound("There is no such plan.");
  if (a && purpose != Action::kViewPlan) {
    if (auto st = require(*a, purpose, rec->academyId, "There is no such plan.",
                          "You cannot do this with this plan.");
        !st)
      return st.error();
  }
  auto pupil = people_.pupil(rec->pupilId);
  if (!pupil) return notFound("There is no such plan.");
  PlanView v;
  v.plan = *rec;
  v.pupil = *pupil;
  v.form = formSnapshot(rec->formSnapshotId);
  v.workflow = workflowSnapshot(rec->workflowSnapshotId);
  auto ver = plans_.version(planId, versionNumber ? versionNumber : rec->currentVersion);
  if (!ver) return notFound("This plan has no version " + std::to_string(versionNumber) + ".");
  v.version = *ver;
  v.state = v.workflow->state(rec->state);
  if (!v.state) throw InfraError("plan " + std::to_string(planId) + " is in an unknown state");
  v.people = std::make_shared<const PlanPeople>(
      PlanPeople{people_.users({pupil->academyId}), people_.contacts(pupil->id)});
  auto checked = checkedValues(v);
  v.values = checked->values;
  v.check = checked->check;
  if (a) {
    const bool writer = may(*a, Action::kEditPlan, rec->academyId);
    v.canEdit = v.state->editable && writer && ver->number == rec->currentVersion;
    if (writer)
      v.transitions =
          availableTransitions(*v.workflow, rec->state, roleNames(a->rolesAt(rec->academyId)));
  }
  const Date today = dateOf(clock_.now());
  const auto dob = parseIsoDate(pupil->dateOfBirth);
  v.deadlines = planDeadlines(
      *v.workflow, *v.state, *v.values, pupil->yearGroup, dob, today,
      v.workflow->deadlines ? plans_.transitions(planId) : std::vector<TransitionRecord>{});
  // The review being prepared: a meeting set after the review is due.
  if (v.state->editable || v.state->signing)
    if (auto w = lateMeetingWarning(v.workflow->review, *v.values, dob)) v.warnings.push_back(*w);
  v.signers = plans_.signers(planId);
  return v;
}

std::shared_ptr<const PlanService::CheckedValues> PlanService::checkedValues(const PlanView& v) {
  ValueContext ctx = valueContext(v, nullptr);
  // Everything the check reads besides the values: the pinned form, today (date rules), the
  // pupil's date of birth (date relations) and who the plan may name (person fields). The
  // content hash keeps a version's key its own even if a plan id were ever used again.
  std::string key = std::to_string(v.plan.id);
  key.append(1, '\0').append(std::to_string(v.version.number));
  key.append(1, '\0').append(v.version.contentHash);
  key.append(1, '\0').append(std::to_string(v.plan.formSnapshotId));
  key.append(1, '\0').append(isoDate(ctx.today));
  key.append(1, '\0').append(v.pupil.dateOfBirth);
  for (const auto& ref : *ctx.knownPeople) key.append(1, '\0').append(ref);
  {
    std::lock_guard lock(checkedMutex_);
    if (auto it = checked_.find(key); it != checked_.end()) return it->second;
  }
  auto parsed = parseValues(v.version.valuesJson);
  if (!parsed) throw InfraError("plan " + std::to_string(v.plan.id) + " has unreadable values");
  auto out = std::make_shared<CheckedValues>();
  out->values = parsed.value();
  // Judge stored values as of when they were saved: unchanged dates stay valid.
  ctx.previous = out->values.get();
  out->check = validateValues(*v.form, *out->values, ctx);
  std::lock_guard lock(checkedMutex_);
  if (!checked_.emplace(key, out).second) return out;  // another thread kept its own first
  checkedOrder_.push_back(std::move(key));
  while (checkedOrder_.size() > kMaxCheckedValues) {
    checked_.erase(checkedOrder_.front());
    checkedOrder_.pop_front();
  }
  return out;
}

std::vector<DeadlineItem> planDeadlines(const WorkflowDefinition& wf, const StateDef& state,
                                        const Poco::JSON::Object& values,
                                        const std::string& yearGroup,
                                        std::optional<Date> dateOfBirth, Date today,
                                        const std::vector<TransitionRecord>& transitions) {
  std::vector<DeadlineItem> out;
  // The review being prepared: when it is due.
  const bool preparing = state.editable || state.signing;
  if (wf.deadlines) {
    std::map<std::string, Date> fired;
    for (const auto& t : transitions)
      if (auto d = parseIsoDate(t.at.substr(0, 10)); d && !fired.count(t.name)) fired[t.name] = *d;
    out = evaluateDeadlines(*wf.deadlines, values, today, fired);
    if (preparing) {
      if (auto pt = phaseTransferDeadline(*wf.deadlines, yearGroup, values, today,
                                          reviewOn(wf.review, values, dateOfBirth)))
        out.push_back(*pt);
    }
  }
  if (preparing) {
    const Duration soon = wf.deadlines ? wf.deadlines->dueSoon : Duration{0, 0, 0, 14};
    if (auto due = reviewDueDeadline(wf.review, values, dateOfBirth, today, soon)) {
      out.insert(out.begin(), *due);
      std::stable_sort(out.begin(), out.end(), [](const auto& x, const auto& y) {
        return std::chrono::sys_days{x.due} < std::chrono::sys_days{y.due};
      });
    }
  }
  return out;
}

Result<PlanView> PlanService::open(const Actor& a, Id planId, int versionNumber, Action purpose) {
  return load(&a, planId, versionNumber, purpose);
}

Result<Id> PlanService::launch(const Actor& a, Id pupilId, const std::string& type) {
  auto pupil = people_.pupil(pupilId);
  if (!pupil) return notFound("There is no such pupil.");
  if (auto st = require(a, Action::kLaunchPlan, pupil->academyId, "There is no such pupil.",
                        "Only the SENCO can start a plan.");
      !st)
    return st.error();
  if (!pupil->active)
    return conflict("This pupil's record is inactive: reactivate it to start a plan.");
  const WorkflowDefinition* wf = defs_.workflow(type);
  if (!wf)
    return invalid("Choose a kind of plan", {{"type", "Choose a kind of plan from the list"}});
  const FormDefinition* form = defs_.formFor(*wf);
  PlanRecord p;
  p.academyId = pupil->academyId;
  p.pupilId = pupilId;
  p.type = wf->type;
  p.state = wf->initial;
  p.ownerUserId = a.userId;
  p.formSnapshotId = plans_.snapshot("form", form->type, form->version, form->sourceJson);
  p.workflowSnapshotId = plans_.snapshot("workflow", wf->type, wf->version, wf->sourceJson);
  p.currentVersion = 1;
  auto values = prefillValues(*form, *pupil, people_.contacts(pupilId));
  PlanVersionRecord first{0,      1, canonicalJson(*values), contentHash(*values), auditActor(a),
                          a.name, ""};
  return plans_.create(p, first,
                       {"plan.launch", auditActor(a), "plan", 0, p.academyId,
                        detailJson({{"type", wf->type},
                                    {"pupil", pupilId},
                                    {"version", 1},
                                    {"content_hash", first.contentHash}})});
}

Result<SaveOutcome> PlanService::save(const Actor& a, Id planId, int baseVersion,
                                      const Poco::JSON::Object& values,
                                      const Poco::JSON::Object::Ptr& liveEditors) {
  auto loaded = load(&a, planId, 0, Action::kEditPlan);
  if (!loaded) return loaded.error();
  if (loaded->state->editable && !loaded->canEdit) return forbidden("You cannot edit this plan.");
  return saveValues(loaded.value(), auditActor(a), a.name, baseVersion, values, liveEditors);
}

Result<PlanView> PlanService::view(Id planId, int versionNumber) {
  return load(nullptr, planId, versionNumber, Action::kViewPlan);
}

Result<SaveOutcome> PlanService::saveAs(const std::string& authorRef, const std::string& authorName,
                                        Id planId, int baseVersion,
                                        const Poco::JSON::Object& values,
                                        const Poco::JSON::Object::Ptr& liveEditors) {
  auto loaded = load(nullptr, planId, 0);
  if (!loaded) return loaded.error();
  return saveValues(loaded.value(), authorRef, authorName, baseVersion, values, liveEditors);
}

Result<SaveOutcome> PlanService::saveValues(const PlanView& v, const std::string& authorRef,
                                            const std::string& authorName, int baseVersion,
                                            const Poco::JSON::Object& values,
                                            const Poco::JSON::Object::Ptr& liveEditors) {
  const Id planId = v.plan.id;
  if (!v.state->editable) return conflict(notEditableMessage(*v.state));

  // Answers to questions the other answers hide are dropped: never judged, signed or printed.
  auto given = normaliseValues(*v.form, values);
  auto normalised = withoutHiddenAnswers(*v.form, *given);
  auto check = validateValues(*v.form, *normalised, valueContext(v, v.values.get()));
  for (auto& e : malformedDroppedAnswers(*v.form, *given, *normalised))
    check.invalid.push_back(std::move(e));
  // A review date may be brought forward, never pushed past what the policy allows.
  if (normalised->has(kReviewDateField) && normalised->get(kReviewDateField).isString()) {
    auto requested = parseIsoDate(normalised->getValue<std::string>(kReviewDateField));
    auto anchor = anchorDate(v);
    if (requested && anchor) {
      auto r =
          reviewDate(v.workflow->review, *anchor, parseIsoDate(v.pupil.dateOfBirth), requested);
      if (!r)
        check.invalid.insert(check.invalid.end(), r.error().fields.begin(), r.error().fields.end());
    }
  }
  if (!check.valid())
    return invalid("Some answers need correcting. Nothing was saved.", check.invalid);

  const int current = v.plan.currentVersion;
  if (baseVersion != current) {
    auto base = plans_.version(planId, baseVersion);
    std::vector<FieldError> changes;
    if (base) {
      auto baseValues = parseValues(base->valuesJson);
      for (const auto& c : diffValues(*v.form, *baseValues.value(), *v.values))
        changes.push_back({c.field, c.label + ": “" + c.before + "” → “" + c.after + "”"});
    }
    return Error{ErrorCode::kConflict,
                 "Someone else saved this plan (version " + std::to_string(current) +
                     ") after you opened version " + std::to_string(baseVersion) +
                     ". Your answers are kept below: check what changed, then save again.",
                 changes};
  }
  std::vector<FieldError> warnings;
  if (auto w =
          lateMeetingWarning(v.workflow->review, *normalised, parseIsoDate(v.pupil.dateOfBirth)))
    warnings.push_back(*w);
  // Nothing is dropped in silence: an answer given to a question its conditions hide is named.
  for (const auto& [id, value] : *given)
    if (!normalised->has(id))
      if (const auto* f = v.form->field(id))
        warnings.push_back({id, "The answer to “" + f->label +
                                    "” was not kept: the other answers do not ask this question"});
  std::string canonical = canonicalJson(*normalised);
  if (canonical == v.version.valuesJson)
    return SaveOutcome{current, false, check.missing, warnings};

  Poco::JSON::Array changedFields;
  for (const auto& c : diffValues(*v.form, *v.values, *normalised)) changedFields.add(c.field);
  PlanVersionRecord next{planId,    current + 1, canonical, contentHash(*normalised),
                         authorRef, authorName,  ""};
  Poco::JSON::Object detail;
  detail.set("version", current + 1);
  detail.set("content_hash", next.contentHash);  // chains the version to the audit trail
  detail.set("fields", changedFields);
  if (liveEditors) detail.set("live_editors", liveEditors);
  auto st = plans_.saveVersion(
      v.plan.state, current, next,
      {"plan.edit", authorRef, "plan", planId, v.plan.academyId, canonicalJson(detail)});
  if (!st) return st.error();
  return SaveOutcome{current + 1, true, check.missing, warnings};
}

GuardFacts PlanService::facts(const PlanView& v) {
  GuardFacts f;
  f.form = v.form.get();
  f.values = v.values.get();
  f.valueContext = valueContext(v, v.values.get());
  for (const auto& s : v.signers) f.assignedSigners[s.slot]++;
  for (const auto& c : v.people->contacts)
    if (c.active) f.involvedKinds.insert(contactKindName(c.kind));
  if (auto next = plans_.latestSuccessor(v.plan.id)) {
    const StateDef* st = workflowSnapshot(next->workflowSnapshotId)->state(next->state);
    f.reviewInProgress = st && !st->final && !st->active;
  }
  return f;
}

Result<SaveOutcome> PlanService::patch(const Actor& a, Id planId, int baseVersion,
                                       const Poco::JSON::Object& changes) {
  auto loaded = load(&a, planId, 0, Action::kEditPlan);
  if (!loaded) return loaded.error();
  const PlanView& v = loaded.value();
  Poco::JSON::Object merged(*v.values);
  for (const auto& [field, value] : changes) {
    const FieldDef* f = v.form->field(field);
    if (f && (f->readonly || f->hidden)) continue;
    if (value.isEmpty())
      merged.remove(field);
    else
      merged.set(field, value);
  }
  if (v.state->editable && !v.canEdit) return forbidden("You cannot edit this plan.");
  return saveValues(v, auditActor(a), a.name, baseVersion, merged, nullptr);
}

Result<Id> PlanService::fire(const Actor& a, Id planId, const std::string& transition,
                             const TransitionInput& in) {
  auto loaded = load(&a, planId, 0, Action::kEditPlan);
  if (!loaded) return loaded.error();
  if (pending_) {
    if (auto folded = pending_->fold(planId); !folded) {
      Error e = folded.error();
      e.message = e.code == ErrorCode::kInvalid
                      ? "Some answers typed live are not valid yet, so nothing was done. Correct "
                        "them, then try again."
                      : "The answers typed live could not be saved first, so nothing was done: " +
                            e.message;
      return e;
    }
    loaded = load(&a, planId, 0, Action::kEditPlan);  // with the folded version
    if (!loaded) return loaded.error();
  }
  const WorkflowDefinition& wf = *loaded->workflow;
  if (const TransitionDef* t = wf.transition(transition); t && isReviewRequest(wf, *t))
    if (auto st = require(a, Action::kRequestReview, loaded->plan.academyId,
                          "There is no such plan.", "You are not allowed to ask for a review.");
        !st)
      return st.error();
  return fireChecked(loaded.value(), actorRolesAt(a, loaded->plan.academyId), transition, in,
                     auditActor(a), a.name);
}

Result<Id> PlanService::fireChecked(PlanView& v, const std::set<std::string>& roles,
                                    const std::string& transition, const TransitionInput& in,
                                    const std::string& actor, const std::string& actorName,
                                    const ChangeExtension& extend) {
  std::vector<FieldError> textErrors;
  checkText(textErrors, "reason_code", TextArg::text("answer", Text(N_("The reason"))),
            in.reasonCode, TextShape::kLine);
  checkText(textErrors, "reason_text", TextArg::text("answer", Text(N_("What happened"))),
            in.reasonText, TextShape::kLongText);
  if (textErrors.empty() && utf8::countLenient(in.reasonText) > kMaxReasonChars)
    textErrors.push_back(
        {"reason_text",
         "What happened must be " + std::to_string(kMaxReasonChars) + " characters or fewer"});
  if (!textErrors.empty()) return invalid(Text(N_("Check the reason")), textErrors);
  TransitionRequest req;
  req.roles = roles;
  req.reasonCode = in.reasonCode;
  req.reasonText = in.reasonText;
  auto t = checkTransition(*v.workflow, v.plan.state, transition, req, facts(v));
  if (!t) return t.error();
  return apply(v, *t.value(), in, actor, actorName, extend);
}

Result<Id> PlanService::fireAsContact(Id planId, const std::string& contactRef,
                                      const std::string& contactName, const std::string& transition,
                                      const TransitionInput& in, const ChangeExtension& extend) {
  if (!contactMay(Action::kRequestReview))
    return forbidden("Contacts cannot ask for a review.");  // the policy says so
  auto loaded = load(nullptr, planId, 0);
  if (!loaded) return loaded.error();
  auto& v = loaded.value();
  const TransitionDef* t = v.workflow->transition(transition);
  if (!t || !isReviewRequest(*v.workflow, *t))
    return notFound("There is no action called '" + transition + "'");
  return fireChecked(v, {"contact"}, transition, in, contactRef, contactName, extend);
}

const TransitionDef* PlanService::contactReviewTransition(const WorkflowDefinition& wf,
                                                          std::string_view state) {
  for (const TransitionDef* t : availableTransitions(wf, state, {"contact"}))
    if (isReviewRequest(wf, *t)) return t;
  return nullptr;
}

bool isReviewRequest(const WorkflowDefinition& wf, const TransitionDef& t) {
  if (t.autoTrigger) return false;
  return std::any_of(t.reasons.begin(), t.reasons.end(), [&](const std::string& r) {
    return std::find(wf.review.triggers.begin(), wf.review.triggers.end(), r) !=
           wf.review.triggers.end();
  });
}

Result<Id> PlanService::fireAutomatic(Id planId, AutoTrigger trigger, const std::string& actor,
                                      const ChangeExtension& extend) {
  auto loaded = load(nullptr, planId, 0);
  if (!loaded) return loaded.error();
  auto& v = loaded.value();
  auto autos = autoTransitions(*v.workflow, v.plan.state, trigger);
  if (autos.empty())
    return conflict(std::string("Nothing happens on ") + autoTriggerName(trigger) + " in state " +
                    v.plan.state);
  return apply(v, *autos.front(), {}, actor, "sendflow", extend);
}

Result<Id> PlanService::fireFor(Id planId, const std::string& transition, const TransitionInput& in,
                                const std::string& actor, const ChangeExtension& extend) {
  auto loaded = load(nullptr, planId, 0);
  if (!loaded) return loaded.error();
  auto& v = loaded.value();
  const TransitionDef* t = nullptr;
  for (const auto& td : v.workflow->transitions)
    if (td.name == transition && td.firesFrom(v.plan.state)) t = &td;
  if (!t)
    return conflict("This plan cannot be " + transition + "d now: it is " + v.plan.state + ".");
  return apply(v, *t, in, actor, actor, extend);
}

Result<Id> PlanService::apply(PlanView& v, const TransitionDef& t, const TransitionInput& in,
                              const std::string& actor, const std::string& actorName,
                              const ChangeExtension& extend) {
  (void)actorName;
  const std::string now = isoTime(clock_.now());
  TransitionChange c;
  c.planId = v.plan.id;
  c.expectedState = v.plan.state;
  c.expectedVersion = v.plan.currentVersion;
  c.record = {t.name, v.plan.state,  t.to,          actor,
              now,    in.reasonCode, in.reasonText, v.plan.currentVersion};
  const StateDef* to = v.workflow->state(t.to);
  c.activated = to && to->active && !(v.state && v.state->active);
  if (t.requiresReason || !t.reasons.empty()) {
    std::string reason = in.reasonCode;
    if (!in.reasonText.empty()) reason += (reason.empty() ? "" : ": ") + in.reasonText;
    c.reviewReason = reason;
  }
  if (extend) {
    auto st = extend(v, c);
    if (!st) return st.error();
  }
  auto isSigningAction = [](ActionKind a) {
    return a == ActionKind::kSealPdf || a == ActionKind::kVoidSignatures ||
           a == ActionKind::kNotifySigners;
  };
  for (ActionKind action : t.actions) {
    if (isSigningAction(action)) continue;  // below, on the plan as it will stand
    switch (action) {
      case ActionKind::kScheduleReview: {
        auto anchor = anchorDate(v).value_or(dateOf(clock_.now()));
        std::optional<Date> requested;
        if (v.values->has(kReviewDateField) && v.values->get(kReviewDateField).isString())
          requested = parseIsoDate(v.values->getValue<std::string>(kReviewDateField));
        auto dob = parseIsoDate(v.pupil.dateOfBirth);
        auto r = reviewDate(v.workflow->review, anchor, dob, requested);
        Date due = r ? r.value() : policyReviewDate(v.workflow->review, anchor, dob);
        c.reviewDate = std::optional<std::string>(isoDate(due));
        c.reviewReason = "";
        break;
      }
      case ActionKind::kClearReviewDate:
        c.reviewDate = std::optional<std::string>();
        break;
      case ActionKind::kStartReviewDraft: {
        const WorkflowDefinition* wf = defs_.workflow(v.plan.type);
        if (!wf)
          return conflict("This kind of plan is no longer offered, so it cannot be reviewed here.");
        const FormDefinition* form = defs_.formFor(*wf);
        PlanRecord next;
        next.academyId = v.plan.academyId;
        next.pupilId = v.plan.pupilId;
        next.type = wf->type;
        next.state = wf->initial;
        next.ownerUserId = v.plan.ownerUserId;
        next.formSnapshotId = plans_.snapshot("form", form->type, form->version, form->sourceJson);
        next.workflowSnapshotId =
            plans_.snapshot("workflow", wf->type, wf->version, wf->sourceJson);
        next.currentVersion = 1;
        next.reviewsPlanId = v.plan.id;
        // Carry the plan forward; answers the current template no longer has are dropped, and
        // the pupil's details are refreshed from the record.
        auto carried = withoutHiddenAnswers(*form, *normaliseValues(*form, *v.values));
        auto fresh = prefillValues(*form, v.pupil, v.people->contacts);
        for (const auto* f : form->fields())
          if (!f->prefill.empty() && f->prefill.rfind("pupil.", 0) == 0 && fresh->has(f->id))
            carried->set(f->id, fresh->get(f->id));
        carried->remove(kReviewDateField);
        // A new review: the meeting just held is its last review (the first due_from field), and
        // its own meeting and the dates that marked the old meeting's deadlines done start empty.
        if (const auto& review = wf->review; !review.anchorField.empty()) {
          if (!review.dueFrom.empty() && v.values->has(review.anchorField))
            carried->set(review.dueFrom.front().field, v.values->get(review.anchorField));
          carried->remove(review.anchorField);
          if (wf->deadlines)
            for (const auto& rule : wf->deadlines->rules)
              if (!rule.doneField.empty()) carried->remove(rule.doneField);
        }
        PlanVersionRecord first{
            0, 1, canonicalJson(*carried), contentHash(*carried), actor, actorName, now};
        c.successor = std::make_pair(next, first);
        break;
      }
      case ActionKind::kSupersedePrevious: {
        if (!v.plan.reviewsPlanId) break;
        auto prev = load(nullptr, v.plan.reviewsPlanId, 0);
        if (!prev) break;
        auto autos =
            autoTransitions(*prev->workflow, prev->plan.state, AutoTrigger::kSuccessorActive);
        if (autos.empty()) break;
        c.supersedePlanId = prev->plan.id;
        c.supersedeRecord = {autos.front()->name,
                             prev->plan.state,
                             autos.front()->to,
                             actor,
                             now,
                             "",
                             "replaced by plan " + std::to_string(v.plan.id),
                             prev->plan.currentVersion};
        break;
      }
      default:
        // Notifications, sealing and signature voiding are carried out by the e-mail and
        // e-signature parts; the transition itself is recorded here.
        break;
    }
  }
  // The e-signature actions see the plan as this transition leaves it, whatever their order in
  // the workflow: the sealed PDF shows the review date schedule_review gives it.
  const bool signs = std::any_of(t.actions.begin(), t.actions.end(), isSigningAction);
  // A wiring mistake, never skipped: without its actions a transition would ask nobody to sign.
  TransitionActions* const actions = actions_.load();
  if (signs && !actions)
    throw InfraError("plan transition '" + t.name +
                     "' has e-signature actions but none are registered (SignatureService)");
  if (signs) {
    PlanView after = v;
    if (c.reviewDate) after.plan.reviewDate = *c.reviewDate;
    for (ActionKind action : t.actions) {
      if (!isSigningAction(action)) continue;
      auto st = actions->prepare(action, after, t, c);
      if (!st) return st.error();
    }
  }
  Poco::JSON::Object detail;
  detail.set("transition", t.name);
  detail.set("from", v.plan.state);
  detail.set("to", t.to);
  detail.set("version", v.plan.currentVersion);
  if (!in.reasonCode.empty()) detail.set("reason_code", in.reasonCode);
  c.audit.push_back(
      {"plan.transition", actor, "plan", v.plan.id, v.plan.academyId, canonicalJson(detail)});
  const std::size_t outboxBefore = c.outbox.size();
  // Every request for a review is kept and emailed on its own: its number is the plan's next,
  // checked again when it is stored (two people asking at the same moment each get theirs).
  const bool request = isReviewRequest(*v.workflow, t);
  for (int attempt = 0;; ++attempt) {
    c.outbox.erase(c.outbox.begin() + static_cast<std::ptrdiff_t>(outboxBefore), c.outbox.end());
    NoticeRequest asked;
    if (request) {
      ReviewRequestRecord rr{0,
                             v.plan.id,
                             static_cast<int>(plans_.reviewRequests(v.plan.id).size()) + 1,
                             now,
                             actor,
                             actorName,
                             in.reasonCode,
                             in.reasonText};
      asked = {rr.seq, actorName};
      c.reviewRequest = rr;
    }
    auto notices = transitionNotices(v, t, in.reasonCode, clock_.now(), people_, asked);
    c.outbox.insert(c.outbox.end(), notices.begin(), notices.end());
    auto r = plans_.applyTransition(c);
    if (!r && request && r.error().code == ErrorCode::kConflict && attempt < 3) {
      auto now2 = plans_.plan(v.plan.id);
      if (now2 && now2->state == c.expectedState && now2->currentVersion == c.expectedVersion)
        continue;  // only another request came first
    }
    if (!r) return r.error();
    return r.value() ? r.value() : v.plan.id;
  }
}

Status PlanService::assignSigners(const Actor& a, Id planId, const std::string& slotName,
                                  const std::vector<std::string>& personRefs) {
  auto rec = plans_.plan(planId);
  if (!rec) return notFound("There is no such plan.");
  if (auto st = require(a, Action::kManageSigners, rec->academyId, "There is no such plan.",
                        "Only the SENCO can choose who signs.");
      !st)
    return st.error();
  auto loaded = load(&a, planId, 0, Action::kManageSigners);
  if (!loaded) return loaded.error();
  auto& v = loaded.value();
  if (!v.state->editable) return conflict("Signers can be changed only while the plan is a draft.");
  const SignerSlot* slot = v.workflow->signer(slotName);
  if (!slot) return notFound("This plan has no signer called " + slotName + ".");
  if (!slot->multiple && personRefs.size() > 1)
    return invalid("Choose one person",
                   {{"signer." + slotName, "Choose one person for " + slot->label}});
  std::vector<SignerAssignment> people;
  const auto candidates = signerCandidates(v, *slot);
  std::map<std::string, std::string> connected;  // anyone connected to the pupil: for the message
  for (const auto& [ref, label] : PlanService::people(v)) connected[ref] = label;
  for (const auto& ref : personRefs) {
    if (ref.empty()) continue;
    auto fit = std::find_if(candidates.begin(), candidates.end(),
                            [&](const PersonChoice& c) { return c.ref == ref; });
    if (fit == candidates.end()) {
      if (!connected.count(ref) && ref != "pupil:" + std::to_string(v.pupil.id))
        return invalid("Choose someone connected to this pupil",
                       {{"signer." + slotName, "That person is not connected to this pupil"}});
      const std::string who = connected.count(ref) ? connected[ref] : v.pupil.displayName();
      return invalid("Choose someone who can sign as " + slot->label,
                     {{"signer." + slotName, who + " cannot sign as " + slot->label}});
    }
    people.push_back({slotName, ref, fit->name});
  }
  Poco::JSON::Array refs;
  for (const auto& p : people) refs.add(p.personRef);
  return plans_.setSigners(planId, v.plan.state, slotName, people,
                           {"plan.signers", auditActor(a), "plan", planId, v.plan.academyId,
                            detailJson({{"slot", slotName}, {"people", refs}})});
}

Result<std::vector<PlanVersionRecord>> PlanService::history(const Actor& a, Id planId) {
  auto rec = plans_.plan(planId);
  if (!rec || !may(a, Action::kViewPlan, rec->academyId)) return notFound("There is no such plan.");
  return plans_.versions(planId);
}

Result<std::vector<ValueChange>> PlanService::diff(const Actor& a, Id planId, int from, int to) {
  auto newer = load(&a, planId, to);
  if (!newer) return newer.error();
  return diffFrom(newer.value(), from);
}

Result<std::vector<ValueChange>> PlanService::diffFrom(const PlanView& newer, int from) {
  auto older = plans_.version(newer.plan.id, from);
  if (!older) return notFound("This plan has no version " + std::to_string(from) + ".");
  auto before = parseValues(older->valuesJson);
  return diffValues(*newer.form, *before.value(), *newer.values);
}

int PlanService::markReviewsDue(Date today) {
  // States from which the review date itself moves a plan on, in any known workflow.
  std::vector<std::string> states;
  for (const auto& type : defs_.types())
    for (const auto& t : defs_.workflow(type)->transitions)
      if (t.autoTrigger == AutoTrigger::kReviewDateReached)
        for (const auto& from : t.from)
          if (std::find(states.begin(), states.end(), from) == states.end()) states.push_back(from);
  int n = 0;
  for (Id id : plans_.reviewsDueBy(isoDate(today), states))
    if (fireAutomatic(id, AutoTrigger::kReviewDateReached, "system:scheduler")) ++n;
  return n;
}

}  // namespace sendflow::engine
