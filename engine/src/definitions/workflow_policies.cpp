// A workflow's review and deadline policies, and the form fields they name.
#include <algorithm>
#include <cctype>
#include <chrono>

#include "sendflow/engine/core/canonical_json.h"
#include "sendflow/engine/people/model.h"
#include "workflow_parser.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

void WorkflowParser::checkField(const std::string& id, const std::string& p, bool mustBeDate) {
  if (!form_) return;
  const FieldDef* f = form_->field(id);
  if (!f) r_.fail(p, "unknown field '" + id + "' in form '" + form_->type + "'");
  if (mustBeDate && f->kind != FieldKind::kDate)
    r_.fail(p, "field '" + id + "' is not a date field");
}

// Same shape as a form's visible_when.
Condition WorkflowParser::condition(const Var& v, const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"field"}, {"equals", "in", "not_empty"});
  Condition c;
  c.field = r_.identifier(o->get("field"), p + ".field");
  if (o->has("equals")) {
    c.op = Condition::Op::kEquals;
    c.canonicalValues.push_back(canonicalJson(o->get("equals")));
  } else if (o->has("in")) {
    c.op = Condition::Op::kIn;
    r_.each(o->get("in"), p + ".in", [&](const Var& e, const std::string&) {
      c.canonicalValues.push_back(canonicalJson(e));
    });
  } else if (o->has("not_empty")) {
    c.op = Condition::Op::kNotEmpty;
    c.notEmpty = r_.boolean(o->get("not_empty"), p + ".not_empty");
  } else {
    r_.fail(p, "a condition needs one of 'equals', 'in', 'not_empty'");
  }
  if (form_ && !form_->field(c.field))
    r_.fail(p + ".field", "unknown field '" + c.field + "' in form '" + form_->type + "'");
  return c;
}

ReviewPolicy WorkflowParser::review(const WorkflowDefinition& wf, const Var& v,
                                    const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(
      *o, p, {"every", "remind", "recipients"},
      {"under_5_every", "anchor_field", "due_from", "overdue_every", "escalate_to", "triggers"});
  ReviewPolicy rp;
  rp.every = r_.duration(o->get("every"), p + ".every");
  if (o->has("under_5_every"))
    rp.under5Every = r_.duration(o->get("under_5_every"), p + ".under_5_every");
  if (o->has("anchor_field")) {
    rp.anchorField = r_.identifier(o->get("anchor_field"), p + ".anchor_field");
    checkField(rp.anchorField, p + ".anchor_field", true);
  }
  if (o->has("due_from")) {
    if (rp.anchorField.empty())
      r_.fail(p + ".due_from", "needs 'anchor_field': the date the review is held");
    r_.each(o->get("due_from"), p + ".due_from", [&](const Var& x, const std::string& xp) {
      auto e = r_.object(x, xp);
      r_.keys(*e, xp, {"field", "since"}, {});
      ReviewDueFrom from;
      from.field = r_.identifier(e->get("field"), xp + ".field");
      checkField(from.field, xp + ".field", true);
      from.since = r_.string(e->get("since"), xp + ".since");
      rp.dueFrom.push_back(std::move(from));
    });
  }
  r_.each(o->get("remind"), p + ".remind",
          [&](const Var& d, const std::string& dp) { rp.remind.push_back(r_.duration(d, dp)); });
  if (o->has("overdue_every")) {
    rp.overdueEvery = r_.duration(o->get("overdue_every"), p + ".overdue_every");
    if (rp.overdueEvery == Duration{}) r_.fail(p + ".overdue_every", "must be longer than zero");
  }
  static const std::vector<std::string> kRecipients{"senco", "owner", "head", "governor",
                                                    "participants"};
  auto people = [&](const char* key, std::vector<std::string>& out) {
    if (!o->has(key)) return;
    r_.each(o->get(key), p + "." + key, [&](const Var& x, const std::string& xp) {
      std::string s = r_.string(x, xp);
      if (!contains(kRecipients, s))
        r_.fail(xp, "unknown role '" + s + "' (expected one of " + joined(kRecipients) + ")");
      out.push_back(s);
    });
  };
  people("recipients", rp.recipients);
  people("escalate_to", rp.escalateTo);
  if (!o->has("triggers")) return rp;
  r_.each(o->get("triggers"), p + ".triggers", [&](const Var& x, const std::string& xp) {
    std::string code = r_.identifier(x, xp);
    bool known = std::any_of(wf.transitions.begin(), wf.transitions.end(),
                             [&](const TransitionDef& t) { return contains(t.reasons, code); });
    if (!known) r_.fail(xp, "trigger '" + code + "' is not a reason of any transition");
    rp.triggers.push_back(code);
  });
  return rp;
}

