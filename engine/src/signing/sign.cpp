// SignatureService, the ceremony: a signer's link or staff session located, the page opened and
// audited, the emailed code, and signing or declining.
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cstdio>

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

bool looksLikePng(std::string_view png) {
  static constexpr char kSig[] = "\x89PNG\r\n\x1a\n";
  return png.size() > 33 && png.substr(0, 8) == std::string_view(kSig, 8) &&
         png.substr(12, 4) == "IHDR" && png.substr(png.size() - 8, 4) == "IEND";
}

namespace {

Text lockedText() {
  return Text(
      N_("Too many wrong codes were entered, so this link is locked. Ask the school's "
         "SENCO to send you a new link."));
}

}  // namespace

Error SignatureService::expiredLink() {
  return gone(
      Text(N_("This link has expired, so it no longer shows the plan. If you need a copy of the "
              "plan, or a new link to sign it, ask the school's SENCO: contact the school office "
              "by phone or email and they will send you one.")));
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
      return notFound(Text(N_("This signing link is not valid.")));
    r = repo_.requestByTokenHash(sha256Hex(who.token));
    if (!r)
      return notFound(
          Text(N_("This signing link is not valid. Check that you opened the whole "
                  "link from the latest email.")));
    // An emailed link shows nothing once it has expired, whatever was done with it (signed,
    // declined or never opened): the plan, its PDF and the sealed copy all go with it.
    if (auto exp = parseTime(r->expiresAt); exp && clock_.now() > *exp) return expiredLink();
  }
  if (r->state == requeststate::kVoid)
    return gone(Text(
        N_("This link is no longer valid: the plan was changed or withdrawn after it was sent, "
           "so earlier signatures no longer count. If the plan is sent again, you will get a new "
           "link.")));
  if (r->state == requeststate::kReplaced)
    return gone(Text(
        N_("This link is no longer valid: the school asked someone else to sign in your place.")));
  if (forSigning && r->state == requeststate::kSigned)
    return gone(
        Text(N_("This link has already been used: you signed this plan. Nothing more is needed "
                "from you.")));
  if (forSigning && r->state == requeststate::kDeclined)
    return gone(
        Text(N_("This link has already been used: you declined this plan. Nothing more is "
                "needed from you.")));
  if (isOpen(*r) && displayState(*r) == "expired")
    return gone(Text(N_("This link has expired. Ask the school's SENCO to send you a new one.")));
  return *r;
}

