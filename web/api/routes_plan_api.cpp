// /api/v1/plans: the same rules as the pages, as JSON.
#include <Poco/JSON/Array.h>

#include "app/services.h"
#include "http/json_body.h"
#include "pages/routes.h"
#include "sendflow/engine/forms/form_values.h"

namespace sendflow::web {
namespace {

// review_status (engine::reviewTiming): "due_soon", "overdue" or "not_yet" while the plan has a
// review date; null otherwise.
Poco::JSON::Object planJson(const engine::PlanRecord& p, engine::Date today) {
  Poco::JSON::Object o;
  o.set("id", p.id);
  o.set("academy_id", p.academyId);
  o.set("pupil_id", p.pupilId);
  o.set("type", p.type);
  o.set("state", p.state);
  o.set("version", p.currentVersion);
  o.set("review_date", p.reviewDate ? Poco::Dynamic::Var(*p.reviewDate) : Poco::Dynamic::Var());
  const auto due = p.reviewDate ? engine::parseIsoDate(*p.reviewDate) : std::nullopt;
  o.set("review_status",
        due ? Poco::Dynamic::Var(engine::reviewStatusName(engine::reviewTiming(*due, today).status))
            : Poco::Dynamic::Var());
  if (p.reviewsPlanId) o.set("reviews_plan_id", p.reviewsPlanId);
  if (!p.reviewReason.empty()) o.set("review_reason", p.reviewReason);
  return o;
}

// [{field, message}]: what a person should know about the answers, never a refusal.
Poco::JSON::Array fieldMessages(const std::vector<engine::FieldError>& items) {
  Poco::JSON::Array arr;
  for (const auto& w : items) {
    Poco::JSON::Object e;
    e.set("field", w.field);
    e.set("message", w.message);
    arr.add(e);
  }
  return arr;
}

// Every request for a review of the plan, oldest first (the caller opened the plan).
Poco::JSON::Array reviewRequestsJson(Exchange& ex, engine::Id planId) {
  Poco::JSON::Array arr;
  for (const auto& r : ex.services.plans().reviewRequests(planId)) {
    Poco::JSON::Object e;
    e.set("at", r.at);
    e.set("by", r.actor);
    e.set("by_name", r.actorName);
    e.set("reason_code", r.reasonCode);
    e.set("reason_text", r.reasonText);
    arr.add(e);
  }
  return arr;
}

engine::Date today(Exchange& ex) { return engine::dateOf(ex.services.clock().now()); }

std::optional<engine::Id> idOr404(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) ex.error(404, "There is no such plan.");
  return id;
}

void listPlans(Exchange& ex) {
  const engine::Id pupil = Exchange::idField("pupil_id", ex.query("pupil_id")).value_or(0);
  std::string state = ex.query("state");
  Poco::JSON::Array arr;
  for (const auto& p : ex.services.reads().plans(ex.actor(), engine::Door::kApi, pupil))
    if (state.empty() || p.state == state) arr.add(planJson(p, today(ex)));
  Poco::JSON::Object o;
  o.set("plans", arr);
  ex.json(200, o);
}

void getPlan(Exchange& ex) {
  auto id = idOr404(ex);
  if (!id) return;
  auto v = ex.services.reads().plan(ex.actor(), engine::Door::kApi, *id, versionQuery(ex));
  if (!v) return ex.error(v.error());
  auto o = planJson(v->plan, today(ex));
  o.set("title", v->workflow->title);
  o.set("form_version", v->form->version);
  o.set("shown_version", v->version.number);
  o.set("content_hash", v->version.contentHash);
  o.set("values", engine::withComputed(*v->form, *v->values));
  Poco::JSON::Array missing, transitions, deadlines, signers;
  for (const auto& m : v->check.missing) {
    Poco::JSON::Object e;
    e.set("field", m.field);
    e.set("message", m.message);
    missing.add(e);
  }
  o.set("warnings", fieldMessages(v->warnings));
  for (const auto* t : v->transitions) transitions.add(t->name);
  for (const auto& dl : v->deadlines) {
    Poco::JSON::Object e;
    e.set("id", dl.id);
    e.set("label", dl.label);
    e.set("due", engine::isoDate(dl.due));
    e.set("status", engine::deadlineStatusName(dl.status));
    deadlines.add(e);
  }
  for (const auto& s : v->signers) {
    Poco::JSON::Object e;
    e.set("slot", s.slot);
    e.set("person", s.personRef);
    e.set("name", s.name);
    signers.add(e);
  }
  Poco::JSON::Array people, slots;
  for (const auto& [ref, name] : engine::PlanService::people(v.value())) {
    Poco::JSON::Object e;
    e.set("ref", ref);
    e.set("name", name);
    people.add(e);
  }
  for (const auto& s : v->workflow->signers) {
    Poco::JSON::Object e;
    e.set("slot", s.role);
    e.set("label", s.label);
    e.set("kind", s.kind);
    e.set("required", s.required == engine::SignerSlot::Required::kYes ? Poco::Dynamic::Var(true)
                      : s.required == engine::SignerSlot::Required::kNo
                          ? Poco::Dynamic::Var(false)
                          : Poco::Dynamic::Var("if_involved"));
    e.set("multiple", s.multiple);
    slots.add(e);
  }
  o.set("people", people);
  o.set("signer_slots", slots);
  o.set("missing", missing);
  o.set("transitions", transitions);
  o.set("deadlines", deadlines);
  o.set("signers", signers);
  o.set("review_requests", reviewRequestsJson(ex, v->plan.id));
  ex.json(200, o);
}

void createPlan(Exchange& ex) {
  JsonBody b(ex.json());
  b.allowOnly({"pupil_id", "type"});
  auto pupil = b.id("pupil_id", true);
  auto type = b.text("type", true);
  if (auto e = b.error()) return ex.error(*e);
  auto r = ex.services.plans().launch(ex.actor(), *pupil, *type);
  if (!r) return ex.error(r.error());
  auto created = ex.services.plans().record(r.value());
  if (!created) return ex.error(404, "There is no such plan.");
  ex.json(201, planJson(*created, today(ex)));
}

// PATCH {"base_version": n, "values": {field: value|null}}: the engine merges the values into
// the plan's (PlanService::patch). Values are taken with exactly their JSON types: the engine
// refuses "yes" for a yes/no, "3" for a number.
void patchPlan(Exchange& ex) {
  auto id = idOr404(ex);
  if (!id) return;
  JsonBody b(ex.json());
  b.allowOnly({"base_version", "values"});
  auto base = b.integer("base_version", 1, kMaxVersion, true);
  auto patch = b.object("values", true);
  if (auto e = b.error()) return ex.error(*e);
  auto r = ex.services.plans().patch(ex.actor(), *id, static_cast<int>(*base), *patch);
  if (!r) return ex.error(r.error());
  Poco::JSON::Object o;
  o.set("version", r->version);
  o.set("changed", r->changed);
  Poco::JSON::Array missing;
  for (const auto& m : r->missing) missing.add(m.field);
  o.set("missing", missing);
  o.set("warnings", fieldMessages(r->warnings));
  ex.json(200, o);
}

void fireTransition(Exchange& ex) {
  auto id = idOr404(ex);
  if (!id) return;
  engine::TransitionInput in;
  if (!ex.body().empty()) {
    JsonBody b(ex.json());
    b.allowOnly({"reason_code", "reason_text"});
    if (auto v = b.text("reason_code")) in.reasonCode = *v;
    if (auto v = b.text("reason_text")) in.reasonText = *v;
    if (auto e = b.error()) return ex.error(*e);
  }
  auto r = ex.services.plans().fire(ex.actor(), *id, ex.params["name"], in);
  if (!r) return ex.error(r.error());
  auto after = ex.services.plans().record(*id);
  if (!after) return ex.error(404, "There is no such plan.");
  auto o = planJson(*after, today(ex));
  if (r.value() != *id) o.set("successor_id", r.value());
  o.set("review_requests", reviewRequestsJson(ex, *id));
  ex.json(200, o);
}

void versions(Exchange& ex) {
  auto id = idOr404(ex);
  if (!id) return;
  auto h = ex.services.reads().history(ex.actor(), engine::Door::kApi, *id);
  if (!h) return ex.error(h.error());
  Poco::JSON::Array arr;
  for (const auto& v : h->versions) {
    Poco::JSON::Object o;
    o.set("number", v.number);
    o.set("content_hash", v.contentHash);
    o.set("author", v.authorName);
    o.set("created_at", v.createdAt);
    arr.add(o);
  }
  Poco::JSON::Object o;
  o.set("versions", arr);
  ex.json(200, o);
}

void putSigners(Exchange& ex) {
  auto id = idOr404(ex);
  if (!id) return;
  JsonBody b(ex.json());
  b.allowOnly({"people"});
  auto refs = b.texts("people", true);
  if (auto e = b.error()) return ex.error(*e);
  auto r = ex.services.plans().assignSigners(ex.actor(), *id, ex.params["slot"], *refs);
  if (!r) return ex.error(r.error());
  ex.json(200, Poco::JSON::Object());
}

}  // namespace

void registerPlanApiRoutes(Router& router) {
  auto& r = router;
  r.add("GET", "/api/v1/plans", engine::Action::kViewPlan, listPlans);
  r.add("POST", "/api/v1/plans", engine::Action::kLaunchPlan, createPlan);
  r.add("GET", "/api/v1/plans/{id}", engine::Action::kViewPlan, getPlan);
  r.add("PATCH", "/api/v1/plans/{id}", engine::Action::kEditPlan, patchPlan);
  r.add("GET", "/api/v1/plans/{id}/versions", engine::Action::kViewPlan, versions);
  r.add("POST", "/api/v1/plans/{id}/transitions/{name}", engine::Action::kEditPlan, fireTransition);
  r.add("PUT", "/api/v1/plans/{id}/signers/{slot}", engine::Action::kManageSigners, putSigners);
}

}  // namespace sendflow::web
