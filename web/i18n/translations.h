// The text contacts read, in their language: gettext message catalogues (translations/<tag>.po,
// read once at start with gettext's own PO reader, libgettextpo), the closed list of languages
// offered (translations/LANGUAGES), the expansion of {{#t}}…{{/t}} in templates, and dates in a
// language (ICU). docs/translations.md says how a trust corrects or adds a language.
#pragma once

#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "sendflow/engine/core/message.h"
#include "sendflow/engine/definitions/duration.h"

namespace sendflow::web {

inline constexpr std::string_view kEnglish = "en-GB";

// Marks a message for extraction (scripts/update-translations) where it is translated later;
// the engine's own texts are marked with the same engine::N_.
using engine::N_;

struct Language {
  std::string tag;          // BCP 47, as stored on a contact: "en-GB", "ur", "pa"
  bool rtl = false;         // written right to left: pages get dir="rtl"
  std::string name;         // in the language itself: "اردو"
  std::string englishName;  // "Urdu"
};

class Translations {
 public:
  // Reads dir/LANGUAGES and dir/<tag>.po for each language listed. Throws, naming the file and
  // line, on a malformed list or catalogue, a language without its catalogue, or a translation
  // whose {{placeholders}} differ from its msgid's (or that holds any other Mustache tag).
  // Fuzzy and empty translations are left out: that text shows in English.
  // kOnFirstUse (a CLI command that may show no translated text, e.g. `render`): the list is
  // read and each catalogue's file must exist now, but the catalogues are read (and checked)
  // on the first call that needs a message; a bad one throws there. The server reads them now.
  enum class Catalogues { kNow, kOnFirstUse };
  explicit Translations(const std::string& dir, Catalogues when = Catalogues::kNow);
  // English only, from the msgids (for tools and tests that read no catalogues).
  Translations();

  const std::vector<Language>& languages() const { return languages_; }
  // nullptr for a tag not in the list (the comparison is exact: tags are stored as listed).
  const Language* find(std::string_view tag) const;
  const Language& english() const { return languages_.front(); }
  // The translation of `msgid` into `lang`; `msgid` itself when there is none.
  // REQUIRES: msgid outlives the returned reference. Thread-safe (read-only after start).
  const std::string& text(std::string_view lang, const std::string& msgid) const;
  // Whether `lang`'s catalogue has a translation of `msgid` in use (always true in English).
  bool has(std::string_view lang, const std::string& msgid) const;
  // `t` in `lang`: its message from the catalogue (English where there is none), each
  // placeholder filled in the language: counts and minutes by ICU, dates by localDate, nested
  // texts translated the same way, lists joined by ICU's list format, a form's words in the
  // language where the form gives them, else quoted ("“{{words}}”" of the catalogue). Sets
  // *fellBack when the message itself shows in English on a page in another language.
  std::string text(std::string_view lang, const engine::Text& t, bool* fellBack = nullptr) const;
  // How many messages of `lang` have a translation in use.
  std::size_t translatedCount(std::string_view lang) const;

 private:
  using Catalogue = std::map<std::string, std::string>;
  // The catalogues, read on the first call (once; a throw leaves them to be read next time).
  const std::map<std::string, Catalogue, std::less<>>& catalogues() const;

  std::string dir_;
  std::vector<Language> languages_;  // en-GB first
  mutable std::once_flag read_;
  mutable std::map<std::string, Catalogue, std::less<>> catalogues_;  // written once, in read_
};

// The {{name}} placeholders of a message, in order of appearance. Sets *other when the message
// holds any other Mustache tag or a stray "{{" / "}}".
std::vector<std::string> placeholdersOf(std::string_view message, bool* other = nullptr);

// `message` with each {{name}} replaced by its value in `values` (a name without a value stays).
std::string fillPlaceholders(
    std::string_view message,
    std::initializer_list<std::pair<std::string_view, std::string>> values);

// How a template's text is written: HTML (pages, HTML mail: text escaped, placeholders {{x}}) or
// plain text (mail text and subject: text as is, placeholders {{{x}}}).
enum class TextKind { kHtml, kPlain };

// `text` (template `name`) with every {{#t}}message{{/t}} replaced by the message in `lang`,
// written as template source: the translation's own text escaped for `kind`, its placeholders
// as Mustache tags that the render fills from checked values. Throws, naming the template, on a
// message that holds anything but text and {{name}} placeholders, or an unclosed {{#t}}.
std::string translateTemplate(const std::string& name, const std::string& text,
                              const Translations& tr, std::string_view lang, TextKind kind);

// An ISO date ("2026-12-03", or the date part of an ISO time) written out in `lang` by ICU
// ("3 December 2026", "3 grudnia 2026"); the input itself when it is not a date.
std::string localDate(std::string_view lang, std::string_view isoDate);

// A number of minutes with its noun in `lang`'s grammar, by ICU ("10 minutes", "10 minut",
// "1 minuta"): messages carry a count this way and never need plural forms of their own.
std::string localMinutes(std::string_view lang, long minutes);

// A calendar duration written out in `lang` by ICU's MeasureFormat, its nouns in the language's
// grammar ("12 months", "12 miesięcy", "1 rok i 6 miesięcy").
std::string localDuration(std::string_view lang, const engine::Duration& d);

// A whole number in `lang`'s digits and grouping, by ICU ("1,234", "1 234", "١٬٢٣٤").
std::string localCount(std::string_view lang, long n);

// Items joined as a list in `lang`, by ICU: "A, B and C" ("A, B i C"), or with kOr "A, B or C".
enum class ListKind { kAnd, kOr };
std::string localList(std::string_view lang, const std::vector<std::string>& items,
                      ListKind kind = ListKind::kAnd);

// An ISO time ("2026-12-17T15:30:00Z") as a date and time in England (Europe/London) written
// out in `lang` by ICU ("17 grudnia 2026 15:30"); the input itself when it is not such a time.
std::string localDateTime(std::string_view lang, std::string_view isoTime);

}  // namespace sendflow::web
