#include "sendflow/engine/forms/form_values.h"

#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <stdexcept>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/plans/schedule.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

bool isObject(const Var& v) { return !v.isEmpty() && v.type() == typeid(Object::Ptr); }
bool isArray(const Var& v) { return !v.isEmpty() && v.type() == typeid(Array::Ptr); }
bool isString(const Var& v) { return !v.isEmpty() && v.isString(); }
bool isNumber(const Var& v) { return !v.isEmpty() && v.isNumeric() && !v.isBoolean(); }
bool isBool(const Var& v) { return !v.isEmpty() && v.isBoolean(); }

Var get(const Object& o, const std::string& key) { return o.has(key) ? o.get(key) : Var(); }

// Code points of valid UTF-8 (no overlongs, surrogates or values above U+10FFFF).
std::optional<std::size_t> utf8Length(std::string_view s) {
  std::size_t n = 0;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = c < 0x80           ? 1
                      : (c >> 5) == 0x6  ? 2
                      : (c >> 4) == 0xE  ? 3
                      : (c >> 3) == 0x1E ? 4
                                         : 0;
    if (len == 0 || i + len > s.size()) return std::nullopt;
    std::uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1Fu) : len == 3 ? (c & 0x0Fu) : (c & 0x07u);
    for (std::size_t k = 1; k < len; ++k) {
      auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return std::nullopt;
      cp = (cp << 6) | (cc & 0x3Fu);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
      return std::nullopt;
    i += len;
    ++n;
  }
  return n;
}

void writeString(std::string& out, std::string_view s) {
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static const char* kHex = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

std::string numberText(double d) {
  if (!std::isfinite(d)) throw std::invalid_argument("canonical JSON has no NaN or infinity");
  if (d == 0) return "0";
  if (std::trunc(d) == d && std::fabs(d) < 9007199254740992.0) {
    return std::to_string(static_cast<long long>(d));
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, d);
  return std::string(buf, r.ptr);
}

void writeCanonical(std::string& out, const Var& v, int depth) {
  if (depth > 64) throw std::invalid_argument("JSON nested too deeply");
  if (v.isEmpty()) {
    out += "null";
  } else if (v.type() == typeid(Object)) {  // Poco stores nested objects by value too
    writeCanonical(out, Var(Object::Ptr(new Object(v.extract<Object>()))), depth);
  } else if (v.type() == typeid(Array)) {
    writeCanonical(out, Var(Array::Ptr(new Array(v.extract<Array>()))), depth);
  } else if (isObject(v)) {
    const auto& o = *v.extract<Object::Ptr>();
    std::vector<std::string> names;
    o.getNames(names);
    std::sort(names.begin(), names.end());
    out += '{';
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (i) out += ',';
      writeString(out, names[i]);
      out += ':';
      writeCanonical(out, o.get(names[i]), depth + 1);
    }
    out += '}';
  } else if (isArray(v)) {
    const auto& a = *v.extract<Array::Ptr>();
    out += '[';
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out += ',';
      writeCanonical(out, a.get(static_cast<unsigned>(i)), depth + 1);
    }
    out += ']';
  } else if (v.isBoolean()) {
    out += v.extract<bool>() ? "true" : "false";
  } else if (v.isString()) {
    writeString(out, v.extract<std::string>());
  } else if (v.isInteger()) {
    if (v.isSigned())
      out += std::to_string(v.convert<Poco::Int64>());
    else
      out += std::to_string(v.convert<Poco::UInt64>());
  } else if (v.isNumeric()) {
    out += numberText(v.convert<double>());
  } else {
    throw std::invalid_argument("value of an unsupported type in canonical JSON");
  }
}

const char* kMissingPrefix[] = {"Enter ", "Select "};

std::string missingMessage(const FieldDef& f, const std::string& label) {
  switch (f.kind) {
    case FieldKind::kChoice:
    case FieldKind::kMultiChoice:
    case FieldKind::kPerson:
      return kMissingPrefix[1] + label;
    case FieldKind::kYesNo:
      return "Select yes or no for " + label;
    case FieldKind::kTable:
      return "Add at least " + std::to_string(std::max<std::size_t>(f.minRows, 1)) +
             (std::max<std::size_t>(f.minRows, 1) == 1 ? " row" : " rows") + " to " + label;
    default:
      return kMissingPrefix[0] + label;
  }
}

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

