// SignatureService, the requests: made when a version is sent for signature, invitations in
// signing order, the SENCO's renewals and replacements, and the scheduler's reminders.
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <charconv>

#include "request_states.h"
#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/text.h"
#include "sendflow/engine/people/access.h"
#include "sendflow/engine/people/people.h"
#include "sendflow/engine/signing/signatures.h"

namespace sendflow::engine {

using signing::isLive;
using signing::isOpen;
using signing::parseTime;
using signing::readerFor;

SignatureService::SignatureService(PlanService& plans, SignatureRepository& repo,
                                   PeopleRepository& people, DocumentStore& documents, Clock& clock,
                                   RandomSource& random, SignatureSettings settings, SealKey key,
                                   PdfRendering render, DocumentOptions options)
    : SignatureService(plans, repo, people, documents, clock, random, std::move(settings),
                       SealKeyLoader(), std::move(render), std::move(options)) {
  key_.emplace(std::move(key));
}

SignatureService::SignatureService(PlanService& plans, SignatureRepository& repo,
                                   PeopleRepository& people, DocumentStore& documents, Clock& clock,
                                   RandomSource& random, SignatureSettings settings,
                                   SealKeyLoader loadKey, PdfRendering render,
                                   DocumentOptions options)
    : plans_(plans),
      repo_(repo),
      people_(people),
      documents_(documents),
      clock_(clock),
      random_(random),
      settings_(std::move(settings)),
      loadKey_(std::move(loadKey)),
      render_(std::move(render)),
      options_(std::move(options)) {
  if (settings_.linkKey.empty()) settings_.linkKey = random_.bytes(32);
  plans_.setTransitionActions(this);
}

const SealKey& SignatureService::key() const {
  std::lock_guard<std::mutex> lock(keyMutex_);
  if (!key_) key_.emplace(loadKey_());
  return *key_;
}

std::string SignatureService::personEmail(const std::string& ref) {
  try {
    if (ref.rfind("user:", 0) == 0) {
      if (auto u = people_.userById(std::stoll(ref.substr(5)))) return u->email;
    } else if (ref.rfind("contact:", 0) == 0) {
      if (auto c = people_.contact(std::stoll(ref.substr(8)))) return c->email;
    }
  } catch (const std::exception&) {
  }
  return "";
}

void SignatureService::addContactLanguage(const std::string& ref, Poco::JSON::Object& data) {
  if (ref.rfind("contact:", 0) != 0) return;
  Id id = 0;
  const auto digits = std::string_view(ref).substr(8);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), id);
  if (ec != std::errc() || end != digits.data() + digits.size()) return;
  if (auto c = people_.contact(id)) data.set("lang", c->language);
}

OutboxMessage SignatureService::mail(const char* kind, const std::string& key, const PlanView& v,
                                     const std::string& toAddress, const std::string& toName,
                                     Poco::JSON::Object data) {
  OutboxMessage m;
  m.kind = kind;
  m.key = key;
  m.academyId = v.plan.academyId;
  m.planId = v.plan.id;
  m.toAddress = toAddress;
  m.toName = toName;
  data.set("plan_id", v.plan.id);
  data.set("plan_title", v.workflow->title);
  data.set("initials", initialsOf(v.pupil.legalName));
  if (auto a = people_.academy(v.plan.academyId)) data.set("academy", a->name);
  data.set("recipient_name", toName);
  m.data = canonicalJson(data);
  m.createdAt = clock_.now();
  m.nextAttemptAt = m.createdAt;
  return m;
}

std::string SignatureService::displayState(const SignatureRequest& r) const {
  if (isOpen(r)) {
    auto exp = parseTime(r.expiresAt);
    if (exp && clock_.now() > *exp) return "expired";
  }
  return r.state;
}

Status SignatureService::checkTurn(const SignatureRequest& r,
                                   const std::vector<SignatureRequest>& all,
                                   std::vector<SignatureRequest>* waitingFor) {
  if (r.order <= 0) return Ok{};
  std::vector<Text> waiting;  // the slots' labels (workflow words, in the catalogues)
  for (const auto& o : all) {
    if (o.version != r.version || !isLive(o) || o.order <= 0 || o.order >= r.order) continue;
    if (o.state == requeststate::kSigned || !o.required) continue;
    waiting.emplace_back(o.slotLabel);
    if (waitingFor) waitingFor->push_back(o);
  }
  if (waiting.empty()) return Ok{};
  return conflict(Text(N_("It is not your turn to sign yet: this plan is signed in order, and "
                          "{{signers}} must sign first. We will email you when it is your turn."),
                       {TextArg::list("signers", std::move(waiting))}));
}

