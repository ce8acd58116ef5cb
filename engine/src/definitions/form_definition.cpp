#include "sendflow/engine/definitions/form_definition.h"

#include "sendflow/engine/core/language.h"
#include "sendflow/engine/core/names.h"

namespace sendflow::engine {
namespace {

constexpr auto kFieldKindNames = nameTable<FieldKind>({{FieldKind::kText, "text"},
                                                       {FieldKind::kLongText, "long_text"},
                                                       {FieldKind::kDate, "date"},
                                                       {FieldKind::kNumber, "number"},
                                                       {FieldKind::kChoice, "choice"},
                                                       {FieldKind::kMultiChoice, "multi_choice"},
                                                       {FieldKind::kYesNo, "yes_no"},
                                                       {FieldKind::kPerson, "person"},
                                                       {FieldKind::kTable, "table"},
                                                       {FieldKind::kComputed, "computed"}});
static_assert(kFieldKindNames.coversDenseRange());

constexpr auto kDateRelationNames =
    nameTable<DateRelation::Op>({{DateRelation::Op::kAfter, "after"},
                                 {DateRelation::Op::kNotBefore, "not_before"},
                                 {DateRelation::Op::kBefore, "before"},
                                 {DateRelation::Op::kNotAfter, "not_after"},
                                 {DateRelation::Op::kWithin, "within"}});
static_assert(kDateRelationNames.coversDenseRange());

// Operators a formula object names; kField and kConstant are written as bare values.
constexpr auto kFormulaOpNames = nameTable<Formula::Op>({{Formula::Op::kProduct, "product"},
                                                         {Formula::Op::kSum, "sum"},
                                                         {Formula::Op::kMin, "min"},
                                                         {Formula::Op::kMax, "max"},
                                                         {Formula::Op::kMaxOf, "max_of"},
                                                         {Formula::Op::kMinOf, "min_of"},
                                                         {Formula::Op::kSumOf, "sum_of"},
                                                         {Formula::Op::kCountOf, "count_of"}});

bool fieldFullyIn(const FieldDef& f, std::string_view language) {
  if (f.labelIn(language).fellBack || f.helpIn(language).fellBack) return false;
  for (auto [english, word] : {std::pair{&f.requiredMessage, &LocalWords::requiredMessage},
                               std::pair{&f.invalidMessage, &LocalWords::invalidMessage},
                               std::pair{&f.patternMessage, &LocalWords::patternMessage}})
    if (wordsIn(f.translations, language, *english, word).fellBack) return false;
  for (const auto& o : f.options)
    if (o.labelIn(language).fellBack) return false;
  for (const auto& c : f.columns)
    if (!fieldFullyIn(c, language)) return false;
  return true;
}

}  // namespace

LocalText wordsIn(const Translations& t, std::string_view language, const std::string& english,
                  std::string LocalWords::*word) {
  if (english.empty() || language == kEnglish) return {english, false};
  if (auto it = t.find(language); it != t.end() && !(it->second.*word).empty())
    return {it->second.*word, false};
  return {english, true};
}

std::map<std::string, std::string, std::less<>> wordsByLanguage(const Translations& t,
                                                                std::string LocalWords::*word) {
  std::map<std::string, std::string, std::less<>> out;
  for (const auto& [language, words] : t)
    if (!(words.*word).empty()) out.emplace(language, words.*word);
  return out;
}

LocalText ChoiceOption::labelIn(std::string_view language) const {
  return wordsIn(translations, language, label, &LocalWords::label);
}

LocalText FieldDef::labelIn(std::string_view language) const {
  return wordsIn(translations, language, label, &LocalWords::label);
}

LocalText FieldDef::helpIn(std::string_view language) const {
  return wordsIn(translations, language, help, &LocalWords::help);
}

bool FieldDef::fullyIn(std::string_view language) const { return fieldFullyIn(*this, language); }

LocalText SectionDef::titleIn(std::string_view language) const {
  return wordsIn(translations, language, title, &LocalWords::label);
}

LocalText SectionDef::helpIn(std::string_view language) const {
  return wordsIn(translations, language, help, &LocalWords::help);
}

bool SectionDef::fullyIn(std::string_view language) const {
  if (titleIn(language).fellBack || helpIn(language).fellBack) return false;
  for (const auto& f : fields)
    if (!f.hidden && !f.fullyIn(language)) return false;
  return true;
}

const char* fieldKindName(FieldKind k) { return kFieldKindNames.nameOf(k); }

std::optional<FieldKind> parseFieldKind(std::string_view s) { return kFieldKindNames.parse(s); }

const char* dateRelationName(DateRelation::Op op) { return kDateRelationNames.nameOf(op); }
std::optional<DateRelation::Op> parseDateRelation(std::string_view s) {
  return kDateRelationNames.parse(s);
}

const char* formulaOpName(Formula::Op op) { return kFormulaOpNames.find(op).value_or(""); }
std::optional<Formula::Op> parseFormulaOp(std::string_view s) { return kFormulaOpNames.parse(s); }

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

const FieldDef* FormDefinition::resolve(std::string_view id, const FieldDef* table) const {
  if (table)
    if (const FieldDef* c = table->column(id)) return c;
  return field(id);
}

const SectionDef* FormDefinition::sectionOf(std::string_view fieldId) const {
  for (const auto& s : sections)
    for (const auto& f : s.fields)
      if (f.id == fieldId) return &s;
  return nullptr;
}

std::optional<LocalText> FormDefinition::labelIn(std::string_view itemId,
                                                 std::string_view language) const {
  const auto dot = itemId.find('.');
  const FieldDef* f = field(itemId.substr(0, dot));
  if (f && dot != std::string_view::npos) f = f->column(itemId.substr(dot + 1));
  if (!f) return std::nullopt;
  return f->labelIn(language);
}

std::vector<const FieldDef*> FormDefinition::fields() const {
  std::vector<const FieldDef*> out;
  for (const auto& s : sections)
    for (const auto& f : s.fields) out.push_back(&f);
  return out;
}

}  // namespace sendflow::engine
