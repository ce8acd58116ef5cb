// A contact's words in their language (forms/README.md "translations"):
//   "translations": {"pl": {"label": "…", "help": "…"}, "ur": {"label": "…"}}
// on a section ("title" instead of "label"), a field, a table's column or a choice option
// ("label" only), in a section a contact writes. Read strictly: a language of the closed list
// other than en-GB (the definition's own words), at least one word each, no empty or
// whitespace-only word, one line each, help only where there is English help to translate.
#include <algorithm>

#include "form_parser.h"
#include "sendflow/engine/core/language.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Object;

namespace {

std::vector<std::string> translatable() {
  std::vector<std::string> out;
  for (const auto& tag : languageTags())
    if (tag != kEnglish) out.push_back(tag);
  return out;
}

bool blank(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t'; });
}

bool hasControl(const std::string& s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; });
}

}  // namespace

Translations FormParser::translations(const Object& o, const std::string& p, const char* labelKey,
                                      const std::string* englishHelp) {
  Translations out;
  if (!o.has("translations")) return out;
  const std::string tp = p + ".translations";
  auto all = r_.object(o.get("translations"), tp);
  if (all->size() == 0) r_.fail(tp, "give the words in at least one language, or leave it out");
  std::vector<std::string> languages;
  all->getNames(languages);
  for (const auto& language : languages) {
    const std::string lp = tp + "." + language;
    if (language == kEnglish)
      r_.fail(lp, "the definition's own words are en-GB: write them in '" + std::string(labelKey) +
                      "' and 'help'");
    if (!isLanguageTag(language))
      r_.fail(lp, "unknown language '" + language + "' (expected one of " + joined(translatable()) +
                      ")");
    auto words = r_.object(all->get(language), lp);
    if (englishHelp)
      r_.keys(*words, lp, {}, {std::string_view(labelKey), "help"});
    else
      r_.keys(*words, lp, {}, {std::string_view(labelKey)});
    if (words->size() == 0)
      r_.fail(lp, std::string("give the '") + labelKey + "'" +
                      (englishHelp ? " or the 'help'" : "") + ", or leave the language out");
    auto word = [&](const char* key) {
      const std::string wp = lp + "." + key;
      std::string s = r_.string(words->get(key), wp);
      if (blank(s)) r_.fail(wp, "empty: leave the word out to show the English one");
      if (hasControl(s)) r_.fail(wp, "expected one line of text (no control characters)");
      return s;
    };
    LocalWords w;
    if (words->has(labelKey)) w.label = word(labelKey);
    if (words->has("help")) {
      if (englishHelp->empty())
        r_.fail(lp + ".help", "there is no English 'help' here to translate");
      w.help = word("help");
    }
    out.emplace(language, std::move(w));
  }
  return out;
}

// Only what a contact reads carries translations: a section with "roles" and its fields.
void FormParser::checkTranslationsPlace(const SectionDef& s, const std::string& p) {
  if (!s.roles.empty()) return;
  auto refuse = [&](const std::string& at) {
    r_.fail(at + ".translations",
            "only a section a contact writes (one with \"roles\") carries translations: no "
            "contact would read these");
  };
  if (!s.translations.empty()) refuse(p);
  auto checkField = [&](const FieldDef& f, const std::string& fp, auto& self) -> void {
    if (!f.translations.empty()) refuse(fp);
    for (std::size_t i = 0; i < f.options.size(); ++i)
      if (!f.options[i].translations.empty()) refuse(fp + ".options[" + std::to_string(i) + "]");
    for (std::size_t i = 0; i < f.columns.size(); ++i)
      self(f.columns[i], fp + ".columns[" + std::to_string(i) + "]", self);
  };
  for (std::size_t i = 0; i < s.fields.size(); ++i)
    checkField(s.fields[i], p + ".fields[" + std::to_string(i) + "]", checkField);
}

}  // namespace sendflow::engine