// The definition of `id` seen from a table (its columns first) or the top level.
const FieldDef* resolve(const FormDefinition& form, const std::string& id, const FieldDef* table) {
  if (table)
    if (const FieldDef* c = table->column(id)) return c;
  return form.field(id);
}

// Value of `id` seen from `row` of `table` (or the top level).
Var lookup(const FormDefinition& /*form*/, const std::string& id, const FieldDef* table,
           const Object* row, const Object& top) {
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

bool visibleIn(const FormDefinition& form, const FieldDef& f, const FieldDef* table,
               const Object* row, const Object& top) {
  if (f.hidden) return false;
  if (!f.visibleWhen) return true;
  return conditionOn(*f.visibleWhen, lookup(form, f.visibleWhen->field, table, row, top));
}

std::optional<double> evaluate(const FormDefinition& form, const Formula& x, const FieldDef* table,
                               const Object* row, const Object& top, int depth);

std::optional<double> valueOf(const FormDefinition& form, const FieldDef& f, const FieldDef* table,
                              const Object* row, const Object& top, int depth) {
  if (f.kind == FieldKind::kComputed)
    return f.formula ? evaluate(form, *f.formula, table, row, top, depth + 1) : std::nullopt;
  return numericValue(f, lookup(form, f.id, table, row, top));
}

std::optional<double> evaluate(const FormDefinition& form, const Formula& x, const FieldDef* table,
                               const Object* row, const Object& top, int depth) {
  if (depth > 32) return std::nullopt;
  switch (x.op) {
    case Formula::Op::kConstant:
      return x.constant;
    case Formula::Op::kField: {
      const FieldDef* f = resolve(form, x.field, table);
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
        if (!acc)
          acc = *v;
        else if (x.op == Formula::Op::kProduct)
          *acc *= *v;
        else if (x.op == Formula::Op::kSum)
          *acc += *v;
        else if (x.op == Formula::Op::kMin)
          acc = std::min(*acc, *v);
        else
          acc = std::max(*acc, *v);
      }
      return acc;
    }
    case Formula::Op::kMaxOf:
    case Formula::Op::kMinOf:
    case Formula::Op::kSumOf:
    case Formula::Op::kCountOf: {
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
        auto v = valueOf(form, *c, t, r.extract<Object::Ptr>().get(), top, depth + 1);
        if (!v) continue;
        if (!acc)
          acc = *v;
        else if (x.op == Formula::Op::kSumOf)
          *acc += *v;
        else if (x.op == Formula::Op::kMinOf)
          acc = std::min(*acc, *v);
        else
          acc = std::max(*acc, *v);
      }
      return acc;
    }
  }
  return std::nullopt;
}

// -- validation ---------------------------------------------------------------------------------

class Validator {
 public:
  Validator(const FormDefinition& form, const Object& top, const ValueContext& ctx, ValueCheck& out)
      : form_(form), top_(top), ctx_(ctx), out_(out) {}

  void field(const FieldDef& f, const Var& v, const std::string& name, const std::string& label,
             const FieldDef* table, const Object* row, bool visible, const Var& previous) {
    if (f.kind == FieldKind::kComputed) return;  // derived, never taken from input
    if (!isPresent(v)) {
      if (visible && (f.required || (f.kind == FieldKind::kTable && f.minRows > 0)))
        out_.missing.push_back({name, missingMessage(f, label)});
      return;
    }
    switch (f.kind) {
      case FieldKind::kText:
      case FieldKind::kLongText:
        text(f, v, name, label, previous);
        break;
      case FieldKind::kDate:
        date(f, v, name, label, table, row, previous);
        break;
      case FieldKind::kNumber:
        number(f, v, name, label);
        break;
      case FieldKind::kChoice:
        choice(f, v, name, label);
        break;
      case FieldKind::kMultiChoice:
        multiChoice(f, v, name, label);
        break;
      case FieldKind::kYesNo:
        if (!isBool(v)) bad(name, "Select yes or no for " + label);
        break;
      case FieldKind::kPerson:
        person(f, v, name, label);
        break;
      case FieldKind::kTable:
        rows(f, v, name, label, visible, previous);
        break;
      case FieldKind::kComputed:
        break;
    }
  }

 private:
  void bad(const std::string& name, std::string message) {
    out_.invalid.push_back({name, std::move(message)});
  }

