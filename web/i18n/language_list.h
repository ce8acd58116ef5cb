// The languages a server offers contacts: translations/LANGUAGES, one a line
// (docs/translations.md). The one list: the message catalogues (Translations), a contact's language
// (PeopleService) and the languages definitions may give their words in (DefinitionRegistry::load)
// all come from it.
#pragma once

#include <string>
#include <vector>

#include "i18n/translations.h"
#include "sendflow/engine/core/language.h"

namespace sendflow::web {

struct ListedLanguage {
  Language language;
  std::string where;  // "<path>:<line>", for messages
};

// Reads a LANGUAGES file: "tag  ltr|rtl  name in the language  name in English" a line (fields
// separated by two spaces or more; blank lines and "#" comments skipped), in the order listed.
// Throws std::runtime_error naming the file and line of a malformed line, a tag that is not
// well-formed BCP 47 (engine::isWellFormedLanguageTag), a tag listed twice, or a list without
// en-GB.
std::vector<ListedLanguage> readLanguageList(const std::string& path);

// The tags of translationsDir/LANGUAGES, en-GB first, with the file as their source: what the
// definitions' loader is given (tools and tests that read no catalogues; a server takes them
// from its Translations, which read the same file).
engine::LanguageList offeredLanguages(const std::string& translationsDir);
// The same, from languages already read (a server's Translations).
engine::LanguageList languageListOf(const std::vector<Language>& languages, std::string source);

}  // namespace sendflow::web
