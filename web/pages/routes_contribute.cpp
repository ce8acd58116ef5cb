// Contributors: a parent's or professional's link to their sections of a draft plan
// (/c/<token>: no account; the token is checked by the service, CSRF by the pre-session cookie),
// and the plan page's list of contribution links.
#include "app/services.h"
#include "http/http.h"
#include "http/paths.h"
#include "i18n/translations.h"
#include "pages/contact_language.h"
#include "pages/contribute.h"
#include "pages/plan_form.h"
#include "pages/routes.h"
#include "pages/signing.h"
#include "sendflow/engine/people/people.h"

namespace sendflow::web {
namespace {

std::string stateWords(const std::string& s) {
  if (s == "invited") return "Invited";
  if (s == "opened") return "Opened";
  if (s == "expired") return "Link expired";
  if (s == "withdrawn") return "Withdrawn";
  return s;
}

// "Parent or carer" for a link's kind ("parent_carer").
std::string kindLabel(const std::string& kind) {
  auto k = engine::parseContactKind(kind);
  return k ? engine::contactKindLabel(*k) : kind;
}

struct PageState {
  const Poco::JSON::Object* values = nullptr;  // the contributor's own answers, to show again
  const engine::Error* error = nullptr;
  std::string notice;
};

void contributePage(Exchange& ex, int status, const PageState& ps) {
  const std::string token = ex.params["token"];
  speakTo(ex, ex.services.contributions().linkLanguage(token));
  auto c = ex.services.contributions().open(token, ex.clientIp());
  if (!c) return ex.error(c.error());
  const auto& v = c->plan;
  Data d;
  d.set("base", paths::contributorLink(token));
  d.set("csrf", preSessionCsrf(ex));
  d.set("title", v.workflow->title);
  d.set("pupil_name", v.pupil.displayName());
  if (auto name = ex.services.people().academyName(v.plan.academyId); !name.empty())
    d.set("academy", name);
  d.set("contributor_name", c->link.name);
  d.set("kind_label", ex.tr(kindLabel(c->link.kind)));
  d.set("editable", c->editable);
  if (!c->editable) d.set("reason", ex.tr(c->reason));
  d.set("current_version", std::to_string(v.plan.currentVersion));
  const std::string expires = c->link.expiresAt.substr(0, 10);
  d.set("expires", ex.language == kEnglish ? expires : localDate(ex.language, expires));
  if (!ps.notice.empty()) d.set("notice", ex.tr(ps.notice));
  // The questions are in the contact's language where the form's definition gives them
  // ("translations"); the note says when some of their part is shown in English.
  for (const auto* section : c->sections)
    if (!section->fullyIn(ex.language)) d.set("labels_in_english", true);
  std::map<std::string, std::string> errors;
  std::set<std::string> english;  // messages no catalogue translates: marked as English
  if (ps.error) {
    const engine::Error shown = ex.translated(*ps.error, &english);  // in the contact's language
    addErrors(d, shown, &english);
    std::vector<std::pair<std::string, std::string>> links;  // to the inputs, as on a plan page
    for (const auto& f : shown.fields) {
      errors[f.field] = f.message;
      links.emplace_back(errorAnchor(*v.form, f.field), f.message);
    }
    if (!links.empty()) d.set("errors", errorSummary(links, &english));
    if (shown.code == engine::ErrorCode::kConflict) {
      addConflict(d, shown);
      d.set("conflict_message_en", english.count(shown.message) > 0);
    }
  }
  std::set<std::string> sections;
  for (const auto* s : c->sections) sections.insert(s->id);
  EditorInput in{&v, ps.values ? ps.values : v.values.get(), errors, {}, c->editable, &sections};
  in.language = ex.language;
  in.translations = &ex.services.translations();
  in.errorsInEnglish = std::move(english);
  d.set("sections", editorSections(in));
  d.set("kept", ps.values != nullptr);
  d.set("live_words",
        ex.services.liveWords(ex.language));  // what live.js writes, in the page's language
  ex.html(status,
          ex.services.views().page(ex, "contribute", d,
                                   ex.tr("Your part: {{plan}}", {{"plan", v.workflow->title}})));
}

void showContribution(Exchange& ex) {
  contributePage(
      ex, 200,
      {nullptr, nullptr,
       ex.query("saved", "") == "1" ? N_("Saved. Thank you: the school can see your answers now.")
                                    : ""});
}

void saveContribution(Exchange& ex) {
  const std::string token = ex.params["token"];
  speakTo(ex, ex.services.contributions().linkLanguage(token));
  auto c = ex.services.contributions().open(token);
  if (!c) return ex.error(c.error());
  const auto& post = ex.form();
  auto base = baseVersionFromPost(post);
  if (!base)
    return ex.error(400, "The form is missing the version it was based on. Reload the page.");
  auto values = valuesFromPost(*c->plan.form, post, *c->plan.values);
  auto r = ex.services.contributions().save(token, *base, *values);
  if (!r) {
    const auto code = r.error().code;
    if (code == engine::ErrorCode::kInvalid ||
        (code == engine::ErrorCode::kConflict && !r.error().fields.empty()))
      return contributePage(ex, statusFor(code), {values.get(), &r.error(), ""});
    return ex.error(r.error());
  }
  ex.redirect(paths::contributorLink(token) + "?saved=1");
}

}  // namespace

void addContributors(Exchange& ex, const engine::PlanView& v, Data& d) {
  auto& svc = ex.services.contributions();
  const auto& actor = ex.actor();
  const bool senco = engine::may(actor, engine::Action::kManageContributors, v.plan.academyId);
  Data rows = list();
  bool any = false;
  for (const auto& l : svc.links(v.plan.id)) {
    Data r;
    const std::string state = svc.displayState(l);
    r.set("link_id", std::to_string(l.id));
    r.set("name", l.name);
    r.set("kind", kindLabel(l.kind));
    r.set("state", stateWords(state));
    r.set("state_class", state);
    r.set("expires", l.expiresAt.substr(0, 10));
    r.set("can_revoke", senco && state != "withdrawn");
    r.set("can_resend", senco && v.state->editable && state != "withdrawn");
    r.set("contact_id", std::to_string(l.contactId));
    rows.push_back(r);
    any = true;
  }
  d.set("contributor_rows", rows);
  d.set("has_contributor_rows", any);
  if (senco && v.state->editable) {
    Data options = list();
    for (const auto& [id, label] : svc.candidates(v)) {
      Data o;
      o.set("value", std::to_string(id));
      o.set("label", label);
      options.push_back(o);
    }
    d.set("contributor_options", options);
    d.set("can_invite", true);
  }
}

void registerContributeRoutes(Router& router) {
  auto& r = router;
  r.add("GET", "/c/{token}", Access::kPublic, showContribution);
  r.add("POST", "/c/{token}", Access::kPublicCsrf, saveContribution);
}

}  // namespace sendflow::web
