// JSON API under /api/v1/: the same rules as the pages, for integrations, scripts and tests.
#include <Poco/JSON/Array.h>

#include "app/services.h"
#include "http/json_body.h"
#include "pages/routes.h"
#include "sendflow/engine/core/text.h"

namespace sendflow::web {
namespace {

Poco::JSON::Object pupilJson(const engine::Pupil& p) {
  Poco::JSON::Object o;
  o.set("id", p.id);
  o.set("academy_id", p.academyId);
  o.set("legal_name", p.legalName);
  o.set("preferred_name", p.preferredName);
  o.set("date_of_birth", p.dateOfBirth);
  o.set("year_group", p.yearGroup);
  o.set("upn", p.upn);
  o.set("active", p.active);
  return o;
}

Poco::JSON::Object contactJson(const engine::Contact& c) {
  Poco::JSON::Object o;
  o.set("id", c.id);
  o.set("name", c.name);
  o.set("email", c.email);
  o.set("relationship", c.relationship);
  o.set("kind", engine::contactKindName(c.kind));
  o.set("active", c.active);
  o.set("language", c.language);
  return o;
}

void readContact(JsonBody& b, engine::ContactInput& in) {
  if (auto v = b.text("name")) in.name = *v;
  if (auto v = b.text("email")) in.email = *v;
  if (auto v = b.text("relationship")) in.relationship = *v;
  if (auto v = b.text("kind")) in.kind = *v;
  if (auto v = b.flag("active")) in.active = *v;
  // A tag of translations/LANGUAGES ("ur", "pl", "en-GB"): anything else is a 422 naming the
  // languages offered, and nothing is saved.
  if (auto v = b.text("language")) in.language = *v;
}

void readPupil(JsonBody& b, engine::PupilInput& in) {
  if (auto v = b.text("legal_name")) in.legalName = *v;
  if (auto v = b.text("preferred_name")) in.preferredName = *v;
  if (auto v = b.text("date_of_birth")) in.dateOfBirth = *v;
  if (auto v = b.text("year_group")) in.yearGroup = *v;
  if (auto v = b.text("upn")) in.upn = *v;
  if (auto v = b.flag("active")) in.active = *v;
}

void apiLogin(Exchange& ex) {
  JsonBody b(ex.json());
  b.allowOnly({"email", "password"});
  auto email = b.text("email", true);
  auto password = b.text("password", true);
  if (auto e = b.error()) return ex.error(*e);
  auto res =
      ex.services.auth().login(*email, *password, ex.clientIp(), ex.request.get("User-Agent", ""));
  if (!res) return ex.error(res.error());
  ex.setSessionCookie(res->sessionToken, ex.services.auth().sessionLifetime());
  Poco::JSON::Object o;
  o.set("csrf_token", engine::AuthService::csrfFor(res->sessionToken));
  o.set("user_id", res->actor.userId);
  o.set("name", res->actor.name);
  ex.json(200, o);
}

void apiPupils(Exchange& ex) {
  Poco::JSON::Array arr;
  for (const auto& p : ex.services.reads().pupils(ex.actor(), engine::Door::kApi, ex.query("q")))
    arr.add(pupilJson(p));
  Poco::JSON::Object o;
  o.set("pupils", arr);
  ex.json(200, o);
}

void apiPupil(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such pupil.");
  auto r = ex.services.reads().pupil(ex.actor(), engine::Door::kApi, *id);
  if (!r) return ex.error(r.error());
  auto o = pupilJson(r->pupil);
  Poco::JSON::Array contacts;
  for (const auto& c : r->contacts) contacts.add(contactJson(c));
  o.set("contacts", contacts);
  ex.json(200, o);
}

void apiCreatePupil(Exchange& ex) {
  JsonBody b(ex.json());
  b.allowOnly({"academy_id", "legal_name", "preferred_name", "date_of_birth", "year_group", "upn",
               "active"});
  engine::PupilInput in;
  auto academy = b.id("academy_id", true);
  readPupil(b, in);
  if (auto e = b.error()) return ex.error(*e);
  in.academyId = *academy;
  auto res = ex.services.people().createPupil(ex.actor(), in);
  if (!res) return ex.error(res.error());
  auto p = ex.services.people().pupil(ex.actor(), res.value());
  ex.json(201, pupilJson(*p));
}

void apiCreateContact(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such pupil.");
  JsonBody b(ex.json());
  b.allowOnly({"name", "email", "relationship", "kind", "active", "language"});
  engine::ContactInput in;
  readContact(b, in);
  if (auto e = b.error()) return ex.error(*e);
  auto res = ex.services.people().addContact(ex.actor(), *id, in);
  if (!res) return ex.error(res.error());
  auto c = ex.services.people().contact(ex.actor(), res.value(), engine::Action::kManagePupil);
  if (!c) return ex.error(c.error());
  ex.json(201, contactJson(c->first));
}

void apiPatchContact(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such contact.");
  auto c = ex.services.people().contact(ex.actor(), *id, engine::Action::kManagePupil);
  if (!c) return ex.error(c.error());
  JsonBody b(ex.json());
  b.allowOnly({"name", "email", "relationship", "kind", "active", "language"});
  const engine::Contact& old = c->first;
  engine::ContactInput in{old.name,         old.email,
                          old.relationship, engine::contactKindName(old.kind),
                          old.active,       old.language};
  readContact(b, in);
  if (auto e = b.error()) return ex.error(*e);
  auto res = ex.services.people().updateContact(ex.actor(), old.id, in);
  if (!res) return ex.error(res.error());
  auto now = ex.services.people().contact(ex.actor(), old.id, engine::Action::kManagePupil);
  if (!now) return ex.error(now.error());
  ex.json(200, contactJson(now->first));
}

void apiPatchPupil(Exchange& ex) {
  auto id = ex.idParam("id");
  auto p = id ? ex.services.people().pupil(ex.actor(), *id)
              : engine::Result<engine::Pupil>(engine::notFound("There is no such pupil."));
  if (!p) return ex.error(p.error());
  JsonBody b(ex.json());
  b.allowOnly({"legal_name", "preferred_name", "date_of_birth", "year_group", "upn", "active"});
  engine::PupilInput in{p->academyId, p->legalName, p->preferredName, p->dateOfBirth,
                        p->yearGroup, p->upn,       p->active};
  readPupil(b, in);
  if (auto e = b.error()) return ex.error(*e);
  auto res = ex.services.people().updatePupil(ex.actor(), p->id, in);
  if (!res) return ex.error(res.error());
  ex.json(200, pupilJson(*ex.services.people().pupil(ex.actor(), p->id)));
}

}  // namespace

void registerApiRoutes(Router& router) {
  auto& r = router;
  r.add("POST", "/api/v1/session", Access::kPublic, apiLogin);
  r.add("DELETE", "/api/v1/session", Access::kStaff, [](Exchange& ex) {
    ex.services.auth().logout(ex.sessionToken);
    ex.clearSessionCookie();
    ex.json(200, Poco::JSON::Object());
  });
  r.add("GET", "/api/v1/pupils", engine::Action::kViewPupil, apiPupils);
  r.add("POST", "/api/v1/pupils", engine::Action::kManagePupil, apiCreatePupil);
  r.add("GET", "/api/v1/pupils/{id}", engine::Action::kViewPupil, apiPupil);
  r.add("PATCH", "/api/v1/pupils/{id}", engine::Action::kManagePupil, apiPatchPupil);
  r.add("POST", "/api/v1/pupils/{id}/contacts", engine::Action::kManagePupil, apiCreateContact);
  r.add("PATCH", "/api/v1/contacts/{id}", engine::Action::kManagePupil, apiPatchContact);
}

}  // namespace sendflow::web
