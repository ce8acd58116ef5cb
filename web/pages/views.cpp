#include "pages/views.h"

#include <Poco/DirectoryIterator.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>

#include <stdexcept>

#include "app/services.h"
#include "http/http.h"

namespace sendflow::web {

Views::Views(const std::string& templatesDir) {
  if (!Poco::File(templatesDir).exists())
    throw std::runtime_error("the templates folder " + templatesDir + " does not exist");
  for (Poco::DirectoryIterator it(templatesDir), end; it != end; ++it) {
    Poco::Path p(it->path());
    if (p.getExtension() != "mustache") continue;
    Poco::FileInputStream in(it->path());
    std::string text;
    Poco::StreamCopier::copyToString(in, text);
    kainjow::mustache::mustache t(text);
    if (!t.is_valid())
      throw std::runtime_error("template " + p.getFileName() + ": " + t.error_message());
    templates_.emplace(p.getBaseName(), std::move(t));
    // Templates named _x are partials: {{> _x}} from any template.
    if (p.getBaseName().rfind('_', 0) == 0) partials_.emplace(p.getBaseName(), text);
  }
}

const kainjow::mustache::mustache& Views::get(const std::string& name) const {
  auto it = templates_.find(name);
  if (it == templates_.end()) throw std::logic_error("no template named " + name);
  return it->second;
}

std::string Views::render(const std::string& name, const Data& data) const {
  // Render a copy: kainjow's render is not const, and requests run on many threads.
  kainjow::mustache::mustache t = get(name);
  if (partials_.empty()) return t.render(data);
  Data withPartials = data;
  // A named reference: clang before 16 cannot capture a structured binding in a lambda.
  for (const auto& partial : partials_) {
    const std::string& text = partial.second;
    withPartials.set(partial.first, kainjow::mustache::partial([&text] { return text; }));
  }
  return t.render(withPartials);
}

std::string Views::page(const Exchange& ex, const std::string& name, Data data,
                        const std::string& title) const {
  Data chrome;
  chrome.set("title", title);
  // A demo server (demo.mailbox=true) says so on every page, signers' and contributors' too.
  if (ex.services.settings().demo()) chrome.set("demo", true);
  if (ex.session) {
    chrome.set("signed_in", true);
    chrome.set("user_name", ex.session->actor.name);
    chrome.set("csrf", ex.session->csrfToken);
    const auto& actor = ex.session->actor;
    if (engine::may(actor, engine::Action::kManageUsers, 0)) chrome.set("is_admin", true);
    if (engine::mayAnywhere(actor, engine::Action::kViewPupil)) chrome.set("can_work", true);
    if (engine::mayAnywhere(actor, engine::Action::kViewOverview)) chrome.set("can_oversee", true);
  }
  if (ex.session) data.set("csrf", ex.session->csrfToken);
  std::string body = render(name, data);
  return render("layout_top", chrome) + body + render("layout_bottom", chrome);
}

Data list() { return Data(Data::type::list); }

Data errorSummary(const std::vector<std::pair<std::string, std::string>>& fieldMessages) {
  Data items = list();
  for (const auto& [field, message] : fieldMessages) {
    Data e;
    e.set("field", field);
    e.set("message", message);
    items.push_back(e);
  }
  return items;
}

}  // namespace sendflow::web
