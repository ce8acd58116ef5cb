// Computed fields: formulas evaluated over the values, and their bands.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine {

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

}  // namespace sendflow::engine
