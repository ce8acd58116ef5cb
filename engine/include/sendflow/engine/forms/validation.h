// Validating the field values of a plan version against its form definition.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/definitions/form_definition.h"
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

}  // namespace sendflow::engine
