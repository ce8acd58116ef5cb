#include "sendflow/engine/definitions/definitions.h"

#include <Poco/Dynamic/Var.h>
#include <Poco/Exception.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/ParseHandler.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>

#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

DefinitionError::DefinitionError(std::string file, std::string jsonPath, const std::string& problem)
    : std::runtime_error(file + ": " + jsonPath + ": " + problem),
      file_(std::move(file)),
      jsonPath_(std::move(jsonPath)) {}

// ---------------------------------------------------------------------------------------------
// Durations

std::optional<Duration> parseDuration(std::string_view s) {
  if (s.size() < 3 || s[0] != 'P') return std::nullopt;
  Duration d;
  std::size_t i = 1;
  int lastRank = -1;
  bool any = false;
  while (i < s.size()) {
    std::size_t start = i;
    long n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      n = n * 10 + (s[i] - '0');
      if (n > 100000) return std::nullopt;
      ++i;
    }
    if (i == start || i >= s.size()) return std::nullopt;
    int rank = 0;
    switch (s[i]) {
      case 'Y':
        rank = 0;
        d.years = static_cast<int>(n);
        break;
      case 'M':
        rank = 1;
        d.months = static_cast<int>(n);
        break;
      case 'W':
        rank = 2;
        d.weeks = static_cast<int>(n);
        break;
      case 'D':
        rank = 3;
        d.days = static_cast<int>(n);
        break;
      default:
        return std::nullopt;
    }
    if (rank <= lastRank) return std::nullopt;  // order Y M W D, each at most once
    lastRank = rank;
    any = true;
    ++i;
  }
  if (!any) return std::nullopt;
  return d;
}

std::string durationText(const Duration& d) {
  std::string out = "P";
  if (d.years) out += std::to_string(d.years) + "Y";
  if (d.months) out += std::to_string(d.months) + "M";
  if (d.weeks) out += std::to_string(d.weeks) + "W";
  if (d.days || out == "P") out += std::to_string(d.days) + "D";
  return out;
}

// ---------------------------------------------------------------------------------------------
// Names

const char* fieldKindName(FieldKind k) {
  switch (k) {
    case FieldKind::kText:
      return "text";
    case FieldKind::kLongText:
      return "long_text";
    case FieldKind::kDate:
      return "date";
    case FieldKind::kNumber:
      return "number";
    case FieldKind::kChoice:
      return "choice";
    case FieldKind::kMultiChoice:
      return "multi_choice";
    case FieldKind::kYesNo:
      return "yes_no";
    case FieldKind::kPerson:
      return "person";
    case FieldKind::kTable:
      return "table";
    case FieldKind::kComputed:
      return "computed";
  }
  return "text";
}

std::optional<FieldKind> parseFieldKind(std::string_view s) {
  for (FieldKind k : {FieldKind::kText, FieldKind::kLongText, FieldKind::kDate, FieldKind::kNumber,
                      FieldKind::kChoice, FieldKind::kMultiChoice, FieldKind::kYesNo,
                      FieldKind::kPerson, FieldKind::kTable, FieldKind::kComputed}) {
    if (s == fieldKindName(k)) return k;
  }
  return std::nullopt;
}

const char* guardName(GuardKind g) {
  switch (g) {
    case GuardKind::kFormComplete:
      return "form_complete";
    case GuardKind::kSignersAssigned:
      return "signers_assigned";
    case GuardKind::kReasonGiven:
      return "reason_given";
    case GuardKind::kFieldSet:
      return "field_set";
    case GuardKind::kNoReviewInProgress:
      return "no_review_in_progress";
  }
  return "form_complete";
}

static std::optional<GuardKind> parseGuard(std::string_view s) {
  for (GuardKind g :
       {GuardKind::kFormComplete, GuardKind::kSignersAssigned, GuardKind::kReasonGiven,
        GuardKind::kFieldSet, GuardKind::kNoReviewInProgress}) {
    if (s == guardName(g)) return g;
  }
  return std::nullopt;
}

static constexpr ActionKind kAllActions[] = {ActionKind::kSealPdf,
                                             ActionKind::kScheduleReview,
                                             ActionKind::kClearReviewDate,
                                             ActionKind::kNotifySenco,
                                             ActionKind::kNotifyOwner,
                                             ActionKind::kNotifyGovernor,
                                             ActionKind::kNotifyParticipants,
                                             ActionKind::kNotifySigners,
                                             ActionKind::kNotifyLa,
                                             ActionKind::kStartReviewDraft,
                                             ActionKind::kSupersedePrevious,
                                             ActionKind::kVoidSignatures,
                                             ActionKind::kRecordIncident};

const char* actionName(ActionKind a) {
  switch (a) {
    case ActionKind::kSealPdf:
      return "seal_pdf";
    case ActionKind::kScheduleReview:
      return "schedule_review";
    case ActionKind::kClearReviewDate:
      return "clear_review_date";
    case ActionKind::kNotifySenco:
      return "notify_senco";
    case ActionKind::kNotifyOwner:
      return "notify_owner";
    case ActionKind::kNotifyGovernor:
      return "notify_governor";
    case ActionKind::kNotifyParticipants:
      return "notify_participants";
    case ActionKind::kNotifySigners:
      return "notify_signers";
    case ActionKind::kNotifyLa:
      return "notify_la";
    case ActionKind::kStartReviewDraft:
      return "start_review_draft";
    case ActionKind::kSupersedePrevious:
      return "supersede_previous";
    case ActionKind::kVoidSignatures:
      return "void_signatures";
    case ActionKind::kRecordIncident:
      return "record_incident";
  }
  return "notify_senco";
}

std::optional<ActionKind> parseAction(std::string_view s) {
  for (ActionKind a : kAllActions)
    if (s == actionName(a)) return a;
  return std::nullopt;
}

const char* autoTriggerName(AutoTrigger t) {
  switch (t) {
    case AutoTrigger::kAllRequiredSigned:
      return "all_required_signed";
    case AutoTrigger::kReviewDateReached:
      return "review_date_reached";
    case AutoTrigger::kSuccessorActive:
      return "successor_active";
  }
  return "all_required_signed";
}

static std::optional<AutoTrigger> parseAutoTrigger(std::string_view s) {
  for (AutoTrigger t : {AutoTrigger::kAllRequiredSigned, AutoTrigger::kReviewDateReached,
                        AutoTrigger::kSuccessorActive}) {
    if (s == autoTriggerName(t)) return t;
  }
  return std::nullopt;
}

const std::vector<std::string>& transitionRoleNames() {
  static const std::vector<std::string> kNames{"senco",       "staff",   "head",  "governor",
                                               "trust_admin", "contact", "signer"};
  return kNames;
}

const std::vector<std::string>& prefillSources() {
  static const std::vector<std::string> kSources{
      "pupil.legal_name",      "pupil.preferred_name",
      "pupil.display_name",    "pupil.date_of_birth",
      "pupil.year_group",      "pupil.upn",
      "contacts.parent_carer", "contacts.health_professional",
      "contacts.la_officer",   "contacts.other",
      "contacts.all"};
  return kSources;
}

static const std::vector<std::string>& contactColumnSources() {
  static const std::vector<std::string> kSources{"contact.name", "contact.relationship",
                                                 "contact.email", "contact.kind", "contact.ref"};
  return kSources;
}

static const std::vector<std::string>& signerKinds() {
  static const std::vector<std::string> kKinds{"senco",      "staff",        "head",
                                               "governor",   "parent_carer", "health_professional",
                                               "la_officer", "other",        "pupil"};
  return kKinds;
}

static const std::vector<std::string>& sectionRoles() {
  static const std::vector<std::string> kRoles{"parent_carer", "health_professional", "la_officer",
                                               "other", "pupil"};
  return kRoles;
}

template <typename C>
static bool contains(const C& c, std::string_view v) {
  return std::find(c.begin(), c.end(), v) != c.end();
}

// ---------------------------------------------------------------------------------------------
// Member look-ups

const FieldDef* FieldDef::column(std::string_view columnId) const {
  for (const auto& c : columns)
    if (c.id == columnId) return &c;
  return nullptr;
}

