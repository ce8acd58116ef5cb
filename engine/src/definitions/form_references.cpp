// What a form's fields name must exist and fit: visibility conditions, date rules, formulas,
// and no computed field may depend on itself.
#include <charconv>
#include <functional>

#include "form_parser.h"
#include "sendflow/engine/core/canonical_json.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;

void FormParser::checkReferences(const FormDefinition& form) {
  for (std::size_t si = 0; si < form.sections.size(); ++si) {
    const auto& s = form.sections[si];
    std::string sp = "$.sections[" + std::to_string(si) + "]";
    if (s.visibleWhen)
      checkCondition(*s.visibleWhen, sp + ".visible_when", form.field(s.visibleWhen->field), "");
    for (std::size_t fi = 0; fi < s.fields.size(); ++fi) {
      const auto& f = s.fields[fi];
      std::string fp = fieldPath(si, fi);
      checkField(form, f, fp, nullptr);
      for (std::size_t ci = 0; ci < f.columns.size(); ++ci)
        checkField(form, f.columns[ci], fp + ".columns[" + std::to_string(ci) + "]", &f);
    }
  }
  // Computed fields must not depend on themselves.
  for (const auto* f : form.fields()) {
    if (f->kind == FieldKind::kComputed) checkCycle(form, *f, nullptr, {});
    for (const auto& c : f->columns)
      if (c.kind == FieldKind::kComputed) checkCycle(form, c, f, {});
  }
}

void FormParser::checkCondition(const Condition& c, const std::string& p, const FieldDef* target,
                                const std::string& self) {
  if (!target) r_.fail(p + ".field", "unknown field '" + c.field + "'");
  if (c.field == self) r_.fail(p + ".field", "a field cannot depend on its own visibility");
  if (target->kind != FieldKind::kChoice && target->kind != FieldKind::kMultiChoice) return;
  for (const auto& cv : c.canonicalValues) {
    bool found =
        std::any_of(target->options.begin(), target->options.end(),
                    [&](const ChoiceOption& o) { return canonicalJson(Var(o.value)) == cv; });
    if (!found)
      r_.fail(p + (c.op == Condition::Op::kEquals ? ".equals" : ".in"),
              "value " + cv + " is not an option of field '" + c.field + "'");
  }
}

void FormParser::checkField(const FormDefinition& form, const FieldDef& f, const std::string& p,
                            const FieldDef* table) {
  if (f.visibleWhen)
    checkCondition(*f.visibleWhen, p + ".visible_when", form.resolve(f.visibleWhen->field, table),
                   f.id);
  checkDateRelations(form, f, p, table);
  if (f.formula) checkFormula(form, *f.formula, p + ".formula", table);
}

void FormParser::checkDateRelations(const FormDefinition& form, const FieldDef& f,
                                    const std::string& p, const FieldDef* table) {
  for (const auto& rel : f.dateRelations) {
    if (rel.ref == "today" || rel.ref == "pupil.date_of_birth") continue;
    std::string rp = p + "." + dateRelationName(rel.op);
    const FieldDef* other = form.resolve(rel.ref, table);
    if (!other) r_.fail(rp, "unknown field '" + rel.ref + "'");
    if (other->kind != FieldKind::kDate)
      r_.fail(rp, "bad date rule: field '" + rel.ref + "' is not a date");
    if (other == &f) r_.fail(rp, "bad date rule: a date cannot be compared with itself");
  }
}

void FormParser::checkFormula(const FormDefinition& form, const Formula& x, const std::string& p,
                              const FieldDef* table) {
  switch (x.op) {
    case Formula::Op::kConstant:
      return;
    case Formula::Op::kField: {
      const FieldDef* f = form.resolve(x.field, table);
      if (!f) r_.fail(p, "unknown field '" + x.field + "'");
      checkNumeric(*f, p);
      return;
    }
    case Formula::Op::kProduct:
    case Formula::Op::kSum:
    case Formula::Op::kMin:
    case Formula::Op::kMax:
      for (std::size_t i = 0; i < x.args.size(); ++i)
        checkFormula(form, x.args[i], p + "." + formulaOpName(x.op) + "[" + std::to_string(i) + "]",
                     table);
      return;
    case Formula::Op::kMaxOf:
    case Formula::Op::kMinOf:
    case Formula::Op::kSumOf:
    case Formula::Op::kCountOf:
      checkAggregate(form, x, p, table);
      return;
  }
}

// max_of, min_of, sum_of over "table.column"; count_of over "table".
void FormParser::checkAggregate(const FormDefinition& form, const Formula& x, const std::string& p,
                                const FieldDef* table) {
  const std::string kp = p + "." + formulaOpName(x.op);
  if (table) r_.fail(kp, "a table cell cannot aggregate a table");
  const FieldDef* t = form.field(x.field);
  if (!t) r_.fail(kp, "unknown field '" + x.field + "'");
  if (t->kind != FieldKind::kTable) r_.fail(kp, "field '" + x.field + "' is not a table");
  if (x.op == Formula::Op::kCountOf) return;
  const FieldDef* c = t->column(x.column);
  if (!c) r_.fail(kp, "unknown field '" + x.field + "." + x.column + "'");
  checkNumeric(*c, kp);
}

void FormParser::checkNumeric(const FieldDef& f, const std::string& p) {
  if (f.kind == FieldKind::kNumber || f.kind == FieldKind::kComputed) return;
  if (f.kind == FieldKind::kChoice) {
    for (const auto& o : f.options) {
      double d = 0;
      auto [ptr, ec] = std::from_chars(o.value.data(), o.value.data() + o.value.size(), d);
      if (ec != std::errc() || ptr != o.value.data() + o.value.size())
        r_.fail(p, "field '" + f.id + "' has a non-numeric option '" + o.value + "'");
    }
    return;
  }
  r_.fail(p, "field '" + f.id + "' is a " + fieldKindName(f.kind) +
                 " field; a formula needs number, numeric choice or computed fields");
}

void FormParser::checkCycle(const FormDefinition& form, const FieldDef& f, const FieldDef* table,
                            std::vector<const FieldDef*> stack) {
  if (std::find(stack.begin(), stack.end(), &f) != stack.end())
    r_.fail("$", "computed field '" + f.id + "' depends on itself");
  stack.push_back(&f);
  std::function<void(const Formula&)> walk = [&](const Formula& x) {
    if (x.op == Formula::Op::kField) {
      const FieldDef* d = form.resolve(x.field, table);
      if (d && d->kind == FieldKind::kComputed)
        checkCycle(form, *d, table && table->column(x.field) ? table : nullptr, stack);
    }
    if (x.op == Formula::Op::kMaxOf || x.op == Formula::Op::kMinOf || x.op == Formula::Op::kSumOf) {
      const FieldDef* t = form.field(x.field);
      const FieldDef* c = t ? t->column(x.column) : nullptr;
      if (c && c->kind == FieldKind::kComputed) checkCycle(form, *c, t, stack);
    }
    for (const auto& a : x.args) walk(a);
  };
  if (f.formula) walk(*f.formula);
}

}  // namespace sendflow::engine