Result<SigningView> SignatureService::load(const SignerAccess& who) {
  auto r = locate(who, false);
  if (!r) return r.error();
  SigningView sv;
  sv.request = r.value();
  Actor reader = readerFor(people_);
  auto v = plans_.open(reader, sv.request.planId, sv.request.version);
  if (!v) return notFound(Text(N_("This signing link is not valid.")));
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

std::string SignatureService::linkLanguage(const std::string& token) {
  if (token.size() < 40 || token.size() > 64) return "";
  auto r = repo_.requestByTokenHash(sha256Hex(token));
  if (!r) return "";
  Poco::JSON::Object lang;
  addContactLanguage(r->personRef, lang);
  return lang.has("lang") ? lang.getValue<std::string>("lang") : std::string();
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
    return errorOf(ErrorCode::kTooManyRequests, lockedText());
  const auto now = clock_.now();
  // One code a minute: "Email me a code" cannot be used to flood the signer's mailbox.
  if (auto expires = parseTime(req.codeExpiresAt)) {
    const auto wait = std::chrono::duration_cast<std::chrono::seconds>(
        *expires - std::chrono::minutes(settings_.codeMinutes) + std::chrono::minutes(1) - now);
    if (wait.count() > 0)
      return errorOf(ErrorCode::kTooManyRequests,
                     Text(N_("We emailed you a code less than a minute ago. Check your email (and "
                             "its spam folder); you can ask for another code in a minute.")),
                     {}, static_cast<int>(wait.count()));
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
  if (!v) return notFound(Text(N_("This signing link is not valid.")));
  Poco::JSON::Object data;
  data.set("code", std::string(code));
  data.set("minutes", settings_.codeMinutes);
  addContactLanguage(req.personRef, data);
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
  const Error locked = errorOf(ErrorCode::kTooManyRequests, lockedText());
  if (req.codeAttempts >= settings_.codeAttempts) return locked;
  auto exp = parseTime(req.codeExpiresAt);
  if (req.codeHash.empty() || !exp || clock_.now() > *exp)
    return gone(Text(N_("This code has expired (codes last {{duration}}). Ask for a new code."),
                     {TextArg::minutes("duration", settings_.codeMinutes)}));
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
      return errorOf(ErrorCode::kTooManyRequests,
                     Text(N_("That code is not right, and this link is now locked. Ask the "
                             "school's SENCO to send you a new link.")));
    // A count with no noun to agree with: no message needs plural forms (docs/translations.md).
    // The page shows it beside the code's box, so the signer sees how many tries are left.
    const Text wrongCode(N_("That code is not right. Tries left: {{count}}."),
                         {TextArg::number("count", left)});
    return invalid(wrongCode, {fieldError("code", wrongCode)});
  }
  auto updated = req;
  updated.codeVerified = true;
  return repo_.updateRequest(updated, req.state,
                             {{"signature.code_ok", actorRef(who, req), "plan", req.planId, academy,
                               detailJson({{"slot", req.slot}})}},
                             {});
}

namespace {

// What is wrong with a signer's form (consent, method, name, drawing), in the order shown.
std::vector<FieldError> signInputErrors(const SignInput& in, const std::string& typed,
                                        std::size_t maxDrawnBytes) {
  std::vector<FieldError> errors;
  if (!in.consent)
    errors.push_back(
        fieldError("consent", Text(N_("Tick the box to agree to sign electronically"))));
  checkText(errors, "typed_name", TextArg::text("answer", Text(N_("Your name"))), in.typedName,
            TextShape::kLine);
  if (in.method == "typed") {
    if (typed.empty())
      errors.push_back(fieldError("typed_name", Text(N_("Type your full name to sign"))));
  } else if (in.method == "drawn") {
    if (in.drawnPng.empty())
      errors.push_back(
          fieldError("drawing", Text(N_("Draw your signature, or type your name instead"))));
    else if (in.drawnPng.size() > maxDrawnBytes)
      errors.push_back(fieldError(
          "drawing",
          Text(N_("The drawn signature is too large (the limit is {{kilobytes}} KB)"),
               {TextArg::number("kilobytes", static_cast<long>(maxDrawnBytes / 1024))})));
    else if (!looksLikePng(in.drawnPng))
      errors.push_back(fieldError("drawing", Text(N_("The drawn signature is not a PNG image"))));
  } else {
    errors.push_back(
        fieldError("method", Text(N_("Choose to type your name or draw your signature"))));
  }
  if (typed.size() > 200)
    errors.push_back(fieldError("typed_name", Text(N_("The name is too long"))));
  return errors;
}

SignatureRecord signatureRecord(const SignatureRequest& req, const SignInput& in,
                                const std::string& typed, const std::string& signedAt,
                                const std::string& consentText) {
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
  s.signedAt = signedAt;
  s.ip = in.ip.substr(0, 64);
  s.userAgent = in.userAgent.substr(0, 400);
  s.method = in.method;
  s.typedName = typed.empty() ? req.name : typed;
  if (in.method == "drawn") s.drawnPng = in.drawnPng;
  s.consentText = consentText;
  return s;
}

// True when every other required request of req's version has been signed.
bool isLastRequired(const SignatureRequest& req, const std::vector<SignatureRequest>& all) {
  return std::none_of(all.begin(), all.end(), [&](const SignatureRequest& o) {
    return o.version == req.version && isLive(o) && o.required && o.id != req.id &&
           o.state != requeststate::kSigned;
  });
}

}  // namespace

Status SignatureService::sign(const SignerAccess& who, const SignInput& in) {
  auto r = locate(who, true);
  if (!r) return r.error();
  const auto req = r.value();
  Actor reader = readerFor(people_);
  auto current = plans_.open(reader, req.planId, 0);
  if (!current) return notFound(Text(N_("This signing link is not valid.")));
  auto& v = current.value();
  if (!v.state->signing || v.plan.currentVersion != req.version ||
      v.version.contentHash != req.contentHash)
    return conflict(Text(
        N_("This version is no longer the current one: the plan was changed or recalled after it "
           "was sent to you, so nothing was signed. If it is sent again you will be asked to sign "
           "the new version.")));
  auto all = repo_.requests(req.planId);
  if (auto turn = checkTurn(req, all, nullptr); !turn) return turn.error();
  if (req.codeRequired && !req.codeVerified)
    return forbidden(Text(N_("Enter the code we emailed you before signing.")));
  const std::string typed = trimmed(in.typedName);
  if (auto errors = signInputErrors(in, typed, settings_.maxDrawnBytes); !errors.empty())
    return invalid(
        Text(N_("Nothing was signed yet: {{problem}}."),
             {errors.front().text.empty() ? TextArg::verbatim("problem", errors.front().message)
                                          : TextArg::text("problem", errors.front().text)}),
        errors);

  const SignatureRecord s =
      signatureRecord(req, in, typed, isoTime(clock_.now()), settings_.consentText);
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
  if (req.required && isLastRequired(req, all)) {
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
  if (auto problem =
          textProblem(why, TextShape::kLongText, TextArg::text("answer", Text(N_("The reason")))))
    return invalid(Text(N_("Check the reason")), {fieldError("reason", std::move(*problem))});
  if (why.empty())
    return invalid(Text(N_("Tell the school why you are declining")),
                   {fieldError("reason", Text(N_("Give a reason for declining")))});
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

}  // namespace sendflow::engine
