// Texts the engine writes for a contact to read (a parent, carer, professional or pupil on an
// emailed link): a message id in English with {{name}} placeholders, and the values that fill
// them, kept apart so that the web can show the message in the contact's language
// (translations/<tag>.po, docs/translations.md) with its numbers, dates and lists written in
// that language's grammar. The engine marks each such message id with N_ so that
// scripts/update-translations extracts it; str() is the English sentence (staff pages, the API,
// logs). The engine never translates: it holds no catalogue and does no I/O.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sendflow::engine {

// Marks a message id for extraction into the catalogues (xgettext --keyword=N_).
constexpr const char* N_(const char* msgid) { return msgid; }

struct Text;

// The value of one {{name}} of a Text.
struct TextArg {
  enum class Kind {
    kVerbatim,  // shown as it is in every language (a person's name, a plan's title)
    kCount,     // a whole number, written by the language's digits and grouping
    kMinutes,   // a number of minutes, with its noun in the language's grammar ("10 minut")
    kDate,      // an ISO date ("2026-12-03"), written out in the language
    kText,      // a message of its own, translated too
    kList,      // messages joined as a list in the language ("A, B and C")
    kWords,     // a form's own words: English, or the form's words in the language (below)
    kDuration,  // an ISO-8601 duration ("P12M"), written out in the language ("12 miesięcy")
  };
  std::string name;
  Kind kind = Kind::kVerbatim;
  std::string value;  // kVerbatim, kDate (ISO), kDuration (ISO); kWords: the English as it reads
                      // in the sentence
  long count = 0;     // kCount, kMinutes
  std::vector<Text> texts;  // kText (one), kList
  // kWords: the form's words in each language that has them (language tag -> words). In a
  // language without them, or in a language with them, the words are shown quoted
  // (the message "“{{words}}”" of the catalogue) rather than glued into the sentence.
  std::map<std::string, std::string, std::less<>> words;
  // kWords: the words are a whole message of the form's own (its "error_messages", its
  // "pattern_message"), shown as they are, never quoted; in a language they are not given in,
  // the English shows and the page marks the message as English.
  bool whole = false;

  static TextArg verbatim(std::string name, std::string value);
  static TextArg number(std::string name, long count);
  static TextArg minutes(std::string name, long minutes);
  static TextArg date(std::string name, std::string isoDate);
  static TextArg text(std::string name, Text t);
  static TextArg list(std::string name, std::vector<Text> items);
  static TextArg formWords(std::string name, std::string english,
                           std::map<std::string, std::string, std::less<>> words);
  static TextArg formMessage(std::string name, std::string english,
                             std::map<std::string, std::string, std::less<>> words);
  static TextArg duration(std::string name, std::string isoDuration);
};

struct Text {
  std::string msgid;  // English, with {{name}} placeholders; empty: no text
  std::vector<TextArg> args;

  Text() = default;
  explicit Text(std::string id, std::vector<TextArg> arguments = {})
      : msgid(std::move(id)), args(std::move(arguments)) {}
  bool empty() const { return msgid.empty(); }
  // The English sentence: each {{name}} filled (counts in digits, dates as "3 December 2026",
  // lists joined with ", ").
  std::string str() const;
};

}  // namespace sendflow::engine
