// The words web/static/live.js writes on a plan form (the live status line, the row buttons,
// what it announces), in the page's language, from the catalogues (docs/translations.md).
#pragma once

#include <map>
#include <mutex>
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

// liveWords(tr, language) made once for each language of tr's list and kept (the catalogues are
// read-only after start, so the words of a language never change): every plan form carries them,
// and building them costs a catalogue look-up per message and a JSON stringify. A tag not in the
// list is built anew each time (nothing kept for it). Thread-safe.
class LiveWords {
 public:
  explicit LiveWords(const Translations& tr) : tr_(tr) {}
  LiveWords(const LiveWords&) = delete;
  LiveWords& operator=(const LiveWords&) = delete;

  std::string in(std::string_view language) const;

 private:
  const Translations& tr_;
  mutable std::mutex mutex_;
  mutable std::map<std::string, std::string, std::less<>> kept_;  // language -> liveWords
};

}  // namespace sendflow::web
