// Answers to questions the other answers hide (visible_when) are dropped when a plan is saved.
#pragma once

#include <Poco/JSON/Object.h>

#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine {

// A copy of `values` without the answers to questions their conditions hide: a field whose
// section's or own visible_when does not hold, a table cell whose column's visible_when does not
// hold for its row (a row left with no cell goes too); repeated until stable, as a dropped answer
// may hide another question. Fields marked "hidden" (kept by the system, never shown) are kept.
// So a version, its content hash (what a signature binds to) and its PDF never hold an answer
// nobody could see; validateValues does not judge such answers either.
Poco::JSON::Object::Ptr withoutHiddenAnswers(const FormDefinition& form,
                                             const Poco::JSON::Object& values);

}  // namespace sendflow::engine
