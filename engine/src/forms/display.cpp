#include "sendflow/engine/forms/display.h"

#include <algorithm>

#include "sendflow/engine/core/canonical_json.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/forms/computed.h"
#include "sendflow/engine/forms/visibility.h"
#include "value_tree.h"

namespace sendflow::engine {

using namespace values;

std::string displayValue(const FieldDef& f, const Var& v) {
  if (!isPresent(v)) return "";
  switch (f.kind) {
    case FieldKind::kDate:
      if (isString(v))
        if (auto d = parseIsoDate(v.extract<std::string>())) return ukDate(*d);
      break;
    case FieldKind::kChoice:
      if (isString(v))
        if (const auto* o = f.option(v.extract<std::string>())) return o->label;
      break;
    case FieldKind::kMultiChoice:
      if (isArray(v)) {
        std::string out;
        const auto& a = *v.extract<Array::Ptr>();
        for (std::size_t i = 0; i < a.size(); ++i) {
          Var x = a.get(static_cast<unsigned>(i));
          std::string s = isString(x) ? x.extract<std::string>() : canonicalJson(x);
          const auto* o = f.option(s);
          out += (out.empty() ? "" : ", ") + (o ? o->label : s);
        }
        return out;
      }
      break;
    case FieldKind::kYesNo:
      if (isBool(v)) return v.extract<bool>() ? "Yes" : "No";
      break;
    case FieldKind::kTable:
      if (isArray(v)) {
        auto n = v.extract<Array::Ptr>()->size();
        return std::to_string(n) + (n == 1 ? " row" : " rows");
      }
      break;
    case FieldKind::kComputed:
      if (isNumber(v)) {
        std::string s = canonicalNumber(v.convert<double>());
        if (const Band* b = bandFor(f, v.convert<double>())) s += " (" + b->label + ")";
        return s;
      }
      break;
    default:
      break;
  }
  if (isString(v)) return v.extract<std::string>();
  return canonicalJson(v);
}

std::vector<ValueChange> diffValues(const FormDefinition& form, const Object& before,
                                    const Object& after) {
  Object::Ptr b = withComputed(form, before);
  Object::Ptr a = withComputed(form, after);
  std::vector<ValueChange> out;
  for (const auto* f : form.fields()) {
    Var bv = get(*b, f->id), av = get(*a, f->id);
    if (f->kind != FieldKind::kTable) {
      std::string bs = displayValue(*f, bv), as = displayValue(*f, av);
      if (canonicalJson(isPresent(bv) ? bv : Var()) != canonicalJson(isPresent(av) ? av : Var()))
        out.push_back({f->id, f->label, bs, as});
      continue;
    }
    Array::Ptr br = isArray(bv) ? bv.extract<Array::Ptr>() : Array::Ptr(new Array);
    Array::Ptr ar = isArray(av) ? av.extract<Array::Ptr>() : Array::Ptr(new Array);
    std::size_t n = std::max(br->size(), ar->size());
    for (std::size_t i = 0; i < n; ++i) {
      Object::Ptr brow = i < br->size() && isObject(br->get(static_cast<unsigned>(i)))
                             ? br->getObject(static_cast<unsigned>(i))
                             : Object::Ptr(new Object);
      Object::Ptr arow = i < ar->size() && isObject(ar->get(static_cast<unsigned>(i)))
                             ? ar->getObject(static_cast<unsigned>(i))
                             : Object::Ptr(new Object);
      for (const auto& c : f->columns) {
        Var bc = get(*brow, c.id), ac = get(*arow, c.id);
        if (canonicalJson(isPresent(bc) ? bc : Var()) == canonicalJson(isPresent(ac) ? ac : Var()))
          continue;
        out.push_back({f->id + "[" + std::to_string(i) + "]." + c.id,
                       f->label + ", row " + std::to_string(i + 1) + ": " + c.label,
                       displayValue(c, bc), displayValue(c, ac)});
      }
    }
  }
  return out;
}

}  // namespace sendflow::engine
