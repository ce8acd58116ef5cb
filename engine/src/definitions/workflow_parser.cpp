#include "workflow_parser.h"

#include <algorithm>
#include <set>

#include "local_words.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

namespace {

const std::vector<std::string>& signerKinds() {
  static const std::vector<std::string> kKinds{"senco",      "staff",        "head",
                                               "governor",   "parent_carer", "health_professional",
                                               "la_officer", "other",        "pupil"};
  return kKinds;
}

}  // namespace

WorkflowDefinition WorkflowParser::parse(const Object::Ptr& root) {
  WorkflowDefinition wf;
  readHeader(*root, wf);
  r_.each(root->get("states"), "$.states",
          [&](const Var& v, const std::string& p) { wf.states.push_back(state(wf, v, p)); });
  if (wf.states.empty()) r_.fail("$.states", "a workflow needs at least one state");
  wf.initial = r_.string(root->get("initial"), "$.initial");
  if (!wf.state(wf.initial)) r_.fail("$.initial", "unknown state '" + wf.initial + "'");
  r_.each(root->get("transitions"), "$.transitions", [&](const Var& v, const std::string& p) {
    TransitionDef t = transition(wf, v, p);
    if (wf.transition(t.name)) r_.fail(p + ".name", "duplicate transition '" + t.name + "'");
    wf.transitions.push_back(std::move(t));
  });
  defaultReviewTones(wf);
  r_.each(root->get("signers"), "$.signers",
          [&](const Var& v, const std::string& p) { wf.signers.push_back(signer(wf, v, p)); });
  wf.review = review(wf, root->get("review"), "$.review");
  if (root->has("deadlines")) wf.deadlines = deadlines(wf, root->get("deadlines"), "$.deadlines");
  wf.retention = retention(root->get("retention"));
  checkReachable(wf);
  return wf;
}

void WorkflowParser::readHeader(const Object& root, WorkflowDefinition& wf) {
  r_.keys(root, "$",
          {"type", "title", "form", "version", "initial", "states", "transitions", "signers",
           "review", "retention"},
          {"description", "deadlines", "require_code"});
  wf.type = r_.identifier(root.get("type"), "$.type");
  if (root.has("require_code"))
    wf.requireCode = r_.boolean(root.get("require_code"), "$.require_code");
  wf.title = r_.string(root.get("title"), "$.title");
  wf.form = r_.identifier(root.get("form"), "$.form");
  if (form_ && form_->type != wf.form)
    r_.fail("$.form", "form '" + wf.form + "' does not match the given form '" + form_->type + "'");
  wf.version = static_cast<int>(r_.integer(root.get("version"), "$.version", 1, 1000000));
}

StateDef WorkflowParser::state(const WorkflowDefinition& wf, const Var& v, const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"name"},
          {"label", "editable", "signing", "active", "final", "tone", "translations"});
  StateDef s;
  s.name = r_.identifier(o->get("name"), p + ".name");
  if (wf.state(s.name)) r_.fail(p + ".name", "duplicate state '" + s.name + "'");
  s.label = o->has("label") ? r_.string(o->get("label"), p + ".label") : s.name;
  s.translations = readTranslations(r_, *o, p, "label", nullptr);
  if (o->has("editable")) s.editable = r_.boolean(o->get("editable"), p + ".editable");
  if (o->has("signing")) s.signing = r_.boolean(o->get("signing"), p + ".signing");
  if (o->has("active")) s.active = r_.boolean(o->get("active"), p + ".active");
  if (o->has("final")) s.final = r_.boolean(o->get("final"), p + ".final");
  if (s.final && (s.editable || s.signing || s.active))
    r_.fail(p, "a final state cannot be editable, signing or active");
  s.tone = s.final      ? StateTone::kNeutral
           : s.active   ? StateTone::kGood
           : s.signing  ? StateTone::kWaiting
           : s.editable ? StateTone::kInProgress
                        : StateTone::kAttention;
  if (o->has("tone")) {
    std::string tone = r_.string(o->get("tone"), p + ".tone");
    auto t = parseStateTone(tone);
    if (!t)
      r_.fail(p + ".tone", "unknown tone '" + tone +
                               "' (expected neutral, good, in_progress, waiting, attention)");
    s.tone = *t;
    toneGiven_.insert(s.name);
  }
  return s;
}

