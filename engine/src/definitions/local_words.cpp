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
                              const char* labelKey, const std::string* englishHelp,
                              const FieldDef* field) {
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
    std::vector<std::string_view> allowed{std::string_view(labelKey)};
    if (englishHelp) allowed.push_back("help");
    if (field) {
      allowed.push_back("error_messages");
      if (field->kind == FieldKind::kText) allowed.push_back("pattern_message");
    }
    std::vector<std::string> names;
    words->getNames(names);
    for (const auto& n : names)
      if (std::find(allowed.begin(), allowed.end(), n) == allowed.end())
        r.fail(lp + "." + n, "unknown key '" + n + "'");
    if (words->size() == 0)
      r.fail(lp, std::string("give the '") + labelKey + "'" +
                     (englishHelp ? " or the 'help'" : "") + ", or leave the language out");
    auto text = [&](const Object& in, const char* key, const std::string& wp) {
      std::string s = r.string(in.get(key), wp);
      if (blank(s)) r.fail(wp, "empty: leave the word out to show the English one");
      if (hasControl(s)) r.fail(wp, "expected one line of text (no control characters)");
      return s;
    };
    auto word = [&](const char* key) { return text(*words, key, lp + "." + key); };
    // A whole message, where the field has it in English: one line of 1 to 300 bytes.
    auto message = [&](const Object& in, const char* key, const std::string& wp,
                       const std::string& english) {
      if (english.empty())
        r.fail(wp, "there is no English '" + wp.substr(lp.size() + 1) + "' here to translate");
      std::string s = text(in, key, wp);
      if (s.size() > 300) r.fail(wp, "expected one line of text (1 to 300 bytes)");
      return s;
    };
    LocalWords w;
    if (words->has(labelKey)) w.label = word(labelKey);
    if (words->has("help")) {
      if (englishHelp->empty())
        r.fail(lp + ".help", "there is no English 'help' here to translate");
      w.help = word("help");
    }
    if (field && words->has("pattern_message"))
      w.patternMessage =
          message(*words, "pattern_message", lp + ".pattern_message", field->patternMessage);
    if (field && words->has("error_messages")) {
      const std::string mp = lp + ".error_messages";
      auto m = r.object(words->get("error_messages"), mp);
      r.keys(*m, mp, {}, {"required", "invalid"});
      if (m->size() == 0)
        r.fail(mp, "give the 'required' or the 'invalid' message, or leave it out");
      if (m->has("required"))
        w.requiredMessage = message(*m, "required", mp + ".required", field->requiredMessage);
      if (m->has("invalid"))
        w.invalidMessage = message(*m, "invalid", mp + ".invalid", field->invalidMessage);
    }
    out.emplace(language, std::move(w));
  }
  return out;
}

}  // namespace sendflow::engine
