#include "sendflow/engine/forms/validation.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "sendflow/engine/core/canonical_json.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/text.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/forms/visibility.h"
#include "sendflow/engine/plans/schedule.h"
#include "value_tree.h"

namespace sendflow::engine {

using namespace values;

namespace {

// Whether `f`'s own visible_when holds (true without one); "hidden" is not asked about.
bool conditionMet(const FieldDef& f, const FieldDef* table, const Object* row, const Object& top) {
  if (!f.visibleWhen) return true;
  return conditionOn(*f.visibleWhen, lookup(f.visibleWhen->field, table, row, top));
}

std::string upperFirst(std::string s) {
  if (!s.empty() && s[0] >= 'a' && s[0] <= 'z') s[0] = static_cast<char>(s[0] - 'a' + 'A');
  return s;
}

// "Date of birth" -> "date of birth"; "UPN" and "EHC plan" keep their capitals.
std::string lowerFirst(std::string s) {
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  if (s.size() >= 2 && upper(s[0]) && !upper(s[1]) && s[1] != ' ')
    s[0] = static_cast<char>(s[0] - 'A' + 'a');
  return s;
}

// What the answer is, as it reads inside a sentence: the definition's "error_name", else the
// label, lower-cased, or a question quoted whole rather than glued into a sentence.
std::string answerName(const FieldDef& f) {
  if (!f.errorName.empty()) return f.errorName;
  if (!f.label.empty() && f.label.back() == '?') return "the answer to “" + f.label + "”";
  return lowerFirst(f.label);
}

// A yes/no answer asked for: "Select if this is a temporary need" (its "error_name"), else
// "Select yes or no for “Is this a temporary need?”".
std::string selectYesNo(const FieldDef& f) {
  if (!f.errorName.empty()) return "Select " + f.errorName;
  const bool question = !f.label.empty() && f.label.back() == '?';
  return "Select yes or no for " + (question ? "“" + f.label + "”" : lowerFirst(f.label));
}

// GOV.UK patterns: "Enter …" for what is typed, "Select …" for what is chosen.
std::string missingMessage(const FieldDef& f) {
  if (!f.requiredMessage.empty()) return f.requiredMessage;
  switch (f.kind) {
    case FieldKind::kYesNo:
      return selectYesNo(f);
    case FieldKind::kChoice:
    case FieldKind::kMultiChoice:
    case FieldKind::kPerson:
      return "Select " + answerName(f);
    case FieldKind::kTable: {
      const auto n = static_cast<long>(std::max<std::size_t>(f.minRows, 1));
      return "Add at least " + countOf(n, "row", "rows") + " to " + answerName(f);
    }
    default:
      return "Enter " + answerName(f);
  }
}

// Who an error is about: the field, and for a table cell the words naming its row
// ("Medicines, row 2: "), put before every message about it.
struct Subject {
  const FieldDef& f;
  std::string prefix;
  std::string name() const { return prefix + upperFirst(answerName(f)); }  // starts a sentence
};

class Validator {
 public:
  Validator(const FormDefinition& form, const Object& top, const ValueContext& ctx, ValueCheck& out)
      : form_(form), top_(top), ctx_(ctx), out_(out) {}

