#include "pages/views.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <vector>

#include "app/services.h"
#include "http/http.h"
#include "i18n/translations.h"

namespace sendflow::web {
namespace {

using Mustache = kainjow::mustache::mustache;
using Context = kainjow::mustache::context<std::string>;

constexpr int kMaxPartialDepth = 16;

// The link back from English, written in the contact's language (its msgid is English, so a
// language without this translation shows it in English).
const std::string kShowInLanguage = N_("Show this page in my language");

std::string trimmed(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

// The text of template `name` with every {{> _x}} replaced by the text of _x.mustache (itself
// expanded). kainjow renders a partial into the including line exactly as if its text stood
// there, so the output is the same as including it at render time, without the per-use parse.
std::string expandPartials(const std::string& name,
                           const std::map<std::string, std::string, std::less<>>& texts,
                           int depth) {
  const std::string& text = texts.at(name);
  if (depth > kMaxPartialDepth)
    throw std::runtime_error("template " + name + ".mustache: partials nested more than " +
                             std::to_string(kMaxPartialDepth) + " deep (one includes itself?)");
  std::string out;
  out.reserve(text.size());
  std::string::size_type pos = 0;
  while (pos < text.size()) {
    const auto open = text.find("{{", pos);
    if (open == std::string::npos) break;
    const bool triple = text.compare(open, 3, "{{{") == 0;
    const std::string closer = triple ? "}}}" : "}}";
    const auto inner = open + (triple ? 3 : 2);
    const auto close = text.find(closer, inner);
    if (close == std::string::npos) break;  // kainjow names the unclosed tag
    const auto end = close + closer.size();
    const std::string tag = triple ? std::string() : trimmed(text.substr(inner, close - inner));
    if (!tag.empty() && tag[0] == '=')
      throw std::runtime_error("template " + name +
                               ".mustache: changing the tag delimiters is not supported");
    if (tag.empty() || tag[0] != '>') {
      out.append(text, pos, end - pos);
      pos = end;
      continue;
    }
    const std::string partial = trimmed(tag.substr(1));
    // Templates named _x are partials: {{> _x}} from any template.
    if (partial.rfind('_', 0) != 0 || !texts.count(partial))
      throw std::runtime_error("template " + name + ".mustache includes {{> " + partial +
                               "}}, and there is no partial " + partial +
                               ".mustache (partials are named _x)");
    out.append(text, pos, open - pos);
    out += expandPartials(partial, texts, depth + 1);
    pos = end;
  }
  if (pos < text.size()) out.append(text, pos);
  return out;
}

// kainjow renders to anything with operator<<; this appends to one string.
struct Appender {
  std::string& out;
  Appender& operator<<(const std::string& s) {
    out += s;
    return *this;
  }
};

}  // namespace

// One template in one language, compiled on its first render from the text Views writes for it
// then (partials expanded, messages written in: checked at start, so it cannot fail), and the
// copies renders borrow (kainjow's render is not const, and requests run on many threads): made
// when all are in use, then reused.
class Views::Template {
 public:
  Template(const Views& views, const std::string& name, std::string lang)
      : views_(views), name_(name), lang_(std::move(lang)) {}

  std::unique_ptr<Mustache> acquire() {
    // After the first call, call_once is one atomic load: no lock to find the compiled tree.
    std::call_once(once_, [this] {
      compiled_ = std::make_unique<const Mustache>(views_.source(name_, lang_));
    });
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!spare_.empty()) {
        auto t = std::move(spare_.back());
        spare_.pop_back();
        return t;
      }
    }
    return std::make_unique<Mustache>(*compiled_);
  }

  void release(std::unique_ptr<Mustache> t) {
    std::lock_guard<std::mutex> lock(mutex_);
    spare_.push_back(std::move(t));
  }

 private:
  const Views& views_;
  const std::string& name_;  // a key of Views::texts_ (a map node: never moved)
  const std::string lang_;
  std::once_flag once_;
  std::unique_ptr<const Mustache> compiled_;  // never rendered itself (only copied)
  std::mutex mutex_;
  std::vector<std::unique_ptr<Mustache>> spare_;
};