// Gives `r` a fresh link (contacts) and queues its invitation.
Result<SignatureRequest> SignatureService::inviteNew(SignatureRequest r, const PlanView& v,
                                                     std::vector<OutboxMessage>& out,
                                                     const std::string& why) {
  const std::string now = isoTime(clock_.now());
  Poco::JSON::Object data;
  data.set("slot", r.slotLabel);
  data.set("reminder", why == "reminder");
  data.set("expires", ukDateTimeOf(r.expiresAt));
  data.set("expires_at", r.expiresAt);  // for the date and time in a contact's language
  if (r.personRef.rfind("contact:", 0) == 0) {
    assignLink(r);
    data.set("link_salt", r.linkSalt);  // the mailer derives the link: the outbox never holds it
    addContactLanguage(r.personRef, data);
    // The slot's label in the contact's language, where the workflow gives it (the mailer falls
    // back on the message catalogue, then English).
    if (data.has("lang") && v.workflow)
      if (auto words =
              v.workflow->signerLabelIn(r.slot, r.slotLabel, data.getValue<std::string>("lang")))
        data.set("slot_words", *words);
  } else if (r.personRef.rfind("user:", 0) != 0) {
    return r;  // a pupil signs in person, with the SENCO
  }
  r.sends += 1;
  r.lastSentAt = now;
  if (!r.email.empty())
    out.push_back(mail(mailkind::kSignInvite,
                       "sign:" + std::to_string(v.plan.id) + ":" + std::to_string(r.version) + ":" +
                           r.slot + ":" + r.personRef + ":" + std::to_string(r.sends) + ":" + now,
                       v, r.email, r.name, data));
  return r;
}

// Requests whose turn has come and that were never sent: given links, invitations queued.
std::vector<OutboxMessage> SignatureService::invitationsForTurn(
    const PlanView& v, std::vector<SignatureRequest>& all, std::vector<SignatureRequest>& changed) {
  std::vector<OutboxMessage> out;
  for (auto& r : all) {
    if (!isOpen(r) || r.version != v.plan.currentVersion || !r.lastSentAt.empty() ||
        r.personRef.rfind("pupil:", 0) == 0)
      continue;
    if (!checkTurn(r, all, nullptr)) continue;
    auto invited = inviteNew(r, v, out, "invite");
    if (invited) {
      r = invited.value();
      changed.push_back(r);
    }
  }
  return out;
}

Status SignatureService::prepare(ActionKind action, const PlanView& v, const TransitionDef& t,
                                 TransitionChange& c) {
  const std::string actor = c.record.actor;
  if (action == ActionKind::kVoidSignatures) {
    c.voidSignatures = true;
    c.voidReason = t.name + (c.record.reasonText.empty() ? "" : ": " + c.record.reasonText);
    c.audit.push_back({"signature.void", actor, "plan", v.plan.id, v.plan.academyId,
                       detailJson({{"transition", t.name}, {"version", v.plan.currentVersion}})});
    return Ok{};
  }
  if (action == ActionKind::kNotifySigners) {
    const bool code = settings_.requireCode || v.workflow->requireCode;
    const auto now = clock_.now();
    std::vector<SignatureRequest> all;
    for (const auto& s : v.signers) {
      const SignerSlot* slot = v.workflow->signer(s.slot);
      if (!slot) continue;
      SignatureRequest r;
      r.planId = v.plan.id;
      r.version = v.plan.currentVersion;
      r.contentHash = v.version.contentHash;
      r.slot = slot->role;
      r.slotLabel = slot->label;
      r.order = slot->order;
      r.required = slot->required != SignerSlot::Required::kNo;
      r.personRef = s.personRef;
      r.name = s.name;
      r.email = personEmail(s.personRef);
      r.createdAt = isoTime(now);
      r.expiresAt = isoTime(now + std::chrono::days(settings_.linkDays));
      r.codeRequired = code && s.personRef.rfind("contact:", 0) == 0;
      all.push_back(r);
    }
    std::vector<SignatureRequest> changed;
    auto out = invitationsForTurn(v, all, changed);
    c.newRequests = all;
    c.outbox.insert(c.outbox.end(), out.begin(), out.end());
    c.audit.push_back({"signature.invited", actor, "plan", v.plan.id, v.plan.academyId,
                       detailJson({{"version", v.plan.currentVersion},
                                   {"requests", static_cast<int>(all.size())},
                                   {"emails", static_cast<int>(out.size())}})});
    return Ok{};
  }
  if (action == ActionKind::kSealPdf) return sealInto(v, c);
  return Ok{};
}

