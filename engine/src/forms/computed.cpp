#include "sendflow/engine/forms/computed.h"

#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <charconv>

#include "sendflow/engine/core/canonical_json.h"
#include "value_tree.h"

namespace sendflow::engine {

namespace values {
namespace {

std::optional<double> numericValue(const FieldDef& f, const Var& v) {
  if (f.kind == FieldKind::kNumber && isNumber(v)) return v.convert<double>();
  if (f.kind == FieldKind::kChoice && isString(v)) {
    std::string s = v.extract<std::string>();
    if (!f.option(s)) return std::nullopt;
    double d = 0;
    auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
    if (ec == std::errc() && ptr == s.data() + s.size()) return d;
  }
  return std::nullopt;
}

std::optional<double> valueOf(const FormDefinition& form, const FieldDef& f, const FieldDef* table,
                              const Object* row, const Object& top, int depth) {
  if (f.kind == FieldKind::kComputed)
    return f.formula ? evaluate(form, *f.formula, table, row, top, depth + 1) : std::nullopt;
  return numericValue(f, lookup(f.id, table, row, top));
}

// Folds `v` into `acc` by the operator: product, sum/sum_of, min/min_of, max/max_of.
void accumulate(Formula::Op op, std::optional<double>& acc, double v) {
  if (!acc)
    acc = v;
  else if (op == Formula::Op::kProduct)
    *acc *= v;
  else if (op == Formula::Op::kSum || op == Formula::Op::kSumOf)
    *acc += v;
  else if (op == Formula::Op::kMin || op == Formula::Op::kMinOf)
    acc = std::min(*acc, v);
  else
    acc = std::max(*acc, v);
}

// max_of, min_of, sum_of over a table column (rows without a value skipped); count_of.
std::optional<double> aggregate(const FormDefinition& form, const Formula& x, const Object& top,
                                int depth) {
  const FieldDef* t = form.field(x.field);
  Var rows = get(top, x.field);
  if (!t || !isArray(rows))
    return x.op == Formula::Op::kCountOf ? std::optional<double>(0) : std::nullopt;
  const auto& a = *rows.extract<Array::Ptr>();
  if (x.op == Formula::Op::kCountOf) return static_cast<double>(a.size());
  const FieldDef* c = t->column(x.column);
  if (!c) return std::nullopt;
  std::optional<double> acc;
  for (std::size_t i = 0; i < a.size(); ++i) {
    Var r = a.get(static_cast<unsigned>(i));
    if (!isObject(r)) continue;
    if (auto v = valueOf(form, *c, t, r.extract<Object::Ptr>().get(), top, depth + 1))
      accumulate(x.op, acc, *v);
  }
  return acc;
}

}  // namespace

std::optional<double> evaluate(const FormDefinition& form, const Formula& x, const FieldDef* table,
                               const Object* row, const Object& top, int depth) {
  if (depth > 32) return std::nullopt;
  switch (x.op) {
    case Formula::Op::kConstant:
      return x.constant;
    case Formula::Op::kField: {
      const FieldDef* f = form.resolve(x.field, table);
      if (!f) return std::nullopt;
      bool isColumn = table && table->column(x.field);
      return valueOf(form, *f, isColumn ? table : nullptr, isColumn ? row : nullptr, top, depth);
    }
    case Formula::Op::kProduct:
    case Formula::Op::kSum:
    case Formula::Op::kMin:
    case Formula::Op::kMax: {
      std::optional<double> acc;
      for (const auto& a : x.args) {
        auto v = evaluate(form, a, table, row, top, depth + 1);
        if (!v) return std::nullopt;
        accumulate(x.op, acc, *v);
      }
      return acc;
    }
    case Formula::Op::kMaxOf:
    case Formula::Op::kMinOf:
    case Formula::Op::kSumOf:
    case Formula::Op::kCountOf:
      return aggregate(form, x, top, depth);
  }
  return std::nullopt;
}

}  // namespace values

using namespace values;

namespace {

Object::Ptr deepCopy(const Object& values) {
  Poco::JSON::Parser parser;
  return parser.parse(canonicalJson(values)).extract<Object::Ptr>();
}

// Calls f(i, row) for each row object of a table value.
template <typename F>
void eachRow(const Var& rows, F&& f) {
  if (!isArray(rows)) return;
  const auto& a = *rows.extract<Array::Ptr>();
  for (std::size_t i = 0; i < a.size(); ++i) {
    Var r = a.get(static_cast<unsigned>(i));
    if (isObject(r)) f(i, r.extract<Object::Ptr>());
  }
}

// Writes the computed cells of one row (evaluated over the input's `row`) into `copy`.
void writeComputedCells(const FormDefinition& form, const FieldDef& table, const Object& row,
                        const Object& values, Object& copy) {
  for (const auto& c : table.columns) {
    if (c.kind != FieldKind::kComputed || !c.formula) continue;
    copy.remove(c.id);
    if (auto v = evaluate(form, *c.formula, &table, &row, values, 0)) copy.set(c.id, *v);
  }
}

}  // namespace

const Band* bandFor(const FieldDef& computed, double value) {
  for (const auto& b : computed.bands)
    if (!b.max || value <= *b.max) return &b;
  return nullptr;
}

std::vector<ComputedValue> computeValues(const FormDefinition& form, const Object& values) {
  std::vector<ComputedValue> out;
  for (const auto* f : form.fields()) {
    if (f->kind == FieldKind::kComputed && f->formula) {
      auto v = evaluate(form, *f->formula, nullptr, nullptr, values, 0);
      out.push_back({f->id, v, v ? bandFor(*f, *v) : nullptr});
    }
    if (f->kind != FieldKind::kTable) continue;
    eachRow(get(values, f->id), [&](std::size_t i, const Object::Ptr& row) {
      for (const auto& c : f->columns) {
        if (c.kind != FieldKind::kComputed || !c.formula) continue;
        auto v = evaluate(form, *c.formula, f, row.get(), values, 0);
        out.push_back(
            {f->id + "[" + std::to_string(i) + "]." + c.id, v, v ? bandFor(c, *v) : nullptr});
      }
    });
  }
  return out;
}

Object::Ptr withComputed(const FormDefinition& form, const Object& values) {
  Object::Ptr out = deepCopy(values);
  // Evaluate against the input, write into the copy.
  for (const auto* f : form.fields()) {
    if (f->kind == FieldKind::kComputed && f->formula) {
      out->remove(f->id);
      if (auto v = evaluate(form, *f->formula, nullptr, nullptr, values, 0)) out->set(f->id, *v);
    }
    if (f->kind != FieldKind::kTable || !isArray(get(*out, f->id))) continue;
    const auto& copy = *out->get(f->id).extract<Array::Ptr>();
    eachRow(get(values, f->id), [&](std::size_t i, const Object::Ptr& row) {
      Var cr = i < copy.size() ? copy.get(static_cast<unsigned>(i)) : Var();
      if (!isObject(cr)) return;
      Object::Ptr copyRow = cr.extract<Object::Ptr>();
      writeComputedCells(form, *f, *row, values, *copyRow);
    });
  }
  return out;
}

}  // namespace sendflow::engine
