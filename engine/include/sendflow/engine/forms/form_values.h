// Field values of a plan version: validation against a FormDefinition, visibility, computed
// fields, canonical JSON and content hash, prefill at launch and a readable diff.
//
// Values are a Poco::JSON::Object: field id -> string | number | bool | array of strings
// (multi_choice) | array of row objects (table: column id -> cell value). A value that is
// null, "" or [] counts as absent. Computed fields are never taken from input: they are
// dropped by normaliseValues() and derived by computeValues()/withComputed().
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

inline constexpr std::size_t kMaxValueBytes = 64 * 1024;  // any single string value

struct ValueContext {
  Date today;
  const Pupil* pupil = nullptr;  // for "pupil.date_of_birth" date relations; may be null
  // The previous version's values. A value equal to its previous value is not re-checked
  // against "today"-relative date rules (a date that was in the future when saved stays valid).
  const Poco::JSON::Object* previous = nullptr;
  // When set, "user:N"/"contact:N" references must be in this set.
  std::optional<std::set<std::string>> knownPeople;
};

struct ValueCheck {
  // Wrong type, out of range, too long, pattern, bad date, unknown field/option, > 64 KiB:
  // a save must be refused (422 naming the field).
  std::vector<FieldError> invalid;
  // Required visible fields without a value: block the form_complete guard, not a save.
  std::vector<FieldError> missing;
  bool valid() const { return invalid.empty(); }
  bool complete() const { return invalid.empty() && missing.empty(); }
};

// Field names in errors: "field_id" or, for a table cell, "table_id[row].column_id" (rows from
// 0; the message says "row 1" for humans). Messages are plain English (GOV.UK style).
ValueCheck validateValues(const FormDefinition& form, const Poco::JSON::Object& values,
                          const ValueContext& ctx);

// Copy with absent values (null, "", [] and rows with no cell) and computed fields removed.
// Every other value is kept exactly as given (no type is guessed) for validateValues to judge.
Poco::JSON::Object::Ptr normaliseValues(const FormDefinition& form,
                                        const Poco::JSON::Object& values);
// Values as HTML controls post them (form posts, the live editor), typed: a yes/no posted as
// "yes"/"no" becomes true/false, a number posted as decimal text becomes a number. Then as
// normaliseValues. Only those doors call it: the JSON API takes exactly its documented types.
Poco::JSON::Object::Ptr valuesFromControls(const FormDefinition& form,
                                           const Poco::JSON::Object& values);

// Visibility of a top-level field / section under these values (hidden: kept, not required).
bool isSectionVisible(const SectionDef& s, const Poco::JSON::Object& values);
bool isFieldVisible(const FormDefinition& form, const FieldDef& f,
                    const Poco::JSON::Object& values);
bool conditionHolds(const Condition& c, const Poco::JSON::Object& scope,
                    const Poco::JSON::Object* outer = nullptr);
bool isPresent(const Poco::Dynamic::Var& v);

struct ComputedValue {
  std::string path;             // "overall_rating" or "hazards[2].rating"
  std::optional<double> value;  // empty when an input is missing
  const Band* band = nullptr;
};
// Every computed field and computed table cell, in document order.
std::vector<ComputedValue> computeValues(const FormDefinition& form,
                                         const Poco::JSON::Object& values);
const Band* bandFor(const FieldDef& computed, double value);
// Deep copy with computed values written in (numbers; omitted when an input is missing).
Poco::JSON::Object::Ptr withComputed(const FormDefinition& form, const Poco::JSON::Object& values);

// Canonical JSON: object keys sorted by UTF-8 bytes, no insignificant whitespace, strings
// escaped minimally (", \, control characters), integers without exponent or fraction,
// other numbers in shortest round-trip form. Throws std::invalid_argument for NaN/infinity.
std::string canonicalJson(const Poco::Dynamic::Var& v);
std::string canonicalJson(const Poco::JSON::Object& o);
std::string contentHash(const Poco::JSON::Object& values);  // SHA-256 hex of canonicalJson
// Canonical JSON of a few key/value pairs: the detail of an audit event.
std::string detailJson(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> items);
// Parse JSON text into an object; kBadRequest when it is not a JSON object.
Result<Poco::JSON::Object::Ptr> parseValues(const std::string& json);

// Readable value of a field for pages, diffs and the PDF: option labels, "Yes"/"No",
// dates as "29 November 2026", tables as "2 rows", computed with their band ("12 (High)").
std::string displayValue(const FieldDef& f, const Poco::Dynamic::Var& v);

struct ValueChange {
  std::string field;   // field id or "table[row].column"
  std::string label;   // "Hazards, row 2: Likelihood"
  std::string before;  // display values; "" when absent
  std::string after;
};
std::vector<ValueChange> diffValues(const FormDefinition& form, const Poco::JSON::Object& before,
                                    const Poco::JSON::Object& after);

// Initial values at launch from the pupil record and the pupil's contacts (see prefillSources()).
Poco::JSON::Object::Ptr prefillValues(const FormDefinition& form, const Pupil& pupil,
                                      const std::vector<Contact>& contacts);

}  // namespace sendflow::engine