std::vector<SignatureRequest> SignatureService::signableBy(const Actor& a, Id planId) {
  auto plan = plans_.open(a, planId);
  if (!plan) return {};
  return signableBy(a, plan.value(), repo_.requests(planId));
}

std::vector<SignatureRequest> SignatureService::signableBy(
    const Actor& a, const PlanView& v, const std::vector<SignatureRequest>& requests) const {
  std::vector<SignatureRequest> out;
  if (!v.state->signing) return out;
  const bool senco = may(a, Action::kManageSigners, v.plan.academyId);
  const bool signer = may(a, Action::kSign, v.plan.academyId);
  for (const auto& r : requests) {
    if (!isOpen(r) || r.version != v.plan.currentVersion) continue;
    if ((signer && r.personRef == "user:" + std::to_string(a.userId)) ||
        (senco && r.personRef.rfind("pupil:", 0) == 0))
      out.push_back(r);
  }
  return out;
}

Result<std::pair<SignatureRequest, PlanView>> SignatureService::openForSenco(
    const Actor& a, Id requestId, const std::string& senco, const std::string& signer) {
  auto r = repo_.request(requestId);
  if (!r) return notFound("There is no such signature request.");
  auto v = plans_.open(a, r->planId);
  if (!v) return v.error();
  if (auto st = require(a, Action::kManageSigners, v->plan.academyId,
                        "There is no such signature request.", "Only the SENCO can " + senco + ".");
      !st)
    return st.error();
  if (!isOpen(*r) || r->version != v->plan.currentVersion || !v->state->signing)
    return conflict("Only a signer who has not yet signed the current version can " + signer + ".");
  return std::pair{*r, std::move(v.value())};
}

Status SignatureService::renewLink(const Actor& a, Id requestId) {
  auto found = openForSenco(a, requestId, "send a signer a new link", "be sent a new link");
  if (!found) return found.error();
  const auto& [r, v] = found.value();
  auto renewed = r;
  renewed.expiresAt = isoTime(clock_.now() + std::chrono::days(settings_.linkDays));
  renewed.expiryWarned = false;
  std::vector<OutboxMessage> out;
  if (!r.lastSentAt.empty()) {  // never sent: their turn has not come, and the turn will send it
    auto again = inviteNew(renewed, v, out, "renewed");
    if (!again) return again.error();
    renewed = again.value();
  }
  return repo_.updateRequest(
      renewed, r.state,
      {{"signature.link_renewed", auditActor(a), "plan", r.planId, v.plan.academyId,
        detailJson({{"slot", r.slot}, {"expires", renewed.expiresAt}})}},
      out);
}

std::vector<PersonChoice> SignatureService::replacementCandidates(const PlanView& v,
                                                                  const SignatureRequest& r) {
  const SignerSlot* defined = v.workflow->signer(r.slot);
  if (!defined) return {};
  SignerSlot slot = *defined;
  if (parseRole(slot.kind)) slot.kind = "staff";
  auto out = plans_.signerCandidates(v, slot);
  std::erase_if(out, [&](const PersonChoice& c) { return c.ref == r.personRef; });
  return out;
}