DeadlinePolicy WorkflowParser::deadlines(const WorkflowDefinition& wf, const Var& v,
                                         const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"anchor_field"}, {"due_soon", "rules", "phase_transfers"});
  DeadlinePolicy d;
  d.anchorField = r_.identifier(o->get("anchor_field"), p + ".anchor_field");
  checkField(d.anchorField, p + ".anchor_field", true);
  if (o->has("due_soon")) d.dueSoon = r_.duration(o->get("due_soon"), p + ".due_soon");
  if (o->has("rules")) {
    r_.each(o->get("rules"), p + ".rules", [&](const Var& rv, const std::string& rp) {
      d.rules.push_back(deadlineRule(wf, d, rv, rp));
    });
  }
  if (o->has("phase_transfers")) {
    r_.each(o->get("phase_transfers"), p + ".phase_transfers",
            [&](const Var& tv, const std::string& tp) {
              d.phaseTransfers.push_back(phaseTransfer(d, tv, tp));
            });
  }
  return d;
}

DeadlineRule WorkflowParser::deadlineRule(const WorkflowDefinition& wf, const DeadlinePolicy& d,
                                          const Var& v, const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"id", "label"},
          {"from_field", "before", "after", "done_field", "done_transition", "when"});
  DeadlineRule rule;
  rule.id = r_.identifier(o->get("id"), p + ".id");
  for (const auto& other : d.rules)
    if (other.id == rule.id) r_.fail(p + ".id", "duplicate deadline '" + rule.id + "'");
  rule.label = r_.string(o->get("label"), p + ".label");
  if (o->has("from_field")) {
    rule.fromField = r_.identifier(o->get("from_field"), p + ".from_field");
    checkField(rule.fromField, p + ".from_field", true);
  }
  if (o->has("before") == o->has("after"))
    r_.fail(p, "bad date rule: a deadline needs exactly one of 'before' or 'after'");
  rule.before = o->has("before");
  const std::string key = rule.before ? "before" : "after";
  rule.offset = r_.duration(o->get(key), p + "." + key);
  if (o->has("done_field")) {
    rule.doneField = r_.identifier(o->get("done_field"), p + ".done_field");
    checkField(rule.doneField, p + ".done_field", true);
  }
  if (o->has("done_transition")) {
    rule.doneTransition = r_.identifier(o->get("done_transition"), p + ".done_transition");
    if (!wf.transition(rule.doneTransition))
      r_.fail(p + ".done_transition", "unknown transition '" + rule.doneTransition + "'");
  }
  if (o->has("when")) rule.when = condition(o->get("when"), p + ".when");
  return rule;
}

namespace {

// "--MM-DD" (ISO 8601 month-day); 29 February is refused (not every year has it).
bool readMonthDay(const std::string& by, unsigned& month, unsigned& day) {
  auto digit = [&](std::size_t i) { return std::isdigit(static_cast<unsigned char>(by[i])) != 0; };
  if (by.size() != 7 || by[0] != '-' || by[1] != '-' || by[4] != '-' || !digit(2) || !digit(3) ||
      !digit(5) || !digit(6))
    return false;
  month = static_cast<unsigned>((by[2] - '0') * 10 + (by[3] - '0'));
  day = static_cast<unsigned>((by[5] - '0') * 10 + (by[6] - '0'));
  std::chrono::month_day md{std::chrono::month{month}, std::chrono::day{day}};
  return md.ok() && !(month == 2 && day == 29);
}

}  // namespace

PhaseTransferRule WorkflowParser::phaseTransfer(const DeadlinePolicy& d, const Var& v,
                                                const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"from_year", "label", "by"}, {"when"});
  PhaseTransferRule t;
  t.fromYear = r_.string(o->get("from_year"), p + ".from_year");
  if (!isValidYearGroup(t.fromYear))
    r_.fail(p + ".from_year", "'" + t.fromYear + "' is not a year group (N, R, 1-14)");
  for (const auto& other : d.phaseTransfers)
    if (other.fromYear == t.fromYear)
      r_.fail(p + ".from_year", "duplicate year group '" + t.fromYear + "'");
  t.label = r_.string(o->get("label"), p + ".label");
  std::string by = r_.string(o->get("by"), p + ".by");
  if (!readMonthDay(by, t.month, t.day))
    r_.fail(p + ".by", "bad date rule: '" + by + "' is not a month-day like \"--02-15\"");
  if (o->has("when")) t.when = condition(o->get("when"), p + ".when");
  return t;
}

}  // namespace sendflow::engine