  // Checks shared by every string value; false when it is unusable.
  bool stringOk(const Var& v, const std::string& name, const std::string& label,
                std::size_t* codePoints) {
    if (!isString(v)) {
      bad(name, label + " must be text");
      return false;
    }
    const std::string& s = v.extract<std::string>();
    if (s.size() > kMaxValueBytes) {
      bad(name, label + " must be 64 KiB or shorter");
      return false;
    }
    auto n = utf8Length(s);
    if (!n) {
      bad(name, label + " contains characters that are not valid UTF-8");
      return false;
    }
    if (codePoints) *codePoints = *n;
    return true;
  }

  void text(const FieldDef& f, const Var& v, const std::string& name, const std::string& label,
            const Var& previous) {
    std::size_t n = 0;
    if (!stringOk(v, name, label, &n)) return;
    // An answer saved before control characters were refused (say, prefilled from a legacy
    // name) does not block the next save; any new or changed answer is checked.
    const bool unchanged =
        isString(previous) && previous.extract<std::string>() == v.extract<std::string>();
    const auto shape = f.kind == FieldKind::kLongText ? TextShape::kLongText : TextShape::kLine;
    if (!unchanged && !checkText(out_.invalid, name, label, v.extract<std::string>(), shape))
      return;
    if (f.maxLength && n > *f.maxLength) {
      bad(name, label + " must be " + std::to_string(*f.maxLength) + " characters or fewer");
      return;
    }
    if (f.minLength && n < *f.minLength) {
      bad(name, label + " must be " + std::to_string(*f.minLength) + " characters or more");
      return;
    }
    if (f.regex && !std::regex_match(v.extract<std::string>(), *f.regex))
      bad(name,
          f.patternMessage.empty() ? label + " is not in the right format" : f.patternMessage);
  }

  std::optional<Date> refDate(const std::string& ref, const FieldDef* table, const Object* row) {
    if (ref == "today") return ctx_.today;
    if (ref == "pupil.date_of_birth")
      return ctx_.pupil ? parseIsoDate(ctx_.pupil->dateOfBirth) : std::nullopt;
    Var other = lookup(form_, ref, table, row, top_);
    return isString(other) ? parseIsoDate(other.extract<std::string>()) : std::nullopt;
  }

  std::string refName(const std::string& ref, const FieldDef* table) {
    if (ref == "today") return "today";
    if (ref == "pupil.date_of_birth") return "the pupil's date of birth";
    const FieldDef* f = resolve(form_, ref, table);
    return f ? f->label : ref;
  }

  void date(const FieldDef& f, const Var& v, const std::string& name, const std::string& label,
            const FieldDef* table, const Object* row, const Var& previous) {
    if (!stringOk(v, name, label, nullptr)) return;
    auto d = parseIsoDate(v.extract<std::string>());
    if (!d) {
      bad(name, label + " must be a real date (YYYY-MM-DD)");
      return;
    }
    bool unchanged = !previous.isEmpty() && isString(previous) &&
                     previous.extract<std::string>() == v.extract<std::string>();
    for (const auto& rel : f.dateRelations) {
      if (rel.ref == "today" && unchanged) continue;  // was valid when saved
      auto other = refDate(rel.ref, table, row);
      if (!other) continue;
      auto a = std::chrono::sys_days{*d};
      auto b = std::chrono::sys_days{*other};
      std::string what = refName(rel.ref, table);
      std::string when = rel.ref == "today" ? "today" : what + " (" + ukDate(*other) + ")";
      switch (rel.op) {
        case DateRelation::Op::kAfter:
          if (!(a > b)) bad(name, label + " must be after " + when);
          break;
        case DateRelation::Op::kNotBefore:
          if (a < b) bad(name, label + " must be the same as or after " + when);
          break;
        case DateRelation::Op::kBefore:
          if (!(a < b)) bad(name, label + " must be before " + when);
          break;
        case DateRelation::Op::kNotAfter:
          if (a > b) bad(name, label + " must be the same as or before " + when);
          break;
        case DateRelation::Op::kWithin:
          if (a < std::chrono::sys_days{subtractDuration(*other, rel.within)} ||
              a > std::chrono::sys_days{addDuration(*other, rel.within)})
            bad(name, label + " must be within " + durationWords(rel.within) + " of today");
          break;
      }
    }
  }

