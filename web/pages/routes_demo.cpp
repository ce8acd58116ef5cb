// The demo mailbox: on a demo server (demo.mailbox=true, set by scripts/run for its own data
// directory only) every email is kept in a Maildir instead of being sent, and these pages show
// them, signers' and contributors' links included, to the demo's staff who may see pupils'
// contacts and their emails (view_pupil: SENCOs, teachers, heads, trust admins; not governors).
// On a real server such a link reaches only the person it was sent to: these routes do not
// exist there (they are registered for a demo server only).
#include <regex>

#include "app/services.h"
#include "mail/mail.h"
#include "pages/routes.h"

namespace sendflow::web {
namespace {

const Maildir& mailbox(Exchange& ex) { return *ex.services.mail().demoMailbox(); }

void noStore(Exchange& ex) {
  ex.response.set("Cache-Control", "no-store");
  ex.response.set("X-Robots-Tag", "noindex");
}

// The text as segments: plain text, and each http(s) address as a link. An address on this
// server becomes its path, so it opens under whatever name the browser reached the demo by.
Data textSegments(const std::string& text, const std::string& baseUrl) {
  static const std::regex kUrl(R"(https?://[^\s<>"]+)");
  Data out = list();
  auto plain = [&](std::string s) {
    if (s.empty()) return;
    Data d;
    d.set("text", std::move(s));
    out.push_back(d);
  };
  std::size_t done = 0;
  for (std::sregex_iterator it(text.begin(), text.end(), kUrl), end; it != end; ++it) {
    std::string url = it->str();
    while (!url.empty() && std::string(".,;:)!?'").find(url.back()) != std::string::npos)
      url.pop_back();
    const auto at = static_cast<std::size_t>(it->position());
    plain(text.substr(done, at - done));
    Data link;
    link.set("link", true);
    link.set("text", url);
    const bool ours = url.rfind(baseUrl + "/", 0) == 0;
    link.set("href", ours ? url.substr(baseUrl.size()) : url);
    out.push_back(link);
    done = at + url.size();
  }
  plain(text.substr(done));
  return out;
}

void mailboxPage(Exchange& ex) {
  Data rows = list();
  for (const auto& e : mailbox(ex).list()) {
    Data r;
    r.set("name", e.name);
    r.set("to", e.to);
    r.set("subject", e.subject.empty() ? std::string("(no subject)") : e.subject);
    r.set("when", engine::ukDateTime(e.delivered));
    rows.push_back(r);
  }
  Data d;
  d.set("has_rows", !rows.is_empty_list());
  d.set("rows", rows);
  noStore(ex);
  ex.html(200, ex.services.views().page(ex, "demo_mailbox", d, "Demo mailbox"));
}

void messagePage(Exchange& ex) {
  auto m = mailbox(ex).read(ex.params["name"]);
  if (!m) return ex.error(404, "There is no such message in the demo mailbox.");
  Data d;
  d.set("to", m->entry.to);
  d.set("from", m->from);
  d.set("subject", m->entry.subject.empty() ? std::string("(no subject)") : m->entry.subject);
  d.set("when", engine::ukDateTime(m->entry.delivered));
  d.set("segments", textSegments(m->text, ex.services.settings().baseUrl));
  noStore(ex);
  ex.html(200, ex.services.views().page(ex, "demo_message", d, m->entry.subject));
}

}  // namespace

void registerDemoMailboxRoutes(Router& router) {
  // The messages name contacts and their addresses: staff who may see those (view_pupil).
  router.add("GET", "/demo/mailbox", engine::Action::kViewPupil, mailboxPage);
  router.add("GET", "/demo/mailbox/{name}", engine::Action::kViewPupil, messagePage);
}

}  // namespace sendflow::web
