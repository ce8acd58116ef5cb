// Mustache pages, compiled once at start-up (an invalid template stops start-up, named).
// User data goes only through {{escaped}} tags.
#pragma once

#include <kainjow/mustache.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <string>
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
  // a render of that language's compiled template, no lookup per message.
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

 private:
  using Templates = std::map<std::string, kainjow::mustache::mustache>;
  class Lease;
  const Templates& compiled() const { return compiled_; }
  // The key of template `name` in `lang`: name@lang when it has messages to translate.
  const std::string& keyFor(const std::string& name, std::string_view lang) const;
  std::map<std::string, std::map<std::string, std::string, std::less<>>>
      keys_;  // name → lang → key
  std::unique_ptr<Templates> acquire() const;
  void release(std::unique_ptr<Templates> set) const;

  Templates compiled_;  // the compiled set, never rendered itself (only copied)
  // kainjow's render is not const, and requests run on many threads: each render borrows a copy
  // of the compiled set, made once and then reused (at most one per concurrent render).
  mutable std::mutex mutex_;
  mutable std::vector<std::unique_ptr<Templates>> spare_;
};

// Helpers for building view data.
Data list();
// kainjow's set and push_back copy the whole subtree; these move a subtree just built in.
void put(Data& object, const std::string& name, Data&& value);
void append(Data& list, Data&& item);
Data errorSummary(const std::vector<std::pair<std::string, std::string>>& fieldMessages);

}  // namespace sendflow::web
