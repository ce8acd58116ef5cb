// Field values as they arrive: parsed, typed from HTML controls, and normalised.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <string>

#include "sendflow/engine/core/error.h"
#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine {

// Copy with absent values (null, "", [] and rows with no cell) and computed fields removed.
// Every other value is kept exactly as given (no type is guessed) for validateValues to judge.
Poco::JSON::Object::Ptr normaliseValues(const FormDefinition& form,
                                        const Poco::JSON::Object& values);
// Values as HTML controls post them (form posts, the live editor), typed: a yes/no posted as
// "yes"/"no" becomes true/false, a number posted as decimal text becomes a number. Then as
// normaliseValues. Only those doors call it: the JSON API takes exactly its documented types.
Poco::JSON::Object::Ptr valuesFromControls(const FormDefinition& form,
                                           const Poco::JSON::Object& values);
// Parse JSON text into an object; kBadRequest when it is not a JSON object.
Result<Poco::JSON::Object::Ptr> parseValues(const std::string& json);

}  // namespace sendflow::engine
