#include "sendflow/engine/forms/visibility.h"

#include <algorithm>

#include "sendflow/engine/core/canonical_json.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/forms/hidden_answers.h"
#include "sendflow/engine/forms/validation.h"
#include "value_tree.h"

namespace sendflow::engine {

namespace values {

Var lookup(const std::string& id, const FieldDef* table, const Object* row, const Object& top) {
  if (table && row && table->column(id)) return get(*row, id);
  return get(top, id);
}

bool conditionOn(const Condition& c, const Var& v) {
  if (c.op == Condition::Op::kNotEmpty) return isPresent(v) == c.notEmpty;
  if (!isPresent(v)) return false;
  auto matches = [&](const Var& x) {
    std::string cx = canonicalJson(x);
    return std::find(c.canonicalValues.begin(), c.canonicalValues.end(), cx) !=
           c.canonicalValues.end();
  };
  if (isArray(v)) {
    const auto& a = *v.extract<Array::Ptr>();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (matches(a.get(static_cast<unsigned>(i)))) return true;
    return false;
  }
  return matches(v);
}

bool visibleIn(const FieldDef& f, const FieldDef* table, const Object* row, const Object& top) {
  if (f.hidden) return false;
  if (!f.visibleWhen) return true;
  return conditionOn(*f.visibleWhen, lookup(f.visibleWhen->field, table, row, top));
}

}  // namespace values

using namespace values;

namespace {

// Whether `f`'s own visible_when holds (true without one); "hidden" is not asked about.
bool conditionMet(const FieldDef& f, const FieldDef* table, const Object* row, const Object& top) {
  if (!f.visibleWhen) return true;
  return conditionOn(*f.visibleWhen, lookup(f.visibleWhen->field, table, row, top));
}

// `rows` without the cells whose column's condition does not hold for their row (a row left
// with no cell goes too); null when nothing is dropped.
Array::Ptr rowsWithoutHiddenCells(const FieldDef& table, const Array& rows, const Object& top) {
  Array::Ptr out = new Array;
  bool dropped = false;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Var r = rows.get(static_cast<unsigned>(i));
    if (isObject(r)) {
      const Object& row = *r.extract<Object::Ptr>();
      Object::Ptr cells = new Object(row);
      for (const auto& c : table.columns)
        if (row.has(c.id) && !conditionMet(c, &table, &row, top)) cells->remove(c.id);
      if (cells->size() != row.size()) {
        dropped = true;
        if (cells->size() == 0) continue;
        r = cells;
      }
    }
    out->add(r);
  }
  return dropped ? out : nullptr;
}

// One pass: drops answers hidden under `values` as they are now; true when any was dropped.
bool dropHidden(const FormDefinition& form, Object& values) {
  bool dropped = false;
  for (const auto& s : form.sections) {
    const bool sectionShown = isSectionVisible(s, values);
    for (const auto& f : s.fields) {
      if (!values.has(f.id) || f.hidden) continue;  // "hidden" fields are the system's, kept
      if (!sectionShown || !conditionMet(f, nullptr, nullptr, values)) {
        values.remove(f.id);
        dropped = true;
      } else if (f.kind == FieldKind::kTable && isArray(values.get(f.id))) {
        Var rows = values.get(f.id);
        if (auto kept = rowsWithoutHiddenCells(f, *rows.extract<Array::Ptr>(), values)) {
          if (kept->size() > 0)
            values.set(f.id, kept);
          else
            values.remove(f.id);
          dropped = true;
        }
      }
    }
  }
  return dropped;
}

}  // namespace

bool isPresent(const Var& v) {
  if (v.isEmpty()) return false;
  if (isString(v)) return !v.extract<std::string>().empty();
  if (isArray(v)) return v.extract<Array::Ptr>()->size() > 0;
  return true;
}

bool conditionHolds(const Condition& c, const Object& scope, const Object* outer) {
  if (scope.has(c.field) || !outer) return conditionOn(c, get(scope, c.field));
  return conditionOn(c, get(*outer, c.field));
}

bool isSectionVisible(const SectionDef& s, const Object& values) {
  return !s.visibleWhen || conditionOn(*s.visibleWhen, get(values, s.visibleWhen->field));
}

bool isFieldVisible(const FormDefinition& form, const FieldDef& f, const Object& values) {
  const SectionDef* s = form.sectionOf(f.id);
  if (s && !isSectionVisible(*s, values)) return false;
  return visibleIn(f, nullptr, nullptr, values);
}

Object::Ptr withoutHiddenAnswers(const FormDefinition& form, const Object& values) {
  Object::Ptr out = new Object(values);
  // An answer dropped may hide another question in turn (its condition named the first), so
  // until nothing more goes; each pass drops at least one of finitely many answers.
  while (dropHidden(form, *out)) {
  }
  return out;
}

namespace {

void malformedText(const FieldDef& f, const Var& v, const std::string& name,
                   const std::string& label, std::vector<FieldError>& out) {
  if (!isString(v)) return;
  const std::string& s = v.extract<std::string>();
  if (s.size() > kMaxValueBytes)
    out.push_back({name, label + " must be 64 KiB or shorter"});
  else if (!utf8::length(s))
    out.push_back({name, label + " contains characters that are not valid UTF-8"});
  else
    checkText(out, name, label, s,
              f.kind == FieldKind::kLongText ? TextShape::kLongText : TextShape::kLine);
}

}  // namespace

std::vector<FieldError> malformedDroppedAnswers(const FormDefinition& form, const Object& values,
                                                const Object& kept) {
  std::vector<FieldError> out;
  for (const auto* f : form.fields()) {
    if (!values.has(f->id) || kept.has(f->id)) continue;
    Var v = values.get(f->id);
    if (f->kind != FieldKind::kTable || !isArray(v)) {
      malformedText(*f, v, f->id, f->label, out);
      continue;
    }
    const auto& rows = *v.extract<Array::Ptr>();
    for (std::size_t i = 0; i < rows.size(); ++i) {
      Var r = rows.get(static_cast<unsigned>(i));
      if (!isObject(r)) continue;
      const Object& row = *r.extract<Object::Ptr>();
      for (const auto& c : f->columns)
        if (row.has(c.id))
          malformedText(c, row.get(c.id), f->id + "[" + std::to_string(i) + "]." + c.id,
                        f->label + ", row " + std::to_string(i + 1) + ": " + c.label, out);
    }
  }
  return out;
}

}  // namespace sendflow::engine