  void field(const FieldDef& f, const Var& v, const std::string& name, const std::string& prefix,
             const FieldDef* table, const Object* row, bool visible, const Var& previous) {
    if (f.kind == FieldKind::kComputed) return;  // derived, never taken from input
    const Subject label{f, prefix};
    if (!isPresent(v)) {
      if (visible && (f.required || (f.kind == FieldKind::kTable && f.minRows > 0)))
        out_.missing.push_back({name, prefix + missingMessage(f)});
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
        if (!isBool(v)) bad(name, prefix + selectYesNo(f));
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
  // An answer that breaks the field's rules.
  void bad(const std::string& name, std::string message) {
    out_.invalid.push_back({name, std::move(message)});
  }

  // Checks shared by every string value; false when it is unusable.
  bool stringOk(const Var& v, const std::string& name, const Subject& label,
                std::size_t* codePoints) {
    if (!isString(v)) {
      bad(name, label.name() + " must be text");
      return false;
    }
    const std::string& s = v.extract<std::string>();
    if (s.size() > kMaxValueBytes) {
      bad(name, label.name() + " must be 64 KiB or shorter");
      return false;
    }
    auto n = utf8::length(s);
    if (!n) {
      bad(name, label.name() + " contains characters that are not valid UTF-8");
      return false;
    }
    if (codePoints) *codePoints = *n;
    return true;
  }

  void text(const FieldDef& f, const Var& v, const std::string& name, const Subject& label,
            const Var& previous) {
    std::size_t n = 0;
    if (!stringOk(v, name, label, &n)) return;
    // An answer saved before control characters were refused (say, prefilled from a legacy
    // name) does not block the next save; any new or changed answer is checked.
    const bool unchanged =
        isString(previous) && previous.extract<std::string>() == v.extract<std::string>();
    const auto shape = f.kind == FieldKind::kLongText ? TextShape::kLongText : TextShape::kLine;
    if (!unchanged && !checkText(out_.invalid, name, label.name(), v.extract<std::string>(), shape))
      return;
    if (f.maxLength && n > *f.maxLength) {
      bad(name, label.name() + " must be " + std::to_string(*f.maxLength) + " characters or fewer");
      return;
    }
    if (f.minLength && n < *f.minLength) {
      bad(name, label.name() + " must be " + std::to_string(*f.minLength) + " characters or more");
      return;
    }
    if (f.regex && !std::regex_match(v.extract<std::string>(), *f.regex))
      bad(name, !f.patternMessage.empty()   ? label.prefix + f.patternMessage
                : !f.invalidMessage.empty() ? label.prefix + f.invalidMessage
                                            : label.name() + " is not in the right format");
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
    return f ? answerName(*f) : ref;
  }

  void date(const FieldDef& f, const Var& v, const std::string& name, const Subject& label,
            const FieldDef* table, const Object* row, const Var& previous) {
    if (!stringOk(v, name, label, nullptr)) return;
    auto d = parseIsoDate(v.extract<std::string>());
    if (!d) {
      bad(name, f.invalidMessage.empty() ? label.name() + " must be a real date"
                                         : label.prefix + f.invalidMessage);
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
          if (!(a > b)) bad(name, label.name() + " must be after " + when);
          break;
        case DateRelation::Op::kNotBefore:
          if (a < b) bad(name, label.name() + " must be the same as or after " + when);
          break;
        case DateRelation::Op::kBefore:
          if (!(a < b)) bad(name, label.name() + " must be before " + when);
          break;
        case DateRelation::Op::kNotAfter:
          if (a > b) bad(name, label.name() + " must be the same as or before " + when);
          break;
        case DateRelation::Op::kWithin:
          if (a < std::chrono::sys_days{subtractDuration(*other, rel.within)} ||
              a > std::chrono::sys_days{addDuration(*other, rel.within)})
            bad(name, label.name() + " must be within " + durationWords(rel.within) + " of today");
          break;
      }
    }
  }

  void number(const FieldDef& f, const Var& v, const std::string& name, const Subject& label) {
    if (!isNumber(v)) {
      bad(name, label.name() + " must be a number");
      return;
    }
    double d = v.convert<double>();
    if (!std::isfinite(d)) {
      bad(name, label.name() + " must be a number");
      return;
    }
    if (f.integer && std::trunc(d) != d) {
      bad(name, label.name() + " must be a whole number");
      return;
    }
    if ((f.min && d < *f.min) || (f.max && d > *f.max)) {
      std::string range =
          f.min && f.max ? "between " + canonicalNumber(*f.min) + " and " + canonicalNumber(*f.max)
          : f.min        ? canonicalNumber(*f.min) + " or more"
                         : canonicalNumber(*f.max) + " or less";
      bad(name, label.name() + " must be " + range);
    }
  }

  void choice(const FieldDef& f, const Var& v, const std::string& name, const Subject& label) {
    if (!stringOk(v, name, label, nullptr)) return;
    if (!f.option(v.extract<std::string>()))
      bad(name, label.prefix + "Select one of the options for " + answerName(label.f));
  }

  void multiChoice(const FieldDef& f, const Var& v, const std::string& name, const Subject& label) {
    if (!isArray(v)) {
      bad(name, label.name() + " must be a list of options");
      return;
    }
    const auto& a = *v.extract<Array::Ptr>();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < a.size(); ++i) {
      Var x = a.get(static_cast<unsigned>(i));
      if (!stringOk(x, name, label, nullptr)) return;
      std::string s = x.extract<std::string>();
      if (!f.option(s)) {
        bad(name, label.prefix + "Select only the listed options for " + answerName(label.f));
        return;
      }
      if (!seen.insert(s).second) {
        bad(name, label.name() + " lists an option twice");
        return;
      }
    }
    if (f.maxSelected && a.size() > *f.maxSelected)
      bad(name, label.prefix + "Select " + std::to_string(*f.maxSelected) +
                    " or fewer options for " + answerName(label.f));
    else if (f.minSelected && a.size() < *f.minSelected)
      bad(name, label.prefix + "Select at least " + std::to_string(*f.minSelected) +
                    " options for " + answerName(label.f));
  }

