// Plan pages: launch, the editor generated from the form definition, transitions, signers,
// history and diff.
#include <Poco/JSON/Array.h>

#include "app/services.h"
#include "pages/contribute.h"
#include "pages/plan_form.h"
#include "pages/routes.h"
#include "pages/signing.h"
#include "sendflow/engine/core/text.h"
#include "sendflow/engine/documents/plan_document.h"

namespace sendflow::web {
namespace {

std::string stateLabel(const engine::PlanView& v) { return v.state->shown(); }

// A state's tag colour, from the tone its workflow gives it.
const char* stateColour(const engine::StateDef* s) {
  if (!s) return "";
  switch (s->tone) {
    case engine::StateTone::kNeutral:
      return "";
    case engine::StateTone::kGood:
      return "green";
    case engine::StateTone::kInProgress:
      return "amber";
    case engine::StateTone::kWaiting:
      return "blue";
    case engine::StateTone::kAttention:
      return "red";
  }
  return "";
}

}  // namespace

std::string reasonLabel(const std::string& code) {
  std::string s = engine::reasonWords(code);
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

// Review status of a plan in force: "overdue" / "due soon" tags for lists and the plan page.
void addReviewStatus(Data& d, const std::optional<std::string>& reviewDate, engine::Date today) {
  if (!reviewDate) return;
  auto due = engine::parseIsoDate(*reviewDate);
  if (!due) return;
  d.set("review_date", *reviewDate);
  d.set("review_date_uk", engine::ukDate(*due));
  const auto timing = engine::reviewTiming(*due, today);
  const int days = timing.daysToGo;
  if (timing.status == engine::ReviewStatus::kOverdue) {
    d.set("review_overdue", true);
    d.set("review_status", "Overdue by " + std::to_string(-days) + (days == -1 ? " day" : " days"));
  } else if (timing.status == engine::ReviewStatus::kDueSoon) {
    d.set("review_soon", true);
    d.set("review_status", days == 0
                               ? std::string("Due today")
                               : "Due in " + std::to_string(days) + (days == 1 ? " day" : " days"));
  }
}

Data deadlineData(const std::vector<engine::DeadlineItem>& items) {
  Data out = list();
  for (const auto& dl : items) {
    Data d;
    d.set("label", dl.label);
    d.set("due", engine::ukDate(dl.due));
    d.set("status", engine::deadlineStatusLabel(dl.status));
    d.set("colour", dl.status == engine::DeadlineStatus::kMissed    ? "red"
                    : dl.status == engine::DeadlineStatus::kDueSoon ? "amber"
                    : dl.status == engine::DeadlineStatus::kDone    ? "green"
                                                                    : "blue");
    if (dl.doneOn) d.set("done_on", engine::ukDate(*dl.doneOn));
    out.push_back(d);
  }
  return out;
}

void addPlanLists(Exchange& ex, Data& d, engine::Id pupilId) {
  auto& app = ex.services;
  const engine::Date today = engine::dateOf(app.clock().now());
  struct Row {
    int rank;  // overdue first, then review due, then drafts and signing, then by date
    std::string date;
    Data data;
  };
  std::vector<Row> open;
  Data closed = list();
  bool anyClosed = false;
  std::map<std::string, int> counts;
  int overdue = 0;
  for (const auto& [p, wf, deadlines] : app.plans().listing(ex.actor(), pupilId)) {
    const engine::StateDef* st = wf->state(p.state);
    Data r;
    r.set("id", std::to_string(p.id));
    r.set("title", wf->title);
    r.set("pupil_name", p.pupilName);
    r.set("pupil_id", std::to_string(p.pupilId));
    r.set("state", st && !st->label.empty() ? st->label : p.state);
    r.set("state_colour", stateColour(st));
    addReviewStatus(r, p.reviewDate, today);
    if (st && st->final) {
      closed.push_back(r);
      anyClosed = true;
      continue;
    }
    counts[st && !st->label.empty() ? st->label : p.state]++;
    const auto due = p.reviewDate ? engine::parseIsoDate(*p.reviewDate) : std::nullopt;
    const bool isOverdue =
        due && engine::reviewTiming(*due, today).status == engine::ReviewStatus::kOverdue;
    overdue += isOverdue;
    // The next statutory deadline (EHCP reviews) that is not done.
    for (const auto& dl : deadlines) {
      if (dl.status == engine::DeadlineStatus::kDone) continue;
      r.set("deadline", dl.label);
      r.set("deadline_due", engine::ukDate(dl.due));
      r.set("deadline_status", engine::deadlineStatusLabel(dl.status));
      r.set("deadline_colour", dl.status == engine::DeadlineStatus::kMissed    ? "red"
                               : dl.status == engine::DeadlineStatus::kDueSoon ? "amber"
                                                                               : "blue");
      break;
    }
    int rank = isOverdue ? 0 : (st && !st->active && !st->editable && !st->signing) ? 1 : 2;
    open.push_back({rank, p.reviewDate.value_or("9999"), r});
  }
  std::stable_sort(open.begin(), open.end(), [](const Row& a, const Row& b) {
    return a.rank != b.rank ? a.rank < b.rank : a.date < b.date;
  });
  Data plans = list();
  for (auto& r : open) plans.push_back(r.data);
  Data countList = list();
  for (const auto& [state, n] : counts) {
    Data c;
    c.set("state", state);
    c.set("count", std::to_string(n));
    countList.push_back(c);
  }
  d.set("plans", plans);
  d.set("has_plans", !open.empty());
  d.set("closed_plans", closed);
  d.set("has_closed", anyClosed);
  d.set("plan_counts", countList);
  d.set("overdue_count", engine::countOf(overdue, "plan review", "plan reviews"));
  d.set("has_overdue", overdue > 0);
}

namespace {

struct PageState {
  const Poco::JSON::Object* values = nullptr;  // the user's unsaved answers, when re-shown
  const engine::Error* error = nullptr;
  std::string notice;
};

// The plan's header: ids, state, version, review and deadlines.
Data planHeader(Exchange& ex, const engine::PlanView& v) {
  auto& app = ex.services;
  Data d;
  d.set("id", std::to_string(v.plan.id));
  d.set("title", v.workflow->title);
  d.set("pupil_id", std::to_string(v.pupil.id));
  d.set("pupil_name", v.pupil.legalName);
  d.set("state", stateLabel(v));
  d.set("state_colour", stateColour(v.state));
  d.set("version", std::to_string(v.version.number));
  d.set("current_version", std::to_string(v.plan.currentVersion));
  d.set("is_old_version", v.version.number != v.plan.currentVersion);
  d.set("version_by", v.version.authorName);
  d.set("version_at", engine::ukDateTimeOf(v.version.createdAt));
  d.set("content_hash", v.version.contentHash.substr(0, 12));
  d.set("form_version", std::to_string(v.form->version));
  // Every request for a review, oldest first: when (UK time), who (by name) and why.
  Data requests = list();
  for (const auto& r : app.plans().reviewRequests(v.plan.id)) {
    Data rd;
    const auto at = engine::parseIsoTime(r.at);
    rd.set("at", at ? engine::ukDateTime(*at) : r.at);
    rd.set("who", r.actorName.empty() ? std::string("Someone no longer named") : r.actorName);
    rd.set("reason", reasonLabel(r.reasonCode));
    if (!r.reasonText.empty()) rd.set("text", r.reasonText);
    requests.push_back(rd);
  }
  d.set("has_review_requests", !requests.is_empty_list());
  d.set("review_requests", requests);
  if (v.plan.reviewsPlanId) d.set("reviews_plan_id", std::to_string(v.plan.reviewsPlanId));
  if (auto next = app.plans().latestSuccessor(v.plan.id))
    d.set("successor_id", std::to_string(next->id));
  addReviewStatus(d, v.plan.reviewDate, engine::dateOf(app.clock().now()));
  d.set("deadlines", deadlineData(v.deadlines));
  d.set("has_deadlines", !v.deadlines.empty());
  return d;
}

// The error summary, its links pointing at the inputs; returns each field's message.
std::map<std::string, std::string> addErrorSummary(Data& d, const engine::Error& error,
                                                   const engine::FormDefinition& form) {
  std::map<std::string, std::string> errors;
  addErrors(d, error);
  if (error.code == engine::ErrorCode::kConflict) addConflict(d, error);
  Data items = list();
  for (const auto& f : error.fields) {
    errors[f.field] = f.message;
    Data e;
    e.set("field", errorAnchor(form, f.field));
    e.set("message", f.message);
    items.push_back(e);
  }
  if (error.fields.empty()) {
    Data e;
    e.set("field", "main");
    e.set("message", error.message);
    items.push_back(e);
  }
  d.set("errors", items);
  return errors;
}

// The editor's sections, and what is still missing before the plan can move on.
void addEditor(Exchange& ex, Data& d, engine::PlanView& v, const PageState& ps,
               const std::map<std::string, std::string>& errors) {
  auto people = engine::PlanService::people(v);
  EditorInput in{&v, ps.values ? ps.values : v.values.get(), errors, people, v.canEdit};
  in.warnings = &v.warnings;
  d.set("sections_html", editorHtml(ex.services.views(), in, ex.language));
  d.set("kept", ps.values != nullptr);
  d.set("can_edit", v.canEdit);
  if (!v.canEdit || v.check.missing.empty() || ps.error) return;
  Data missing = list();
  for (const auto& m : v.check.missing) {
    Data e;
    e.set("field", errorAnchor(*v.form, m.field));
    e.set("message", m.message);
    missing.push_back(e);
  }
  d.set("missing", missing);
  d.set("has_missing", true);
}

// Transition buttons the actor's roles allow from this state.
void addTransitions(Data& d, const engine::PlanView& v) {
  Data transitions = list();
  for (const auto* t : v.transitions) {
    Data td;
    td.set("name", t->name);
    td.set("label", t->label.empty() ? t->name : t->label);
    td.set("needs_reason", t->requiresReason || !t->reasons.empty());
    Data reasons = list();
    for (const auto& r : t->reasons) {
      Data rd;
      rd.set("value", r);
      rd.set("label", reasonLabel(r));
      reasons.push_back(rd);
    }
    td.set("reasons", reasons);
    td.set("has_reasons", !t->reasons.empty());
    td.set("warning", t->destructive);
    transitions.push_back(td);
  }
  d.set("transitions", transitions);
  d.set("has_transitions", !v.transitions.empty());
}

// One signer slot: who is assigned, and (when the actor may assign) whom they could choose.
Data signerSlot(Exchange& ex, const engine::PlanView& v, const engine::SignerSlot& s,
                bool canAssign) {
  Data sd;
  sd.set("slot", s.role);
  sd.set("label", s.label);
  sd.set("required", s.required == engine::SignerSlot::Required::kYes);
  sd.set("if_involved", s.required == engine::SignerSlot::Required::kIfInvolved);
  sd.set("multiple", s.multiple);
  sd.set("anchor", anchorFor("signer." + s.role));
  Data assigned = list();
  std::set<std::string> chosen;
  for (const auto& a : v.signers) {
    if (a.slot != s.role) continue;
    Data ad;
    ad.set("name", a.name);
    assigned.push_back(ad);
    chosen.insert(a.personRef);
  }
  sd.set("assigned", assigned);
  sd.set("none", chosen.empty());
  if (!canAssign) return sd;
  Data options = list();
  for (const auto& c : ex.services.plans().signerCandidates(v, s)) {
    Data od;
    od.set("value", c.ref);
    od.set("label", c.label);
    od.set("selected", chosen.count(c.ref) > 0);
    options.push_back(od);
  }
  sd.set("options", options);
  return sd;
}

void addSignerSlots(Exchange& ex, Data& d, const engine::PlanView& v) {
  const bool canAssign = v.state->editable &&
                         engine::may(ex.actor(), engine::Action::kManageSigners, v.plan.academyId);
  Data slots = list();
  for (const auto& s : v.workflow->signers) slots.push_back(signerSlot(ex, v, s, canAssign));
  d.set("slots", slots);
  d.set("can_assign", canAssign);
}

void renderPlan(Exchange& ex, engine::PlanView& v, int status, const PageState& ps) {
  Data d = planHeader(ex, v);
  if (!ps.notice.empty()) d.set("notice", ps.notice);
  std::map<std::string, std::string> errors;
  if (ps.error) errors = addErrorSummary(d, *ps.error, *v.form);
  addEditor(ex, d, v, ps, errors);
  d.set(
      "live_words",
      ex.services.liveWords(ex.language));  // what live.js writes (staff: the catalogue's English)
  addTransitions(d, v);
  addSignerSlots(ex, d, v);
  addSigningStatus(ex, v, d);
  addContributors(ex, v, d);
  ex.html(status,
          ex.services.views().page(ex, "plan", d, v.workflow->title + " – " + v.pupil.legalName));
}

std::optional<engine::Id> planId(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) ex.error(404, "There is no such plan.");
  return id;
}

void planPage(Exchange& ex) {
  auto id = planId(ex);
  if (!id) return;
  auto v = ex.services.reads().plan(ex.actor(), engine::Door::kPage, *id, versionQuery(ex));
  if (!v) return ex.error(v.error());
  std::string notice;
  if (ex.query("saved") == "1")
    notice = "Your changes were saved as version " + std::to_string(v->plan.currentVersion) + ".";
  if (ex.query("saved") == "0") notice = "Nothing had changed, so no new version was made.";
  if (ex.query("invited") == "1") notice = "The invitation to contribute was emailed.";
  renderPlan(ex, v.value(), 200, {nullptr, nullptr, notice});
}

void savePlan(Exchange& ex) {
  auto id = planId(ex);
  if (!id) return;
  auto v = ex.services.plans().open(ex.actor(), *id);
  if (!v) return ex.error(v.error());
  const auto& post = ex.form();
  auto base = baseVersionFromPost(post);
  if (!base)
    return ex.error(400, "The form is missing the version it was based on. Reload the page.");
  auto values = valuesFromPost(*v->form, post, *v->values);
  auto r = ex.services.plans().save(ex.actor(), *id, *base, *values);
  if (!r) {
    if (r.error().code == engine::ErrorCode::kInvalid ||
        r.error().code == engine::ErrorCode::kConflict) {
      // Show the user's own answers again: nothing they typed is lost.
      auto fresh = ex.services.plans().open(ex.actor(), *id);
      if (!fresh) return ex.error(fresh.error());
      if (r.error().code == engine::ErrorCode::kConflict && !fresh->canEdit)
        return ex.error(r.error());
      return renderPlan(ex, fresh.value(), statusFor(r.error().code),
                        {values.get(), &r.error(), ""});
    }
    return ex.error(r.error());
  }
  ex.redirect("/plans/" + std::to_string(*id) + "?saved=" + (r->changed ? "1" : "0"));
}

// A plan action refused: invalid input shows the plan again with the errors (422); anything
// else is an error page.
void refused(Exchange& ex, engine::Id id, const engine::Error& e) {
  if (e.code != engine::ErrorCode::kInvalid) return ex.error(e);
  auto v = ex.services.plans().open(ex.actor(), id);
  if (!v) return ex.error(v.error());
  renderPlan(ex, v.value(), 422, {nullptr, &e, ""});
}

void firePlan(Exchange& ex) {
  auto id = planId(ex);
  if (!id) return;
  const auto& post = ex.form();
  engine::TransitionInput in{post.get("reason_code", ""),
                             engine::trimmed(post.get("reason_text", ""))};
  auto r = ex.services.plans().fire(ex.actor(), *id, ex.params["name"], in);
  if (!r) return refused(ex, *id, r.error());
  ex.redirect("/plans/" + std::to_string(r.value()));
}

void assignSigners(Exchange& ex) {
  auto id = planId(ex);
  if (!id) return;
  const auto& post = ex.form();
  std::string slot = post.get("slot", "");
  std::vector<std::string> refs;
  for (auto it = post.find("person"); it != post.end() && it->first == "person"; ++it)
    if (!it->second.empty()) refs.push_back(it->second);
  auto r = ex.services.plans().assignSigners(ex.actor(), *id, slot, refs);
  if (!r) return refused(ex, *id, r.error());
  ex.redirect("/plans/" + std::to_string(*id) + "#signers");
}

void inviteContributor(Exchange& ex) {
  auto id = planId(ex);
  if (!id) return;
  const engine::Id contact = Exchange::idField("contact", ex.form().get("contact", "")).value_or(0);
  auto r = ex.services.contributions().invite(ex.actor(), *id, contact);
  if (!r) return refused(ex, *id, r.error());
  ex.redirect("/plans/" + std::to_string(*id) + "?invited=1#contributors");
}

void revokeContributor(Exchange& ex) {
  auto id = planId(ex);
  auto link = ex.idParam("link");
  if (!id) return;
  if (!link) return ex.error(404, "There is no such contribution link.");
  auto r = ex.services.contributions().revoke(ex.actor(), *id, *link);
  if (!r) return ex.error(r.error());
  ex.redirect("/plans/" + std::to_string(*id) + "#contributors");
}

void launchPlan(Exchange& ex) {
  const auto& post = ex.form();
  auto pupil = Exchange::idField("pupil_id", post.get("pupil_id", ""));
  if (!pupil) return ex.error(engine::invalid("Choose a pupil", {{"pupil_id", "Choose a pupil"}}));
  auto r = ex.services.plans().launch(ex.actor(), *pupil, post.get("type", ""));
  if (!r) return ex.error(r.error());
  ex.redirect("/plans/" + std::to_string(r.value()));
}

void historyPage(Exchange& ex) {
  auto id = planId(ex);
  if (!id) return;
  auto h = ex.services.reads().history(ex.actor(), engine::Door::kPage, *id);
  if (!h) return ex.error(h.error());
  const engine::PlanView& v = h->view;
  Data d;
  d.set("id", std::to_string(*id));
  d.set("title", v.workflow->title);
  d.set("pupil_name", v.pupil.legalName);
  Data rows = list();
  for (const auto& ver : h->versions) {
    Data r;
    r.set("number", std::to_string(ver.number));
    r.set("previous", std::to_string(ver.number - 1));
    r.set("has_previous", ver.number > 1);
    auto name = h->names.find(ver.author);
    r.set("author", name != h->names.end() ? name->second : ver.authorName);
    r.set("at", engine::ukDateTimeOf(ver.createdAt));
    r.set("hash", ver.contentHash.substr(0, 12));
    rows.push_back(r);
  }
  d.set("versions", rows);
  Data transitions = list();
  for (const auto& t : h->transitions) {
    Data td;
    const engine::TransitionDef* step = v.workflow->transition(t.name);
    const engine::StateDef* from = v.workflow->state(t.fromState);
    const engine::StateDef* to = v.workflow->state(t.toState);
    td.set("name", step && !step->label.empty() ? step->label : reasonLabel(t.name));
    td.set("from", from ? from->shown() : reasonLabel(t.fromState));
    td.set("to", to ? to->shown() : reasonLabel(t.toState));
    td.set("at", engine::ukDateTimeOf(t.at));
    auto who = h->names.find(t.actor);
    td.set("who", who != h->names.end() ? who->second : std::string());
    std::string reason =
        (t.reasonCode.empty() ? "" : reasonLabel(t.reasonCode)) +
        (t.reasonText.empty() ? "" : (t.reasonCode.empty() ? "" : ": ") + t.reasonText);
    if (reason.empty())
      td.set("reason", false);
    else
      td.set("reason", reason);
    transitions.push_back(td);
  }
  d.set("transitions", transitions);
  ex.html(200, ex.services.views().page(ex, "plan_history", d, "History – " + v.workflow->title));
}

void diffPage(Exchange& ex) {
  auto id = planId(ex);
  if (!id) return;
  const int from = Exchange::intField("from", ex.query("from"), 0, kMaxVersion).value_or(0);
  const int to = Exchange::intField("to", ex.query("to"), 0, kMaxVersion).value_or(0);
  auto diff = ex.services.reads().diff(ex.actor(), engine::Door::kPage, *id, from, to);
  if (!diff) return ex.error(diff.error());
  const auto& changes = diff->changes;
  Data d;
  d.set("id", std::to_string(*id));
  d.set("from", std::to_string(from));
  d.set("to", std::to_string(to));
  Data rows = list();
  for (const auto& c : changes) {
    Data r;
    r.set("label", c.label);
    r.set("before", c.before.empty() ? "—" : c.before);
    r.set("after", c.after.empty() ? "—" : c.after);
    rows.push_back(r);
  }
  d.set("changes", rows);
  d.set("none", changes.empty());
  ex.html(200, ex.services.views().page(ex, "plan_diff", d, "Changes"));
}

}  // namespace

void registerPlanRoutes(Router& router) {
  auto& r = router;
  r.add("POST", "/plans", engine::Action::kLaunchPlan, launchPlan);
  r.add("GET", "/plans/{id}", engine::Action::kViewPlan, planPage);
  r.add("POST", "/plans/{id}", engine::Action::kEditPlan, savePlan);
  r.add("POST", "/plans/{id}/transitions/{name}", engine::Action::kEditPlan, firePlan);
  r.add("POST", "/plans/{id}/signers", engine::Action::kManageSigners, assignSigners);
  r.add("POST", "/plans/{id}/contributors", engine::Action::kManageContributors, inviteContributor);
  r.add("POST", "/plans/{id}/contributors/{link}/revoke", engine::Action::kManageContributors,
        revokeContributor);
  r.add("GET", "/plans/{id}/history", engine::Action::kViewPlan, historyPage);
  r.add("GET", "/plans/{id}/diff", engine::Action::kViewPlan, diffPage);
}

}  // namespace sendflow::web
