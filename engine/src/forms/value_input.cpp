#include "sendflow/engine/forms/value_input.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Parser.h>

#include <functional>
#include <regex>

#include "sendflow/engine/forms/visibility.h"
#include "value_tree.h"

namespace sendflow::engine {

using namespace values;

namespace {

using Scalar = std::function<Var(const FieldDef&, const Var&)>;

// What an HTML control posts as text, typed: a yes/no as "yes"/"no", a number as decimal text.
// Anything else is kept as given for validateValues to judge.
Var controlScalar(const FieldDef& f, const Var& v) {
  if (!isString(v)) return v;
  const std::string s = v.extract<std::string>();
  if (f.kind == FieldKind::kNumber) {
    static const std::regex kNumber("-?[0-9]{1,15}(\\.[0-9]{1,15})?");
    if (!std::regex_match(s, kNumber)) return v;
    if (s.find('.') == std::string::npos) return Var(static_cast<Poco::Int64>(std::stoll(s)));
    return Var(std::stod(s));
  }
  if (f.kind == FieldKind::kYesNo) {
    if (s == "yes") return Var(true);
    if (s == "no") return Var(false);
  }
  return v;
}

// A table's rows through `scalar`: a row that is not an object is kept for validateValues to
// refuse, unknown columns are kept, absent and computed cells dropped, empty rows dropped.
Array::Ptr mapRows(const FieldDef& table, const Array& rows, const Scalar& scalar) {
  Array::Ptr out = new Array;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    Var r = rows.get(static_cast<unsigned>(i));
    if (!isObject(r)) {
      out->add(r);
      continue;
    }
    const Object& row = *r.extract<Object::Ptr>();
    Object::Ptr cells = new Object;
    std::vector<std::string> cols;
    row.getNames(cols);
    for (const auto& c : cols) {
      const FieldDef* cf = table.column(c);
      Var cv = row.get(c);
      if (!cf)
        cells->set(c, cv);
      else if (cf->kind != FieldKind::kComputed && isPresent(cv))
        cells->set(c, scalar(*cf, cv));
    }
    if (cells->size() > 0) out->add(cells);
  }
  return out;
}

// A copy of `values` with each present, non-computed value of a known field (and of a known
// table column) passed through `scalar`; unknown fields and columns are kept for
// validateValues to refuse; absent values and empty rows are dropped.
Object::Ptr mapValues(const FormDefinition& form, const Object& values, const Scalar& scalar) {
  Object::Ptr out = new Object;
  std::vector<std::string> names;
  values.getNames(names);
  for (const auto& n : names) {
    Var v = values.get(n);
    const FieldDef* f = form.field(n);
    if (!f) {
      out->set(n, v);  // unknown: kept for validateValues to refuse
    } else if (f->kind == FieldKind::kComputed || !isPresent(v)) {
      continue;
    } else if (f->kind == FieldKind::kTable && isArray(v)) {
      Array::Ptr rows = mapRows(*f, *v.extract<Array::Ptr>(), scalar);
      if (rows->size() > 0) out->set(n, rows);
    } else {
      out->set(n, scalar(*f, v));
    }
  }
  return out;
}

}  // namespace

Object::Ptr normaliseValues(const FormDefinition& form, const Object& values) {
  return mapValues(form, values, [](const FieldDef&, const Var& v) { return v; });
}

Object::Ptr valuesFromControls(const FormDefinition& form, const Object& values) {
  return mapValues(form, values, controlScalar);
}

Result<Object::Ptr> parseValues(const std::string& json) {
  try {
    Poco::JSON::Parser parser;
    Var v = parser.parse(json);
    if (!isObject(v))
      return Error{ErrorCode::kBadRequest, "Expected a JSON object of field values", {}};
    return v.extract<Object::Ptr>();
  } catch (const Poco::Exception&) {
    return Error{ErrorCode::kBadRequest, "The request body is not valid JSON", {}};
  }
}

}  // namespace sendflow::engine
