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

// Messages are engine Texts (core/message.h): a contact reads them in their language. The
// answer's name is the form's words: in English as it reads in the sentence (answerName), in
// another language the label the form gives in it (else the English label), quoted.
std::map<std::string, std::string, std::less<>> labelsOf(const FieldDef& f) {
  return wordsByLanguage(f.translations, &LocalWords::label);
}

// A whole message of the form's own ("error_messages", "pattern_message"): in a contact's
// language where the form gives it there, else in English (marked as English on their page).
Text ownMessage(const FieldDef& f, const std::string& english, std::string LocalWords::*word) {
  return Text("{{message}}",
              {TextArg::formMessage("message", english, wordsByLanguage(f.translations, word))});
}

TextArg answerArg(const FieldDef& f, bool startsSentence, const char* name = "answer") {
  return TextArg::formWords(name, startsSentence ? upperFirst(answerName(f)) : answerName(f),
                            labelsOf(f));
}

// A yes/no answer asked for: "Select if this is a temporary need" (its "error_name"), else
// "Select yes or no for “Is this a temporary need?”".
Text selectYesNo(const FieldDef& f) {
  if (!f.errorName.empty()) return Text(N_("Select {{answer}}"), {answerArg(f, false)});
  const bool question = !f.label.empty() && f.label.back() == '?';
  return Text(N_("Select yes or no for {{answer}}"),
              {TextArg::formWords("answer", question ? "“" + f.label + "”" : lowerFirst(f.label),
                                  labelsOf(f))});
}

// GOV.UK patterns: "Enter …" for what is typed, "Select …" for what is chosen.
Text missingMessage(const FieldDef& f) {
  if (!f.requiredMessage.empty())
    return ownMessage(f, f.requiredMessage, &LocalWords::requiredMessage);
  switch (f.kind) {
    case FieldKind::kYesNo:
      return selectYesNo(f);
    case FieldKind::kChoice:
    case FieldKind::kMultiChoice:
    case FieldKind::kPerson:
      return Text(N_("Select {{answer}}"), {answerArg(f, false)});
    case FieldKind::kTable: {
      const auto n = static_cast<long>(std::max<std::size_t>(f.minRows, 1));
      if (n == 1) return Text(N_("Add at least 1 row to {{answer}}"), {answerArg(f, false)});
      return Text(N_("Add rows to {{answer}}: at least {{count}}"),
                  {answerArg(f, false), TextArg::number("count", n)});
    }
    default:
      return Text(N_("Enter {{answer}}"), {answerArg(f, false)});
  }
}

// Who an error is about: the field, and for a table cell the words naming its row
// ("Medicines, row 2: "), put before every message about it.
struct Subject {
  const FieldDef& f;
  const Text* row = nullptr;  // "Medicines, row 2" for a cell
  // `message` about this field, after its row's words for a cell.
  Text about(Text message) const {
    if (!row) return message;
    return Text(N_("{{row}}: {{problem}}"),
                {TextArg::text("row", *row), TextArg::text("problem", std::move(message))});
  }
  // A message that starts with the answer's name ("{{answer}} must be a number").
  Text says(const char* msgid, std::vector<TextArg> args = {}) const {
    args.push_back(answerArg(f, true));
    return about(Text(msgid, std::move(args)));
  }
  // A message that names the answer inside the sentence ("Select … for {{answer}}").
  Text asks(const char* msgid, std::vector<TextArg> args = {}) const {
    args.push_back(answerArg(f, false));
    return about(Text(msgid, std::move(args)));
  }
};

class Validator {
 public:
  Validator(const FormDefinition& form, const Object& top, const ValueContext& ctx, ValueCheck& out)
      : form_(form), top_(top), ctx_(ctx), out_(out) {}

