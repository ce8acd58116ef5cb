// One field of a form definition: its kind, the keys that kind allows, and each group of rules.
#include <algorithm>
#include <regex>
#include <set>

#include "form_parser.h"
#include "local_words.h"
#include "sendflow/engine/definitions/duration.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// Keys a field of this kind may have besides id, label, kind and the common ones.
std::vector<std::string_view> kindKeys(FieldKind kind) {
  switch (kind) {
    case FieldKind::kText:
      return {"min_length", "max_length", "pattern", "pattern_message"};
    case FieldKind::kLongText:
      return {"min_length", "max_length"};
    case FieldKind::kDate:
      return {"after", "not_before", "before", "not_after", "within"};
    case FieldKind::kNumber:
      return {"min", "max", "integer"};
    case FieldKind::kChoice:
      return {"options"};
    case FieldKind::kMultiChoice:
      return {"options", "min_selected", "max_selected"};
    case FieldKind::kPerson:
      return {"people"};
    case FieldKind::kTable:
      return {"columns", "min_rows", "max_rows"};
    case FieldKind::kComputed:
      return {"formula", "bands"};
    case FieldKind::kYesNo:
      break;
  }
  return {};
}

const std::vector<std::string>& contactColumnSources() {
  static const std::vector<std::string> kSources{"contact.name", "contact.relationship",
                                                 "contact.email", "contact.kind", "contact.ref"};
  return kSources;
}

}  // namespace

FieldDef FormParser::field(const Var& v, const std::string& p, bool inTable) {
  auto o = r_.object(v, p);
  FieldDef f;
  f.kind = fieldKind(*o, p, inTable);
  checkFieldKeys(*o, p, f.kind);
  readCommon(*o, p, inTable, f);
  readTextRules(*o, p, f);
  readNumberRules(*o, p, f);
  readOptions(*o, p, f);
  readDateRelations(*o, p, f);
  readPeople(*o, p, f);
  if (f.kind == FieldKind::kTable) readTable(*o, p, f);
  if (f.kind == FieldKind::kComputed) readComputed(*o, p, f);
  // After the English words and messages they translate.
  f.translations = readTranslations(r_, *o, p, "label", &f.help, &f);
  return f;
}

FieldKind FormParser::fieldKind(const Object& o, const std::string& p, bool inTable) {
  if (!o.has("kind")) r_.fail(p, "missing required key 'kind'");
  std::string kindText = r_.string(o.get("kind"), p + ".kind");
  auto kind = parseFieldKind(kindText);
  if (!kind) r_.fail(p + ".kind", "unknown field kind '" + kindText + "'");
  if (inTable && *kind == FieldKind::kTable) r_.fail(p + ".kind", "a table cannot contain a table");
  return *kind;
}

void FormParser::checkFieldKeys(const Object& o, const std::string& p, FieldKind kind) {
  std::vector<std::string_view> allowed{"help",         "required", "readonly",    "hidden",
                                        "visible_when", "prefill",  "translations"};
  if (kind != FieldKind::kComputed)  // never validated, so never in an error message
    for (const char* k : {"error_name", "error_messages"}) allowed.push_back(k);
  for (auto k : kindKeys(kind)) allowed.push_back(k);
  static const std::set<std::string> kOfOtherKinds{"options", "columns", "formula",    "bands",
                                                   "min",     "max",     "min_length", "max_length",
                                                   "pattern", "after",   "within",     "people"};
  std::vector<std::string> names;
  o.getNames(names);
  for (const auto& n : names) {
    if (n == "id" || n == "label" || n == "kind" || contains(allowed, n)) continue;
    r_.fail(p + "." + n, kOfOtherKinds.count(n)
                             ? "'" + n + "' does not apply to a " + fieldKindName(kind) + " field"
                             : "unknown key '" + n + "'");
  }
  for (const char* k : {"id", "label"})
    if (!o.has(k)) r_.fail(p, std::string("missing required key '") + k + "'");
}

void FormParser::readCommon(const Object& o, const std::string& p, bool inTable, FieldDef& f) {
  f.id = r_.identifier(o.get("id"), p + ".id");
  f.label = r_.string(o.get("label"), p + ".label");
  if (o.has("help")) f.help = r_.string(o.get("help"), p + ".help");
  if (o.has("required")) f.required = r_.boolean(o.get("required"), p + ".required");
  if (o.has("readonly")) f.readonly = r_.boolean(o.get("readonly"), p + ".readonly");
  if (o.has("hidden")) f.hidden = r_.boolean(o.get("hidden"), p + ".hidden");
  if (o.has("visible_when")) f.visibleWhen = condition(o.get("visible_when"), p + ".visible_when");
  if (o.has("prefill")) {
    f.prefill = r_.string(o.get("prefill"), p + ".prefill");
    const auto& sources = inTable ? contactColumnSources() : prefillSources();
    if (!contains(sources, f.prefill))
      r_.fail(p + ".prefill", "unknown prefill source '" + f.prefill + "' (expected one of " +
                                  joined(sources) + ")");
    checkPrefillKind(f, p + ".prefill", inTable);
  }
  if (f.kind == FieldKind::kComputed && f.required)
    r_.fail(p + ".required", "a computed field cannot be required");
  readErrorWords(o, p, f);
}

