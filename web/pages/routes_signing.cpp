// Signing pages. Contacts: /s/<token> (no account; the token is checked by the service, CSRF by
// the pre-session cookie). Staff: /plans/{id}/sign/{request}. Sealed downloads, signer
// replacement and a plan's audit trail.
#include <Poco/Base64Decoder.h>
#include <Poco/File.h>
#include <Poco/FileStream.h>
#include <Poco/StreamCopier.h>

#include <sstream>

#include "app/services.h"
#include "http/http.h"
#include "http/paths.h"
#include "i18n/translations.h"
#include "pages/contact_language.h"
#include "pages/documents.h"
#include "pages/plan_form.h"
#include "pages/routes.h"
#include "pages/signing.h"
#include "sendflow/engine/core/text.h"
#include "sendflow/engine/documents/plan_document.h"
#include "sendflow/engine/people/people.h"

namespace sendflow::web {
namespace {

std::string stateWords(const std::string& s) {
  if (s == "invited") return N_("Invited");
  if (s == "opened") return N_("Opened");
  if (s == "signed") return N_("Signed");
  if (s == "declined") return N_("Declined");
  if (s == "expired") return N_("Link expired");
  if (s == "void") return N_("Void");
  if (s == "replaced") return N_("Replaced");
  return s;
}

// A signer slot's label in the page's language: the workflow's own words for it, else the
// catalogue's (the shipped labels), else English (the page says the plan is in English).
std::string slotLabel(Exchange& ex, const engine::WorkflowDefinition& wf,
                      const engine::SignatureRequest& r) {
  if (auto words = wf.signerLabelIn(r.slot, r.slotLabel, ex.language)) return *words;
  return ex.tr(r.slotLabel);
}

struct Target {
  engine::SignerAccess access;
  std::string base;       // URL prefix of this signing page's actions
  engine::Id planId = 0;  // staff: the plan named in the URL (must be the request's)
};

std::optional<Target> target(Exchange& ex) {
  Target t;
  if (ex.params.count("token")) {
    t.access.token = ex.params["token"];
    t.base = paths::signerLink(t.access.token);
    // A contact's pages (and "this link has expired") are in their language.
    speakTo(ex, ex.services.signatures().linkLanguage(t.access.token));
    return t;
  }
  auto plan = ex.idParam("id");
  auto req = ex.idParam("request");
  if (!plan || !req) return std::nullopt;
  t.access.staff = &ex.actor();
  t.access.requestId = *req;
  t.planId = *plan;
  auto r = ex.services.signatures().request(*req);
  if (!r || r->planId != *plan) return std::nullopt;
  t.base = "/plans/" + std::to_string(*plan) + "/sign/" + std::to_string(*req);
  return t;
}

// `err` (when set) is shown on the page, or answered alone when the page cannot be shown.
void signingPage(Exchange& ex, const Target& t, int status, const engine::Error* err,
                 const std::string& notice = "") {
  auto sv = ex.services.signatures().open(t.access, ex.clientIp());
  if (!sv) return ex.error(err ? *err : sv.error());
  const auto& r = sv->request;
  Data d;
  d.set("base", t.base);
  d.set("csrf_form", t.access.staff ? ex.csrfToken() : preSessionCsrf(ex));
  d.set("title", sv->plan.workflow->title);
  d.set("pupil_initials", engine::initialsOf(sv->plan.pupil.legalName));
  d.set("pupil_name", t.access.staff ? sv->plan.pupil.legalName : sv->plan.pupil.displayName());
  d.set("signer_name", r.name);
  d.set("slot_label", slotLabel(ex, *sv->plan.workflow, r));
  d.set("version", std::to_string(r.version));
  d.set("content_hash", r.contentHash);
  const std::string expires = r.expiresAt.substr(0, 10);
  d.set("expires", ex.language == kEnglish ? expires : localDate(ex.language, expires));
  d.set("consent_text", ex.tr(sv->consentText));
  if (ex.language != kEnglish) d.set("labels_in_english", true);  // the plan stays English
  d.set("is_signed", r.state == engine::requeststate::kSigned);
  d.set("is_declined", r.state == engine::requeststate::kDeclined);
  const bool open =
      r.state == engine::requeststate::kInvited || r.state == engine::requeststate::kOpened;
  d.set("can_sign", open && sv->yourTurn && !sv->needsCode);
  d.set("needs_code", open && sv->yourTurn && sv->needsCode);
  d.set("code_minutes", std::to_string(ex.services.signatures().settings().codeMinutes));
  d.set("code_duration",
        localMinutes(ex.language, ex.services.signatures().settings().codeMinutes));
  d.set("not_your_turn", open && !sv->yourTurn);
  {
    std::vector<std::string> waiting;  // the earlier slots' labels, listed in the language
    for (const auto& w : sv->waitingFor) waiting.push_back(slotLabel(ex, *sv->plan.workflow, w));
    d.set("waiting_for", localList(ex.language, waiting));
  }
  d.set("is_staff", t.access.staff != nullptr);
  if (auto sealed = ex.services.signatures().sealedFor(r.planId);
      sealed && sealed->version == r.version) {
    d.set("sealed_link",
          t.access.staff ? paths::planSealed(r.planId) : paths::signerSealed(t.access.token));
    // A contact who signed the plan in force may ask for a review from their link.
    if (!t.access.staff && r.state == engine::requeststate::kSigned)
      d.set("review_link", paths::signerReview(t.access.token));
  }
  Data others = list();
  for (const auto& o : sv->others) {
    Data od;
    od.set("name", o.name);
    od.set("slot", slotLabel(ex, *sv->plan.workflow, o));
    od.set("state", ex.tr(stateWords(ex.services.signatures().displayState(o))));
    others.push_back(od);
  }
  d.set("others", others);
  d.set("has_others", !sv->others.empty());
  EditorInput in{
      &sv->plan, sv->plan.values.get(), {}, engine::PlanService::people(sv->plan), false};
  d.set("sections", editorSections(in));
  if (!notice.empty())
    d.set("notice",
          ex.tr(notice,
                {{"duration",
                  localMinutes(ex.language, ex.services.signatures().settings().codeMinutes)}}));
  if (err) {
    std::set<std::string> english;  // messages no catalogue translates: marked as English
    const engine::Error shown = ex.translated(*err, &english);  // in the contact's language
    addErrors(d, shown, &english);
    d.set("error_message", shown.message);
    d.set("has_errors", true);
    if (shown.fields.empty()) d.set("errors", errorSummary({{"main", shown.message}}, &english));
  }
  ex.html(status,
          ex.services.views().page(ex, "sign", d,
                                   ex.tr("Sign: {{plan}}", {{"plan", sv->plan.workflow->title}})));
}

void showSigning(Exchange& ex) {
  auto t = target(ex);
  if (!t) return ex.error(404, "There is no such signature request.");
  signingPage(ex, *t, 200, nullptr);
}

std::string decodeDataUrl(const std::string& url) {
  const std::string prefix = "data:image/png;base64,";
  if (url.rfind(prefix, 0) != 0) return url.empty() ? "" : std::string("not a png");
  std::istringstream in(url.substr(prefix.size()));
  Poco::Base64Decoder dec(in);
  std::string out;
  try {
    Poco::StreamCopier::copyToString(dec, out);
  } catch (const Poco::Exception&) {
    return "not a png";
  }
  return out;
}

void doneOrError(Exchange& ex, const Target& t, const engine::Status& st,
                 const std::string& notice) {
  if (st) return signingPage(ex, t, 200, nullptr, notice);
  const auto code = st.error().code;
  if (code == engine::ErrorCode::kInvalid || code == engine::ErrorCode::kConflict ||
      code == engine::ErrorCode::kForbidden || code == engine::ErrorCode::kTooManyRequests)
    return signingPage(ex, t, statusFor(code), &st.error());
  ex.error(st.error());
}

void postSign(Exchange& ex) {
  auto t = target(ex);
  if (!t) return ex.error(404, "There is no such signature request.");
  const auto& post = ex.form();
  engine::SignInput in;
  in.consent = post.get("consent", "") == "yes";
  in.method = post.get("method", "typed");
  in.typedName = post.get("typed_name", "");
  std::string drawing = post.get("drawing", "");
  if (in.method == "drawn") in.drawnPng = decodeDataUrl(drawing);
  in.ip = ex.clientIp();
  in.userAgent = ex.request.get("User-Agent", "");
  doneOrError(ex, *t, ex.services.signatures().sign(t->access, in),
              N_("Thank you: your signature was recorded. You can close this page."));
}

void postDecline(Exchange& ex) {
  auto t = target(ex);
  if (!t) return ex.error(404, "There is no such signature request.");
  auto st = ex.services.signatures().decline(t->access, ex.form().get("reason", ""), ex.clientIp());
  if (st) {
    Data d;
    d.set("message",
          ex.tr("You declined to sign. The school's SENCO has been told, with your reason."));
    return ex.html(200, ex.services.views().page(ex, "sign_done", d, ex.tr("Declined")));
  }
  doneOrError(ex, *t, st, "");
}

void postCode(Exchange& ex) {
  auto t = target(ex);
  if (!t) return ex.error(404, "There is no such signature request.");
  const auto& post = ex.form();
  if (post.get("action", "") == "send")
    return doneOrError(ex, *t, ex.services.signatures().sendCode(t->access),
                       N_("We emailed you a 6-digit code. It lasts {{duration}}."));
  doneOrError(ex, *t,
              ex.services.signatures().checkCode(t->access, engine::trimmed(post.get("code", ""))),
              N_("Code accepted. You can sign now."));
}

void versionPdf(Exchange& ex) {
  auto t = target(ex);
  if (!t) return ex.error(404, "There is no such signature request.");
  auto sv = ex.services.signatures().document(t->access);
  if (!sv) return ex.error(sv.error());
  auto pdf = renderPlanPdf(ex.services, sv->plan);
  ex.bytes(200, "application/pdf", pdf.bytes, engine::planPdfFileName(sv->plan));
}

void sendSealed(Exchange& ex, const engine::SealedDocument& s, const std::string& name) {
  ex.bytes(200, "application/pdf", ex.services.signatures().sealedPdf(s), name);
}

void linkSealed(Exchange& ex) {
  speakTo(ex, ex.services.signatures().linkLanguage(ex.params["token"]));  // for an error page
  auto s = ex.services.signatures().sealedForLink(ex.params["token"]);
  if (!s) return ex.error(s.error());
  sendSealed(ex, s.value(), "signed-plan-" + std::to_string(s->planId) + ".pdf");
}

void staffSealed(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such plan.");
  auto s = ex.services.reads().sealed(ex.actor(), engine::Door::kPdf, *id);
  if (!s) return ex.error(s.error());
  sendSealed(ex, s->document, engine::planPdfFileName(s->view).insert(0, "sealed-"));
}

void replaceSigner(Exchange& ex) {
  auto id = ex.idParam("id");
  auto req = ex.idParam("request");
  if (!id || !req) return ex.error(404, "There is no such signature request.");
  const auto& post = ex.form();
  auto st = ex.services.signatures().replaceSigner(ex.actor(), *req, post.get("person", ""),
                                                   post.get("reason", ""));
  if (!st) return ex.error(st.error());
  ex.redirect("/plans/" + std::to_string(*id) + "#signers");
}

void renewLink(Exchange& ex) {
  auto id = ex.idParam("id");
  auto req = ex.idParam("request");
  if (!id || !req) return ex.error(404, "There is no such signature request.");
  auto st = ex.services.signatures().renewLink(ex.actor(), *req);
  if (!st) return ex.error(st.error());
  ex.redirect("/plans/" + std::to_string(*id) + "#signers");
}

// A contact's reason for a review, in words a parent uses (the staff page shows the code's label).
std::string contactReasonLabel(const std::string& code) {
  if (code == "change")
    return N_("Something has changed (for example needs, health or circumstances)");
  if (code == "incident") return N_("There has been an incident");
  if (code == "stakeholder_request") return N_("I would like the plan to be looked at again");
  if (code == "drill_problem") return N_("A fire drill or practice showed a problem");
  return reasonLabel(code);
}

// /s/<token>/review: a contact asks for a review of the plan their link was sent for. `err` is
// shown with what they typed; `sent` thanks them for the request just made.
void reviewPage(Exchange& ex, int status, const engine::Error* err, const std::string& chosen = "",
                const std::string& typed = "") {
  const std::string token = ex.params["token"];
  speakTo(ex, ex.services.signatures().linkLanguage(token));
  auto link = ex.services.signatures().reviewLink(token);
  if (!link) return ex.error(link.error());
  Data d;
  d.set("review_path", paths::signerReview(token));
  d.set("csrf_form", preSessionCsrf(ex));
  d.set("title", link->title);
  d.set("pupil_name", link->pupilName);
  d.set("contact_name", link->request.name);
  if (auto sealed = ex.services.signatures().sealedFor(link->plan.id);
      sealed && sealed->version == link->request.version)
    d.set("sealed_link", paths::signerSealed(token));
  d.set("can_ask", !link->transition.empty());
  d.set("closed", ex.tr(link->closed));
  d.set("sent", ex.query("sent") == "1" && !err);
  Data reasons = list();
  for (std::size_t i = 0; i < link->reasons.size(); ++i) {
    Data r;
    r.set("value", link->reasons[i]);
    r.set("label", ex.tr(contactReasonLabel(link->reasons[i])));
    r.set("id", i == 0 ? std::string("reason_code") : "reason_code-" + std::to_string(i + 1));
    r.set("checked", link->reasons[i] == chosen);
    reasons.push_back(r);
  }
  d.set("reasons", reasons);
  d.set("reason_text", typed);
  Data yours = list();
  for (const auto& q : link->yours) {
    Data y;
    const auto at = engine::parseIsoTime(q.at);
    y.set("at", ex.language != kEnglish ? localDate(ex.language, q.at)
                : at                    ? engine::ukDateTime(*at)
                                        : q.at);
    y.set("reason", ex.tr(contactReasonLabel(q.reasonCode)));
    yours.push_back(y);
  }
  d.set("yours", yours);
  d.set("has_yours", !link->yours.empty());
  if (err) {
    // The reason's text is one field on this page, whichever rule it broke.
    std::set<std::string> english;  // messages no catalogue translates: marked as English
    engine::Error shown = ex.translated(*err, &english);
    for (auto& f : shown.fields)
      if (f.field == "reason") f.field = "reason_text";
    addErrors(d, shown, &english);
  }
  ex.html(status, ex.services.views().page(
                      ex, "review_request", d,
                      err ? ex.tr("Error: Ask for a review") : ex.tr("Ask for a review")));
}

void showReviewRequest(Exchange& ex) { reviewPage(ex, 200, nullptr); }

void postReviewRequest(Exchange& ex) {
  speakTo(ex, ex.services.signatures().linkLanguage(ex.params["token"]));
  const auto& post = ex.form();
  const std::string code = post.get("reason_code", "");
  const std::string text = post.get("reason_text", "");
  auto st = ex.services.signatures().askForReview(ex.params["token"], code, text, ex.clientIp());
  if (st) return ex.redirect(paths::signerReview(ex.params["token"]) + "?sent=1");
  const auto c = st.error().code;
  if (c == engine::ErrorCode::kInvalid || c == engine::ErrorCode::kConflict)
    return reviewPage(ex, statusFor(c), &st.error(), code, text);
  ex.error(st.error());
}

void auditPage(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such plan.");
  auto trail = ex.services.reads().auditTrail(ex.actor(), engine::Door::kPage, *id);
  if (!trail) return ex.error(trail.error());
  const engine::PlanView& v = trail->view;
  Data d;
  d.set("id", std::to_string(*id));
  d.set("title", v.workflow->title);
  d.set("pupil_name", v.pupil.legalName);
  Data rows = list();
  for (std::size_t i = 0; i < trail->events.size(); ++i) {
    const auto& e = trail->events[i];
    const auto& line = trail->lines[i];  // as the reader may see it: no IP addresses for teachers
    Data r;
    r.set("event_id", std::to_string(e.id));
    r.set("when", line.when);
    r.set("at", e.at);
    r.set("who", line.who);
    r.set("what", line.what);
    Data details = list();
    for (const auto& [label, value] : line.details) {
      Data dd;
      dd.set("label", label);
      dd.set("value", value);
      details.push_back(dd);
    }
    r.set("details", details);
    r.set("has_details", !line.details.empty());
    r.set("hash", e.hash.substr(0, 12));
    rows.push_back(r);
  }
  d.set("events", rows);
  ex.html(200, ex.services.views().page(ex, "plan_audit", d, "Audit trail – " + v.workflow->title));
}

}  // namespace

std::string preSessionCsrf(Exchange& ex) {
  std::string csrf = ex.cookie("sf_csrf");
  if (csrf.empty()) {
    csrf = engine::newToken(ex.services.random());
    ex.setCookie("sf_csrf", csrf, 12 * 3600);
  }
  return csrf;
}

void addSigningStatus(Exchange& ex, const engine::PlanView& v, Data& d) {
  auto& svc = ex.services.signatures();
  const auto& actor = ex.actor();
  const bool senco = engine::may(actor, engine::Action::kManageSigners, v.plan.academyId);
  Data rows = list();
  bool any = false;
  const auto requests = svc.requests(v.plan.id);
  for (const auto& r : requests) {
    if (r.version != v.plan.currentVersion && r.state != engine::requeststate::kVoid) continue;
    Data rd;
    const std::string state = svc.displayState(r);
    rd.set("request_id", std::to_string(r.id));
    rd.set("name", r.name);
    rd.set("slot", r.slotLabel);
    rd.set("state", stateWords(state));
    rd.set("state_class", state);
    rd.set("version", std::to_string(r.version));
    rd.set("reason", r.stateReason);
    const bool open =
        r.state == engine::requeststate::kInvited || r.state == engine::requeststate::kOpened;
    if (senco && open && v.state->signing && !r.email.empty()) {
      rd.set("can_renew", true);
      rd.set("link_days", std::to_string(svc.settings().linkDays));
    }
    if (senco && open && v.state->signing) {
      rd.set("can_replace", true);
      Data options = list();
      for (const auto& c : svc.replacementCandidates(v, r)) {
        Data o;
        o.set("value", c.ref);
        o.set("label", c.label);
        options.push_back(o);
      }
      rd.set("options", options);
    }
    rows.push_back(rd);
    any = true;
  }
  d.set("signer_rows", rows);
  d.set("has_signer_rows", any);
  Data mine = list();
  bool canSign = false;
  for (const auto& r : svc.signableBy(actor, v, requests)) {
    Data m;
    m.set("link", "/plans/" + std::to_string(v.plan.id) + "/sign/" + std::to_string(r.id));
    m.set("slot", r.slotLabel);
    m.set("name", r.name);
    mine.push_back(m);
    canSign = true;
  }
  d.set("sign_requests", mine);
  d.set("can_sign", canSign);
  if (auto s = svc.sealedFor(v.plan.id)) {
    d.set("sealed_link", paths::planSealed(v.plan.id));
    d.set("sealed_hash", s->pdfSha256.substr(0, 16));
    d.set("sealed_version", std::to_string(s->version));
  }
  d.set("audit_link", "/plans/" + std::to_string(v.plan.id) + "/audit");
}

void registerSigningRoutes(Router& router) {
  auto& r = router;
  r.add("GET", "/s/{token}", Access::kPublic, showSigning);
  r.add("POST", "/s/{token}/sign", Access::kPublicCsrf, postSign);
  r.add("POST", "/s/{token}/decline", Access::kPublicCsrf, postDecline);
  r.add("POST", "/s/{token}/code", Access::kPublicCsrf, postCode);
  r.add("GET", "/s/{token}/pdf", Access::kPublic, versionPdf);
  r.add("GET", "/s/{token}/sealed.pdf", Access::kPublic, linkSealed);
  r.add("GET", "/s/{token}/review", Access::kPublic, showReviewRequest);
  r.add("POST", "/s/{token}/review", Access::kPublicCsrf, postReviewRequest);
  r.add("GET", "/plans/{id}/sign/{request}", engine::Action::kSign, showSigning);
  r.add("POST", "/plans/{id}/sign/{request}/sign", engine::Action::kSign, postSign);
  r.add("POST", "/plans/{id}/sign/{request}/decline", engine::Action::kSign, postDecline);
  r.add("GET", "/plans/{id}/sign/{request}/pdf", engine::Action::kSign, versionPdf);
  r.add("GET", "/plans/{id}/sealed.pdf", engine::Action::kDownloadPdf, staffSealed);
  r.add("POST", "/plans/{id}/signers/{request}/replace", engine::Action::kManageSigners,
        replaceSigner);
  r.add("POST", "/plans/{id}/signers/{request}/renew", engine::Action::kManageSigners, renewLink);
  r.add("GET", "/plans/{id}/audit", engine::Action::kViewAudit, auditPage);
}

}  // namespace sendflow::web
