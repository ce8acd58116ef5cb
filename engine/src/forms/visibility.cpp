#include "sendflow/engine/forms/visibility.h"

#include <algorithm>

#include "sendflow/engine/core/canonical_json.h"
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

}  // namespace sendflow::engine