const ChoiceOption* FieldDef::option(std::string_view value) const {
  for (const auto& o : options)
    if (o.value == value) return &o;
  return nullptr;
}

const FieldDef* FormDefinition::field(std::string_view id) const {
  for (const auto& s : sections)
    for (const auto& f : s.fields)
      if (f.id == id) return &f;
  return nullptr;
}

const SectionDef* FormDefinition::sectionOf(std::string_view fieldId) const {
  for (const auto& s : sections)
    for (const auto& f : s.fields)
      if (f.id == fieldId) return &s;
  return nullptr;
}

std::vector<const FieldDef*> FormDefinition::fields() const {
  std::vector<const FieldDef*> out;
  for (const auto& s : sections)
    for (const auto& f : s.fields) out.push_back(&f);
  return out;
}

bool TransitionDef::firesFrom(std::string_view state) const { return contains(from, state); }

const StateDef* WorkflowDefinition::state(std::string_view name) const {
  for (const auto& s : states)
    if (s.name == name) return &s;
  return nullptr;
}

const TransitionDef* WorkflowDefinition::transition(std::string_view name) const {
  for (const auto& t : transitions)
    if (t.name == name) return &t;
  return nullptr;
}

const SignerSlot* WorkflowDefinition::signer(std::string_view role) const {
  for (const auto& s : signers)
    if (s.role == role) return &s;
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Reading JSON with paths

namespace {

// Line and column (1-based) of the first syntax error, found by a small strict scanner; Poco's
// parser reports what is wrong but not where.
class SyntaxLocator {
 public:
  explicit SyntaxLocator(const std::string& s) : s_(s) {}
  std::pair<int, int> locate() {
    try {
      ws();
      value(0);
      ws();
      if (i_ < s_.size()) throw 0;
    } catch (int) {
    }
    int line = 1, col = 1;
    for (std::size_t k = 0; k < i_ && k < s_.size(); ++k) {
      if (s_[k] == '\n') {
        ++line;
        col = 1;
      } else if ((static_cast<unsigned char>(s_[k]) & 0xC0) != 0x80) {
        ++col;
      }
    }
    return {line, col};
  }

 private:
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\n' || s_[i_] == '\r' || s_[i_] == '\t'))
      ++i_;
  }
  void expect(char c) {
    if (i_ >= s_.size() || s_[i_] != c) throw 0;
    ++i_;
  }
  void value(int depth) {
    if (depth > 200 || i_ >= s_.size()) throw 0;
    char c = s_[i_];
    if (c == '{') {
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == '}') {
        ++i_;
        return;
      }
      for (;;) {
        ws();
        string();
        ws();
        expect(':');
        ws();
        value(depth + 1);
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        expect('}');
        return;
      }
    }
    if (c == '[') {
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == ']') {
        ++i_;
        return;
      }
      for (;;) {
        ws();
        value(depth + 1);
        ws();
        if (i_ < s_.size() && s_[i_] == ',') {
          ++i_;
          continue;
        }
        expect(']');
        return;
      }
    }
    if (c == '"') return string();
    for (const char* lit : {"true", "false", "null"}) {
      std::string_view l(lit);
      if (s_.compare(i_, l.size(), l) == 0) {
        i_ += l.size();
        return;
      }
    }
    number();
  }
  void string() {
    expect('"');
    while (i_ < s_.size()) {
      char c = s_[i_];
      if (c == '"') {
        ++i_;
        return;
      }
      if (static_cast<unsigned char>(c) < 0x20) throw 0;
      if (c == '\\') {
        ++i_;
        if (i_ >= s_.size()) throw 0;
        char e = s_[i_];
        if (e == 'u') {
          for (int k = 0; k < 4; ++k) {
            ++i_;
            if (i_ >= s_.size() || !std::isxdigit(static_cast<unsigned char>(s_[i_]))) throw 0;
          }
        } else if (std::string_view("\"\\/bfnrt").find(e) == std::string_view::npos) {
          throw 0;
        }
      }
      ++i_;
    }
    throw 0;
  }
  void number() {
    std::size_t start = i_;
    if (i_ < s_.size() && s_[i_] == '-') ++i_;
    auto digits = [&] {
      std::size_t d = i_;
      while (i_ < s_.size() && std::isdigit(static_cast<unsigned char>(s_[i_]))) ++i_;
      if (d == i_) throw 0;
    };
    digits();
    if (i_ < s_.size() && s_[i_] == '.') {
      ++i_;
      digits();
    }
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      digits();
    }
    if (i_ == start) throw 0;
  }

  const std::string& s_;
  std::size_t i_ = 0;
};

bool isIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 64 || s[0] < 'a' || s[0] > 'z') return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool isObject(const Var& v) { return !v.isEmpty() && v.type() == typeid(Object::Ptr); }
bool isArray(const Var& v) { return !v.isEmpty() && v.type() == typeid(Array::Ptr); }

