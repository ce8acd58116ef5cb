// The words web/static/live.js writes on a plan form (the live status line, the row buttons,
// what it announces), in the page's language, from the catalogues (docs/translations.md).
#pragma once

#include <string>
#include <string_view>

namespace sendflow::web {

class Translations;

// A JSON object for the form's data-words attribute: each key names a whole message of the
// catalogue, in `language` (the page's), with its {{name}} placeholders left for the script to fill
// (names as the server sent them, counts written by Intl.NumberFormat in the page's language). "en"
// lists the keys whose message shows in English on a page in another language (no translation
// in use), so the script marks them lang="en-GB". Staff pages get the English of the same
// messages: the script holds no words of its own.
std::string liveWords(const Translations& tr, std::string_view language);

}  // namespace sendflow::web