// "error_name": "why the pupil needs a PEEP"; "error_messages": {"required"?, "invalid"?}.
void FormParser::readErrorWords(const Object& o, const std::string& p, FieldDef& f) {
  auto line = [&](const Var& v, const std::string& vp) {
    std::string s = r_.string(v, vp);
    if (s.empty() || s.size() > 300 || std::any_of(s.begin(), s.end(), [](char c) {
          return static_cast<unsigned char>(c) < 0x20;
        }))
      r_.fail(vp, "expected one line of text (1 to 300 bytes)");
    return s;
  };
  if (o.has("error_name")) f.errorName = line(o.get("error_name"), p + ".error_name");
  if (!o.has("error_messages")) return;
  const std::string mp = p + ".error_messages";
  auto m = r_.object(o.get("error_messages"), mp);
  r_.keys(*m, mp, {}, {"required", "invalid"});
  if (m->size() == 0) r_.fail(mp, "give a 'required' or an 'invalid' message, or leave it out");
  if (m->has("required")) {
    if (!f.required && !(f.kind == FieldKind::kTable && o.has("min_rows")))
      r_.fail(mp + ".required", "this field is not required, so this message is never shown");
    f.requiredMessage = line(m->get("required"), mp + ".required");
  }
  if (m->has("invalid")) f.invalidMessage = line(m->get("invalid"), mp + ".invalid");
}

void FormParser::checkPrefillKind(const FieldDef& f, const std::string& p, bool inTable) {
  const std::string& s = f.prefill;
  bool ok = true;
  if (inTable) {
    ok = f.kind == FieldKind::kText || (s == "contact.ref" && f.kind == FieldKind::kPerson) ||
         (s == "contact.name" && f.kind == FieldKind::kPerson);
  } else if (s == "pupil.date_of_birth") {
    ok = f.kind == FieldKind::kDate;
  } else if (s.rfind("pupil.", 0) == 0) {
    ok = f.kind == FieldKind::kText || (s == "pupil.year_group" && f.kind == FieldKind::kChoice);
  } else {  // contacts.*
    ok = f.kind == FieldKind::kPerson || f.kind == FieldKind::kText ||
         f.kind == FieldKind::kLongText || f.kind == FieldKind::kTable;
  }
  if (!ok) r_.fail(p, "prefill '" + s + "' cannot fill a " + fieldKindName(f.kind) + " field");
}

