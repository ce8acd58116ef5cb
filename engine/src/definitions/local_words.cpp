#include "local_words.h"

#include <algorithm>

#include "sendflow/engine/core/language.h"

namespace sendflow::engine {

using Poco::JSON::Object;

namespace {

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

bool hasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

void checkLanguage(const Reader& r, const std::string& language, const std::string& lp,
                   const char* labelKey) {
  if (language == kEnglish)
    r.fail(lp, "the definition's own words are en-GB: write them in '" + std::string(labelKey) +
                   "' and 'help'");
  if (!isWellFormedLanguageTag(language))
    r.fail(lp, "'" + language + "' is not a language tag (BCP 47, e.g. ur, pa-Arab, zh-Hant)");
  const LanguageList* offered = r.languages();
  if (offered && !offered->offers(language))
    r.fail(lp, "unknown language '" + language + "': the languages offered are " +
                   offered->othersThanEnglish() + " (" + offered->source +
                   "); list it there, with its catalogue, or leave these words out");
}

}  // namespace

Translations readTranslations(const Reader& r, const Object& o, const std::string& p,
                              const char* labelKey, const std::string* englishHelp) {
  Translations out;
  if (!o.has("translations")) return out;
  const std::string tp = p + ".translations";
  auto all = r.object(o.get("translations"), tp);
  if (all->size() == 0) r.fail(tp, "give the words in at least one language, or leave it out");
  std::vector<std::string> languages;
  all->getNames(languages);
  for (const auto& language : languages) {
    const std::string lp = tp + "." + language;
    checkLanguage(r, language, lp, labelKey);
    auto words = r.object(all->get(language), lp);
    if (englishHelp)
      r.keys(*words, lp, {}, {std::string_view(labelKey), "help"});
    else
      r.keys(*words, lp, {}, {std::string_view(labelKey)});
    if (words->size() == 0)
      r.fail(lp, std::string("give the '") + labelKey + "'" +
                     (englishHelp ? " or the 'help'" : "") + ", or leave the language out");
    auto word = [&](const char* key) {
      const std::string wp = lp + "." + key;
      std::string s = r.string(words->get(key), wp);
      if (blank(s)) r.fail(wp, "empty: leave the word out to show the English one");
      if (hasControl(s)) r.fail(wp, "expected one line of text (no control characters)");
      return s;
    };
    LocalWords w;
    if (words->has(labelKey)) w.label = word(labelKey);
    if (words->has("help")) {
      if (englishHelp->empty())
        r.fail(lp + ".help", "there is no English 'help' here to translate");
      w.help = word("help");
    }
    out.emplace(language, std::move(w));
  }
  return out;
}

}  // namespace sendflow::engine