Status SignatureService::replaceSigner(const Actor& a, Id requestId, const std::string& personRef,
                                       const std::string& reason) {
  auto found = openForSenco(a, requestId, "replace a signer", "be replaced");
  if (!found) return found.error();
  const auto& [old, v] = found.value();
  std::string why = trimmed(reason);
  if (auto problem =
          textProblem(why, TextShape::kLine, TextArg::text("answer", Text(N_("The reason")))))
    return invalid(Text(N_("Check the reason")), {fieldError("reason", std::move(*problem))});
  if (why.empty())
    return invalid("Give a reason for the replacement",
                   {{"reason", "Give a reason (for example, absence cover)"}});
  if (personRef == old.personRef)
    return invalid("Choose someone else to sign", {{"person", "Choose another person"}});
  std::string name;
  for (const auto& c : replacementCandidates(v, old))
    if (c.ref == personRef) name = c.name;
  if (name.empty())
    return invalid("Choose someone who can sign as " + old.slotLabel,
                   {{"person", "That person cannot sign as " + old.slotLabel}});
  SignatureRequest fresh = old;
  fresh.id = 0;
  fresh.personRef = personRef;
  fresh.name = name;
  fresh.email = personEmail(personRef);
  fresh.state = requeststate::kInvited;
  fresh.tokenHash.clear();
  fresh.linkSalt.clear();
  fresh.lastSentAt.clear();
  fresh.sends = 0;
  fresh.openedAt.clear();
  fresh.codeHash.clear();
  fresh.codeAttempts = 0;
  fresh.codeVerified = false;
  fresh.expiryWarned = false;
  const auto now = clock_.now();
  fresh.createdAt = isoTime(now);
  fresh.expiresAt = isoTime(now + std::chrono::days(settings_.linkDays));
  std::vector<OutboxMessage> out;
  auto all = repo_.requests(old.planId);
  for (auto& o : all)
    if (o.id == old.id) o.state = requeststate::kReplaced;
  all.push_back(fresh);
  if (checkTurn(fresh, all, nullptr)) {
    auto invited = inviteNew(fresh, v, out, "invite");
    if (invited) fresh = invited.value();
  }
  return repo_.replaceRequest(
      old.id, why, fresh,
      {{"signature.replaced", auditActor(a), "plan", old.planId, v.plan.academyId,
        detailJson(
            {{"slot", old.slot}, {"from", old.personRef}, {"to", personRef}, {"reason", why}})}},
      out);
}

int SignatureService::tick() {
  int queued = 0;
  const auto now = clock_.now();
  Actor reader = readerFor(people_);
  for (Id planId : repo_.plansWithOpenRequests()) {
    auto v = plans_.open(reader, planId);
    if (!v || !v->state->signing) continue;
    for (auto r : repo_.requests(planId)) {
      if (!isOpen(r) || r.version != v->plan.currentVersion || r.lastSentAt.empty()) continue;
      auto exp = parseTime(r.expiresAt);
      auto last = parseTime(r.lastSentAt);
      if (!exp || !last || now > *exp) continue;
      const std::string state = r.state;
      std::vector<OutboxMessage> out;
      std::vector<AuditEvent> audit;
      bool changed = false;
      const int wait = r.sends <= 1 ? settings_.resendAfterDays : settings_.resendEveryDays;
      if (now - *last >= std::chrono::days(wait) && *exp - now > std::chrono::days(1)) {
        auto again = inviteNew(r, v.value(), out, "reminder");
        if (again) {
          r = again.value();
          changed = true;
          audit.push_back({"signature.reminded", "system:scheduler", "plan", planId,
                           v->plan.academyId, detailJson({{"slot", r.slot}, {"sends", r.sends}})});
        }
      }
      if (!r.expiryWarned && *exp - now <= std::chrono::days(settings_.warnBeforeExpiryDays)) {
        r.expiryWarned = true;
        changed = true;
        if (auto owner = people_.userById(v->plan.ownerUserId)) {
          Poco::JSON::Object data;
          data.set("slot", r.slotLabel);
          data.set("signer", r.name);
          data.set("expires", ukDateTimeOf(r.expiresAt));
          out.push_back(mail(mailkind::kLinkExpiring, "expiring:" + std::to_string(r.id), v.value(),
                             owner->email, owner->name, data));
        }
        audit.push_back({"signature.expiry_warned", "system:scheduler", "plan", planId,
                         v->plan.academyId, detailJson({{"slot", r.slot}})});
      }
      if (changed && repo_.updateRequest(r, state, audit, out))
        queued += static_cast<int>(out.size());
    }
  }
  return queued;
}

}  // namespace sendflow::engine
