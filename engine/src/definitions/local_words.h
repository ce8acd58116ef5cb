// A contact's words in their language, read the same way wherever a definition gives them
// (forms/README.md "translations"): a form's contact sections, fields, columns and options, and a
// workflow's signer slots, states and transitions.
//   "translations": {"pl": {"label": "…", "help": "…"}, "ur": {"label": "…"}}
#pragma once

#include <Poco/JSON/Object.h>

#include <string>

#include "json_reader.h"
#include "sendflow/engine/definitions/form_definition.h"

namespace sendflow::engine {

// The "translations" of `o` (at path `p`); none when it has none. `labelKey` is the key of the
// translated label ("title" on a section, "label" elsewhere); `englishHelp` the item's English
// help, nullptr where the item has no help at all. Read strictly: each language a well-formed
// tag other than en-GB (the definition's own words) and, when the reader has the server's list,
// one it offers; at least one word each; no unknown key; each word a string of one line, never
// empty or blank; help only where there is English help to translate. `field`, on a form's field
// (its English messages read): its own error messages too, "error_messages" ({"required"?,
// "invalid"?}) and "pattern_message", each only where the field has it in English and, like
// the English, of 1 to 300 bytes.
//   "translations": {"pl": {"label": "…", "pattern_message": "…",
//                           "error_messages": {"required": "…"}}}
Translations readTranslations(const Reader& r, const Poco::JSON::Object& o, const std::string& p,
                              const char* labelKey, const std::string* englishHelp,
                              const FieldDef* field = nullptr);

}  // namespace sendflow::engine
