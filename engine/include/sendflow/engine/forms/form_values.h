// Field values of a plan version: validation against a FormDefinition, visibility, computed
// fields, canonical JSON and content hash, prefill at launch and a readable diff.
//
// Values are a Poco::JSON::Object: field id -> string | number | bool | array of strings
// (multi_choice) | array of row objects (table: column id -> cell value). A value that is
// null, "" or [] counts as absent. Computed fields are never taken from input: they are
// dropped by normaliseValues() and derived by computeValues()/withComputed().
//
// This header gathers the parts (validation.h, value_input.h, visibility.h, computed.h,
// display.h, prefill.h and core/canonical_json.h); include one of them where only it is needed.
#pragma once

#include "sendflow/engine/core/canonical_json.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/forms/computed.h"
#include "sendflow/engine/forms/display.h"
#include "sendflow/engine/forms/prefill.h"
#include "sendflow/engine/forms/validation.h"
#include "sendflow/engine/forms/value_input.h"
#include "sendflow/engine/forms/visibility.h"
