#include "form_parser.h"

#include <algorithm>
#include <map>
#include <set>

#include "local_words.h"
#include "sendflow/engine/core/canonical_json.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

std::string FormParser::fieldPath(std::size_t si, std::size_t fi) {
  return "$.sections[" + std::to_string(si) + "].fields[" + std::to_string(fi) + "]";
}

FormDefinition FormParser::parse(const Object::Ptr& root) {
  FormDefinition form;
  r_.keys(*root, "$", {"type", "title", "version", "sections"}, {"description"});
  form.type = r_.identifier(root->get("type"), "$.type");
  form.title = r_.string(root->get("title"), "$.title");
  form.version = static_cast<int>(r_.integer(root->get("version"), "$.version", 1, 1000000));
  if (root->has("description"))
    form.description = r_.string(root->get("description"), "$.description");

  std::set<std::string> sectionIds;
  r_.each(root->get("sections"), "$.sections", [&](const Var& v, const std::string& p) {
    SectionDef s = section(v, p);
    if (!sectionIds.insert(s.id).second) r_.fail(p + ".id", "duplicate section id '" + s.id + "'");
    form.sections.push_back(std::move(s));
  });
  if (form.sections.empty()) r_.fail("$.sections", "a form needs at least one section");
  checkUniqueFieldIds(form);
  if (std::none_of(form.sections.begin(), form.sections.end(),
                   [](const SectionDef& s) { return s.pupilVoice; })) {
    r_.fail("$.sections",
            "every form needs a section for the pupil's own views "
            "(\"pupil_voice\": true)");
  }
  checkReferences(form);
  return form;
}

// Field ids are unique across the whole form.
void FormParser::checkUniqueFieldIds(const FormDefinition& form) {
  std::map<std::string, std::string> seen;  // id -> path
  for (std::size_t si = 0; si < form.sections.size(); ++si) {
    for (std::size_t fi = 0; fi < form.sections[si].fields.size(); ++fi) {
      const auto& f = form.sections[si].fields[fi];
      std::string p = fieldPath(si, fi) + ".id";
      auto [it, inserted] = seen.emplace(f.id, p);
      if (!inserted) r_.fail(p, "duplicate field id '" + f.id + "' (first at " + it->second + ")");
    }
  }
}

SectionDef FormParser::section(const Var& v, const std::string& p) {
  static const std::vector<std::string> kSectionRoles{"parent_carer", "health_professional",
                                                      "la_officer", "other", "pupil"};
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"id", "title", "fields"},
          {"help", "visible_when", "roles", "pupil_voice", "translations"});
  SectionDef s;
  s.id = r_.identifier(o->get("id"), p + ".id");
  s.title = r_.string(o->get("title"), p + ".title");
  if (o->has("help")) s.help = r_.string(o->get("help"), p + ".help");
  if (o->has("pupil_voice")) s.pupilVoice = r_.boolean(o->get("pupil_voice"), p + ".pupil_voice");
  if (o->has("visible_when"))
    s.visibleWhen = condition(o->get("visible_when"), p + ".visible_when");
  if (o->has("roles")) {
    r_.each(o->get("roles"), p + ".roles", [&](const Var& rv, const std::string& rp) {
      std::string role = r_.string(rv, rp);
      if (!contains(kSectionRoles, role))
        r_.fail(rp, "unknown role '" + role + "' (expected one of " + joined(kSectionRoles) + ")");
      s.roles.push_back(role);
    });
  }
  r_.each(o->get("fields"), p + ".fields",
          [&](const Var& fv, const std::string& fp) { s.fields.push_back(field(fv, fp, false)); });
  if (s.fields.empty()) r_.fail(p + ".fields", "a section needs at least one field");
  s.translations = readTranslations(r_, *o, p, "title", &s.help);
  checkTranslationsPlace(s, p);
  return s;
}