// Without a tone, an active state the review date leads to needs attention (review due).
void WorkflowParser::defaultReviewTones(WorkflowDefinition& wf) const {
  for (auto& s : wf.states)
    for (const auto& t : wf.transitions)
      if (!toneGiven_.count(s.name) && s.active && t.to == s.name &&
          t.autoTrigger == AutoTrigger::kReviewDateReached)
        s.tone = StateTone::kAttention;
}

TransitionDef WorkflowParser::transition(const WorkflowDefinition& wf, const Var& v,
                                         const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"name", "from", "to"},
          {"label", "roles", "guards", "actions", "auto", "requires", "reasons", "destructive",
           "translations"});
  TransitionDef t;
  t.name = r_.identifier(o->get("name"), p + ".name");
  t.label = o->has("label") ? r_.string(o->get("label"), p + ".label") : t.name;
  t.translations = readTranslations(r_, *o, p, "label", nullptr);
  readFrom(wf, *o, p, t);
  t.to = r_.string(o->get("to"), p + ".to");
  if (!wf.state(t.to)) r_.fail(p + ".to", "unknown state '" + t.to + "'");
  if (o->has("destructive")) t.destructive = r_.boolean(o->get("destructive"), p + ".destructive");
  readRoles(*o, p, t);
  if (o->has("guards")) {
    r_.each(o->get("guards"), p + ".guards",
            [&](const Var& gv, const std::string& gp) { t.guards.push_back(guard(gv, gp)); });
  }
  readActions(*o, p, t);
  readReasons(*o, p, t);
  return t;
}

void WorkflowParser::readFrom(const WorkflowDefinition& wf, const Object& o, const std::string& p,
                              TransitionDef& t) {
  t.from = r_.strings(o.get("from"), p + ".from");
  if (t.from.empty()) r_.fail(p + ".from", "needs at least one state");
  for (std::size_t i = 0; i < t.from.size(); ++i) {
    std::string fp =
        o.get("from").isString() ? p + ".from" : p + ".from[" + std::to_string(i) + "]";
    const StateDef* s = wf.state(t.from[i]);
    if (!s) r_.fail(fp, "unknown state '" + t.from[i] + "'");
    if (s->final) r_.fail(fp, "state '" + t.from[i] + "' is final: no transition may leave it");
  }
}

// Who fires it: the roles, or "auto" with the system event that fires it.
void WorkflowParser::readRoles(const Object& o, const std::string& p, TransitionDef& t) {
  if (o.has("auto")) {
    std::string a = r_.string(o.get("auto"), p + ".auto");
    t.autoTrigger = parseAutoTrigger(a);
    if (!t.autoTrigger)
      r_.fail(p + ".auto",
              "unknown auto trigger '" + a +
                  "' (expected all_required_signed, review_date_reached, successor_active)");
    if (o.has("roles")) r_.fail(p + ".roles", "an automatic transition has no roles");
    return;
  }
  if (!o.has("roles")) r_.fail(p, "missing required key 'roles' (or 'auto')");
  t.roles = r_.strings(o.get("roles"), p + ".roles");
  if (t.roles.empty()) r_.fail(p + ".roles", "needs at least one role");
  for (std::size_t i = 0; i < t.roles.size(); ++i) {
    if (!contains(transitionRoleNames(), t.roles[i]))
      r_.fail(p + ".roles[" + std::to_string(i) + "]", "unknown role '" + t.roles[i] +
                                                           "' (expected one of " +
                                                           joined(transitionRoleNames()) + ")");
  }
}

Guard WorkflowParser::guard(const Var& v, const std::string& p) {
  Guard g;
  if (v.isString()) {
    std::string name = v.extract<std::string>();
    auto k = parseGuard(name);
    if (!k || *k == GuardKind::kFieldSet)
      r_.fail(p, "unknown guard '" + name +
                     "' (expected form_complete, signers_assigned, "
                     "reason_given, no_review_in_progress or {\"field_set\": field})");
    g.kind = *k;
    return g;
  }
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"field_set"}, {});
  g.kind = GuardKind::kFieldSet;
  g.field = r_.identifier(o->get("field_set"), p + ".field_set");
  checkField(g.field, p + ".field_set", false);
  return g;
}