void FormParser::readTextRules(const Object& o, const std::string& p, FieldDef& f) {
  auto length = [&](const char* key) -> std::optional<std::size_t> {
    if (!o.has(key)) return std::nullopt;
    return static_cast<std::size_t>(r_.integer(o.get(key), p + "." + key, 0, 65536));
  };
  f.minLength = length("min_length");
  f.maxLength = length("max_length");
  if (f.minLength && f.maxLength && *f.minLength > *f.maxLength)
    r_.fail(p + ".min_length", "min_length is greater than max_length");
  if (f.kind == FieldKind::kText && !f.maxLength) f.maxLength = 1000;
  if (o.has("pattern")) {
    f.pattern = r_.string(o.get("pattern"), p + ".pattern");
    try {
      f.regex.emplace(f.pattern, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      r_.fail(p + ".pattern", "invalid regular expression: " + std::string(e.what()));
    }
  }
  if (o.has("pattern_message"))
    f.patternMessage = r_.string(o.get("pattern_message"), p + ".pattern_message");
}

void FormParser::readNumberRules(const Object& o, const std::string& p, FieldDef& f) {
  if (o.has("min")) f.min = r_.number(o.get("min"), p + ".min");
  if (o.has("max")) f.max = r_.number(o.get("max"), p + ".max");
  if (f.min && f.max && *f.min > *f.max) r_.fail(p + ".min", "min is greater than max");
  if (o.has("integer")) f.integer = r_.boolean(o.get("integer"), p + ".integer");
}

void FormParser::readOptions(const Object& o, const std::string& p, FieldDef& f) {
  if (o.has("options")) {
    std::set<std::string> values;
    r_.each(o.get("options"), p + ".options", [&](const Var& ov, const std::string& op) {
      ChoiceOption opt;
      if (ov.isString()) {
        opt.value = opt.label = ov.extract<std::string>();
      } else {
        auto oo = r_.object(ov, op);
        r_.keys(*oo, op, {"value", "label"}, {"translations"});
        opt.value = r_.string(oo->get("value"), op + ".value");
        opt.label = r_.string(oo->get("label"), op + ".label");
        opt.translations = readTranslations(r_, *oo, op, "label", nullptr);
      }
      if (opt.value.empty()) r_.fail(op, "an option value cannot be empty");
      if (!values.insert(opt.value).second) r_.fail(op, "duplicate option '" + opt.value + "'");
      f.options.push_back(std::move(opt));
    });
  }
  if ((f.kind == FieldKind::kChoice || f.kind == FieldKind::kMultiChoice) && f.options.empty())
    r_.fail(p, std::string("a ") + fieldKindName(f.kind) + " field needs 'options'");
  auto count = [&](const char* key) -> std::optional<std::size_t> {
    if (!o.has(key)) return std::nullopt;
    return static_cast<std::size_t>(r_.integer(o.get(key), p + "." + key, 0, 1000));
  };
  f.minSelected = count("min_selected");
  f.maxSelected = count("max_selected");
}

void FormParser::readDateRelations(const Object& o, const std::string& p, FieldDef& f) {
  for (auto op : {DateRelation::Op::kAfter, DateRelation::Op::kNotBefore, DateRelation::Op::kBefore,
                  DateRelation::Op::kNotAfter}) {
    const std::string key = dateRelationName(op);
    if (!o.has(key)) continue;
    std::string ref = r_.string(o.get(key), p + "." + key);
    if (ref != "today" && ref != "pupil.date_of_birth" && !isIdentifier(ref))
      r_.fail(p + "." + key, "bad date rule: '" + ref +
                                 "' is not \"today\", \"pupil.date_of_birth\" or a field id");
    f.dateRelations.push_back(DateRelation{op, ref, {}});
  }
  if (o.has("within")) {
    std::string s = r_.string(o.get("within"), p + ".within");
    auto d = parseDuration(s);
    if (!d) r_.fail(p + ".within", "bad date rule: '" + s + "' is not an ISO-8601 duration");
    f.dateRelations.push_back(DateRelation{DateRelation::Op::kWithin, "today", *d});
  }
}

void FormParser::readPeople(const Object& o, const std::string& p, FieldDef& f) {
  if (o.has("people")) {
    r_.each(o.get("people"), p + ".people", [&](const Var& pv, const std::string& pp) {
      std::string s = r_.string(pv, pp);
      if (s != "staff" && s != "contact" && s != "free_text")
        r_.fail(pp, "unknown people source '" + s + "' (expected staff, contact, free_text)");
      f.people.push_back(s);
    });
  }
  if (f.kind == FieldKind::kPerson && f.people.empty())
    f.people = {"staff", "contact", "free_text"};
}

void FormParser::readTable(const Object& o, const std::string& p, FieldDef& f) {
  if (!o.has("columns")) r_.fail(p, "a table field needs 'columns'");
  std::set<std::string> ids;
  r_.each(o.get("columns"), p + ".columns", [&](const Var& cv, const std::string& cp) {
    FieldDef c = field(cv, cp, true);
    if (!ids.insert(c.id).second) r_.fail(cp + ".id", "duplicate column id '" + c.id + "'");
    f.columns.push_back(std::move(c));
  });
  if (f.columns.empty()) r_.fail(p + ".columns", "a table needs at least one column");
  if (o.has("min_rows"))
    f.minRows = static_cast<std::size_t>(r_.integer(o.get("min_rows"), p + ".min_rows", 0, 500));
  if (o.has("max_rows"))
    f.maxRows = static_cast<std::size_t>(r_.integer(o.get("max_rows"), p + ".max_rows", 1, 500));
  if (f.minRows > f.maxRows) r_.fail(p + ".min_rows", "min_rows is greater than max_rows");
}

void FormParser::readComputed(const Object& o, const std::string& p, FieldDef& f) {
  if (!o.has("formula")) r_.fail(p, "a computed field needs a 'formula'");
  f.formula = formula(o.get("formula"), p + ".formula", 0);
  if (!o.has("bands") || o.get("bands").isEmpty()) return;  // null: no bands
  std::optional<double> last;
  r_.each(o.get("bands"), p + ".bands", [&](const Var& bv, const std::string& bp) {
    auto bo = r_.object(bv, bp);
    r_.keys(*bo, bp, {"label"}, {"max", "colour"});
    Band b;
    b.label = r_.string(bo->get("label"), bp + ".label");
    if (bo->has("max")) b.max = r_.number(bo->get("max"), bp + ".max");
    if (bo->has("colour")) {
      b.colour = r_.string(bo->get("colour"), bp + ".colour");
      static const std::regex kColour("#[0-9a-fA-F]{6}");
      if (!std::regex_match(b.colour, kColour))
        r_.fail(bp + ".colour", "expected a colour like #d4351c");
    }
    if (!f.bands.empty() && !f.bands.back().max)
      r_.fail(bp, "only the last band may leave out 'max'");
    if (b.max && last && *b.max <= *last) r_.fail(bp + ".max", "band maxima must increase");
    if (b.max) last = b.max;
    f.bands.push_back(std::move(b));
  });
}

}  // namespace sendflow::engine
