// Languages, by their BCP 47 tags. en-GB is the language of the definitions' own words and of
// the plan itself (the school's record). Which other languages a server offers contacts is not
// the engine's to know: it is a list the composition root reads from its configuration (web:
// translations/LANGUAGES) and hands to whatever needs it (the definitions' loader, the people
// service), so a trust adds a language without code (docs/translations.md).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sendflow::engine {

inline constexpr std::string_view kEnglish = "en-GB";

// A well-formed BCP 47 language tag (RFC 5646 syntax, as ICU reads one): "ur", "pa-Arab",
// "zh-Hant-TW", "en-GB". Says nothing of whether a server offers the language.
bool isWellFormedLanguageTag(std::string_view tag);

// The languages a server offers contacts, as its configuration lists them.
struct LanguageList {
  std::vector<std::string> tags;  // exactly as listed (tags are compared exactly), en-GB first
  std::string source;             // where the list is written, for messages: ".../LANGUAGES"

  bool offers(std::string_view tag) const;
  // The tags other than en-GB, "pl, ur, ro" (for messages; "none" when there are none).
  std::string othersThanEnglish() const;
};

}  // namespace sendflow::engine