  void number(const FieldDef& f, const Var& v, const std::string& name, const std::string& label) {
    if (!isNumber(v)) {
      bad(name, label + " must be a number");
      return;
    }
    double d = v.convert<double>();
    if (!std::isfinite(d)) {
      bad(name, label + " must be a number");
      return;
    }
    if (f.integer && std::trunc(d) != d) {
      bad(name, label + " must be a whole number");
      return;
    }
    if ((f.min && d < *f.min) || (f.max && d > *f.max)) {
      std::string range = f.min && f.max
                              ? "between " + numberText(*f.min) + " and " + numberText(*f.max)
                          : f.min ? numberText(*f.min) + " or more"
                                  : numberText(*f.max) + " or less";
      bad(name, label + " must be " + range);
    }
  }

  void choice(const FieldDef& f, const Var& v, const std::string& name, const std::string& label) {
    if (!stringOk(v, name, label, nullptr)) return;
    if (!f.option(v.extract<std::string>())) bad(name, "Select one of the options for " + label);
  }

  void multiChoice(const FieldDef& f, const Var& v, const std::string& name,
                   const std::string& label) {
    if (!isArray(v)) {
      bad(name, label + " must be a list of options");
      return;
    }
    const auto& a = *v.extract<Array::Ptr>();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < a.size(); ++i) {
      Var x = a.get(static_cast<unsigned>(i));
      if (!stringOk(x, name, label, nullptr)) return;
      std::string s = x.extract<std::string>();
      if (!f.option(s)) {
        bad(name, "Select only the listed options for " + label);
        return;
      }
      if (!seen.insert(s).second) {
        bad(name, label + " lists an option twice");
        return;
      }
    }
    if (f.maxSelected && a.size() > *f.maxSelected)
      bad(name, "Select " + std::to_string(*f.maxSelected) + " or fewer options for " + label);
    else if (f.minSelected && a.size() < *f.minSelected)
      bad(name, "Select at least " + std::to_string(*f.minSelected) + " options for " + label);
  }

  void person(const FieldDef& f, const Var& v, const std::string& name, const std::string& label) {
    std::size_t n = 0;
    if (!stringOk(v, name, label, &n)) return;
    const std::string& s = v.extract<std::string>();
    static const std::regex kRef("(user|contact):[1-9][0-9]{0,17}");
    auto allows = [&](const char* source) {
      return std::find(f.people.begin(), f.people.end(), source) != f.people.end();
    };
    if (std::regex_match(s, kRef)) {
      bool staff = s.rfind("user:", 0) == 0;
      if (!allows(staff ? "staff" : "contact")) {
        bad(name, label + (staff ? " cannot be a member of staff" : " cannot be a contact"));
        return;
      }
      if (ctx_.knownPeople && !ctx_.knownPeople->count(s))
        bad(name, "Select a person from the list for " + label);
      return;
    }
    if (!allows("free_text")) {
      bad(name, "Select a person from the list for " + label);
      return;
    }
    if (!checkText(out_.invalid, name, label, s, TextShape::kLine)) return;
    if (n > 200) bad(name, label + " must be 200 characters or fewer");
  }

  void rows(const FieldDef& f, const Var& v, const std::string& name, const std::string& label,
            bool visible, const Var& previous) {
    if (!isArray(v)) {
      bad(name, label + " must be a list of rows");
      return;
    }
    const auto& a = *v.extract<Array::Ptr>();
    if (a.size() > f.maxRows) {
      bad(name, label + " can have at most " + std::to_string(f.maxRows) + " rows");
      return;
    }
    if (visible && a.size() < f.minRows) out_.missing.push_back({name, missingMessage(f, label)});
    Array::Ptr prevRows = isArray(previous) ? previous.extract<Array::Ptr>() : nullptr;
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string rowName = name + "[" + std::to_string(i) + "]";
      std::string rowLabel = label + ", row " + std::to_string(i + 1);
      Var r = a.get(static_cast<unsigned>(i));
      if (!isObject(r)) {
        bad(rowName, rowLabel + " must be a row of cells");
        continue;
      }
      const Object& row = *r.extract<Object::Ptr>();
      Object::Ptr prevRow;
      if (prevRows && i < prevRows->size() && isObject(prevRows->get(static_cast<unsigned>(i))))
        prevRow = prevRows->getObject(static_cast<unsigned>(i));
      std::vector<std::string> names;
      row.getNames(names);
      for (const auto& n : names)
        if (!f.column(n))
          bad(rowName + "." + n, rowLabel + ": '" + n + "' is not a column of this table");
      for (const auto& c : f.columns) {
        bool cellVisible = visible && visibleIn(form_, c, &f, &row, top_);
        field(c, get(row, c.id), rowName + "." + c.id, rowLabel + ": " + c.label, &f, &row,
              cellVisible, prevRow ? get(*prevRow, c.id) : Var());
      }
    }
  }

  const FormDefinition& form_;
  const Object& top_;
  const ValueContext& ctx_;
  ValueCheck& out_;
};

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

