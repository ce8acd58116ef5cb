#include "pages/live_words.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Stringifier.h>

#include <sstream>
#include <string_view>
#include <utility>

#include "i18n/translations.h"

namespace sendflow::web {

namespace {

// Key -> message id. Whole sentences: the script fills only the placeholders, never glues words.
// Counts stand where no noun agrees with them, as everywhere in the catalogue (no plural forms).
const std::pair<std::string_view, const char*> kLiveWords[] = {
    {"status", N_("Editing live. People on this page: {{count}}.")},
    {"paused", N_("Live editing paused; reconnecting…")},
    {"read_only", N_("This plan cannot be edited now.")},
    {"here", N_("{{name}} is here")},
    {"joined", N_("{{name}} joined.")},
    {"left", N_("{{name}} left.")},
    {"is_in", N_("{{name}} is in “{{question}}”.")},
    {"add_row", N_("Add a row")},
    {"remove_row", N_("Remove this row")},
    // The same message as a row's legend on the page (templates/_sections.mustache).
    {"row_legend", N_("{{label}}: row {{number}}")},
    {"row_added", N_("Row added.")},
    {"row_removed", N_("Row removed.")},
    {"row_added_by", N_("{{name}} added a row to “{{table}}”.")},
    {"row_removed_by", N_("{{name}} removed a row from “{{table}}”.")},
    {"overwritten",
     N_("{{name}} changed “{{question}}” just after you. Your answer was: {{answer}}.")},
    {"overwritten_cell",
     N_("{{name}} changed “{{question}}” in {{row}} just after you. Your answer was: "
        "{{answer}}.")},
    {"restore", N_("Restore my answer")},
    {"restored", N_("Your answer to “{{question}}” was restored.")},
    {"restored_cell", N_("Your answer to “{{question}}” in {{row}} was restored.")},
    {"empty", N_("(no answer)")},
    {"yes", N_("Yes")},
    {"no", N_("No")},
};

}  // namespace

std::string liveWords(const Translations& tr, std::string_view language) {
  Poco::JSON::Object words;
  Poco::JSON::Array::Ptr english = new Poco::JSON::Array;
  for (const auto& [key, msgid] : kLiveWords) {
    const std::string id(msgid);
    words.set(std::string(key), tr.text(language, id));
    if (language != kEnglish && !tr.has(language, id)) english->add(std::string(key));
  }
  words.set("en", english);
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(words, out);
  return out.str();
}

std::string LiveWords::in(std::string_view language) const {
  {
    std::lock_guard lock(mutex_);
    if (auto it = kept_.find(language); it != kept_.end()) return it->second;
  }
  std::string words = liveWords(tr_, language);
  if (!tr_.find(language)) return words;
  std::lock_guard lock(mutex_);
  return kept_.emplace(std::string(language), std::move(words)).first->second;
}

}  // namespace sendflow::web
