// Mustache pages, checked whole at start-up (an invalid template stops start-up, named) and each
// compiled once, on its first render.
// User data goes only through {{escaped}} tags.
#pragma once

#include <deque>
#include <functional>
#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

namespace sendflow::web {

using Data = kainjow::mustache::data;
class Exchange;
class Translations;

class Views {
 public:
  // Reads every templates/<name>.mustache; {{> _x}} includes templates/_x.mustache, expanded
  // into each template here, so a page is one compiled tree and no partial is parsed per render.
  // Throws, naming the template, on a syntax error or an include of no such partial.
  // Each template's {{#t}}…{{/t}} messages are written in at start, once per language of
  // `translations` (English from the msgids when none are given): a render in a language is
  // a render of that language's compiled template, no lookup per message. Every template is
  // written and compiled here in every language to check it, and dropped (only the files' texts
  // are kept); a template is written in a language and compiled again, once, when first
  // rendered in it. REQUIRES: `translations` outlives this.
  explicit Views(const std::string& templatesDir, const Translations* translations = nullptr);
  ~Views();
  Views(const Views&) = delete;
  Views& operator=(const Views&) = delete;

  // Renders templates/<name>.mustache alone (in `lang`: a tag of the translations' languages).
  std::string render(const std::string& name, const Data& data,
                     std::string_view lang = "en-GB") const;
  // Renders a whole page: layout top, the named body template, layout bottom, in the language
  // of the exchange (ex.language: a contact's, else English), with <html lang dir> set and,
  // for a contact whose language is not English, the link to switch to English and back.
  std::string page(const Exchange& ex, const std::string& name, const Data& data,
                   const std::string& title) const;

  // Renders templates/<name>.mustache (in `lang`) with the data `build` makes, or hands back the
  // text rendered before for the same name, language and `key`. REQUIRES: `key` names everything
  // `build` reads (the caller's contract: two calls with one key must render the same text), and
  // the template looks up no name outside that data. Thread-safe; texts are kept up to
  // kMaxRenderedBytes in all, the oldest dropped first (two first calls at once both render).
  std::shared_ptr<const std::string> rendered(const std::string& name, std::string_view lang,
                                              const std::string& key,
                                              const std::function<Data()>& build) const;
  static constexpr std::size_t kMaxRenderedBytes = 4 * 1024 * 1024;

 private:
  class Template;
  class Lease;
  // The template of `name` in `lang` (its own translation when it has messages, else English).
  Template& find(const std::string& name, std::string_view lang) const;
  // The text compiled for `name` in `lang`: partials expanded, messages written in.
  std::string source(const std::string& name, const std::string& lang) const;

  std::unique_ptr<const Translations> englishOnly_;  // when no translations are given
  const Translations& translations_;
  // name → the text of templates/<name>.mustache, as read at start (never changed after).
  std::map<std::string, std::string, std::less<>> texts_;

  // name → language tag → template. Built whole in the constructor, never changed after: lookups
  // take no lock. Each template is written in its language and compiled on its first render
  // (kainjow's trees are ~100× the size of their text: all languages compiled at start held
  // ~24 MB), and each keeps its own spare copies, so memory follows the pages and languages
  // actually served.
  std::map<std::string, std::map<std::string, std::unique_ptr<Template>, std::less<>>, std::less<>>
      templates_;

  // rendered(): name, language and key → text, and the keys in the order they were kept.
  mutable std::mutex renderedMutex_;
  mutable std::unordered_map<std::string, std::shared_ptr<const std::string>> rendered_;
  mutable std::deque<std::string> renderedOrder_;
  mutable std::size_t renderedBytes_ = 0;
};

// Helpers for building view data.
Data list();
// kainjow's set and push_back copy the whole subtree; these move a subtree just built in.
void put(Data& object, const std::string& name, Data&& value);
void append(Data& list, Data&& item);
// The error summary's items; a message in `english` (shown in English on a page in another
// language) is marked "message_en" (lang="en-GB").
Data errorSummary(const std::vector<std::pair<std::string, std::string>>& fieldMessages,
                  const std::set<std::string>* english = nullptr);

}  // namespace sendflow::web
