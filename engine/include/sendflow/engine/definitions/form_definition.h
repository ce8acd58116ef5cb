// A form definition (forms/<type>/form.json) as the engine reads it: sections, fields and
// their rules. Immutable once loaded; parsed by parseForm() (registry.h).
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/definitions/duration.h"

namespace sendflow::engine {

enum class FieldKind {
  kText,         // one line; default max_length 1000 code points
  kLongText,     // paragraphs
  kDate,         // "YYYY-MM-DD"
  kNumber,       // JSON number; "integer": true for whole numbers
  kChoice,       // one option value (string)
  kMultiChoice,  // array of option values
  kYesNo,        // JSON true/false
  kPerson,       // "user:<id>" (staff), "contact:<id>" (a contact of the pupil) or a free-text name
  kTable,        // array of row objects (column id -> cell value)
  kComputed      // derived from other fields by a formula; never accepted from input
};
const char* fieldKindName(FieldKind k);
std::optional<FieldKind> parseFieldKind(std::string_view s);

// visible_when: {"field": id, "equals": v} | {"field": id, "in": [v...]} |
// {"field": id, "not_empty": true|false}. Values compare by their canonical JSON; a
// multi-choice value matches when any selected option matches.
struct Condition {
  enum class Op { kEquals, kIn, kNotEmpty };
  std::string field;
  Op op = Op::kNotEmpty;
  std::vector<std::string> canonicalValues;  // kEquals: one; kIn: many
  bool notEmpty = true;                      // kNotEmpty
};

// Date relations on a date field: "after"/"not_before"/"before"/"not_after" name "today",
// "pupil.date_of_birth" or another date field (in a table: a column of the same row first);
// "within": a duration either side of today.
struct DateRelation {
  enum class Op { kAfter, kNotBefore, kBefore, kNotAfter, kWithin };
  Op op = Op::kAfter;
  std::string ref;    // "today", "pupil.date_of_birth" or a field id
  Duration within{};  // kWithin
};
// The definition key of each op: "after", "not_before", "before", "not_after", "within".
const char* dateRelationName(DateRelation::Op op);
std::optional<DateRelation::Op> parseDateRelation(std::string_view s);

// Formulas of computed fields. An operand is a field id (string), a number, or a nested formula.
// {"product": [..]}, {"sum": [..]}, {"min": [..]}, {"max": [..]}, and over a table's column:
// {"max_of": "table.column"}, {"min_of": ...}, {"sum_of": ...}, {"count_of": "table"}.
// Inside a table, field ids name columns of the same row.
struct Formula {
  enum class Op { kField, kConstant, kProduct, kSum, kMin, kMax, kMaxOf, kMinOf, kSumOf, kCountOf };
  Op op = Op::kConstant;
  std::string field;   // kField; table id for the *_of ops
  std::string column;  // *_of ops except kCountOf
  double constant = 0;
  std::vector<Formula> args;
};
// The definition key of each operator ("product", ..., "count_of"); kField and kConstant have
// none (a formula names them by a bare string or number).
const char* formulaOpName(Formula::Op op);
std::optional<Formula::Op> parseFormulaOp(std::string_view s);

// A band of a computed value: the first band whose max is >= the value (no max: the rest).
struct Band {
  std::optional<double> max;
  std::string label;
  std::string colour;  // "#rrggbb"
};

// A contact's words for one item in one language (forms/README.md "translations"): only the
// sections a contact writes (roles naming a kind of contact) and their fields, columns and
// options carry them, and a workflow's signer slots. Either may be empty: not translated.
struct LocalWords {
  std::string label;  // a field's, column's or option's label; a section's title
  std::string help;
  // A field's own error messages: "error_messages" (required, invalid) and "pattern_message".
  std::string requiredMessage;
  std::string invalidMessage;
  std::string patternMessage;
};
// Language tag (one the server offers, never en-GB: the definition's own words are English) ->
// words.
using Translations = std::map<std::string, LocalWords, std::less<>>;

// Member `word` of each language that gives it (language tag -> words): a form's words for an
// engine Text (TextArg::formWords, core/message.h).
std::map<std::string, std::string, std::less<>> wordsByLanguage(const Translations& t,
                                                                std::string LocalWords::*word);

// The words a page shows a contact for an item in their language: the translation where the
// definition has one, else the English words with fellBack set (the page then says it shows
// English). Asked in en-GB, or of an item with no English words (no help), fellBack is false.
struct LocalText {
  std::string text;
  bool fellBack = false;
};
// The words of an item whose English is `english`, in `language`: member `word` of its
// translation in that language where given, else `english` (fallen back, unless asked in en-GB
// or there is no English to translate).
LocalText wordsIn(const Translations& t, std::string_view language, const std::string& english,
                  std::string LocalWords::*word);

struct ChoiceOption {
  std::string value;
  std::string label;
  Translations translations;  // label only; an option written as a bare string has none

