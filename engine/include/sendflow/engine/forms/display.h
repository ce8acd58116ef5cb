// Values as people read them, and what changed between two versions.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine {

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

}  // namespace sendflow::engine
