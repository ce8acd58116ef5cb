// The language of a page answered to a contact (no account: their emailed link).
#pragma once

#include <string>

#include "pages/views.h"

namespace sendflow::web {

class Exchange;
class Translations;

// Sets ex.language and ex.preferredLanguage for a page answered to a contact whose stored
// language is `preferred`:
//   ?lang=en             English, remembered (a cookie, sendflow_lang=en) for their next pages;
//   ?lang=<preferred>    their language again (the cookie is cleared);
//   no ?lang             English when the cookie says so, else their language.
// Any other ?lang (an unknown tag, another contact's language) is a 400 naming it. A GET
// changes nothing stored: the link keeps its token in the path (redacted in the access log),
// and forms keep their CSRF token.
void speakTo(Exchange& ex, const std::string& preferred);

// The staff's choice of a contact's language: one option per language offered, "Urdu – اردو".
Data languageOptions(const Translations& tr, const std::string& selected);
// "Urdu – اردو" for a tag of the list; the tag itself otherwise.
std::string languageLabel(const Translations& tr, const std::string& tag);

}  // namespace sendflow::web