  LocalText labelIn(std::string_view language) const;
};

struct FieldDef {
  std::string id;
  std::string label;
  std::string help;
  FieldKind kind = FieldKind::kText;
  bool required = false;
  bool readonly = false;  // filled at launch (prefill) and shown, not edited
  bool hidden = false;    // never shown (e.g. a prefilled year group used by visible_when)
  std::optional<Condition> visibleWhen;
  std::string prefill;  // "pupil.legal_name", "contacts.parent_carer", ... (see prefillSources())
  // Error messages (GOV.UK style). errorName: what the answer is, as it reads inside a sentence
  // ("why the pupil needs a PEEP", "if this is a temporary need"); default from the label.
  // requiredMessage / invalidMessage: the form's own whole messages ("error_messages").
  std::string errorName;
  std::string requiredMessage;  // when a required answer is missing
  std::string invalidMessage;   // when an answer breaks the field's rules (pattern_message first)

  std::optional<std::size_t> minLength, maxLength;  // code points (text kinds)
  std::optional<double> min, max;                   // numbers
  bool integer = false;
  std::string pattern;         // ECMAScript, matched against the whole value
  std::string patternMessage;  // shown when the pattern fails
  std::optional<std::regex> regex;
  std::vector<ChoiceOption> options;                    // choice, multi_choice
  std::optional<std::size_t> minSelected, maxSelected;  // multi_choice
  std::vector<DateRelation> dateRelations;
  std::vector<std::string> people;  // person: allowed of "staff", "contact", "free_text"
  std::vector<FieldDef> columns;    // table
  std::size_t minRows = 0, maxRows = 100;
  std::optional<Formula> formula;  // computed
  std::vector<Band> bands;         // computed
  Translations translations;  // label, help and the error messages, in a contact's section only

  const FieldDef* column(std::string_view columnId) const;
  const ChoiceOption* option(std::string_view value) const;
  LocalText labelIn(std::string_view language) const;
  LocalText helpIn(std::string_view language) const;
  // Every word of the field a contact reads (label, help, columns', options') is in `language`.
  bool fullyIn(std::string_view language) const;
};

struct SectionDef {
  std::string id;
  std::string title;
  std::string help;
  std::optional<Condition> visibleWhen;
  std::vector<std::string> roles;  // contact kinds / "pupil" who may contribute; staff always may
  bool pupilVoice = false;         // the pupil's own views; every form has one
  std::vector<FieldDef> fields;
  Translations translations;  // title (as LocalWords::label) and help; only with roles

  LocalText titleIn(std::string_view language) const;
  LocalText helpIn(std::string_view language) const;
  // The section's title and help and every word of its fields are in `language`: a page may
  // say once, above a section that is not, that some of it is shown in English.
  bool fullyIn(std::string_view language) const;
};

struct FormDefinition {
  std::string type;
  std::string title;
  int version = 1;
  std::string description;
  std::vector<SectionDef> sections;
  std::string sourceName;  // file it came from (for messages)
  std::string sourceJson;  // canonical JSON of the definition

  const FieldDef* field(std::string_view id) const;  // top-level fields only
  // A field id as seen from inside `table` (its columns first), else at the top level.
  const FieldDef* resolve(std::string_view id, const FieldDef* table) const;
  const SectionDef* sectionOf(std::string_view fieldId) const;
  // The label of a field ("id") or a table's column ("table.column") in `language`, or English
  // with fellBack; nullopt for an id the form does not have.
  std::optional<LocalText> labelIn(std::string_view itemId, std::string_view language) const;
  std::vector<const FieldDef*> fields() const;  // document order
};

// Prefill keys a field may name. Pupil items fill text/date fields; contacts.<kind> fills a
// person field (first active contact of that kind), a text field (names joined by "; ") or a
// table whose columns use "contact.name", "contact.relationship", "contact.email",
// "contact.kind", "contact.ref".
const std::vector<std::string>& prefillSources();

}  // namespace sendflow::engine
