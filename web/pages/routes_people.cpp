// Pages and API for signing in, the academy dashboard, pupils and their contacts.
#include <Poco/JSON/Array.h>

#include "app/services.h"
#include "i18n/translations.h"
#include "pages/contact_language.h"
#include "pages/routes.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::web {
namespace {

// Only a page of this site a GET route serves: never "//host", "https://…" or a control character.
std::string safeNext(const Exchange& ex, const std::string& next) {
  return localRedirectTarget(ex.services.router(), next);
}

void loginPage(Exchange& ex, int status, const std::string& email, const engine::Error* err) {
  std::string csrf = ex.cookie("sf_csrf");
  if (csrf.empty()) {
    csrf = engine::newToken(ex.services.random());
    ex.setCookie("sf_csrf", csrf, 12 * 3600);
  }
  Data d;
  d.set("csrf_form", csrf);
  d.set("email", email);
  d.set("next", safeNext(ex, ex.query("next", "/")));
  if (err) {
    d.set("errors", errorSummary({{"email", err->message}}));
    d.set("error_message", err->message);
    d.set("has_errors", true);
  }
  if (err && err->code == engine::ErrorCode::kTooManyRequests)
    ex.response.set("Retry-After", std::to_string(err->retryAfterSeconds));
  ex.html(status, ex.services.views().page(ex, "login", d, "Sign in"));
}

void postLogin(Exchange& ex) {
  const auto& f = ex.form();
  std::string email = engine::trimmed(f.get("email", ""));
  auto r = ex.services.auth().login(email, f.get("password", ""), ex.clientIp(),
                                    ex.request.get("User-Agent", ""));
  if (!r) {
    loginPage(ex, statusFor(r.error().code), email, &r.error());
    return;
  }
  ex.setSessionCookie(r->sessionToken, ex.services.auth().sessionLifetime());
  ex.redirect(safeNext(ex, f.get("next", "/")));
}

void postLogout(Exchange& ex) {
  ex.services.auth().logout(ex.sessionToken);
  ex.clearSessionCookie();
  ex.redirect("/login");
}

void passwordPage(Exchange& ex, int status, bool done, const engine::Error* err) {
  Data d;
  d.set("done", done);
  if (err) addErrors(d, *err);
  if (err && err->code == engine::ErrorCode::kTooManyRequests)
    ex.response.set("Retry-After", std::to_string(err->retryAfterSeconds));
  ex.html(status, ex.services.views().page(ex, "account_password", d, "Change your password"));
}

void postPassword(Exchange& ex) {
  const auto& f = ex.form();
  auto st = ex.services.auth().changePassword(*ex.session, f.get("current_password", ""),
                                              f.get("new_password", ""),
                                              f.get("confirm_password", ""), ex.clientIp());
  if (!st) {
    const auto code = st.error().code;
    if (code == engine::ErrorCode::kInvalid || code == engine::ErrorCode::kTooManyRequests)
      return passwordPage(ex, statusFor(code), false, &st.error());
    return ex.error(st.error());
  }
  passwordPage(ex, 200, true, nullptr);
}

// "Start a plan": the pupils of the academies where the actor may launch one, and the types.
void addLaunchForm(Exchange& ex, Data& d, const std::vector<engine::Pupil>& pupils) {
  Data groups = list();
  bool any = false;
  for (const auto& a : ex.services.people().academiesOf(ex.actor())) {
    if (!engine::may(ex.actor(), engine::Action::kLaunchPlan, a.id)) continue;
    Data options = list();
    bool some = false;
    for (const auto& p : pupils) {
      if (p.academyId != a.id || !p.active) continue;
      Data o;
      o.set("value", std::to_string(p.id));
      o.set("label", p.legalName + " (" + engine::yearGroupLabel(p.yearGroup) + ")");
      options.push_back(o);
      some = true;
    }
    if (!some) continue;
    any = true;
    Data g;
    g.set("academy", a.name);
    g.set("pupils", options);
    groups.push_back(g);
  }
  if (!any) return;
  Data types = list();
  for (const auto* wf : ex.services.plans().launchable()) {
    Data t;
    t.set("value", wf->type);
    t.set("label", wf->title);
    types.push_back(t);
  }
  d.set("launch_groups", groups);
  d.set("launch_types", types);
  d.set("can_launch", true);
}

void dashboard(Exchange& ex) {
  const auto& actor = ex.actor();
  // A SEND governor's home is the reviews overview: they never see pupils' names.
  if (engine::academiesWhere(actor, engine::Action::kViewPupil).empty() &&
      engine::mayAnywhere(actor, engine::Action::kViewOverview))
    return ex.redirect("/governor");
  std::string q = ex.query("q");
  Data d;
  d.set("q", q);
  Data academies = list();
  auto pupils = ex.services.reads().pupils(actor, engine::Door::kPage, q);
  for (const auto& a : ex.services.people().academiesOf(actor)) {
    if (!engine::may(actor, engine::Action::kViewPupil, a.id)) continue;
    Data ad;
    ad.set("id", std::to_string(a.id));
    ad.set("name", a.name);
    Data ps = list();
    int count = 0;
    for (const auto& p : pupils) {
      if (p.academyId != a.id) continue;
      ps.push_back(pupilData(p));
      ++count;
    }
    ad.set("pupils", ps);
    ad.set("count", engine::countOf(count, "pupil", "pupils"));
    ad.set("none", count == 0);
    if (engine::may(actor, engine::Action::kManagePupil, a.id)) ad.set("can_add", true);
    academies.push_back(ad);
  }
  d.set("academies", academies);
  d.set("searched", !q.empty());
  addLaunchForm(ex, d, pupils);
  addPlanLists(ex, d, 0);
  ex.html(200, ex.services.views().page(ex, "dashboard", d, "Dashboard"));
}

std::optional<engine::Pupil> loadPupil(Exchange& ex,
                                       engine::Action purpose = engine::Action::kViewPupil) {
  auto id = ex.idParam("id");
  if (!id) {
    ex.error(404, "There is no such pupil.");
    return std::nullopt;
  }
  auto p = ex.services.people().pupil(ex.actor(), *id, purpose);
  if (!p) {
    ex.error(p.error());
    return std::nullopt;
  }
  return p.value();
}

void pupilPage(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such pupil.");
  auto r = ex.services.reads().pupil(ex.actor(), engine::Door::kPage, *id);
  if (!r) return ex.error(r.error());
  const engine::Pupil* p = &r->pupil;
  Data d = pupilData(*p);
  Data contacts = list();
  for (const auto& c : r->contacts) {
    Data cd = contactData(c);
    if (c.language != kEnglish)
      cd.set("language_label", languageLabel(ex.services.translations(), c.language));
    contacts.push_back(cd);
  }
  d.set("contacts", contacts);
  if (!r->academyName.empty()) d.set("academy", r->academyName);
  bool manage = engine::may(ex.actor(), engine::Action::kManagePupil, p->academyId);
  d.set("can_manage", manage);
  d.set("can_export", engine::may(ex.actor(), engine::Action::kExportRecords, p->academyId));
  d.set("can_view_reads", engine::may(ex.actor(), engine::Action::kViewReads, p->academyId));
  d.set("contact_kinds", contactKindOptions(""));
  d.set("contact_languages", languageOptions(ex.services.translations(), ""));
  addPlanLists(ex, d, p->id);
  if (engine::may(ex.actor(), engine::Action::kLaunchPlan, p->academyId) && p->active) {
    Data types = list();
    for (const auto* wf : ex.services.plans().launchable()) {
      Data t;
      t.set("value", wf->type);
      t.set("label", wf->title);
      types.push_back(t);
    }
    d.set("plan_types", types);
    d.set("can_launch", true);
  }
  ex.html(200, ex.services.views().page(ex, "pupil", d, p->displayName()));
}

engine::PupilInput pupilInput(const Poco::Net::HTMLForm& f, engine::Id academyId) {
  return {academyId,
          f.get("legal_name", ""),
          f.get("preferred_name", ""),
          engine::trimmed(f.get("date_of_birth", "")),
          engine::trimmed(f.get("year_group", "")),
          engine::trimmed(f.get("upn", "")),
          f.get("active", "1") == "1"};
}

void pupilForm(Exchange& ex, int status, const engine::PupilInput& in, engine::Id pupilId,
               const engine::Error* err) {
  Data d;
  d.set("legal_name", in.legalName);
  d.set("preferred_name", in.preferredName);
  d.set("date_of_birth", in.dateOfBirth);
  d.set("upn", in.upn);
  d.set("academy_id", std::to_string(in.academyId));
  d.set("year_groups", yearGroupOptions(in.yearGroup));
  d.set("active", in.active);
  d.set("action", pupilId ? "/pupils/" + std::to_string(pupilId) : "/pupils");
  d.set("editing", pupilId != 0);
  if (pupilId) d.set("pupil_id", std::to_string(pupilId));
  if (err) addErrors(d, *err);
  ex.html(status,
          ex.services.views().page(ex, "pupil_form", d, pupilId ? "Edit pupil" : "Add a pupil"));
}

void newPupil(Exchange& ex) {
  engine::Id academy = Exchange::idField("academy", ex.query("academy")).value_or(0);
  auto academies = engine::academiesWhere(ex.actor(), engine::Action::kManagePupil);
  if (academy == 0 && !academies.empty()) academy = academies.front();
  if (auto st = engine::require(ex.actor(), engine::Action::kManagePupil, academy,
                                "There is no such academy.",
                                "Only a SENCO or trust admin can add pupils.");
      !st)
    return ex.error(st.error());
  engine::PupilInput in;
  in.academyId = academy;
  pupilForm(ex, 200, in, 0, nullptr);
}

void createPupil(Exchange& ex) {
  auto academy = Exchange::idField("academy_id", ex.form().get("academy_id", ""));
  if (!academy) return ex.error(400, "The academy is missing.");
  auto in = pupilInput(ex.form(), *academy);
  auto r = ex.services.people().createPupil(ex.actor(), in);
  if (!r) {
    if (r.error().code == engine::ErrorCode::kInvalid) return pupilForm(ex, 422, in, 0, &r.error());
    return ex.error(r.error());
  }
  ex.redirect("/pupils/" + std::to_string(r.value()));
}

void editPupil(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such pupil.");
  auto r =
      ex.services.reads().pupil(ex.actor(), engine::Door::kPage, *id, engine::Action::kManagePupil);
  if (!r) return ex.error(r.error());
  const engine::Pupil* p = &r->pupil;
  pupilForm(ex, 200,
            {p->academyId, p->legalName, p->preferredName, p->dateOfBirth, p->yearGroup, p->upn,
             p->active},
            p->id, nullptr);
}

void updatePupil(Exchange& ex) {
  auto p = loadPupil(ex, engine::Action::kManagePupil);
  if (!p) return;
  auto in = pupilInput(ex.form(), p->academyId);
  auto r = ex.services.people().updatePupil(ex.actor(), p->id, in);
  if (!r) {
    if (r.error().code == engine::ErrorCode::kInvalid)
      return pupilForm(ex, 422, in, p->id, &r.error());
    return ex.error(r.error());
  }
  ex.redirect("/pupils/" + std::to_string(p->id));
}

engine::ContactInput contactInput(const Poco::Net::HTMLForm& f) {
  return {f.get("name", ""),
          engine::trimmed(f.get("email", "")),
          f.get("relationship", ""),
          f.get("kind", ""),
          f.get("active", "1") == "1",
          f.has("language") ? std::optional<std::string>(f.get("language")) : std::nullopt};
}

void contactForm(Exchange& ex, int status, const engine::ContactInput& in,
                 const std::string& action, const engine::Error* err, const std::string& pupilId) {
  Data d;
  d.set("name", in.name);
  d.set("email", in.email);
  d.set("relationship", in.relationship);
  d.set("kinds", contactKindOptions(in.kind));
  d.set("languages", languageOptions(ex.services.translations(), in.language.value_or("")));
  d.set("active", in.active);
  d.set("action", action);
  d.set("pupil_id", pupilId);
  if (err) addErrors(d, *err);
  ex.html(status, ex.services.views().page(ex, "contact_form", d, "Contact"));
}

void addContact(Exchange& ex) {
  auto p = loadPupil(ex, engine::Action::kManagePupil);
  if (!p) return;
  auto in = contactInput(ex.form());
  auto r = ex.services.people().addContact(ex.actor(), p->id, in);
  if (!r) {
    if (r.error().code == engine::ErrorCode::kInvalid)
      return contactForm(ex, 422, in, "/pupils/" + std::to_string(p->id) + "/contacts", &r.error(),
                         std::to_string(p->id));
    return ex.error(r.error());
  }
  ex.redirect("/pupils/" + std::to_string(p->id));
}

std::optional<engine::Contact> loadContact(Exchange& ex) {
  auto id = ex.idParam("id");
  // Contacts are changed by those who manage the pupil's record; others never see one.
  if (!id) {
    ex.error(404, "There is no such contact.");
    return std::nullopt;
  }
  auto c = ex.services.people().contact(ex.actor(), *id, engine::Action::kManagePupil);
  if (!c) {
    ex.error(c.error());
    return std::nullopt;
  }
  return c->first;
}

void editContact(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such contact.");
  auto r = ex.services.reads().contact(ex.actor(), engine::Door::kPage, *id);
  if (!r) return ex.error(r.error());
  const engine::Contact* c = &r->contact;
  contactForm(ex, 200,
              {c->name, c->email, c->relationship, engine::contactKindName(c->kind), c->active,
               c->language},
              "/contacts/" + std::to_string(c->id), nullptr, std::to_string(c->pupilId));
}

void updateContact(Exchange& ex) {
  auto c = loadContact(ex);
  if (!c) return;
  auto in = contactInput(ex.form());
  auto r = ex.services.people().updateContact(ex.actor(), c->id, in);
  if (!r) {
    if (r.error().code == engine::ErrorCode::kInvalid)
      return contactForm(ex, 422, in, "/contacts/" + std::to_string(c->id), &r.error(),
                         std::to_string(c->pupilId));
    return ex.error(r.error());
  }
  ex.redirect("/pupils/" + std::to_string(c->pupilId));
}

}  // namespace

