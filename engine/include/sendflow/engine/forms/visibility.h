// Which sections and fields show under given values (visible_when conditions).
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine {

// Visibility of a top-level field / section under these values (hidden: kept, not required).
bool isSectionVisible(const SectionDef& s, const Poco::JSON::Object& values);
bool isFieldVisible(const FormDefinition& form, const FieldDef& f,
                    const Poco::JSON::Object& values);
bool conditionHolds(const Condition& c, const Poco::JSON::Object& scope,
                    const Poco::JSON::Object* outer = nullptr);
bool isPresent(const Poco::Dynamic::Var& v);

}  // namespace sendflow::engine