void WorkflowParser::readActions(const Object& o, const std::string& p, TransitionDef& t) {
  if (!o.has("actions")) return;
  r_.each(o.get("actions"), p + ".actions", [&](const Var& av, const std::string& ap) {
    std::string name = r_.string(av, ap);
    auto a = parseAction(name);
    if (!a) r_.fail(ap, "unknown action '" + name + "' (expected one of " + actionNames() + ")");
    t.actions.push_back(*a);
  });
}

// "requires": "reason" adds the reason_given guard; "reasons" lists the allowed reason codes.
void WorkflowParser::readReasons(const Object& o, const std::string& p, TransitionDef& t) {
  if (o.has("requires")) {
    std::string req = r_.string(o.get("requires"), p + ".requires");
    if (req != "reason")
      r_.fail(p + ".requires", "unknown requirement '" + req + "' (expected \"reason\")");
    t.requiresReason = true;
    bool hasGuard = std::any_of(t.guards.begin(), t.guards.end(),
                                [](const Guard& g) { return g.kind == GuardKind::kReasonGiven; });
    if (!hasGuard) t.guards.push_back(Guard{GuardKind::kReasonGiven, ""});
  }
  if (!o.has("reasons")) return;
  if (!t.requiresReason) r_.fail(p + ".reasons", "'reasons' needs \"requires\": \"reason\"");
  r_.each(o.get("reasons"), p + ".reasons", [&](const Var& rv, const std::string& rp) {
    std::string code = r_.identifier(rv, rp);
    if (contains(t.reasons, code)) r_.fail(rp, "duplicate reason '" + code + "'");
    t.reasons.push_back(code);
  });
}

SignerSlot WorkflowParser::signer(const WorkflowDefinition& wf, const Var& v,
                                  const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"role", "label", "kind", "required"}, {"multiple", "order", "translations"});
  SignerSlot s;
  s.role = r_.identifier(o->get("role"), p + ".role");
  if (wf.signer(s.role)) r_.fail(p + ".role", "duplicate signer role '" + s.role + "'");
  s.label = r_.string(o->get("label"), p + ".label");
  s.kind = r_.string(o->get("kind"), p + ".kind");
  if (!contains(signerKinds(), s.kind))
    r_.fail(p + ".kind",
            "unknown role '" + s.kind + "' (expected one of " + joined(signerKinds()) + ")");
  Var req = o->get("required");
  if (req.isString() && req.extract<std::string>() == "if_involved") {
    s.required = SignerSlot::Required::kIfInvolved;
  } else if (!req.isEmpty() && req.isBoolean()) {
    s.required = req.extract<bool>() ? SignerSlot::Required::kYes : SignerSlot::Required::kNo;
  } else {
    r_.fail(p + ".required", "expected true, false or \"if_involved\"");
  }
  if (o->has("multiple")) s.multiple = r_.boolean(o->get("multiple"), p + ".multiple");
  if (o->has("order"))
    s.order = static_cast<int>(r_.integer(o->get("order"), p + ".order", 0, 100));
  s.translations = readTranslations(r_, *o, p, "label", nullptr);
  return s;
}

RetentionPolicy WorkflowParser::retention(const Var& v) {
  auto o = r_.object(v, "$.retention");
  r_.keys(*o, "$.retention", {"from", "keep"}, {});
  RetentionPolicy r;
  r.from = r_.string(o->get("from"), "$.retention.from");
  if (r.from != "date_of_birth" && r.from != "closed")
    r_.fail("$.retention.from", "expected \"date_of_birth\" or \"closed\"");
  r.keep = r_.duration(o->get("keep"), "$.retention.keep");
  return r;
}

void WorkflowParser::checkReachable(const WorkflowDefinition& wf) {
  std::set<std::string> seen{wf.initial};
  std::vector<std::string> todo{wf.initial};
  while (!todo.empty()) {
    std::string s = todo.back();
    todo.pop_back();
    for (const auto& t : wf.transitions)
      if (t.firesFrom(s) && seen.insert(t.to).second) todo.push_back(t.to);
  }
  for (std::size_t i = 0; i < wf.states.size(); ++i)
    if (!seen.count(wf.states[i].name))
      r_.fail("$.states[" + std::to_string(i) + "]",
              "state '" + wf.states[i].name + "' is unreachable from '" + wf.initial + "'");
}

}  // namespace sendflow::engine