  void person(const FieldDef& f, const Var& v, const std::string& name, const Subject& label) {
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
        bad(name, label.name() + (staff ? " cannot be a member of staff" : " cannot be a contact"));
        return;
      }
      if (ctx_.knownPeople && !ctx_.knownPeople->count(s))
        bad(name, label.prefix + "Select a person from the list for " + answerName(label.f));
      return;
    }
    if (!allows("free_text")) {
      bad(name, label.prefix + "Select a person from the list for " + answerName(label.f));
      return;
    }
    if (!checkText(out_.invalid, name, label.name(), s, TextShape::kLine)) return;
    if (n > 200) bad(name, label.name() + " must be 200 characters or fewer");
  }

  void rows(const FieldDef& f, const Var& v, const std::string& name, const Subject& label,
            bool visible, const Var& previous) {
    if (!isArray(v)) {
      bad(name, label.name() + " must be a list of rows");
      return;
    }
    const auto& a = *v.extract<Array::Ptr>();
    if (a.size() > f.maxRows) {
      bad(name, label.name() + " can have at most " + std::to_string(f.maxRows) + " rows");
      return;
    }
    if (visible && a.size() < f.minRows)
      out_.missing.push_back({name, label.prefix + missingMessage(f)});
    Array::Ptr prevRows = isArray(previous) ? previous.extract<Array::Ptr>() : nullptr;
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string rowName = name + "[" + std::to_string(i) + "]";
      // Cells are named by the table's heading and the row: "Medicines, row 2: Enter the dose".
      std::string rowLabel = label.prefix + f.label + ", row " + std::to_string(i + 1);
      Var r = a.get(static_cast<unsigned>(i));
      if (!isObject(r)) {
        out_.invalid.push_back({rowName, rowLabel + " must be a row of cells"});
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
          out_.invalid.push_back(
              {rowName + "." + n, rowLabel + ": '" + n + "' is not a column of this table"});
      for (const auto& c : f.columns) {
        if (!conditionMet(c, &f, &row, top_)) continue;  // hidden by its condition: not judged
        bool cellVisible = visible && !c.hidden;
        field(c, get(row, c.id), rowName + "." + c.id, rowLabel + ": ", &f, &row, cellVisible,
              prevRow ? get(*prevRow, c.id) : Var());
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
    // A question its condition (or its section's) hides is not judged at all: its answer is
    // neither required nor checked, and saving drops it (withoutHiddenAnswers).
    if (!isSectionVisible(s, values)) continue;
    for (const auto& f : s.fields) {
      if (!conditionMet(f, nullptr, nullptr, values)) continue;
      Var previous = ctx.previous ? get(*ctx.previous, f.id) : Var();
      // "hidden" fields (the system's, never shown) are type-checked but never required.
      v.field(f, get(values, f.id), f.id, "", nullptr, nullptr, !f.hidden, previous);
    }
  }
  return out;
}

}  // namespace sendflow::engine