Condition FormParser::condition(const Var& v, const std::string& p) {
  auto o = r_.object(v, p);
  r_.keys(*o, p, {"field"}, {"equals", "in", "not_empty"});
  Condition c;
  c.field = r_.identifier(o->get("field"), p + ".field");
  int ops = static_cast<int>(o->has("equals")) + static_cast<int>(o->has("in")) +
            static_cast<int>(o->has("not_empty"));
  if (ops != 1) r_.fail(p, "a condition needs exactly one of 'equals', 'in', 'not_empty'");
  auto scalar = [&](const Var& e, const std::string& ep) {
    if (e.isEmpty() || isJsonObject(e) || isJsonArray(e))
      r_.fail(ep, "expected a string, number or boolean");
    c.canonicalValues.push_back(canonicalJson(e));
  };
  if (o->has("equals")) {
    c.op = Condition::Op::kEquals;
    scalar(o->get("equals"), p + ".equals");
  } else if (o->has("in")) {
    c.op = Condition::Op::kIn;
    r_.each(o->get("in"), p + ".in", scalar);
    if (c.canonicalValues.empty()) r_.fail(p + ".in", "needs at least one value");
  } else {
    c.op = Condition::Op::kNotEmpty;
    c.notEmpty = r_.boolean(o->get("not_empty"), p + ".not_empty");
  }
  return c;
}

Formula FormParser::formula(const Var& v, const std::string& p, int depth) {
  if (depth > 8) r_.fail(p, "formula nested too deeply");
  Formula f;
  if (v.isString()) {
    f.op = Formula::Op::kField;
    f.field = r_.identifier(v, p);
    return f;
  }
  if (!v.isEmpty() && v.isNumeric() && !v.isBoolean()) {
    f.op = Formula::Op::kConstant;
    f.constant = v.convert<double>();
    return f;
  }
  return formulaOperator(*r_.object(v, p), p, depth);
}

// {"sum": [...]}, {"max_of": "table.column"}, {"count_of": "table"}, ...
Formula FormParser::formulaOperator(const Object& o, const std::string& p, int depth) {
  std::vector<std::string> names;
  o.getNames(names);
  if (names.size() != 1)
    r_.fail(p,
            "a formula object needs exactly one operator: product, sum, min, max, max_of, "
            "min_of, sum_of, count_of");
  const std::string& name = names[0];
  const std::string ap = p + "." + name;
  auto op = parseFormulaOp(name);
  if (!op) r_.fail(ap, "unknown formula operator '" + name + "'");
  Formula f;
  f.op = *op;
  switch (*op) {
    case Formula::Op::kProduct:
    case Formula::Op::kSum:
    case Formula::Op::kMin:
    case Formula::Op::kMax:
      r_.each(o.get(name), ap, [&](const Var& e, const std::string& ep) {
        f.args.push_back(formula(e, ep, depth + 1));
      });
      if (f.args.empty()) r_.fail(ap, "needs at least one operand");
      return f;
    case Formula::Op::kCountOf:
      f.field = r_.identifier(o.get(name), ap);
      return f;
    default:
      break;
  }
  std::string ref = r_.string(o.get(name), ap);
  auto dot = ref.find('.');
  if (dot == std::string::npos || !isIdentifier(ref.substr(0, dot)) ||
      !isIdentifier(ref.substr(dot + 1)))
    r_.fail(ap, "expected \"table.column\", found '" + ref + "'");
  f.field = ref.substr(0, dot);
  f.column = ref.substr(dot + 1);
  return f;
}

// Only what a contact reads carries translations: a section a contact writes (one whose roles
// name a kind of contact; the pupil writes with staff, in English) and its fields.
void FormParser::checkTranslationsPlace(const SectionDef& s, const std::string& p) {
  if (std::any_of(s.roles.begin(), s.roles.end(), [](const auto& r) { return r != "pupil"; }))
    return;
  auto refuse = [&](const std::string& at) {
    r_.fail(at + ".translations",
            "only a section a contact writes (one whose \"roles\" name a kind of contact) "
            "carries translations: no contact would read these");
  };
  if (!s.translations.empty()) refuse(p);
  auto checkField = [&](const FieldDef& f, const std::string& fp, auto& self) -> void {
    if (!f.translations.empty()) refuse(fp);
    for (std::size_t i = 0; i < f.options.size(); ++i)
      if (!f.options[i].translations.empty()) refuse(fp + ".options[" + std::to_string(i) + "]");
    for (std::size_t i = 0; i < f.columns.size(); ++i)
      self(f.columns[i], fp + ".columns[" + std::to_string(i) + "]", self);
  };
  for (std::size_t i = 0; i < s.fields.size(); ++i)
    checkField(s.fields[i], p + ".fields[" + std::to_string(i) + "]", checkField);
}

}  // namespace sendflow::engine