// A copy of `values` with each present, non-computed value of a known field (and of a known
// table column) passed through `scalar`; unknown fields and columns are kept for
// validateValues to refuse; absent values and empty rows are dropped.
Object::Ptr mapValues(const FormDefinition& form, const Object& values,
                      const std::function<Var(const FieldDef&, const Var&)>& scalar) {
  Object::Ptr out = new Object;
  std::vector<std::string> names;
  values.getNames(names);
  for (const auto& n : names) {
    Var v = values.get(n);
    const FieldDef* f = form.field(n);
    if (!f) {
      out->set(n, v);  // unknown: kept for validateValues to refuse
      continue;
    }
    if (f->kind == FieldKind::kComputed || !isPresent(v)) continue;
    if (f->kind == FieldKind::kTable && isArray(v)) {
      Array::Ptr rows = new Array;
      const auto& a = *v.extract<Array::Ptr>();
      for (std::size_t i = 0; i < a.size(); ++i) {
        Var r = a.get(static_cast<unsigned>(i));
        if (!isObject(r)) {
          rows->add(r);
          continue;
        }
        const Object& row = *r.extract<Object::Ptr>();
        Object::Ptr cells = new Object;
        std::vector<std::string> cols;
        row.getNames(cols);
        for (const auto& c : cols) {
          const FieldDef* cf = f->column(c);
          Var cv = row.get(c);
          if (!cf)
            cells->set(c, cv);
          else if (cf->kind != FieldKind::kComputed && isPresent(cv))
            cells->set(c, scalar(*cf, cv));
        }
        if (cells->size() > 0) rows->add(cells);
      }
      if (rows->size() > 0) out->set(n, rows);
      continue;
    }
    out->set(n, scalar(*f, v));
  }
  return out;
}

Object::Ptr deepCopy(const Object& values) {
  Poco::JSON::Parser parser;
  return parser.parse(canonicalJson(values)).extract<Object::Ptr>();
}

}  // namespace

// -- public ---------------------------------------------------------------------------------------

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
  return visibleIn(form, f, nullptr, nullptr, values);
}

ValueCheck validateValues(const FormDefinition& form, const Object& values,
                          const ValueContext& ctx) {
  ValueCheck out;
  std::vector<std::string> names;
  values.getNames(names);
  for (const auto& n : names)
    if (!form.field(n)) out.invalid.push_back({n, "'" + n + "' is not a field of this form"});
  Validator v(form, values, ctx, out);
  for (const auto& s : form.sections) {
    bool sectionVisible = isSectionVisible(s, values);
    for (const auto& f : s.fields) {
      bool visible = sectionVisible && visibleIn(form, f, nullptr, nullptr, values);
      Var previous = ctx.previous ? get(*ctx.previous, f.id) : Var();
      v.field(f, get(values, f.id), f.id, f.label, nullptr, nullptr, visible, previous);
    }
  }
  return out;
}

Object::Ptr normaliseValues(const FormDefinition& form, const Object& values) {
  return mapValues(form, values, [](const FieldDef&, const Var& v) { return v; });
}

