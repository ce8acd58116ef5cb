// Answers to questions the other answers hide (visible_when) are dropped when a plan is saved.
#pragma once

#include <Poco/JSON/Object.h>

#include <vector>

#include "sendflow/engine/core/error.h"
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
// Among the answers `values` has and `kept` (withoutHiddenAnswers of it) has not, text no answer
// may hold: control characters (line breaks too, unless long text), invalid UTF-8, over 64 KiB.
// Such input is refused at the edge like any other, though a hidden answer is not judged.
std::vector<FieldError> malformedDroppedAnswers(const FormDefinition& form,
                                                const Poco::JSON::Object& values,
                                                const Poco::JSON::Object& kept);

}  // namespace sendflow::engine