void registerPeopleRoutes(Router& router) {
  auto& r = router;
  r.add("GET", "/login", Access::kPublic, [](Exchange& ex) { loginPage(ex, 200, "", nullptr); });
  r.add("POST", "/login", Access::kPublicCsrf, postLogin);
  r.add("POST", "/logout", Access::kStaff, postLogout);
  r.add("GET", "/account/password", Access::kStaff,
        [](Exchange& ex) { passwordPage(ex, 200, false, nullptr); });
  r.add("POST", "/account/password", Access::kStaff, postPassword);
  r.add("GET", "/", Access::kStaff, dashboard);
  r.add("GET", "/pupils/new", engine::Action::kManagePupil, newPupil);
  r.add("POST", "/pupils", engine::Action::kManagePupil, createPupil);
  r.add("GET", "/pupils/{id}", engine::Action::kViewPupil, pupilPage);
  r.add("GET", "/pupils/{id}/edit", engine::Action::kManagePupil, editPupil);
  r.add("POST", "/pupils/{id}", engine::Action::kManagePupil, updatePupil);
  r.add("POST", "/pupils/{id}/contacts", engine::Action::kManagePupil, addContact);
  r.add("GET", "/contacts/{id}/edit", engine::Action::kManagePupil, editContact);
  r.add("POST", "/contacts/{id}", engine::Action::kManagePupil, updateContact);
}

}  // namespace sendflow::web
