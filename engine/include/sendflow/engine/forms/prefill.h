// Values a plan starts with, taken from the pupil record and contacts.
#pragma once

#include <Poco/Dynamic/Var.h>
#include <Poco/JSON/Object.h>

#include <vector>

#include "sendflow/engine/definitions/form_definition.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

// Initial values at launch from the pupil record and the pupil's contacts (see prefillSources()).
Poco::JSON::Object::Ptr prefillValues(const FormDefinition& form, const Pupil& pupil,
                                      const std::vector<Contact>& contacts);

}  // namespace sendflow::engine