// A copy of one compiled template for one render, given back when done.
class Views::Lease {
 public:
  explicit Lease(Template& t) : template_(t), copy_(t.acquire()) {}
  ~Lease() { template_.release(std::move(copy_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;

  // Renders with `ctx` (names looked up in the context's data, innermost first).
  void render(kainjow::mustache::basic_context<std::string>& ctx, std::string& out) {
    Appender sink{out};
    copy_->render(ctx, sink);
  }

 private:
  Template& template_;
  std::unique_ptr<Mustache> copy_;
};

Views::Views(const std::string& templatesDir, const Translations* translations)
    : englishOnly_(translations ? nullptr : std::make_unique<const Translations>()),
      translations_(translations ? *translations : *englishOnly_) {
  if (!Poco::File(templatesDir).exists())
    throw std::runtime_error("the templates folder " + templatesDir + " does not exist");
  for (Poco::DirectoryIterator it(templatesDir), end; it != end; ++it) {
    Poco::Path p(it->path());
    if (p.getExtension() != "mustache") continue;
    Poco::FileInputStream in(it->path());
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    texts_.emplace(p.getBaseName(), std::move(text));
  }
  // Every template in every language is written and compiled here, to check it, and dropped:
  // only the files' texts are kept, and a language's text is written again when that language
  // first renders the template (all languages' texts held ~1 MB, most never rendered).
  for (const auto& entry : texts_) {
    const std::string& name = entry.first;
    const std::string text = expandPartials(name, texts_, 0);
    const bool translatable = text.find("{{#t}}") != std::string::npos;
    auto& languages = templates_[name];
    for (const auto& lang : translations_.languages()) {
      const bool english = lang.tag == kEnglish;
      if (!english && !translatable) continue;
      const Mustache check(
          translateTemplate(name + ".mustache", text, translations_, lang.tag, TextKind::kHtml));
      if (!check.is_valid())
        throw std::runtime_error("template " + name + ".mustache" +
                                 (english ? "" : " in " + lang.tag) + ": " + check.error_message());
      languages.emplace(lang.tag, std::make_unique<Template>(*this, name, lang.tag));
    }
  }
}

std::string Views::source(const std::string& name, const std::string& lang) const {
  return translateTemplate(name + ".mustache", expandPartials(name, texts_, 0), translations_, lang,
                           TextKind::kHtml);
}

Views::~Views() = default;

Views::Template& Views::find(const std::string& name, std::string_view lang) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) throw std::logic_error("no template named " + name);
  auto t = it->second.find(lang);
  if (t == it->second.end()) t = it->second.find(kEnglish);
  return *t->second;
}

std::string Views::render(const std::string& name, const Data& data, std::string_view lang) const {
  Lease lease(find(name, lang));
  Context ctx(&data);
  std::string out;
  lease.render(ctx, out);
  return out;
}

std::string Views::page(const Exchange& ex, const std::string& name, const Data& data,
                        const std::string& title) const {
  Data chrome;
  chrome.set("title", title);
  const auto& tr = ex.services.translations();
  const Language* lang = tr.find(ex.language);
  if (!lang) lang = &tr.english();
  chrome.set("lang", lang->tag);
  chrome.set("dir", lang->rtl ? "rtl" : "ltr");
  // A contact whose language is not English may switch to English, and back (GET ?lang=…, the
  // same link: tokens stay in the path, which the access log redacts; no state change).
  if (!ex.preferredLanguage.empty() && ex.preferredLanguage != kEnglish) {
    const Language* preferred = tr.find(ex.preferredLanguage);
    const std::string path = ex.request.getURI().substr(0, ex.request.getURI().find('?'));
    if (preferred && lang->tag == preferred->tag) {
      chrome.set("switch_href", path + "?lang=en");
      chrome.set("switch_lang", "en");
      chrome.set("switch_label", "Show this page in English");
    } else if (preferred) {
      chrome.set("switch_href", path + "?lang=" + preferred->tag);
      chrome.set("switch_lang", preferred->tag);
      chrome.set("switch_label", tr.text(preferred->tag, kShowInLanguage));
    }
  }
  // A demo server (demo.mailbox=true) says so on every page, signers' and contributors' too.
  if (ex.services.settings().demo()) chrome.set("demo", true);
  Data session;  // what the body sees over its own data: the session's CSRF token
  if (ex.session) {
    chrome.set("signed_in", true);
    chrome.set("user_name", ex.session->actor.name);
    chrome.set("csrf", ex.session->csrfToken);
    const auto& actor = ex.session->actor;
    if (engine::may(actor, engine::Action::kManageUsers, 0)) chrome.set("is_admin", true);
    if (engine::mayAnywhere(actor, engine::Action::kViewPupil)) chrome.set("can_work", true);
    if (engine::mayAnywhere(actor, engine::Action::kViewOverview)) chrome.set("can_oversee", true);
    session.set("csrf", ex.session->csrfToken);
  }
  Template& bodyTemplate = find(name, lang->tag);  // an unknown name throws before any render
  std::string out;
  out.reserve(32 * 1024);
  {
    Context top(&chrome);
    Lease(find("layout_top", lang->tag)).render(top, out);
  }
  {
    Context body(&data);
    body.push(&session);  // looked up first, as if set on the data itself
    Lease(bodyTemplate).render(body, out);
  }
  Context bottom(&chrome);
  Lease(find("layout_bottom", lang->tag)).render(bottom, out);
  return out;
}

std::shared_ptr<const std::string> Views::rendered(const std::string& name, std::string_view lang,
                                                   const std::string& key,
                                                   const std::function<Data()>& build) const {
  std::string full;
  full.reserve(name.size() + lang.size() + key.size() + 2);
  full.append(name).append(1, '\0').append(lang).append(1, '\0').append(key);
  {
    std::lock_guard<std::mutex> lock(renderedMutex_);
    if (auto it = rendered_.find(full); it != rendered_.end()) return it->second;
  }
  auto text = std::make_shared<const std::string>(render(name, build(), lang));
  const std::size_t cost = full.size() + text->size();
  if (cost > kMaxRenderedBytes) return text;
  std::lock_guard<std::mutex> lock(renderedMutex_);
  if (!rendered_.emplace(full, text).second) return text;  // another thread kept it first
  renderedOrder_.push_back(std::move(full));
  renderedBytes_ += cost;
  while (renderedBytes_ > kMaxRenderedBytes) {
    auto oldest = rendered_.find(renderedOrder_.front());
    renderedBytes_ -= oldest->first.size() + oldest->second->size();
    rendered_.erase(oldest);
    renderedOrder_.pop_front();
  }
  return text;
}

Data list() { return Data(Data::type::list); }

// kainjow only copies into its data (set, push_back), and its move constructor is not noexcept,
// so a growing list copies every element it holds, deeply. These two move instead: the slot is
// made by kainjow from a value that allocates nothing (false) and then moved into, and a full
// list is moved element by element into a larger one. The data is this program's own, never
// const, so writing through kainjow's const accessors is well defined.
void put(Data& object, const std::string& name, Data&& value) {
  object.set(name, Data(false));
  if (const Data* slot = object.get(name)) *const_cast<Data*>(slot) = std::move(value);
}

void append(Data& list, Data&& item) {
  if (!list.is_list()) return;
  auto& items = const_cast<std::vector<Data>&>(list.list_value());
  if (items.size() == items.capacity()) {
    std::vector<Data> larger;
    larger.reserve(std::max<std::size_t>(8, 2 * items.size()));
    for (auto& existing : items) larger.emplace_back(false) = std::move(existing);
    items.swap(larger);
  }
  items.emplace_back(std::move(item));  // within capacity: moved, never copied
}

Data errorSummary(const std::vector<std::pair<std::string, std::string>>& fieldMessages,
                  const std::set<std::string>* english) {
  Data items = list();
  for (const auto& [field, message] : fieldMessages) {
    Data e;
    e.set("field", field);
    e.set("message", message);
    e.set("message_en", english != nullptr && english->count(message) > 0);
    items.push_back(e);
  }
  return items;
}

}  // namespace sendflow::web
