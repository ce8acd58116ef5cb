// Shared by the forms/ sources: typed looks at a values object, and reading a value from the
// top level or from a table row.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <optional>
#include <string>

#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine::values {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

inline bool isObject(const Var& v) { return !v.isEmpty() && v.type() == typeid(Object::Ptr); }
inline bool isArray(const Var& v) { return !v.isEmpty() && v.type() == typeid(Array::Ptr); }
inline bool isString(const Var& v) { return !v.isEmpty() && v.isString(); }
inline bool isNumber(const Var& v) { return !v.isEmpty() && v.isNumeric() && !v.isBoolean(); }
inline bool isBool(const Var& v) { return !v.isEmpty() && v.isBoolean(); }

// o[key], or an empty Var when absent.
inline Var get(const Object& o, const std::string& key) { return o.has(key) ? o.get(key) : Var(); }

// Value of `id` seen from `row` of `table` (its columns first) or the top level.
Var lookup(const std::string& id, const FieldDef* table, const Object* row, const Object& top);
// Whether `c` holds for the value it names.
bool conditionOn(const Condition& c, const Var& v);
// Whether `f` (a top-level field, or a column of `table` in `row`) is shown by its own rules.
bool visibleIn(const FieldDef& f, const FieldDef* table, const Object* row, const Object& top);
// A formula's value; nullopt when an input is missing.
std::optional<double> evaluate(const FormDefinition& form, const Formula& x, const FieldDef* table,
                               const Object* row, const Object& top, int depth);

}  // namespace sendflow::engine::values