Object::Ptr valuesFromControls(const FormDefinition& form, const Object& values) {
  return mapValues(form, values, controlScalar);
}

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
    if (f->kind == FieldKind::kTable) {
      Var rows = get(values, f->id);
      if (!isArray(rows)) continue;
      const auto& a = *rows.extract<Array::Ptr>();
      for (std::size_t i = 0; i < a.size(); ++i) {
        Var r = a.get(static_cast<unsigned>(i));
        if (!isObject(r)) continue;
        const Object* row = r.extract<Object::Ptr>().get();
        for (const auto& c : f->columns) {
          if (c.kind != FieldKind::kComputed || !c.formula) continue;
          auto v = evaluate(form, *c.formula, f, row, values, 0);
          out.push_back(
              {f->id + "[" + std::to_string(i) + "]." + c.id, v, v ? bandFor(c, *v) : nullptr});
        }
      }
    }
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
    if (f->kind == FieldKind::kTable && isArray(get(values, f->id)) && isArray(get(*out, f->id))) {
      const auto& in = *values.get(f->id).extract<Array::Ptr>();
      auto& copy = *out->get(f->id).extract<Array::Ptr>();
      for (std::size_t i = 0; i < in.size() && i < copy.size(); ++i) {
        Var r = in.get(static_cast<unsigned>(i));
        Var cr = copy.get(static_cast<unsigned>(i));
        if (!isObject(r) || !isObject(cr)) continue;
        const Object* row = r.extract<Object::Ptr>().get();
        Object::Ptr crow = cr.extract<Object::Ptr>();
        for (const auto& c : f->columns) {
          if (c.kind != FieldKind::kComputed || !c.formula) continue;
          crow->remove(c.id);
          if (auto v = evaluate(form, *c.formula, f, row, values, 0)) crow->set(c.id, *v);
        }
      }
    }
  }
  return out;
}

std::string canonicalJson(const Var& v) {
  std::string out;
  writeCanonical(out, v, 0);
  return out;
}

std::string canonicalJson(const Object& o) {
  Object::Ptr p = new Object(o);
  return canonicalJson(Var(p));
}

std::string detailJson(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> items) {
  Poco::JSON::Object o;
  for (const auto& [k, v] : items) o.set(k, v);
  return canonicalJson(o);
}

std::string contentHash(const Object& values) { return sha256Hex(canonicalJson(values)); }

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
        std::string s = numberText(v.convert<double>());
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

Object::Ptr prefillValues(const FormDefinition& form, const Pupil& pupil,
                          const std::vector<Contact>& contacts) {
  Object::Ptr out = new Object;
  auto contactsOf = [&](const std::string& source) {
    std::vector<const Contact*> list;
    std::string kind = source.substr(std::string("contacts.").size());
    for (const auto& c : contacts)
      if (c.active && (kind == "all" || kind == contactKindName(c.kind))) list.push_back(&c);
    return list;
  };
  for (const auto* f : form.fields()) {
    const std::string& p = f->prefill;
    if (p.empty()) continue;
    if (p.rfind("pupil.", 0) == 0) {
      std::string v = p == "pupil.legal_name"       ? pupil.legalName
                      : p == "pupil.preferred_name" ? pupil.preferredName
                      : p == "pupil.display_name"   ? pupil.displayName()
                      : p == "pupil.date_of_birth"  ? pupil.dateOfBirth
                      : p == "pupil.year_group"     ? pupil.yearGroup
                      : p == "pupil.upn"            ? pupil.upn
                                                    : std::string();
      if (!v.empty() && (f->kind != FieldKind::kChoice || f->option(v))) out->set(f->id, v);
      continue;
    }
    auto list = contactsOf(p);
    if (list.empty()) continue;
    if (f->kind == FieldKind::kPerson) {
      out->set(f->id, "contact:" + std::to_string(list.front()->id));
    } else if (f->kind == FieldKind::kTable) {
      Array::Ptr rows = new Array;
      for (const Contact* c : list) {
        if (rows->size() >= f->maxRows) break;
        Object::Ptr row = new Object;
        for (const auto& col : f->columns) {
          const std::string& cp = col.prefill;
          std::string v = cp == "contact.name"           ? c->name
                          : cp == "contact.relationship" ? c->relationship
                          : cp == "contact.email"        ? c->email
                          : cp == "contact.kind"         ? contactKindLabel(c->kind)
                          : cp == "contact.ref"          ? "contact:" + std::to_string(c->id)
                                                         : std::string();
          if (col.kind == FieldKind::kPerson && cp == "contact.name")
            v = "contact:" + std::to_string(c->id);
          if (!v.empty()) row->set(col.id, v);
        }
        if (row->size() > 0) rows->add(row);
      }
      if (rows->size() > 0) out->set(f->id, rows);
    } else {
      std::string names;
      for (const Contact* c : list) {
        names += (names.empty() ? "" : "; ") + c->name;
        if (!c->relationship.empty()) names += " (" + c->relationship + ")";
      }
      out->set(f->id, names);
    }
  }
  return out;
}

}  // namespace sendflow::engine
