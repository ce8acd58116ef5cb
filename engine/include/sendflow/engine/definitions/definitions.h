// Document types as data: form definitions (forms/<type>/form.json) and workflow definitions
// (workflows/<type>.json), their loader and the validation that stops start-up on a bad file.
// This header gathers the parts; include one of them where only it is needed.
//
// A definition is immutable once loaded. Each carries its canonical source JSON (sorted keys,
// no insignificant whitespace) so storage can snapshot the exact version a plan was launched
// with and re-parse it later with parseForm()/parseWorkflow().
#pragma once

#include "sendflow/engine/definitions/definition_error.h"
#include "sendflow/engine/definitions/definition_source.h"
#include "sendflow/engine/definitions/duration.h"
#include "sendflow/engine/definitions/form_definition.h"
#include "sendflow/engine/definitions/registry.h"
#include "sendflow/engine/definitions/workflow_definition.h"
