// Plausible answers for any form definition: fills every visible field a person would fill,
// retrying dates until they satisfy their rules. For the demo trust and for tests that drive a
// document type through its lifecycle without knowing its fields.
#pragma once

#include <Poco/JSON/Object.h>

#include <map>
#include <set>
#include <string>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/people/model.h"

namespace sendflow::engine {

struct SampleOptions {
  std::string staffRef;                             // "user:N" for person fields
  std::set<std::string> skip;                       // field ids left as they are
  std::map<std::string, Poco::Dynamic::Var> given;  // fixed answers
};

// Starts from `start` (e.g. the prefilled values) and returns a copy with every visible,
// editable field answered. The result passes validateValues for `pupil` on `today` whenever the
// form allows it.
Poco::JSON::Object::Ptr sampleValues(const FormDefinition& form, const Poco::JSON::Object& start,
                                     const Pupil& pupil, Date today, const SampleOptions& options);

}  // namespace sendflow::engine