std::string jsonTypeName(const Var& v) {
  if (v.isEmpty()) return "null";
  if (isObject(v)) return "an object";
  if (isArray(v)) return "an array";
  if (v.isBoolean()) return "a boolean";
  if (v.isNumeric()) return "a number";
  if (v.isString()) return "a string";
  return "an unknown value";
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// Reads one definition file, failing with the file name and JSON path.
class Reader {
 public:
  explicit Reader(std::string file) : file_(std::move(file)) {}

  [[noreturn]] void fail(const std::string& path, const std::string& what) const {
    throw DefinitionError(file_, path, what);
  }

  Object::Ptr parse(const std::string& json) const {
    try {
      Poco::JSON::Parser parser(new Poco::JSON::ParseHandler(true));
      Var root = parser.parse(json);
      if (!isObject(root)) fail("$", "the definition must be a JSON object");
      return root.extract<Object::Ptr>();
    } catch (const Poco::Exception& e) {
      auto [line, col] = SyntaxLocator(json).locate();
      fail("$", "invalid JSON at line " + std::to_string(line) + ", column " + std::to_string(col) +
                    ": " + e.message());
    }
  }

  // Unknown keys are errors (a typo like "requird" must not pass silently).
  void keys(const Object& o, const std::string& path,
            std::initializer_list<std::string_view> required,
            std::initializer_list<std::string_view> optional) const {
    for (auto k : required)
      if (!o.has(std::string(k))) fail(path, "missing required key '" + std::string(k) + "'");
    std::vector<std::string> names;
    o.getNames(names);
    for (const auto& n : names) {
      if (!contains(required, n) && !contains(optional, n))
        fail(path + "." + n, "unknown key '" + n + "'");
    }
  }

  Object::Ptr object(const Var& v, const std::string& path) const {
    if (!isObject(v)) fail(path, "expected an object, found " + jsonTypeName(v));
    return v.extract<Object::Ptr>();
  }
  Array::Ptr array(const Var& v, const std::string& path) const {
    if (!isArray(v)) fail(path, "expected an array, found " + jsonTypeName(v));
    return v.extract<Array::Ptr>();
  }
  std::string string(const Var& v, const std::string& path) const {
    if (v.isEmpty() || !v.isString()) fail(path, "expected a string, found " + jsonTypeName(v));
    return v.extract<std::string>();
  }
  std::string identifier(const Var& v, const std::string& path) const {
    std::string s = string(v, path);
    if (!isIdentifier(s))
      fail(path, "'" + s + "' is not a valid id (lower-case letters, digits and _; up to 64)");
    return s;
  }
  bool boolean(const Var& v, const std::string& path) const {
    if (v.isEmpty() || !v.isBoolean())
      fail(path, "expected true or false, found " + jsonTypeName(v));
    return v.extract<bool>();
  }
  double number(const Var& v, const std::string& path) const {
    if (v.isEmpty() || !v.isNumeric() || v.isBoolean())
      fail(path, "expected a number, found " + jsonTypeName(v));
    return v.convert<double>();
  }
  long integer(const Var& v, const std::string& path, long min, long max) const {
    if (v.isEmpty() || !v.isInteger() || v.isBoolean())
      fail(path, "expected a whole number, found " + jsonTypeName(v));
    long n = v.convert<long>();
    if (n < min || n > max)
      fail(path, "must be between " + std::to_string(min) + " and " + std::to_string(max));
    return n;
  }
  Duration duration(const Var& v, const std::string& path) const {
    std::string s = string(v, path);
    auto d = parseDuration(s);
    if (!d) fail(path, "'" + s + "' is not an ISO-8601 duration like P12M, P2W or P30D");
    return *d;
  }
  // A string or an array of strings.
  std::vector<std::string> strings(const Var& v, const std::string& path) const {
    std::vector<std::string> out;
    if (v.isString()) {
      out.push_back(v.extract<std::string>());
      return out;
    }
    auto a = array(v, path);
    for (std::size_t i = 0; i < a->size(); ++i)
      out.push_back(string(a->get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]"));
    return out;
  }
  template <typename F>
  void each(const Var& v, const std::string& path, F&& f) const {
    auto a = array(v, path);
    for (std::size_t i = 0; i < a->size(); ++i)
      f(a->get(static_cast<unsigned>(i)), path + "[" + std::to_string(i) + "]");
  }

  const std::string& file() const { return file_; }

 private:
  std::string file_;
};

std::string canonicalScalar(const Var& v) { return canonicalJson(v); }

// ---------------------------------------------------------------------------------------------
// Forms

class FormParser {
 public:
  FormParser(const Reader& r) : r_(r) {}  // NOLINT

  FormDefinition parse(const Object::Ptr& root) {
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
      if (!sectionIds.insert(s.id).second)
        r_.fail(p + ".id", "duplicate section id '" + s.id + "'");
      form.sections.push_back(std::move(s));
    });
    if (form.sections.empty()) r_.fail("$.sections", "a form needs at least one section");

    // Field ids are unique across the whole form.
    std::map<std::string, std::string> seen;  // id -> path
    for (std::size_t si = 0; si < form.sections.size(); ++si) {
      for (std::size_t fi = 0; fi < form.sections[si].fields.size(); ++fi) {
        const auto& f = form.sections[si].fields[fi];
        std::string p = fieldPath(si, fi) + ".id";
        auto [it, inserted] = seen.emplace(f.id, p);
        if (!inserted)
          r_.fail(p, "duplicate field id '" + f.id + "' (first at " + it->second + ")");
      }
    }
    if (std::none_of(form.sections.begin(), form.sections.end(),
                     [](const SectionDef& s) { return s.pupilVoice; })) {
      r_.fail("$.sections",
              "every form needs a section for the pupil's own views "
              "(\"pupil_voice\": true)");
    }
    checkReferences(form);
    return form;
  }

 private:
  static std::string fieldPath(std::size_t si, std::size_t fi) {
    return "$.sections[" + std::to_string(si) + "].fields[" + std::to_string(fi) + "]";
  }

  SectionDef section(const Var& v, const std::string& p) {
    auto o = r_.object(v, p);
    r_.keys(*o, p, {"id", "title", "fields"}, {"help", "visible_when", "roles", "pupil_voice"});
    SectionDef s;
    s.id = r_.identifier(o->get("id"), p + ".id");
    s.title = r_.string(o->get("title"), p + ".title");
    if (o->has("help")) s.help = r_.string(o->get("help"), p + ".help");
    if (o->has("pupil_voice")) s.pupilVoice = r_.boolean(o->get("pupil_voice"), p + ".pupil_voice");
    if (o->has("visible_when"))
      s.visibleWhen = condition(o->get("visible_when"), p + ".visible_when");
    if (o->has("roles")) {
      auto a = r_.array(o->get("roles"), p + ".roles");
      for (std::size_t i = 0; i < a->size(); ++i) {
        std::string rp = p + ".roles[" + std::to_string(i) + "]";
        std::string role = r_.string(a->get(static_cast<unsigned>(i)), rp);
        if (!contains(sectionRoles(), role))
          r_.fail(rp,
                  "unknown role '" + role + "' (expected one of " + joined(sectionRoles()) + ")");
        s.roles.push_back(role);
      }
    }
    r_.each(o->get("fields"), p + ".fields", [&](const Var& fv, const std::string& fp) {
      s.fields.push_back(field(fv, fp, false));
    });
    if (s.fields.empty()) r_.fail(p + ".fields", "a section needs at least one field");
    return s;
  }

  Condition condition(const Var& v, const std::string& p) {
    auto o = r_.object(v, p);
    r_.keys(*o, p, {"field"}, {"equals", "in", "not_empty"});
    Condition c;
    c.field = r_.identifier(o->get("field"), p + ".field");
    int ops = static_cast<int>(o->has("equals")) + static_cast<int>(o->has("in")) +
              static_cast<int>(o->has("not_empty"));
    if (ops != 1) r_.fail(p, "a condition needs exactly one of 'equals', 'in', 'not_empty'");
    if (o->has("equals")) {
      c.op = Condition::Op::kEquals;
      Var e = o->get("equals");
      if (e.isEmpty() || isObject(e) || isArray(e))
        r_.fail(p + ".equals", "expected a string, number or boolean");
      c.canonicalValues.push_back(canonicalScalar(e));
    } else if (o->has("in")) {
      c.op = Condition::Op::kIn;
      r_.each(o->get("in"), p + ".in", [&](const Var& e, const std::string& ep) {
        if (e.isEmpty() || isObject(e) || isArray(e))
          r_.fail(ep, "expected a string, number or boolean");
        c.canonicalValues.push_back(canonicalScalar(e));
      });
      if (c.canonicalValues.empty()) r_.fail(p + ".in", "needs at least one value");
    } else {
      c.op = Condition::Op::kNotEmpty;
      c.notEmpty = r_.boolean(o->get("not_empty"), p + ".not_empty");
    }
    return c;
  }

  Formula formula(const Var& v, const std::string& p, int depth) {
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
    auto o = r_.object(v, p);
    std::vector<std::string> names;
    o->getNames(names);
    if (names.size() != 1)
      r_.fail(p,
              "a formula object needs exactly one operator: product, sum, min, max, max_of, "
              "min_of, sum_of, count_of");
    const std::string& op = names[0];
    std::string ap = p + "." + op;
    static const std::map<std::string, Formula::Op> kListOps{{"product", Formula::Op::kProduct},
                                                             {"sum", Formula::Op::kSum},
                                                             {"min", Formula::Op::kMin},
                                                             {"max", Formula::Op::kMax}};
    static const std::map<std::string, Formula::Op> kColumnOps{{"max_of", Formula::Op::kMaxOf},
                                                               {"min_of", Formula::Op::kMinOf},
                                                               {"sum_of", Formula::Op::kSumOf}};
    if (auto it = kListOps.find(op); it != kListOps.end()) {
      f.op = it->second;
      r_.each(o->get(op), ap, [&](const Var& e, const std::string& ep) {
        f.args.push_back(formula(e, ep, depth + 1));
      });
      if (f.args.empty()) r_.fail(ap, "needs at least one operand");
      return f;
    }
    if (auto it = kColumnOps.find(op); it != kColumnOps.end()) {
      f.op = it->second;
      std::string ref = r_.string(o->get(op), ap);
      auto dot = ref.find('.');
      if (dot == std::string::npos || !isIdentifier(ref.substr(0, dot)) ||
          !isIdentifier(ref.substr(dot + 1)))
        r_.fail(ap, "expected \"table.column\", found '" + ref + "'");
      f.field = ref.substr(0, dot);
      f.column = ref.substr(dot + 1);
      return f;
    }
    if (op == "count_of") {
      f.op = Formula::Op::kCountOf;
      f.field = r_.identifier(o->get(op), ap);
      return f;
    }
    r_.fail(ap, "unknown formula operator '" + op + "'");
  }

  FieldDef field(const Var& v, const std::string& p, bool inTable) {
    auto o = r_.object(v, p);
    if (!o->has("kind")) r_.fail(p, "missing required key 'kind'");
    std::string kindText = r_.string(o->get("kind"), p + ".kind");
    auto kind = parseFieldKind(kindText);
    if (!kind) r_.fail(p + ".kind", "unknown field kind '" + kindText + "'");
    if (inTable && *kind == FieldKind::kTable)
      r_.fail(p + ".kind", "a table cannot contain a table");

    const std::initializer_list<std::string_view> kCommon{"help",   "required",     "readonly",
                                                          "hidden", "visible_when", "prefill"};
    std::vector<std::string_view> allowed(kCommon);
    auto allow = [&](std::initializer_list<std::string_view> more) {
      allowed.insert(allowed.end(), more.begin(), more.end());
    };
    switch (*kind) {
      case FieldKind::kText:
        allow({"min_length", "max_length", "pattern", "pattern_message"});
        break;
      case FieldKind::kLongText:
        allow({"min_length", "max_length"});
        break;
      case FieldKind::kDate:
        allow({"after", "not_before", "before", "not_after", "within"});
        break;
      case FieldKind::kNumber:
        allow({"min", "max", "integer"});
        break;
      case FieldKind::kChoice:
        allow({"options"});
        break;
      case FieldKind::kMultiChoice:
        allow({"options", "min_selected", "max_selected"});
        break;
      case FieldKind::kYesNo:
        break;
      case FieldKind::kPerson:
        allow({"people"});
        break;
      case FieldKind::kTable:
        allow({"columns", "min_rows", "max_rows"});
        break;
      case FieldKind::kComputed:
        allow({"formula", "bands"});
        break;
    }
    std::vector<std::string> names;
    o->getNames(names);
    for (const auto& n : names) {
      if (n == "id" || n == "label" || n == "kind") continue;
      if (!contains(allowed, n)) {
        bool known = n == "options" || n == "columns" || n == "formula" || n == "bands" ||
                     n == "min" || n == "max" || n == "min_length" || n == "max_length" ||
                     n == "pattern" || n == "after" || n == "within" || n == "people";
        r_.fail(p + "." + n, known ? "'" + n + "' does not apply to a " + kindText + " field"
                                   : "unknown key '" + n + "'");
      }
    }
    for (const char* k : {"id", "label"})
      if (!o->has(k)) r_.fail(p, std::string("missing required key '") + k + "'");

    FieldDef f;
    f.kind = *kind;
    f.id = r_.identifier(o->get("id"), p + ".id");
    f.label = r_.string(o->get("label"), p + ".label");
    if (o->has("help")) f.help = r_.string(o->get("help"), p + ".help");
    if (o->has("required")) f.required = r_.boolean(o->get("required"), p + ".required");
    if (o->has("readonly")) f.readonly = r_.boolean(o->get("readonly"), p + ".readonly");
    if (o->has("hidden")) f.hidden = r_.boolean(o->get("hidden"), p + ".hidden");
    if (o->has("visible_when"))
      f.visibleWhen = condition(o->get("visible_when"), p + ".visible_when");
    if (o->has("prefill")) {
      f.prefill = r_.string(o->get("prefill"), p + ".prefill");
      const auto& sources = inTable ? contactColumnSources() : prefillSources();
      if (!contains(sources, f.prefill))
        r_.fail(p + ".prefill", "unknown prefill source '" + f.prefill + "' (expected one of " +
                                    joined(sources) + ")");
      checkPrefillKind(f, p + ".prefill", inTable);
    }
    if (f.kind == FieldKind::kComputed && f.required)
      r_.fail(p + ".required", "a computed field cannot be required");

    auto length = [&](const char* key) -> std::optional<std::size_t> {
      if (!o->has(key)) return std::nullopt;
      return static_cast<std::size_t>(r_.integer(o->get(key), p + "." + key, 0, 65536));
    };
    f.minLength = length("min_length");
    f.maxLength = length("max_length");
    if (f.minLength && f.maxLength && *f.minLength > *f.maxLength)
      r_.fail(p + ".min_length", "min_length is greater than max_length");
    if (f.kind == FieldKind::kText && !f.maxLength) f.maxLength = 1000;

    if (o->has("min")) f.min = r_.number(o->get("min"), p + ".min");
    if (o->has("max")) f.max = r_.number(o->get("max"), p + ".max");
    if (f.min && f.max && *f.min > *f.max) r_.fail(p + ".min", "min is greater than max");
    if (o->has("integer")) f.integer = r_.boolean(o->get("integer"), p + ".integer");

    if (o->has("pattern")) {
      f.pattern = r_.string(o->get("pattern"), p + ".pattern");
      try {
        f.regex.emplace(f.pattern, std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        r_.fail(p + ".pattern", "invalid regular expression: " + std::string(e.what()));
      }
    }
    if (o->has("pattern_message"))
      f.patternMessage = r_.string(o->get("pattern_message"), p + ".pattern_message");

    if (o->has("options")) {
      std::set<std::string> values;
      r_.each(o->get("options"), p + ".options", [&](const Var& ov, const std::string& op) {
        ChoiceOption opt;
        if (ov.isString()) {
          opt.value = opt.label = ov.extract<std::string>();
        } else {
          auto oo = r_.object(ov, op);
          r_.keys(*oo, op, {"value", "label"}, {});
          opt.value = r_.string(oo->get("value"), op + ".value");
          opt.label = r_.string(oo->get("label"), op + ".label");
        }
        if (opt.value.empty()) r_.fail(op, "an option value cannot be empty");
        if (!values.insert(opt.value).second) r_.fail(op, "duplicate option '" + opt.value + "'");
        f.options.push_back(std::move(opt));
      });
    }
    if ((f.kind == FieldKind::kChoice || f.kind == FieldKind::kMultiChoice) && f.options.empty())
      r_.fail(p, "a " + kindText + " field needs 'options'");
    auto count = [&](const char* key) -> std::optional<std::size_t> {
      if (!o->has(key)) return std::nullopt;
      return static_cast<std::size_t>(r_.integer(o->get(key), p + "." + key, 0, 1000));
    };
    f.minSelected = count("min_selected");
    f.maxSelected = count("max_selected");

    static const std::pair<const char*, DateRelation::Op> kRelations[] = {
        {"after", DateRelation::Op::kAfter},
        {"not_before", DateRelation::Op::kNotBefore},
        {"before", DateRelation::Op::kBefore},
        {"not_after", DateRelation::Op::kNotAfter}};
    for (const auto& [key, op] : kRelations) {
      if (!o->has(key)) continue;
      std::string ref = r_.string(o->get(key), p + "." + key);
      if (ref != "today" && ref != "pupil.date_of_birth" && !isIdentifier(ref))
        r_.fail(p + "." + key, "bad date rule: '" + ref +
                                   "' is not \"today\", \"pupil.date_of_birth\" or a field id");
      f.dateRelations.push_back(DateRelation{op, ref, {}});
    }
    if (o->has("within")) {
      std::string s = r_.string(o->get("within"), p + ".within");
      auto d = parseDuration(s);
      if (!d) r_.fail(p + ".within", "bad date rule: '" + s + "' is not an ISO-8601 duration");
      f.dateRelations.push_back(DateRelation{DateRelation::Op::kWithin, "today", *d});
    }

    if (o->has("people")) {
      r_.each(o->get("people"), p + ".people", [&](const Var& pv, const std::string& pp) {
        std::string s = r_.string(pv, pp);
        if (s != "staff" && s != "contact" && s != "free_text")
          r_.fail(pp, "unknown people source '" + s + "' (expected staff, contact, free_text)");
        f.people.push_back(s);
      });
    }
    if (f.kind == FieldKind::kPerson && f.people.empty())
      f.people = {"staff", "contact", "free_text"};

    if (f.kind == FieldKind::kTable) {
      if (!o->has("columns")) r_.fail(p, "a table field needs 'columns'");
      std::set<std::string> ids;
      r_.each(o->get("columns"), p + ".columns", [&](const Var& cv, const std::string& cp) {
        FieldDef c = field(cv, cp, true);
        if (!ids.insert(c.id).second) r_.fail(cp + ".id", "duplicate column id '" + c.id + "'");
        f.columns.push_back(std::move(c));
      });
      if (f.columns.empty()) r_.fail(p + ".columns", "a table needs at least one column");
      if (o->has("min_rows"))
        f.minRows =
            static_cast<std::size_t>(r_.integer(o->get("min_rows"), p + ".min_rows", 0, 500));
      if (o->has("max_rows"))
        f.maxRows =
            static_cast<std::size_t>(r_.integer(o->get("max_rows"), p + ".max_rows", 1, 500));
      if (f.minRows > f.maxRows) r_.fail(p + ".min_rows", "min_rows is greater than max_rows");
    }
    if (f.kind == FieldKind::kComputed) {
      if (!o->has("formula")) r_.fail(p, "a computed field needs a 'formula'");
      f.formula = formula(o->get("formula"), p + ".formula", 0);
      std::optional<double> last;
      r_.each(o->get("bands").isEmpty() ? Var(Array::Ptr(new Array)) : o->get("bands"),
              p + ".bands", [&](const Var& bv, const std::string& bp) {
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
                if (b.max && last && *b.max <= *last)
                  r_.fail(bp + ".max", "band maxima must increase");
                if (b.max) last = b.max;
                f.bands.push_back(std::move(b));
              });
    }
    return f;
  }

  void checkPrefillKind(const FieldDef& f, const std::string& p, bool inTable) {
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

  // -- cross references ------------------------------------------------------------------------

  void checkReferences(const FormDefinition& form) {
    auto top = [&](const std::string& id) { return form.field(id); };
    for (std::size_t si = 0; si < form.sections.size(); ++si) {
      const auto& s = form.sections[si];
      std::string sp = "$.sections[" + std::to_string(si) + "]";
      if (s.visibleWhen)
        checkCondition(*s.visibleWhen, sp + ".visible_when", top(s.visibleWhen->field), "");
      for (std::size_t fi = 0; fi < s.fields.size(); ++fi) {
        const auto& f = s.fields[fi];
        std::string fp = fieldPath(si, fi);
        checkField(form, f, fp, nullptr);
        if (f.kind == FieldKind::kTable) {
          for (std::size_t ci = 0; ci < f.columns.size(); ++ci)
            checkField(form, f.columns[ci], fp + ".columns[" + std::to_string(ci) + "]", &f);
        }
      }
    }
    // Computed fields must not depend on themselves.
    for (const auto* f : form.fields()) {
      if (f->kind == FieldKind::kComputed) checkCycle(form, *f, nullptr, {});
      if (f->kind == FieldKind::kTable)
        for (const auto& c : f->columns)
          if (c.kind == FieldKind::kComputed) checkCycle(form, c, f, {});
    }
  }

  // Look up a field id from inside `table` (its columns first) or at the top level.
  static const FieldDef* resolve(const FormDefinition& form, const std::string& id,
                                 const FieldDef* table) {
    if (table)
      if (const FieldDef* c = table->column(id)) return c;
    return form.field(id);
  }

  void checkCondition(const Condition& c, const std::string& p, const FieldDef* target,
                      const std::string& self) {
    if (!target) r_.fail(p + ".field", "unknown field '" + c.field + "'");
    if (c.field == self) r_.fail(p + ".field", "a field cannot depend on its own visibility");
    if (target->kind == FieldKind::kChoice || target->kind == FieldKind::kMultiChoice) {
      for (const auto& cv : c.canonicalValues) {
        bool found =
            std::any_of(target->options.begin(), target->options.end(),
                        [&](const ChoiceOption& o) { return canonicalJson(Var(o.value)) == cv; });
        if (!found)
          r_.fail(p + (c.op == Condition::Op::kEquals ? ".equals" : ".in"),
                  "value " + cv + " is not an option of field '" + c.field + "'");
      }
    }
  }

  void checkField(const FormDefinition& form, const FieldDef& f, const std::string& p,
                  const FieldDef* table) {
    if (f.visibleWhen)
      checkCondition(*f.visibleWhen, p + ".visible_when",
                     resolve(form, f.visibleWhen->field, table), f.id);
    static const std::map<DateRelation::Op, const char*> kKeys{
        {DateRelation::Op::kAfter, "after"},
        {DateRelation::Op::kNotBefore, "not_before"},
        {DateRelation::Op::kBefore, "before"},
        {DateRelation::Op::kNotAfter, "not_after"},
        {DateRelation::Op::kWithin, "within"}};
    for (const auto& rel : f.dateRelations) {
      if (rel.ref == "today" || rel.ref == "pupil.date_of_birth") continue;
      std::string rp = p + "." + kKeys.at(rel.op);
      const FieldDef* other = resolve(form, rel.ref, table);
      if (!other) r_.fail(rp, "unknown field '" + rel.ref + "'");
      if (other->kind != FieldKind::kDate)
        r_.fail(rp, "bad date rule: field '" + rel.ref + "' is not a date");
      if (other == &f) r_.fail(rp, "bad date rule: a date cannot be compared with itself");
    }
    if (f.formula) checkFormula(form, *f.formula, p + ".formula", table);
  }

  void checkFormula(const FormDefinition& form, const Formula& x, const std::string& p,
                    const FieldDef* table) {
    switch (x.op) {
      case Formula::Op::kConstant:
        return;
      case Formula::Op::kField: {
        const FieldDef* f = resolve(form, x.field, table);
        if (!f) r_.fail(p, "unknown field '" + x.field + "'");
        checkNumeric(*f, p);
        return;
      }
      case Formula::Op::kProduct:
      case Formula::Op::kSum:
      case Formula::Op::kMin:
      case Formula::Op::kMax: {
        static const std::map<Formula::Op, const char*> kNames{{Formula::Op::kProduct, "product"},
                                                               {Formula::Op::kSum, "sum"},
                                                               {Formula::Op::kMin, "min"},
                                                               {Formula::Op::kMax, "max"}};
        for (std::size_t i = 0; i < x.args.size(); ++i)
          checkFormula(form, x.args[i], p + "." + kNames.at(x.op) + "[" + std::to_string(i) + "]",
                       table);
        return;
      }
      case Formula::Op::kMaxOf:
      case Formula::Op::kMinOf:
      case Formula::Op::kSumOf:
      case Formula::Op::kCountOf: {
        std::string key = x.op == Formula::Op::kMaxOf   ? "max_of"
                          : x.op == Formula::Op::kMinOf ? "min_of"
                          : x.op == Formula::Op::kSumOf ? "sum_of"
                                                        : "count_of";
        if (table) r_.fail(p + "." + key, "a table cell cannot aggregate a table");
        const FieldDef* t = form.field(x.field);
        if (!t) r_.fail(p + "." + key, "unknown field '" + x.field + "'");
        if (t->kind != FieldKind::kTable)
          r_.fail(p + "." + key, "field '" + x.field + "' is not a table");
        if (x.op == Formula::Op::kCountOf) return;
        const FieldDef* c = t->column(x.column);
        if (!c) r_.fail(p + "." + key, "unknown field '" + x.field + "." + x.column + "'");
        checkNumeric(*c, p + "." + key);
        return;
      }
    }
  }

  void checkNumeric(const FieldDef& f, const std::string& p) {
    if (f.kind == FieldKind::kNumber || f.kind == FieldKind::kComputed) return;
    if (f.kind == FieldKind::kChoice) {
      for (const auto& o : f.options) {
        double d = 0;
        auto [ptr, ec] = std::from_chars(o.value.data(), o.value.data() + o.value.size(), d);
        if (ec != std::errc() || ptr != o.value.data() + o.value.size())
          r_.fail(p, "field '" + f.id + "' has a non-numeric option '" + o.value + "'");
      }
      return;
    }
    r_.fail(p, "field '" + f.id + "' is a " + fieldKindName(f.kind) +
                   " field; a formula needs number, numeric choice or computed fields");
  }

  void checkCycle(const FormDefinition& form, const FieldDef& f, const FieldDef* table,
                  std::vector<const FieldDef*> stack) {
    if (std::find(stack.begin(), stack.end(), &f) != stack.end())
      r_.fail("$", "computed field '" + f.id + "' depends on itself");
    stack.push_back(&f);
    std::function<void(const Formula&)> walk = [&](const Formula& x) {
      if (x.op == Formula::Op::kField) {
        const FieldDef* d = resolve(form, x.field, table);
        if (d && d->kind == FieldKind::kComputed)
          checkCycle(form, *d, table && table->column(x.field) ? table : nullptr, stack);
      }
      if (x.op == Formula::Op::kMaxOf || x.op == Formula::Op::kMinOf ||
          x.op == Formula::Op::kSumOf) {
        const FieldDef* t = form.field(x.field);
        const FieldDef* c = t ? t->column(x.column) : nullptr;
        if (c && c->kind == FieldKind::kComputed) checkCycle(form, *c, t, stack);
      }
      for (const auto& a : x.args) walk(a);
    };
    if (f.formula) walk(*f.formula);
  }

  const Reader& r_;
};

// ---------------------------------------------------------------------------------------------
// Workflows

class WorkflowParser {
 public:
  WorkflowParser(const Reader& r, const FormDefinition* form) : r_(r), form_(form) {}

  WorkflowDefinition parse(const Object::Ptr& root) {
    WorkflowDefinition wf;
    r_.keys(*root, "$",
            {"type", "title", "form", "version", "initial", "states", "transitions", "signers",
             "review", "retention"},
            {"description", "deadlines", "require_code"});
    wf.type = r_.identifier(root->get("type"), "$.type");
    if (root->has("require_code"))
      wf.requireCode = r_.boolean(root->get("require_code"), "$.require_code");
    wf.title = r_.string(root->get("title"), "$.title");
    wf.form = r_.identifier(root->get("form"), "$.form");
    if (form_ && form_->type != wf.form)
      r_.fail("$.form",
              "form '" + wf.form + "' does not match the given form '" + form_->type + "'");
    wf.version = static_cast<int>(r_.integer(root->get("version"), "$.version", 1, 1000000));

    std::set<std::string> toneGiven;
    r_.each(root->get("states"), "$.states", [&](const Var& v, const std::string& p) {
      auto o = r_.object(v, p);
      r_.keys(*o, p, {"name"}, {"label", "editable", "signing", "active", "final", "tone"});
      StateDef s;
      s.name = r_.identifier(o->get("name"), p + ".name");
      if (wf.state(s.name)) r_.fail(p + ".name", "duplicate state '" + s.name + "'");
      s.label = o->has("label") ? r_.string(o->get("label"), p + ".label") : s.name;
      if (o->has("editable")) s.editable = r_.boolean(o->get("editable"), p + ".editable");
      if (o->has("signing")) s.signing = r_.boolean(o->get("signing"), p + ".signing");
      if (o->has("active")) s.active = r_.boolean(o->get("active"), p + ".active");
      if (o->has("final")) s.final = r_.boolean(o->get("final"), p + ".final");
      if (s.final && (s.editable || s.signing || s.active))
        r_.fail(p, "a final state cannot be editable, signing or active");
      s.tone = s.final      ? StateTone::kNeutral
               : s.active   ? StateTone::kGood
               : s.signing  ? StateTone::kWaiting
               : s.editable ? StateTone::kInProgress
                            : StateTone::kAttention;
      if (o->has("tone")) {
        std::string tone = r_.string(o->get("tone"), p + ".tone");
        auto t = parseStateTone(tone);
        if (!t)
          r_.fail(p + ".tone", "unknown tone '" + tone +
                                   "' (expected neutral, good, in_progress, waiting, attention)");
        s.tone = *t;
        toneGiven.insert(s.name);
      }
      wf.states.push_back(std::move(s));
    });
    if (wf.states.empty()) r_.fail("$.states", "a workflow needs at least one state");

    wf.initial = r_.string(root->get("initial"), "$.initial");
    if (!wf.state(wf.initial)) r_.fail("$.initial", "unknown state '" + wf.initial + "'");

    r_.each(root->get("transitions"), "$.transitions", [&](const Var& v, const std::string& p) {
      TransitionDef t = transition(wf, v, p);
      if (wf.transition(t.name)) r_.fail(p + ".name", "duplicate transition '" + t.name + "'");
      wf.transitions.push_back(std::move(t));
    });
    // Without a tone, an active state the review date leads to needs attention (review due).
    for (auto& s : wf.states)
      for (const auto& t : wf.transitions)
        if (!toneGiven.count(s.name) && s.active && t.to == s.name &&
            t.autoTrigger == AutoTrigger::kReviewDateReached)
          s.tone = StateTone::kAttention;

    r_.each(root->get("signers"), "$.signers", [&](const Var& v, const std::string& p) {
      auto o = r_.object(v, p);
      r_.keys(*o, p, {"role", "label", "kind", "required"}, {"multiple", "order"});
      SignerSlot s;
      s.role = r_.identifier(o->get("role"), p + ".role");
      if (wf.signer(s.role)) r_.fail(p + ".role", "duplicate signer role '" + s.role + "'");
      s.label = r_.string(o->get("label"), p + ".label");
      s.kind = r_.string(o->get("kind"), p + ".kind");
      if (!contains(signerKinds(), s.kind))
        r_.fail(p + ".kind",
                "unknown role '" + s.kind + "' (expected one of " + joined(signerKinds()) + ")");
      Var req = o->get("required");
      if (req.isString() && req.extract<std::string>() == "if_involved") {
        s.required = SignerSlot::Required::kIfInvolved;
      } else if (!req.isEmpty() && req.isBoolean()) {
        s.required = req.extract<bool>() ? SignerSlot::Required::kYes : SignerSlot::Required::kNo;
      } else {
        r_.fail(p + ".required", "expected true, false or \"if_involved\"");
      }
      if (o->has("multiple")) s.multiple = r_.boolean(o->get("multiple"), p + ".multiple");
      if (o->has("order"))
        s.order = static_cast<int>(r_.integer(o->get("order"), p + ".order", 0, 100));
      wf.signers.push_back(std::move(s));
    });

    wf.review = review(wf, root->get("review"), "$.review");
    if (root->has("deadlines")) wf.deadlines = deadlines(wf, root->get("deadlines"), "$.deadlines");

    auto ro = r_.object(root->get("retention"), "$.retention");
    r_.keys(*ro, "$.retention", {"from", "keep"}, {});
    wf.retention.from = r_.string(ro->get("from"), "$.retention.from");
    if (wf.retention.from != "date_of_birth" && wf.retention.from != "closed")
      r_.fail("$.retention.from", "expected \"date_of_birth\" or \"closed\"");
    wf.retention.keep = r_.duration(ro->get("keep"), "$.retention.keep");

    checkReachable(wf);
    return wf;
  }

 private:
  TransitionDef transition(const WorkflowDefinition& wf, const Var& v, const std::string& p) {
    auto o = r_.object(v, p);
    r_.keys(*o, p, {"name", "from", "to"},
            {"label", "roles", "guards", "actions", "auto", "requires", "reasons", "destructive"});
    TransitionDef t;
    t.name = r_.identifier(o->get("name"), p + ".name");
    t.label = o->has("label") ? r_.string(o->get("label"), p + ".label") : t.name;
    t.from = r_.strings(o->get("from"), p + ".from");
    if (t.from.empty()) r_.fail(p + ".from", "needs at least one state");
    for (std::size_t i = 0; i < t.from.size(); ++i) {
      std::string fp =
          o->get("from").isString() ? p + ".from" : p + ".from[" + std::to_string(i) + "]";
      const StateDef* s = wf.state(t.from[i]);
      if (!s) r_.fail(fp, "unknown state '" + t.from[i] + "'");
      if (s->final) r_.fail(fp, "state '" + t.from[i] + "' is final: no transition may leave it");
    }
    t.to = r_.string(o->get("to"), p + ".to");
    if (!wf.state(t.to)) r_.fail(p + ".to", "unknown state '" + t.to + "'");
    if (o->has("destructive"))
      t.destructive = r_.boolean(o->get("destructive"), p + ".destructive");

    if (o->has("auto")) {
      std::string a = r_.string(o->get("auto"), p + ".auto");
      t.autoTrigger = parseAutoTrigger(a);
      if (!t.autoTrigger)
        r_.fail(p + ".auto",
                "unknown auto trigger '" + a +
                    "' (expected all_required_signed, review_date_reached, successor_active)");
      if (o->has("roles")) r_.fail(p + ".roles", "an automatic transition has no roles");
    } else {
      if (!o->has("roles")) r_.fail(p, "missing required key 'roles' (or 'auto')");
      t.roles = r_.strings(o->get("roles"), p + ".roles");
      if (t.roles.empty()) r_.fail(p + ".roles", "needs at least one role");
      for (std::size_t i = 0; i < t.roles.size(); ++i) {
        if (!contains(transitionRoleNames(), t.roles[i]))
          r_.fail(p + ".roles[" + std::to_string(i) + "]", "unknown role '" + t.roles[i] +
                                                               "' (expected one of " +
                                                               joined(transitionRoleNames()) + ")");
      }
    }
    if (o->has("guards")) {
      r_.each(o->get("guards"), p + ".guards", [&](const Var& gv, const std::string& gp) {
        Guard g;
        if (gv.isString()) {
          std::string name = gv.extract<std::string>();
          auto k = parseGuard(name);
          if (!k || *k == GuardKind::kFieldSet)
            r_.fail(gp, "unknown guard '" + name +
                            "' (expected form_complete, signers_assigned, "
                            "reason_given, no_review_in_progress or {\"field_set\": field})");
          g.kind = *k;
        } else {
          auto go = r_.object(gv, gp);
          r_.keys(*go, gp, {"field_set"}, {});
          g.kind = GuardKind::kFieldSet;
          g.field = r_.identifier(go->get("field_set"), gp + ".field_set");
          checkField(g.field, gp + ".field_set", false);
        }
        t.guards.push_back(std::move(g));
      });
    }
    if (o->has("actions")) {
      r_.each(o->get("actions"), p + ".actions", [&](const Var& av, const std::string& ap) {
        std::string name = r_.string(av, ap);
        auto a = parseAction(name);
        if (!a) {
          std::vector<std::string> names;
          for (ActionKind k : kAllActions) names.emplace_back(actionName(k));
          r_.fail(ap, "unknown action '" + name + "' (expected one of " + joined(names) + ")");
        }
        t.actions.push_back(*a);
      });
    }
    if (o->has("requires")) {
      std::string req = r_.string(o->get("requires"), p + ".requires");
      if (req != "reason")
        r_.fail(p + ".requires", "unknown requirement '" + req + "' (expected \"reason\")");
      t.requiresReason = true;
      bool hasGuard = std::any_of(t.guards.begin(), t.guards.end(),
                                  [](const Guard& g) { return g.kind == GuardKind::kReasonGiven; });
      if (!hasGuard) t.guards.push_back(Guard{GuardKind::kReasonGiven, ""});
    }
    if (o->has("reasons")) {
      if (!t.requiresReason) r_.fail(p + ".reasons", "'reasons' needs \"requires\": \"reason\"");
      r_.each(o->get("reasons"), p + ".reasons", [&](const Var& rv, const std::string& rp) {
        std::string code = r_.identifier(rv, rp);
        if (contains(t.reasons, code)) r_.fail(rp, "duplicate reason '" + code + "'");
        t.reasons.push_back(code);
      });
    }
    return t;
  }

  void checkField(const std::string& id, const std::string& p, bool mustBeDate) {
    if (!form_) return;
    const FieldDef* f = form_->field(id);
    if (!f) r_.fail(p, "unknown field '" + id + "' in form '" + form_->type + "'");
    if (mustBeDate && f->kind != FieldKind::kDate)
      r_.fail(p, "field '" + id + "' is not a date field");
  }

  void checkCondition(const Condition& c, const std::string& p) {
    if (!form_) return;
    if (!form_->field(c.field))
      r_.fail(p + ".field", "unknown field '" + c.field + "' in form '" + form_->type + "'");
  }

  Condition condition(const Var& v, const std::string& p) {
    // Same shape as a form's visible_when.
    auto o = r_.object(v, p);
    r_.keys(*o, p, {"field"}, {"equals", "in", "not_empty"});
    Condition c;
    c.field = r_.identifier(o->get("field"), p + ".field");
    if (o->has("equals")) {
      c.op = Condition::Op::kEquals;
      c.canonicalValues.push_back(canonicalJson(o->get("equals")));
    } else if (o->has("in")) {
      c.op = Condition::Op::kIn;
      r_.each(o->get("in"), p + ".in", [&](const Var& e, const std::string&) {
        c.canonicalValues.push_back(canonicalJson(e));
      });
    } else if (o->has("not_empty")) {
      c.op = Condition::Op::kNotEmpty;
      c.notEmpty = r_.boolean(o->get("not_empty"), p + ".not_empty");
    } else {
      r_.fail(p, "a condition needs one of 'equals', 'in', 'not_empty'");
    }
    checkCondition(c, p);
    return c;
  }

  ReviewPolicy review(const WorkflowDefinition& wf, const Var& v, const std::string& p) {
    auto o = r_.object(v, p);
    r_.keys(*o, p, {"every", "remind", "recipients"},
            {"under_5_every", "anchor_field", "overdue_every", "escalate_to", "triggers"});
    ReviewPolicy rp;
    rp.every = r_.duration(o->get("every"), p + ".every");
    if (o->has("under_5_every"))
      rp.under5Every = r_.duration(o->get("under_5_every"), p + ".under_5_every");
    if (o->has("anchor_field")) {
      rp.anchorField = r_.identifier(o->get("anchor_field"), p + ".anchor_field");
      checkField(rp.anchorField, p + ".anchor_field", true);
    }
    r_.each(o->get("remind"), p + ".remind",
            [&](const Var& d, const std::string& dp) { rp.remind.push_back(r_.duration(d, dp)); });
    if (o->has("overdue_every")) {
      rp.overdueEvery = r_.duration(o->get("overdue_every"), p + ".overdue_every");
      if (rp.overdueEvery == Duration{}) r_.fail(p + ".overdue_every", "must be longer than zero");
    }
    static const std::vector<std::string> kRecipients{"senco", "owner", "head", "governor",
                                                      "participants"};
    auto people = [&](const char* key, std::vector<std::string>& out) {
      if (!o->has(key)) return;
      r_.each(o->get(key), p + "." + key, [&](const Var& x, const std::string& xp) {
        std::string s = r_.string(x, xp);
        if (!contains(kRecipients, s))
          r_.fail(xp, "unknown role '" + s + "' (expected one of " + joined(kRecipients) + ")");
        out.push_back(s);
      });
    };
    people("recipients", rp.recipients);
    people("escalate_to", rp.escalateTo);
    if (o->has("triggers")) {
      r_.each(o->get("triggers"), p + ".triggers", [&](const Var& x, const std::string& xp) {
        std::string code = r_.identifier(x, xp);
        bool known = std::any_of(wf.transitions.begin(), wf.transitions.end(),
                                 [&](const TransitionDef& t) { return contains(t.reasons, code); });
        if (!known) r_.fail(xp, "trigger '" + code + "' is not a reason of any transition");
        rp.triggers.push_back(code);
      });
    }
    return rp;
  }

  DeadlinePolicy deadlines(const WorkflowDefinition& wf, const Var& v, const std::string& p) {
    auto o = r_.object(v, p);
    r_.keys(*o, p, {"anchor_field"}, {"due_soon", "rules", "phase_transfers"});
    DeadlinePolicy d;
    d.anchorField = r_.identifier(o->get("anchor_field"), p + ".anchor_field");
    checkField(d.anchorField, p + ".anchor_field", true);
    if (o->has("due_soon")) d.dueSoon = r_.duration(o->get("due_soon"), p + ".due_soon");
    if (o->has("rules")) {
      r_.each(o->get("rules"), p + ".rules", [&](const Var& rv, const std::string& rp) {
        auto ro = r_.object(rv, rp);
        r_.keys(*ro, rp, {"id", "label"},
                {"from_field", "before", "after", "done_field", "done_transition", "when"});
        DeadlineRule rule;
        rule.id = r_.identifier(ro->get("id"), rp + ".id");
        for (const auto& other : d.rules)
          if (other.id == rule.id) r_.fail(rp + ".id", "duplicate deadline '" + rule.id + "'");
        rule.label = r_.string(ro->get("label"), rp + ".label");
        if (ro->has("from_field")) {
          rule.fromField = r_.identifier(ro->get("from_field"), rp + ".from_field");
          checkField(rule.fromField, rp + ".from_field", true);
        }
        if (ro->has("before") == ro->has("after"))
          r_.fail(rp, "bad date rule: a deadline needs exactly one of 'before' or 'after'");
        rule.before = ro->has("before");
        rule.offset = r_.duration(ro->get(rule.before ? "before" : "after"),
                                  rp + (rule.before ? ".before" : ".after"));
        if (ro->has("done_field")) {
          rule.doneField = r_.identifier(ro->get("done_field"), rp + ".done_field");
          checkField(rule.doneField, rp + ".done_field", true);
        }
        if (ro->has("done_transition")) {
          rule.doneTransition = r_.identifier(ro->get("done_transition"), rp + ".done_transition");
          if (!wf.transition(rule.doneTransition))
            r_.fail(rp + ".done_transition", "unknown transition '" + rule.doneTransition + "'");
        }
        if (ro->has("when")) rule.when = condition(ro->get("when"), rp + ".when");
        d.rules.push_back(std::move(rule));
      });
    }
    if (o->has("phase_transfers")) {
      r_.each(o->get("phase_transfers"), p + ".phase_transfers",
              [&](const Var& tv, const std::string& tp) {
                auto to = r_.object(tv, tp);
                r_.keys(*to, tp, {"from_year", "label", "by"}, {"when"});
                PhaseTransferRule t;
                t.fromYear = r_.string(to->get("from_year"), tp + ".from_year");
                if (!isValidYearGroup(t.fromYear))
                  r_.fail(tp + ".from_year",
                          "'" + t.fromYear + "' is not a year group (N, R, 1-14)");
                for (const auto& other : d.phaseTransfers)
                  if (other.fromYear == t.fromYear)
                    r_.fail(tp + ".from_year", "duplicate year group '" + t.fromYear + "'");
                t.label = r_.string(to->get("label"), tp + ".label");
                std::string by = r_.string(to->get("by"), tp + ".by");
                // "--MM-DD" (ISO 8601 month-day); 29 February is refused (not every year has it).
                bool shape = by.size() == 7 && by[0] == '-' && by[1] == '-' && by[4] == '-' &&
                             std::isdigit(static_cast<unsigned char>(by[2])) &&
                             std::isdigit(static_cast<unsigned char>(by[3])) &&
                             std::isdigit(static_cast<unsigned char>(by[5])) &&
                             std::isdigit(static_cast<unsigned char>(by[6]));
                if (shape) {
                  t.month = static_cast<unsigned>((by[2] - '0') * 10 + (by[3] - '0'));
                  t.day = static_cast<unsigned>((by[5] - '0') * 10 + (by[6] - '0'));
                  std::chrono::month_day md{std::chrono::month{t.month}, std::chrono::day{t.day}};
                  shape = md.ok() && !(t.month == 2 && t.day == 29);
                }
                if (!shape)
                  r_.fail(tp + ".by",
                          "bad date rule: '" + by + "' is not a month-day like \"--02-15\"");
                if (to->has("when")) t.when = condition(to->get("when"), tp + ".when");
                d.phaseTransfers.push_back(std::move(t));
              });
    }
    return d;
  }

  void checkReachable(const WorkflowDefinition& wf) {
    std::set<std::string> seen{wf.initial};
    std::vector<std::string> todo{wf.initial};
    while (!todo.empty()) {
      std::string s = todo.back();
      todo.pop_back();
      for (const auto& t : wf.transitions)
        if (t.firesFrom(s) && seen.insert(t.to).second) todo.push_back(t.to);
    }
    for (std::size_t i = 0; i < wf.states.size(); ++i)
      if (!seen.count(wf.states[i].name))
        r_.fail("$.states[" + std::to_string(i) + "]",
                "state '" + wf.states[i].name + "' is unreachable from '" + wf.initial + "'");
  }

  const Reader& r_;
  const FormDefinition* form_;
};

std::string readFile(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  if (!in) throw DefinitionError(p.string(), "$", "cannot read the file");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

FormDefinition parseForm(const std::string& json, const std::string& sourceName) {
  Reader r(sourceName);
  auto root = r.parse(json);
  FormDefinition form = FormParser(r).parse(root);
  form.sourceName = sourceName;
  form.sourceJson = canonicalJson(*root);
  return form;
}

WorkflowDefinition parseWorkflow(const std::string& json, const std::string& sourceName,
                                 const FormDefinition* form) {
  Reader r(sourceName);
  auto root = r.parse(json);
  WorkflowDefinition wf = WorkflowParser(r, form).parse(root);
  wf.sourceName = sourceName;
  wf.sourceJson = canonicalJson(*root);
  return wf;
}

DefinitionRegistry DefinitionRegistry::load(const std::string& formsDir,
                                            const std::string& workflowsDir) {
  namespace fs = std::filesystem;
  DefinitionRegistry reg;
  std::error_code ec;
  if (!fs::is_directory(formsDir, ec))
    throw DefinitionError(formsDir, "$", "not a readable directory");
  if (!fs::is_directory(workflowsDir, ec))
    throw DefinitionError(workflowsDir, "$", "not a readable directory");

  std::vector<fs::path> formDirs;
  for (const auto& e : fs::directory_iterator(formsDir))
    if (e.is_directory() && e.path().filename().string()[0] != '.') formDirs.push_back(e.path());
  std::sort(formDirs.begin(), formDirs.end());
  for (const auto& dir : formDirs) {
    fs::path file = dir / "form.json";
    if (!fs::exists(file)) throw DefinitionError(file.string(), "$", "missing form.json");
    auto form = std::make_shared<FormDefinition>(parseForm(readFile(file), file.string()));
    std::string folder = dir.filename().string();
    if (form->type != folder)
      throw DefinitionError(file.string(), "$.type",
                            "type '" + form->type + "' does not match its folder '" + folder + "'");
    reg.forms_.emplace(form->type, std::move(form));
  }

  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(workflowsDir))
    if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::string name = file.string();
    std::string text = readFile(file);
    // Find the form first so field references are checked against it.
    Reader r(name);
    auto root = r.parse(text);
    const FormDefinition* form = nullptr;
    if (root->has("form") && root->get("form").isString()) {
      std::string formType = root->getValue<std::string>("form");
      auto it = reg.forms_.find(formType);
      if (it == reg.forms_.end())
        throw DefinitionError(
            name, "$.form",
            "unknown form '" + formType + "': no " + formsDir + "/" + formType + "/form.json");
      form = it->second.get();
    }
    auto wf = std::make_shared<WorkflowDefinition>(parseWorkflow(text, name, form));
    if (auto it = reg.workflows_.find(wf->type); it != reg.workflows_.end())
      throw DefinitionError(
          name, "$.type",
          "duplicate type '" + wf->type + "' (also in " + it->second->sourceName + ")");
    if (file.stem().string() != wf->type)
      throw DefinitionError(name, "$.type",
                            "type '" + wf->type + "' does not match the file name '" +
                                file.filename().string() + "'");
    reg.workflows_.emplace(wf->type, std::move(wf));
  }
  return reg;
}

const WorkflowDefinition* DefinitionRegistry::workflow(std::string_view type) const {
  auto it = workflows_.find(type);
  return it == workflows_.end() ? nullptr : it->second.get();
}

const FormDefinition* DefinitionRegistry::form(std::string_view type) const {
  auto it = forms_.find(type);
  return it == forms_.end() ? nullptr : it->second.get();
}

const FormDefinition* DefinitionRegistry::formFor(const WorkflowDefinition& wf) const {
  return form(wf.form);
}

std::vector<std::string> DefinitionRegistry::types() const {
  std::vector<std::string> out;
  for (const auto& [type, wf] : workflows_) out.push_back(type);
  return out;
}

}  // namespace sendflow::engine