  void field(const FieldDef& f, const Var& v, const std::string& name, const Text* rowWords,
             const FieldDef* table, const Object* row, bool visible, const Var& previous) {
    if (f.kind == FieldKind::kComputed) return;  // derived, never taken from input
    const Subject label{f, rowWords};
    if (!isPresent(v)) {
      if (visible && (f.required || (f.kind == FieldKind::kTable && f.minRows > 0)))
        out_.missing.push_back(fieldError(name, label.about(missingMessage(f))));
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
        if (!isBool(v)) bad(name, label.about(selectYesNo(f)));
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
  void bad(const std::string& name, Text message) {
    out_.invalid.push_back(fieldError(name, std::move(message)));
  }

  // Checks shared by every string value; false when it is unusable.
  bool stringOk(const Var& v, const std::string& name, const Subject& label,
                std::size_t* codePoints) {
    if (!isString(v)) {
      bad(name, label.says(N_("{{answer}} must be text")));
      return false;
    }
    const std::string& s = v.extract<std::string>();
    if (s.size() > kMaxValueBytes) {
      bad(name, label.says(N_("{{answer}} must be 64 KiB or shorter")));
      return false;
    }
    auto n = utf8::length(s);
    if (!n) {
      bad(name, label.says(N_("{{answer}} contains characters that are not valid UTF-8")));
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
    if (!unchanged) {
      if (auto problem = textProblem(v.extract<std::string>(), shape, answerArg(f, true))) {
        bad(name, label.about(std::move(*problem)));
        return;
      }
    }
    if (f.maxLength && n > *f.maxLength) {
      bad(name, label.says(N_("{{answer}} must be {{count}} characters or fewer"),
                           {TextArg::number("count", static_cast<long>(*f.maxLength))}));
      return;
    }
    if (f.minLength && n < *f.minLength) {
      bad(name, label.says(N_("{{answer}} must be {{count}} characters or more"),
                           {TextArg::number("count", static_cast<long>(*f.minLength))}));
      return;
    }
    if (f.regex && !std::regex_match(v.extract<std::string>(), *f.regex))
      bad(name, !f.patternMessage.empty()
                    ? label.about(ownMessage(f, f.patternMessage, &LocalWords::patternMessage))
                : !f.invalidMessage.empty()
                    ? label.about(ownMessage(f, f.invalidMessage, &LocalWords::invalidMessage))
                    : label.says(N_("{{answer}} is not in the right format")));
  }

  std::optional<Date> refDate(const std::string& ref, const FieldDef* table, const Object* row) {
    if (ref == "today") return ctx_.today;
    if (ref == "pupil.date_of_birth")
      return ctx_.pupil ? parseIsoDate(ctx_.pupil->dateOfBirth) : std::nullopt;
    Var other = lookup(ref, table, row, top_);
    return isString(other) ? parseIsoDate(other.extract<std::string>()) : std::nullopt;
  }

  // The date another is compared with: "today", or "the pupil's date of birth (3 May 2015)".
  Text refWhen(const std::string& ref, const FieldDef* table, Date other) {
    if (ref == "today") return Text(N_("today"));
    std::vector<TextArg> args{TextArg::date("date", isoDate(other))};
    if (ref == "pupil.date_of_birth")
      args.push_back(TextArg::text("answer", Text(N_("the pupil's date of birth"))));
    else if (const FieldDef* f = form_.resolve(ref, table))
      args.push_back(answerArg(*f, false));
    else
      args.push_back(TextArg::verbatim("answer", ref));
    return Text(N_("{{answer}} ({{date}})"), std::move(args));
  }

  void date(const FieldDef& f, const Var& v, const std::string& name, const Subject& label,
            const FieldDef* table, const Object* row, const Var& previous) {
    if (!stringOk(v, name, label, nullptr)) return;
    auto d = parseIsoDate(v.extract<std::string>());
    if (!d) {
      bad(name, f.invalidMessage.empty()
                    ? label.says(N_("{{answer}} must be a real date"))
                    : label.about(ownMessage(f, f.invalidMessage, &LocalWords::invalidMessage)));
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
      const auto when = TextArg::text("when", refWhen(rel.ref, table, *other));
      switch (rel.op) {
        case DateRelation::Op::kAfter:
          if (!(a > b)) bad(name, label.says(N_("{{answer}} must be after {{when}}"), {when}));
          break;
        case DateRelation::Op::kNotBefore:
          if (a < b)
            bad(name, label.says(N_("{{answer}} must be the same as or after {{when}}"), {when}));
          break;
        case DateRelation::Op::kBefore:
          if (!(a < b)) bad(name, label.says(N_("{{answer}} must be before {{when}}"), {when}));
          break;
        case DateRelation::Op::kNotAfter:
          if (a > b)
            bad(name, label.says(N_("{{answer}} must be the same as or before {{when}}"), {when}));
          break;
        case DateRelation::Op::kWithin:
          // The duration written out in the contact's language ("12 miesięcy").
          if (a < std::chrono::sys_days{subtractDuration(*other, rel.within)} ||
              a > std::chrono::sys_days{addDuration(*other, rel.within)})
            bad(name, label.says(N_("{{answer}} must be within {{duration}} of today"),
                                 {TextArg::duration("duration", durationText(rel.within))}));
          break;
      }
    }
  }

  void number(const FieldDef& f, const Var& v, const std::string& name, const Subject& label) {
    if (!isNumber(v)) {
      bad(name, label.says(N_("{{answer}} must be a number")));
      return;
    }
    double d = v.convert<double>();
    if (!std::isfinite(d)) {
      bad(name, label.says(N_("{{answer}} must be a number")));
      return;
    }
    if (f.integer && std::trunc(d) != d) {
      bad(name, label.says(N_("{{answer}} must be a whole number")));
      return;
    }
    if ((f.min && d < *f.min) || (f.max && d > *f.max)) {
      const auto min = TextArg::verbatim("min", f.min ? canonicalNumber(*f.min) : "");
      const auto max = TextArg::verbatim("max", f.max ? canonicalNumber(*f.max) : "");
      bad(name, f.min && f.max
                    ? label.says(N_("{{answer}} must be between {{min}} and {{max}}"), {min, max})
                : f.min ? label.says(N_("{{answer}} must be {{min}} or more"), {min})
                        : label.says(N_("{{answer}} must be {{max}} or less"), {max}));
    }
  }

  void choice(const FieldDef& f, const Var& v, const std::string& name, const Subject& label) {
    if (!stringOk(v, name, label, nullptr)) return;
    if (!f.option(v.extract<std::string>()))
      bad(name, label.asks(N_("Select one of the options for {{answer}}")));
  }

  void multiChoice(const FieldDef& f, const Var& v, const std::string& name, const Subject& label) {
    if (!isArray(v)) {
      bad(name, label.says(N_("{{answer}} must be a list of options")));
      return;
    }
    const auto& a = *v.extract<Array::Ptr>();
    std::set<std::string> seen;
    for (std::size_t i = 0; i < a.size(); ++i) {
      Var x = a.get(static_cast<unsigned>(i));
      if (!stringOk(x, name, label, nullptr)) return;
      std::string s = x.extract<std::string>();
      if (!f.option(s)) {
        bad(name, label.asks(N_("Select only the listed options for {{answer}}")));
        return;
      }
      if (!seen.insert(s).second) {
        bad(name, label.says(N_("{{answer}} lists an option twice")));
        return;
      }
    }
    if (f.maxSelected && a.size() > *f.maxSelected)
      bad(name, label.asks(N_("Select {{count}} or fewer options for {{answer}}"),
                           {TextArg::number("count", static_cast<long>(*f.maxSelected))}));
    else if (f.minSelected && a.size() < *f.minSelected)
      bad(name, label.asks(N_("Select at least {{count}} options for {{answer}}"),
                           {TextArg::number("count", static_cast<long>(*f.minSelected))}));
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
        bad(name, staff ? label.says(N_("{{answer}} cannot be a member of staff"))
                        : label.says(N_("{{answer}} cannot be a contact")));
        return;
      }
      if (ctx_.knownPeople && !ctx_.knownPeople->count(s))
        bad(name, label.asks(N_("Select a person from the list for {{answer}}")));
      return;
    }
    if (!allows("free_text")) {
      bad(name, label.asks(N_("Select a person from the list for {{answer}}")));
      return;
    }
    if (auto problem = textProblem(s, TextShape::kLine, answerArg(f, true))) {
      bad(name, label.about(std::move(*problem)));
      return;
    }
    if (n > 200)
      bad(name, label.says(N_("{{answer}} must be {{count}} characters or fewer"),
                           {TextArg::number("count", 200)}));
  }

  void rows(const FieldDef& f, const Var& v, const std::string& name, const Subject& label,
            bool visible, const Var& previous) {
    if (!isArray(v)) {
      bad(name, label.says(N_("{{answer}} must be a list of rows")));
      return;
    }
    const auto& a = *v.extract<Array::Ptr>();
    if (a.size() > f.maxRows) {
      bad(name, label.says(N_("{{answer}} can have at most {{count}} rows"),
                           {TextArg::number("count", static_cast<long>(f.maxRows))}));
      return;
    }
    if (visible && a.size() < f.minRows)
      out_.missing.push_back(fieldError(name, label.about(missingMessage(f))));
    Array::Ptr prevRows = isArray(previous) ? previous.extract<Array::Ptr>() : nullptr;
    for (std::size_t i = 0; i < a.size(); ++i) {
      std::string rowName = name + "[" + std::to_string(i) + "]";
      // Cells are named by the table's heading and the row: "Medicines, row 2: Enter the dose".
      const Text rowWords(N_("{{table}}, row {{number}}"),
                          {TextArg::formWords("table", f.label, labelsOf(f)),
                           TextArg::number("number", static_cast<long>(i + 1))});
      Var r = a.get(static_cast<unsigned>(i));
      if (!isObject(r)) {
        bad(rowName, Text(N_("{{row}} must be a row of cells"), {TextArg::text("row", rowWords)}));
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
          bad(rowName + "." + n,
              Text(N_("{{row}}: '{{column}}' is not a column of this table"),
                   {TextArg::text("row", rowWords), TextArg::verbatim("column", n)}));
      for (const auto& c : f.columns) {
        if (!conditionMet(c, &f, &row, top_)) continue;  // hidden by its condition: not judged
        bool cellVisible = visible && !c.hidden;
        field(c, get(row, c.id), rowName + "." + c.id, &rowWords, &f, &row, cellVisible,
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
      v.field(f, get(values, f.id), f.id, nullptr, nullptr, nullptr, !f.hidden, previous);
    }
  }
  return out;
}

}  // namespace sendflow::engine
