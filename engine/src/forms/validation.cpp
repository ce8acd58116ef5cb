#include "sendflow/engine/forms/validation.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "sendflow/engine/core/canonical_json.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/forms/visibility.h"
#include "sendflow/engine/plans/schedule.h"
#include "value_tree.h"

namespace sendflow::engine {

using namespace values;

namespace {

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
    auto n = utf8::length(s);
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
    Var other = lookup(ref, table, row, top_);
    return isString(other) ? parseIsoDate(other.extract<std::string>()) : std::nullopt;
  }

  std::string refName(const std::string& ref, const FieldDef* table) {
    if (ref == "today") return "today";
    if (ref == "pupil.date_of_birth") return "the pupil's date of birth";
    const FieldDef* f = form_.resolve(ref, table);
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
      std::string range =
          f.min && f.max ? "between " + canonicalNumber(*f.min) + " and " + canonicalNumber(*f.max)
          : f.min        ? canonicalNumber(*f.min) + " or more"
                         : canonicalNumber(*f.max) + " or less";
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
        bool cellVisible = visible && visibleIn(c, &f, &row, top_);
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

}  // namespace

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
      bool visible = sectionVisible && visibleIn(f, nullptr, nullptr, values);
      Var previous = ctx.previous ? get(*ctx.previous, f.id) : Var();
      v.field(f, get(values, f.id), f.id, f.label, nullptr, nullptr, visible, previous);
    }
  }
  return out;
}

}  // namespace sendflow::engine
