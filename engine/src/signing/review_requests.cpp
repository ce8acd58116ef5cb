// SignatureService: a contact asks for a review of a plan in force through their own emailed
// link to it (the "signed" email's link, which also downloads the sealed copy).
#include <algorithm>

#include "request_states.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/people/access.h"
#include "sendflow/engine/signing/signatures.h"

namespace sendflow::engine {

using signing::parseTime;

namespace {

Text notValid() {
  return Text(
      N_("This link is not valid. Check that you opened the whole link from the latest email."));
}

}  // namespace

Result<ReviewLink> SignatureService::locateReviewLink(const std::string& token) {
  if (token.size() < 40 || token.size() > 64) return notFound(notValid());
  auto r = repo_.requestByTokenHash(sha256Hex(token));
  if (!r || r->personRef.rfind("contact:", 0) != 0) return notFound(notValid());
  if (auto exp = parseTime(r->expiresAt); exp && clock_.now() > *exp)
    return gone(Text(
        N_("This link has expired, so it can no longer be used to ask for a review. To ask for "
           "one, contact the school's SENCO by phone or email: any parent, carer or professional "
           "involved may ask for a review at any time.")));
  // Only the link of someone who signed the plan in force: the one its "signed" email sends.
  if (r->state != requeststate::kSigned) return notFound(notValid());
  auto contactId = parseId(std::string_view(r->personRef).substr(8));
  auto contact = contactId ? people_.contact(*contactId) : std::nullopt;
  auto rec = plans_.record(r->planId);
  if (!contact || !contact->active || !rec) return notFound(notValid());
  auto wf = plans_.workflowSnapshot(rec->workflowSnapshotId);
  auto pupil = people_.pupil(rec->pupilId);
  if (!wf || !pupil) return notFound(notValid());
  ReviewLink out;
  out.request = *r;
  out.request.name = contact->name;
  out.plan = *rec;
  out.title = wf->title;
  out.pupilName = pupil->displayName();
  const StateDef* state = wf->state(rec->state);
  const TransitionDef* t = PlanService::contactReviewTransition(*wf, rec->state);
  if (r->version != rec->currentVersion || !state || !state->active || !t) {
    out.closed =
        Text(N_("This plan is no longer in force (it is {{state}}), so a review cannot be "
                "asked for here. If you have a concern about it, contact the school's "
                "SENCO."),
             {state ? TextArg::formWords("state", state->shown(),
                                         wordsByLanguage(state->translations, &LocalWords::label))
                    : TextArg::formWords("state", rec->state, {})});
  } else {
    out.transition = t->name;
    out.reasons = t->reasons;
  }
  for (const auto& q : plans_.reviewRequests(rec->id))
    if (q.actor == r->personRef) out.yours.push_back(q);
  return out;
}

Result<ReviewLink> SignatureService::reviewLink(const std::string& token) {
  auto link = locateReviewLink(token);
  if (!link) return link.error();
  repo_.appendAudit({"plan.view", link->request.personRef, "plan", link->plan.id,
                     link->plan.academyId,
                     detailJson({{"door", doorName(Door::kSignerLink)},
                                 {"page", "review_request"},
                                 {"version", link->request.version}})});
  return link;
}

Status SignatureService::askForReview(const std::string& token, const std::string& reasonCode,
                                      const std::string& reasonText, const std::string& ip) {
  auto link = locateReviewLink(token);
  if (!link) return link.error();
  if (link->transition.empty()) return conflict(link->closed);
  const auto& r = link->request;
  const Id academy = link->plan.academyId;
  auto fired = plans_.fireAsContact(
      link->plan.id, r.personRef, r.name, link->transition, {reasonCode, reasonText},
      [&](const PlanView&, TransitionChange& c) -> Status {
        c.audit.push_back({"plan.review_requested", r.personRef, "plan", link->plan.id, academy,
                           detailJson({{"door", doorName(Door::kSignerLink)},
                                       {"reason_code", reasonCode},
                                       {"ip", ip}})});
        return Ok{};
      });
  if (!fired) return fired.error();
  return Ok{};
}

}  // namespace sendflow::engine
