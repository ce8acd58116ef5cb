#include "sendflow/engine/signing/signatures.h"

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <cstdio>

#include "sendflow/engine/core/input.h"
#include "sendflow/engine/core/text.h"
#include "sendflow/engine/people/access.h"
#include "sendflow/engine/people/people.h"

namespace sendflow::engine {
namespace {

bool isLive(const SignatureRequest& r) {
  return r.state == requeststate::kInvited || r.state == requeststate::kOpened ||
         r.state == requeststate::kSigned;
}

bool isOpen(const SignatureRequest& r) {
  return r.state == requeststate::kInvited || r.state == requeststate::kOpened;
}

std::optional<TimePoint> parseTime(const std::string& iso) { return parseIsoTime(iso); }

Actor readerFor(PeopleRepository& people) {
  Actor a;
  a.name = "signer";
  a.memberships.push_back({0, Role::kTrustAdmin});
  for (const auto& ac : people.academies()) a.allAcademyIds.push_back(ac.id);
  return a;
}

std::string methodLabel(const std::string& m) { return m == "drawn" ? "Drawn" : "Typed"; }

}  // namespace

std::string sealReason(Id planId, int version, const std::string& contentHash) {
  return "sendflow plan " + std::to_string(planId) + " version " + std::to_string(version) +
         " sha256:" + contentHash;
}

bool looksLikePng(std::string_view png) {
  static constexpr char kSig[] = "\x89PNG\r\n\x1a\n";
  return png.size() > 33 && png.substr(0, 8) == std::string_view(kSig, 8) &&
         png.substr(12, 4) == "IHDR" && png.substr(png.size() - 8, 4) == "IEND";
}

SignatureService::SignatureService(PlanService& plans, SignatureRepository& repo,
                                   PeopleRepository& people, DocumentStore& documents, Clock& clock,
                                   RandomSource& random, SignatureSettings settings, SealKey key,
                                   PdfRendering render, DocumentOptions options)
    : plans_(plans),
      repo_(repo),
      people_(people),
      documents_(documents),
      clock_(clock),
      random_(random),
      settings_(std::move(settings)),
      key_(std::move(key)),
      render_(std::move(render)),
      options_(std::move(options)) {
  if (settings_.linkKey.empty()) settings_.linkKey = random_.bytes(32);
  plans_.setTransitionActions(this);
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
                                   std::string* waitingFor) {
  if (r.order <= 0) return Ok{};
  std::vector<std::string> waiting;
  for (const auto& o : all) {
    if (o.version != r.version || !isLive(o) || o.order <= 0 || o.order >= r.order) continue;
    if (o.state != requeststate::kSigned && o.required) waiting.push_back(o.slotLabel);
  }
  if (waiting.empty()) return Ok{};
  std::string w;
  for (const auto& s : waiting) w += (w.empty() ? "" : ", ") + s;
  if (waitingFor) *waitingFor = w;
  return conflict("It is not your turn to sign yet: this plan is signed in order, and " + w +
                  " must sign first. We will email you when it is your turn.");
}

// Gives `r` a fresh link (contacts) and queues its invitation.
Result<SignatureRequest> SignatureService::inviteNew(SignatureRequest r, const PlanView& v,
                                                     std::vector<OutboxMessage>& out,
                                                     const std::string& why) {
  const std::string now = isoTime(clock_.now());
  Poco::JSON::Object data;
  data.set("slot", r.slotLabel);
  data.set("reminder", why == "reminder");
  data.set("expires", r.expiresAt.substr(0, 10));
  if (r.personRef.rfind("contact:", 0) == 0) {
    assignLink(r);
    data.set("link_salt", r.linkSalt);  // the mailer derives the link: the outbox never holds it
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

Status SignatureService::sealInto(const PlanView& v, TransitionChange& c) {
  std::vector<SignatureRecord> sigs;
  for (auto& s : repo_.signatures(v.plan.id, false))
    if (s.version == v.plan.currentVersion) sigs.push_back(std::move(s));
  if (c.signature) sigs.push_back(*c.signature);
  auto requests = repo_.requests(v.plan.id);
  for (const auto& r : requests) {
    if (r.version != v.plan.currentVersion || !isLive(r) || !r.required) continue;
    bool have =
        std::any_of(sigs.begin(), sigs.end(), [&](const auto& s) { return s.requestId == r.id; });
    if (!have) return conflict("Not every required signer has signed this version yet.");
  }
  const auto now = clock_.now();
  PdfDocument doc = planDocument(v, options_(v));
  const StateDef* to = v.workflow->state(c.record.toState);
  doc.header.planState = to && !to->label.empty() ? to->label : c.record.toState;
  doc.signatures.clear();
  PdfAuditCertificate cert;
  cert.intro =
      "This certificate records who signed this document electronically, when and from "
      "where. Each signature binds to the content hash below; the file is sealed by " +
      key_.subject() + ".";
  std::string academy;
  if (auto a = people_.academy(v.plan.academyId)) academy = a->name;
  cert.rows = {{"Document", "sendflow plan " + std::to_string(v.plan.id) + ", version " +
                                std::to_string(v.plan.currentVersion)},
               {"Document type", v.workflow->title},
               {"Academy", academy},
               {"Version content hash (SHA-256)", v.version.contentHash},
               {"Sealed (UTC)", isoTime(now)},
               {"Seal certificate SHA-256", key_.certificateSha256()}};
  PdfTable table;
  table.columns = {{"Signer", 1.4f}, {"Role", 1.2f},         {"Email", 1.6f},
                   {"Method", 0.7f}, {"Signed (UTC)", 1.3f}, {"IP address", 1.0f}};
  for (const auto& s : sigs) {
    PdfSignature ps;
    ps.role = s.slotLabel;
    ps.name = s.typedName.empty() ? s.name : s.typedName;
    ps.signedAt = parseTime(s.signedAt);
    ps.method = methodLabel(s.method);
    ps.drawnPng = s.drawnPng;
    doc.signatures.push_back(ps);
    table.rows.push_back({s.name, s.slotLabel, s.email.empty() ? std::string("—") : s.email,
                          methodLabel(s.method), s.signedAt, s.ip});
  }
  cert.table = table;
  cert.tableTitle = "Signatures";
  doc.auditCertificate = cert;
  RenderedPdf rendered = render_(doc);
  SealInfo info{academy.empty() ? "sendflow" : academy,
                sealReason(v.plan.id, v.plan.currentVersion, v.version.contentHash), "sendflow",
                now};
  std::string sealed = sealPdf(rendered.bytes, key_, info);
  const std::string sha = sha256Hex(sealed);
  // Content-addressed and kept before the transaction: a crash leaves at worst an orphan.
  const std::string path = documents_.put(sha, sealed);
  c.sealed = SealedDocument{v.plan.id, v.plan.currentVersion,    v.version.contentHash, sha,
                            path,      key_.certificateSha256(), isoTime(now)};
  c.audit.push_back({"plan.sealed", c.record.actor, "plan", v.plan.id, v.plan.academyId,
                     detailJson({{"version", v.plan.currentVersion},
                                 {"content_hash", v.version.contentHash},
                                 {"pdf_sha256", sha},
                                 {"signatures", static_cast<int>(sigs.size())}})});
  // Tell every signer, with a download link (never the PDF: it holds special-category data).
  for (auto r : requests) {
    if (r.version != v.plan.currentVersion || !isLive(r) || r.email.empty()) continue;
    Poco::JSON::Object data;
    if (r.personRef.rfind("contact:", 0) == 0) {
      assignLink(r);  // the link they already have now downloads the PDF
      r.expiresAt = isoTime(now + std::chrono::days(settings_.linkDays));
      if (c.signature && c.signature->requestId == r.id) r.state = requeststate::kSigned;
      c.newRequests.push_back(r);         // its new download link
      data.set("link_salt", r.linkSalt);  // staff download from the plan's page
    }
    c.outbox.push_back(mail(mailkind::kSigned,
                            "signed:" + std::to_string(v.plan.id) + ":" +
                                std::to_string(v.plan.currentVersion) + ":" + r.personRef,
                            v, r.email, r.name, data));
  }
  return Ok{};
}

std::optional<SealedDocument> SignatureService::sealedFor(Id planId) {
  auto all = repo_.sealed(planId);
  if (all.empty()) return std::nullopt;
  return all.front();
}

Error SignatureService::expiredLink() {
  return gone(
      "This link has expired, so it no longer shows the plan. If you need a copy of the plan, "
      "or a new link to sign it, ask the school's SENCO: contact the school office by phone or "
      "email and they will send you one.");
}

Result<SignatureRequest> SignatureService::locate(const SignerAccess& who, bool forSigning) {
  std::optional<SignatureRequest> r;
  if (who.staff) {
    r = repo_.request(who.requestId);
    if (!r) return notFound("There is no such signature request.");
    auto rec = plans_.record(r->planId);
    if (!rec) return notFound("There is no such signature request.");
    bool own = r->personRef == "user:" + std::to_string(who.staff->userId) &&
               may(*who.staff, Action::kSign, rec->academyId);
    bool pupilInPerson = r->personRef.rfind("pupil:", 0) == 0 &&
                         may(*who.staff, Action::kManageSigners, rec->academyId);
    if (!own && !pupilInPerson) return notFound("There is no such signature request.");
  } else {
    if (who.token.size() < 40 || who.token.size() > 64)
      return notFound("This signing link is not valid.");
    r = repo_.requestByTokenHash(sha256Hex(who.token));
    if (!r)
      return notFound(
          "This signing link is not valid. Check that you opened the whole link from the latest "
          "email.");
    // An emailed link shows nothing once it has expired, whatever was done with it (signed,
    // declined or never opened): the plan, its PDF and the sealed copy all go with it.
    if (auto exp = parseTime(r->expiresAt); exp && clock_.now() > *exp) return expiredLink();
  }
  if (r->state == requeststate::kVoid)
    return gone(
        "This link is no longer valid: the plan was changed or withdrawn after it was sent, so "
        "earlier signatures no longer count. If the plan is sent again, you will get a new link.");
  if (r->state == requeststate::kReplaced)
    return gone(
        "This link is no longer valid: the school asked someone else to sign in your place.");
  if (forSigning && (r->state == requeststate::kSigned || r->state == requeststate::kDeclined))
    return gone("This link has already been used: you " +
                std::string(r->state == requeststate::kSigned ? "signed" : "declined") +
                " this plan. Nothing more is needed from you.");
  if (isOpen(*r) && displayState(*r) == "expired")
    return gone("This link has expired. Ask the school's SENCO to send you a new one.");
  return *r;
}

Result<SigningView> SignatureService::load(const SignerAccess& who) {
  auto r = locate(who, false);
  if (!r) return r.error();
  SigningView sv;
  sv.request = r.value();
  Actor reader = readerFor(people_);
  auto v = plans_.open(reader, sv.request.planId, sv.request.version);
  if (!v) return notFound("This signing link is not valid.");
  sv.plan = std::move(v.value());
  auto all = repo_.requests(sv.request.planId);
  for (const auto& o : all)
    if (o.version == sv.request.version && isLive(o) && o.id != sv.request.id)
      sv.others.push_back(o);
  sv.yourTurn = static_cast<bool>(checkTurn(sv.request, all, &sv.waitingFor));
  sv.needsCode = sv.request.codeRequired && !sv.request.codeVerified;
  sv.consentText = settings_.consentText;
  return sv;
}

Result<SigningView> SignatureService::open(const SignerAccess& who, const std::string& ip) {
  auto loaded = load(who);
  if (!loaded) return loaded.error();
  SigningView sv = std::move(loaded.value());
  const char* door = doorName(who.staff ? Door::kPage : Door::kSignerLink);
  if (sv.request.state == requeststate::kInvited) {
    auto updated = sv.request;
    updated.state = requeststate::kOpened;
    updated.openedAt = isoTime(clock_.now());
    auto st = repo_.updateRequest(updated, requeststate::kInvited,
                                  {{"signature.link_opened", actorRef(who, sv.request), "plan",
                                    sv.request.planId, sv.plan.plan.academyId,
                                    detailJson({{"door", door},
                                                {"slot", sv.request.slot},
                                                {"version", sv.request.version},
                                                {"ip", ip}})}},
                                  {});
    if (st) sv.request = updated;
  } else {
    repo_.appendAudit({"plan.view", actorRef(who, sv.request), "plan", sv.request.planId,
                       sv.plan.plan.academyId,
                       detailJson({{"door", door}, {"version", sv.request.version}})});
  }
  return sv;
}

Result<SigningView> SignatureService::document(const SignerAccess& who) {
  auto sv = load(who);
  if (!sv) return sv.error();
  repo_.appendAudit({"plan.pdf_download", actorRef(who, sv->request), "plan", sv->request.planId,
                     sv->plan.plan.academyId,
                     detailJson({{"door", doorName(who.staff ? Door::kPdf : Door::kSignerLink)},
                                 {"version", sv->request.version}})});
  return sv;
}

void SignatureService::assignLink(SignatureRequest& r) {
  if (r.linkSalt.empty()) r.linkSalt = base64Url(random_.bytes(16));
  r.tokenHash = sha256Hex(signerLinkToken(settings_.linkKey, r.linkSalt));
}

std::string SignatureService::linkTokenFor(const std::string& salt) const {
  return signerLinkToken(settings_.linkKey, salt);
}

std::string SignatureService::actorRef(const SignerAccess& who, const SignatureRequest& r) const {
  if (who.staff) return auditActor(*who.staff);
  return r.personRef;
}

Status SignatureService::sendCode(const SignerAccess& who) {
  auto r = locate(who, true);
  if (!r) return r.error();
  auto req = r.value();
  if (!req.codeRequired || req.codeVerified) return Ok{};
  if (req.codeAttempts >= settings_.codeAttempts)
    return Error{ErrorCode::kTooManyRequests,
                 "Too many wrong codes were entered, so this link is locked. Ask the school's "
                 "SENCO to send you a new link.",
                 {}};
  const auto now = clock_.now();
  // One code a minute: "Email me a code" cannot be used to flood the signer's mailbox.
  if (auto expires = parseTime(req.codeExpiresAt)) {
    const auto wait = std::chrono::duration_cast<std::chrono::seconds>(
        *expires - std::chrono::minutes(settings_.codeMinutes) + std::chrono::minutes(1) - now);
    if (wait.count() > 0)
      return Error{ErrorCode::kTooManyRequests,
                   "We emailed you a code less than a minute ago. Check your email (and its spam "
                   "folder); you can ask for another code in a minute.",
                   {},
                   static_cast<int>(wait.count())};
  }
  auto raw = random_.bytes(4);
  std::uint32_t n = 0;
  for (char ch : raw) n = (n << 8) | static_cast<unsigned char>(ch);
  char code[8];
  std::snprintf(code, sizeof code, "%06u", n % 1000000u);
  auto updated = req;
  updated.codeHash = sha256Hex(std::to_string(req.id) + ":" + code);
  updated.codeExpiresAt = isoTime(now + std::chrono::minutes(settings_.codeMinutes));
  auto v = plans_.open(readerFor(people_), req.planId, req.version);
  if (!v) return notFound("This signing link is not valid.");
  Poco::JSON::Object data;
  data.set("code", std::string(code));
  data.set("minutes", settings_.codeMinutes);
  auto m = mail(mailkind::kSignCode, "code:" + std::to_string(req.id) + ":" + isoTime(now),
                v.value(), req.email, req.name, data);
  return repo_.updateRequest(updated, req.state,
                             {{"signature.code_sent", actorRef(who, req), "plan", req.planId,
                               v->plan.academyId, detailJson({{"slot", req.slot}})}},
                             {m});
}

Status SignatureService::checkCode(const SignerAccess& who, const std::string& code) {
  auto r = locate(who, true);
  if (!r) return r.error();
  auto req = r.value();
  if (!req.codeRequired || req.codeVerified) return Ok{};
  const Error locked{
      ErrorCode::kTooManyRequests,
      "Too many wrong codes were entered, so this link is locked. Ask the school's SENCO to "
      "send you a new link.",
      {}};
  if (req.codeAttempts >= settings_.codeAttempts) return locked;
  auto exp = parseTime(req.codeExpiresAt);
  if (req.codeHash.empty() || !exp || clock_.now() > *exp)
    return gone("This code has expired (codes last " + std::to_string(settings_.codeMinutes) +
                " minutes). Ask for a new code.");
  // The attempt is counted (atomically, in storage) before the code is compared, so parallel
  // guesses cannot each be compared against a count read before any of them was recorded.
  auto attempt = repo_.countCodeAttempt(req.id, settings_.codeAttempts);
  if (!attempt) return locked;
  auto plan = plans_.open(readerFor(people_), req.planId, req.version);
  const Id academy = plan ? plan->plan.academyId : 0;
  if (!constantTimeEquals(sha256Hex(std::to_string(req.id) + ":" + code), req.codeHash)) {
    repo_.appendAudit({"signature.code_wrong", actorRef(who, req), "plan", req.planId, academy,
                       detailJson({{"slot", req.slot}, {"attempt", *attempt}})});
    int left = settings_.codeAttempts - *attempt;
    if (left <= 0)
      return Error{ErrorCode::kTooManyRequests,
                   "That code is not right, and this link is now locked. Ask the school's SENCO to "
                   "send you a new link.",
                   {}};
    return invalid("That code is not right. You have " + std::to_string(left) +
                       (left == 1 ? " try" : " tries") + " left.",
                   {{"code", "That code is not right"}});
  }
  auto updated = req;
  updated.codeVerified = true;
  return repo_.updateRequest(updated, req.state,
                             {{"signature.code_ok", actorRef(who, req), "plan", req.planId, academy,
                               detailJson({{"slot", req.slot}})}},
                             {});
}

Status SignatureService::sign(const SignerAccess& who, const SignInput& in) {
  auto r = locate(who, true);
  if (!r) return r.error();
  const auto req = r.value();
  Actor reader = readerFor(people_);
  auto current = plans_.open(reader, req.planId, 0);
  if (!current) return notFound("This signing link is not valid.");
  auto& v = current.value();
  if (!v.state->signing || v.plan.currentVersion != req.version ||
      v.version.contentHash != req.contentHash)
    return conflict(
        "This version is no longer the current one: the plan was changed or recalled after it "
        "was sent to you, so nothing was signed. If it is sent again you will be asked to sign the "
        "new version.");
  auto all = repo_.requests(req.planId);
  if (auto turn = checkTurn(req, all, nullptr); !turn) return turn.error();
  if (req.codeRequired && !req.codeVerified)
    return forbidden("Enter the code we emailed you before signing.");
  std::vector<FieldError> errors;
  if (!in.consent) errors.push_back({"consent", "Tick the box to agree to sign electronically"});
  std::string typed = trimmed(in.typedName);
  checkText(errors, "typed_name", "Your name", in.typedName, TextShape::kLine);
  if (in.method == "typed") {
    if (typed.empty()) errors.push_back({"typed_name", "Type your full name to sign"});
  } else if (in.method == "drawn") {
    if (in.drawnPng.empty())
      errors.push_back({"drawing", "Draw your signature, or type your name instead"});
    else if (in.drawnPng.size() > settings_.maxDrawnBytes)
      errors.push_back({"drawing", "The drawn signature is too large (the limit is " +
                                       std::to_string(settings_.maxDrawnBytes / 1024) + " KB)"});
    else if (!looksLikePng(in.drawnPng))
      errors.push_back({"drawing", "The drawn signature is not a PNG image"});
  } else {
    errors.push_back({"method", "Choose to type your name or draw your signature"});
  }
  if (typed.size() > 200) errors.push_back({"typed_name", "The name is too long"});
  if (!errors.empty())
    return invalid("Nothing was signed yet: " + errors.front().message + ".", errors);

  SignatureRecord s;
  s.requestId = req.id;
  s.planId = req.planId;
  s.version = req.version;
  s.contentHash = req.contentHash;
  s.slot = req.slot;
  s.slotLabel = req.slotLabel;
  s.personRef = req.personRef;
  s.name = req.name;
  s.email = req.email;
  s.signedAt = isoTime(clock_.now());
  s.ip = in.ip.substr(0, 64);
  s.userAgent = in.userAgent.substr(0, 400);
  s.method = in.method;
  s.typedName = typed.empty() ? req.name : typed;
  if (in.method == "drawn") s.drawnPng = in.drawnPng;
  s.consentText = settings_.consentText;
  const std::string actor = actorRef(who, req);
  AuditEvent event{"signature.signed",
                   actor,
                   "plan",
                   req.planId,
                   v.plan.academyId,
                   detailJson({{"slot", req.slot},
                               {"version", req.version},
                               {"content_hash", req.contentHash},
                               {"method", in.method},
                               {"ip", s.ip}})};

  bool last = true;
  for (const auto& o : all)
    if (o.version == req.version && isLive(o) && o.required && o.id != req.id &&
        o.state != requeststate::kSigned)
      last = false;
  if (last && req.required) {
    auto fired = plans_.fireAutomatic(req.planId, AutoTrigger::kAllRequiredSigned, actor,
                                      [&](const PlanView&, TransitionChange& c) -> Status {
                                        c.signature = s;
                                        c.audit.push_back(event);
                                        return Ok{};
                                      });
    if (!fired) return fired.error();
    return Ok{};
  }
  auto st = repo_.recordSignature(s, v.plan.state, {event}, {});
  if (!st) return st;
  // The next signers in order, now that this one has signed.
  auto after = repo_.requests(req.planId);
  std::vector<SignatureRequest> changed;
  auto out = invitationsForTurn(v, after, changed);
  for (const auto& c : changed) {
    std::vector<OutboxMessage> mine;
    for (const auto& m : out)
      if (m.toAddress == c.email && m.key.find(c.personRef) != std::string::npos) mine.push_back(m);
    repo_.updateRequest(c, c.state, {}, mine);
  }
  return Ok{};
}

Status SignatureService::decline(const SignerAccess& who, const std::string& reason,
                                 const std::string& ip) {
  auto r = locate(who, true);
  if (!r) return r.error();
  auto req = r.value();
  std::string why = trimmed(reason);
  if (auto problem = textProblem(why, TextShape::kLongText))
    return invalid("Check the reason", {{"reason", "The reason " + *problem}});
  if (why.empty())
    return invalid("Tell the school why you are declining",
                   {{"reason", "Give a reason for declining"}});
  if (why.size() > 2000) why.resize(2000);
  const std::string actor = actorRef(who, req);
  auto fired = plans_.fireFor(
      req.planId, "decline", {"", why}, actor,
      [&](const PlanView& v, TransitionChange& c) -> Status {
        if (v.plan.currentVersion != req.version)
          return conflict("This version is no longer the current one.");
        auto declined = req;
        declined.state = requeststate::kDeclined;
        declined.stateReason = why;
        c.newRequests.push_back(declined);
        c.audit.push_back(
            {"signature.declined", actor, "plan", req.planId, v.plan.academyId,
             detailJson(
                 {{"slot", req.slot}, {"version", req.version}, {"reason", why}, {"ip", ip}})});
        return Ok{};
      });
  if (!fired) return fired.error();
  return Ok{};
}

std::vector<SignatureRequest> SignatureService::signableBy(const Actor& a, Id planId) {
  std::vector<SignatureRequest> out;
  auto plan = plans_.open(a, planId);
  if (!plan || !plan->state->signing) return out;
  const bool senco = may(a, Action::kManageSigners, plan->plan.academyId);
  const bool signer = may(a, Action::kSign, plan->plan.academyId);
  for (const auto& r : repo_.requests(planId)) {
    if (!isOpen(r) || r.version != plan->plan.currentVersion) continue;
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
  if (auto problem = textProblem(why, TextShape::kLine))
    return invalid("Check the reason", {{"reason", "The reason " + *problem}});
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
          data.set("expires", r.expiresAt.substr(0, 10));
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

Result<SealedDocument> SignatureService::sealedForLink(const std::string& token) {
  if (token.size() < 40 || token.size() > 64) return notFound("This link is not valid.");
  auto r = repo_.requestByTokenHash(sha256Hex(token));
  if (!r) return notFound("This link is not valid.");
  if (auto exp = parseTime(r->expiresAt); exp && clock_.now() > *exp) return expiredLink();
  if (r->state != requeststate::kSigned) return notFound("This link is not valid.");
  for (const auto& s : repo_.sealed(r->planId))
    if (s.version == r->version) {
      repo_.appendAudit({"plan.pdf_download", r->personRef, "plan", r->planId, 0,
                         detailJson({{"door", doorName(Door::kSignerLink)},
                                     {"sealed", true},
                                     {"version", s.version},
                                     {"pdf_sha256", s.pdfSha256}})});
      return s;
    }
  return notFound("The signed document is not ready yet: every signer must sign first.");
}

SignatureService::Verification SignatureService::verify(const std::string& pdfBytes) {
  Verification out;
  auto check = checkSeal(pdfBytes);
  out.sealValid = check.sealed && check.signatureValid;
  out.coversWholeFile = check.coversWholeFile;
  if (!check.ok()) {
    out.message = "seal: " + check.problem;
    return out;
  }
  // "sendflow plan <id> version <n> sha256:<hash>"
  long long plan = 0;
  int version = 0;
  char hash[80] = {0};
  if (std::sscanf(check.reason.c_str(), "sendflow plan %lld version %d sha256:%64s", &plan,
                  &version, hash) != 3) {
    out.message = "the seal is valid, but it does not name a sendflow plan version";
    return out;
  }
  out.planId = plan;
  out.version = version;
  const std::string contentHashInSeal = hash;
  auto record = repo_.sealedByFileHash(sha256Hex(pdfBytes));
  if (!record || record->planId != plan || record->version != version) {
    out.message = "the seal is valid, but the database has no record of this file for plan " +
                  std::to_string(plan) + " version " + std::to_string(version);
    return out;
  }
  if (!record->certSha256.empty() && record->certSha256 != check.signerCertSha256) {
    out.message =
        "the seal is valid, but it was made with another certificate than the one recorded when "
        "plan " +
        std::to_string(plan) + " version " + std::to_string(version) + " was sealed";
    return out;
  }
  auto v = plans_.open(readerFor(people_), plan, version);
  if (!v) {
    out.message = "plan " + std::to_string(plan) + " version " + std::to_string(version) +
                  " is missing from the database";
    return out;
  }
  auto values = parseValues(v->version.valuesJson);
  const std::string recomputed = values ? contentHash(*values.value()) : std::string();
  if (recomputed != contentHashInSeal || v->version.contentHash != contentHashInSeal ||
      record->contentHash != contentHashInSeal) {
    out.message = "the seal is valid, but plan " + std::to_string(plan) + " version " +
                  std::to_string(version) +
                  " in the database no longer matches what was signed and sealed (content hash " +
                  recomputed.substr(0, 12) + "… ≠ " + contentHashInSeal.substr(0, 12) + "…)";
    return out;
  }
  for (const auto& s : repo_.signatures(plan, true)) {
    if (s.version == version && s.voidedAt.empty() && s.contentHash != contentHashInSeal) {
      out.message = "a signature recorded for plan " + std::to_string(plan) + " version " +
                    std::to_string(version) + " binds to another content hash";
      return out;
    }
  }
  out.matchesRecord = true;
  out.message = "seal valid and covering the whole file; matches plan " + std::to_string(plan) +
                " version " + std::to_string(version) + " (content hash " + contentHashInSeal + ")";
  return out;
}

}  // namespace sendflow::engine
