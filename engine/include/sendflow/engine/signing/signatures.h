// E-signatures: requests on the exact version sent, the signing ceremony (staff from their
// account, contacts through an emailed single-use link, an optional emailed code), voiding on
// recall or decline, re-sending and expiry warnings, and sealing the final PDF when the last
// required signature lands.
#pragma once

#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/core/audit_anchor.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/document_store.h"
#include "sendflow/engine/core/door.h"
#include "sendflow/engine/documents/pdf/pdf.h"
#include "sendflow/engine/documents/plan_document.h"
#include "sendflow/engine/plans/plans.h"
#include "sendflow/engine/signing/seal.h"
#include "sendflow/engine/signing/signature_records.h"

namespace sendflow::engine {

namespace mailkind {
inline constexpr const char* kSignInvite = "sign_invite";      // contact: link; staff: plan page
inline constexpr const char* kSignCode = "sign_code";          // the one-time code
inline constexpr const char* kSigned = "signed";               // sealed: download link
inline constexpr const char* kSignDeclined = "sign_declined";  // to the SENCO
inline constexpr const char* kLinkExpiring = "sign_expiring";  // to the SENCO
}  // namespace mailkind

// Every change is one transaction with its audit events and outbox messages.
class SignatureRepository {
 public:
  virtual ~SignatureRepository() = default;
  virtual std::vector<SignatureRequest> requests(Id planId) = 0;  // every state, newest last
  virtual std::optional<SignatureRequest> request(Id id) = 0;
  virtual std::optional<SignatureRequest> requestByTokenHash(const std::string& hash) = 0;
  virtual std::vector<SignatureRecord> signatures(Id planId, bool includeVoid) = 0;
  virtual std::vector<SealedDocument> sealed(Id planId) = 0;  // newest first
  virtual std::optional<SealedDocument> sealedByFileHash(const std::string& sha256) = 0;
  virtual std::vector<Id> plansWithOpenRequests() = 0;

  // kConflict when the request is no longer in `expectedState`.
  virtual Status updateRequest(const SignatureRequest& r, const std::string& expectedState,
                               const std::vector<AuditEvent>& audit,
                               const std::vector<OutboxMessage>& outbox) = 0;
  // Inserts the signature and marks its request signed. kConflict when the request is no longer
  // open, or the plan is no longer in `planState` at the signature's version.
  virtual Status recordSignature(const SignatureRecord& s, const std::string& planState,
                                 const std::vector<AuditEvent>& audit,
                                 const std::vector<OutboxMessage>& outbox) = 0;
  // Marks `old` replaced and adds `fresh`, in one transaction.
  virtual Status replaceRequest(Id oldId, const std::string& reason, const SignatureRequest& fresh,
                                const std::vector<AuditEvent>& audit,
                                const std::vector<OutboxMessage>& outbox) = 0;
  virtual void appendAudit(const AuditEvent& e) = 0;  // views and downloads
  // Counts one emailed-code attempt on the request, atomically, before the code is compared:
  // the attempt's number (1-based), or nullopt when `limit` attempts were already counted
  // (nothing written). Concurrent attempts each get a distinct number, so at most `limit` are
  // ever compared. updateRequest never writes the count.
  virtual std::optional<int> countCodeAttempt(Id requestId, int limit) = 0;
};

struct SignatureSettings {
  int linkDays = 14;
  bool requireCode = false;  // academy-wide (config signing.require_code)
  int codeMinutes = 10;
  int codeAttempts = 5;
  int resendAfterDays = 3;  // first reminder; then weekly
  int resendEveryDays = 7;
  int warnBeforeExpiryDays = 2;  // tell the SENCO
  std::size_t maxDrawnBytes = 200 * 1024;
  std::string linkKey;  // 32 secret bytes; signer links derive from it (empty: random per process)
  // A trust's own text (signing.consent_text) is translated by its own catalogue entries.
  std::string consentText =
      N_("I agree to sign this document electronically. I have read the version shown above, and "
         "my typed name or drawn signature has the same effect as my handwritten signature on "
         "it.");
};

// How the caller reached the ceremony: through a link token, or a staff session.
struct SignerAccess {
  std::string token;  // raw link token (contacts)
  const Actor* staff = nullptr;
  Id requestId = 0;  // with staff
};

struct SignInput {
  bool consent = false;
  std::string method;     // "typed" or "drawn"
  std::string typedName;  // both methods: the name (drawn: optional caption)
  std::string drawnPng;   // raw PNG bytes
  std::string ip, userAgent;
};

// What the signing page shows.
struct SigningView {
  SignatureRequest request;
  PlanView plan;                         // the version signed (values of exactly that version)
  std::vector<SignatureRequest> others;  // live requests of the same version
  bool yourTurn = true;
  // The earlier slots' requests still to be signed when it is not yet the signer's turn: their
  // labels are shown in the reader's language (the workflow's words, else the catalogue's).
  std::vector<SignatureRequest> waitingFor;
  bool needsCode = false;  // a code must be entered before signing
  std::string consentText;
};

// What a contact's "ask for a review" page shows (their emailed link to a signed plan).
struct ReviewLink {
  SignatureRequest request;
  PlanRecord plan;
  std::string title;       // the kind of plan ("Individual Healthcare Plan")
  std::string pupilName;   // as contacts see it (the preferred name)
  std::string transition;  // what asking fires; empty when the plan cannot be reviewed now
  std::vector<std::string> reasons;        // the reason codes the contact may choose from
  Text closed;                             // why they cannot ask now (transition empty)
  std::vector<ReviewRequestRecord> yours;  // this contact's earlier requests, oldest first
};

class SignatureService final : public TransitionActions {
 public:
  using PdfRendering = std::function<RenderedPdf(const PdfDocument&)>;
  using DocumentOptions = std::function<PlanDocumentOptions(const PlanView&)>;
  // Reads (or makes) the seal key; throws InfraError when it cannot.
  using SealKeyLoader = std::function<SealKey()>;

  SignatureService(PlanService& plans, SignatureRepository& repo, PeopleRepository& people,
                   DocumentStore& documents, Clock& clock, RandomSource& random,
                   SignatureSettings settings, SealKey key, PdfRendering render,
                   DocumentOptions options);
  // The seal key read by `loadKey` when a document is first sealed (or key() first asked): a
  // command that only reads signatures (a plan's PDF) never parses it. A server calls key() at
  // start so that a bad key stops start-up.
  SignatureService(PlanService& plans, SignatureRepository& repo, PeopleRepository& people,
                   DocumentStore& documents, Clock& clock, RandomSource& random,
                   SignatureSettings settings, SealKeyLoader loadKey, PdfRendering render,
                   DocumentOptions options);

  // TransitionActions: notify_signers (requests + invitations), void_signatures, seal_pdf.
  Status prepare(ActionKind action, const PlanView& v, const TransitionDef& t,
                 TransitionChange& c) override;

  // The ceremony. Link errors: kGone (410) for used/expired/void links, kNotFound for unknown.
  // Opening the page is audited once (signature.link_opened the first time, else plan.view),
  // with the door: a staff page or the signer's link.
  Result<SigningView> open(const SignerAccess& who, const std::string& ip);
  // The language of the contact a signing link was sent to, whatever the link's state (so
  // that "this link has expired" is in their language too); "" for no such link. Reads no
  // record of the child: not audited.
  std::string linkLanguage(const std::string& token);
  // The version to sign, for its PDF: audited once as plan.pdf_download (door pdf for staff).
  Result<SigningView> document(const SignerAccess& who);
  // One request (planId tells which plan it belongs to); no permission check, not audited.
  std::optional<SignatureRequest> request(Id requestId) { return repo_.request(requestId); }
  Status sendCode(const SignerAccess& who);
  Status checkCode(const SignerAccess& who, const std::string& code);
  Status sign(const SignerAccess& who, const SignInput& in);
  Status decline(const SignerAccess& who, const std::string& reason, const std::string& ip);

  // Staff view of a plan's requests (current round and history).
  std::vector<SignatureRequest> requests(Id planId) { return repo_.requests(planId); }
  std::vector<SignatureRecord> signatures(Id planId, bool includeVoid) {
    return repo_.signatures(planId, includeVoid);
  }
  std::optional<SealedDocument> sealedFor(Id planId);
  // The signatures of the version `v` shows and its sealed copy, for that version's PDF (not
  // audited: the read of the plan is).
  void describeSigning(const PlanView& v, PlanDocumentOptions& o);
  // The sealed PDF's bytes. Throws InfraError when the document store cannot read them.
  std::string sealedPdf(const SealedDocument& d) const { return documents_.get(d.path); }
  // "invited", "opened", "signed", "declined", "expired" (an invited/opened link past expiry).
  std::string displayState(const SignatureRequest& r) const;
  // Requests `a` can sign from their account on this plan (their own, or a pupil in person).
  std::vector<SignatureRequest> signableBy(const Actor& a, Id planId);
  // The same for a plan `a` has already opened (`v`), from its requests (requests(planId)):
  // the plan page asks this without reading the plan and its requests a second time.
  std::vector<SignatureRequest> signableBy(const Actor& a, const PlanView& v,
                                           const std::vector<SignatureRequest>& requests) const;

  // The SENCO names someone else for an open request.
  // Who may take over request `r`: the slot's candidates, except that any member of staff may
  // cover a staff slot (absence cover); never the person being replaced.
  std::vector<PersonChoice> replacementCandidates(const PlanView& v, const SignatureRequest& r);
  // The SENCO gives a signer who has not signed yet (e.g. whose link expired) another
  // linkDays: the same link works again and the invitation is sent again.
  Status renewLink(const Actor& a, Id requestId);
  Status replaceSigner(const Actor& a, Id requestId, const std::string& personRef,
                       const std::string& reason);

  // Scheduler tick: re-send unsigned invitations (after resendAfterDays, then weekly), tell the
  // SENCO before a link expires. Returns how many messages were queued.
  int tick();

  // The sealed file of a request's plan, for a signer's download link (the link may be used
  // after signing, until it expires). kNotFound otherwise.
  Result<SealedDocument> sealedForLink(const std::string& token);
  // A contact's own link to a plan they signed (the one the "signed" email sends, which also
  // downloads the sealed copy) lets them ask for a review while the plan is in force: as long as
  // the link lasts, and as often as they need (each request is kept and emailed). Opening the
  // page is audited (plan.view, door signer_link). Errors: kNotFound for a link that is not a
  // contact's signed one, kGone (410) once it has expired, saying how to ask the school instead.
  Result<ReviewLink> reviewLink(const std::string& token);
  // kInvalid naming reason_code / reason_text; kConflict when the plan is no longer in force.
  // Audited as plan.review_requested (door signer_link, with the IP address) besides the
  // transition itself; the SENCO and the plan's owner are emailed at once.
  Status askForReview(const std::string& token, const std::string& reasonCode,
                      const std::string& reasonText, const std::string& ip);
  // The link token of a request's link salt, as the outbox holds it: the mailer derives each
  // signer's link when it renders the email (web/ builds the address), so no stored row ever
  // holds a usable link.
  std::string linkTokenFor(const std::string& linkSalt) const;

  struct Verification {
    bool sealValid = false, coversWholeFile = false, matchesRecord = false;
    Id planId = 0;
    int version = 0;
    std::string message;
    bool ok() const { return sealValid && coversWholeFile && matchesRecord; }
  };
  // Seal check + the database's record of that plan version (content hash recomputed).
  Verification verify(const std::string& pdfBytes);

  // Loaded on first use (thread-safe); throws what the loader throws, and asks it again next time.
  const SealKey& key() const;
  const SignatureSettings& settings() const { return settings_; }
  // Where the newest weekly audit anchor comes from, printed on every sealed PDF's certificate
  // (none: no anchor row). Set once before serving.
  void setAuditAnchors(AuditAnchorSource* anchors) { anchors_ = anchors; }

 private:
  struct Located {
    SignatureRequest request;
  };
  Result<SignatureRequest> locate(const SignerAccess& who, bool forSigning);
  Result<SigningView> load(const SignerAccess& who);  // not audited
  static Error expiredLink();                         // 410: how to ask the school for a copy
  Result<ReviewLink> locateReviewLink(const std::string& token);  // not audited
  Status checkTurn(const SignatureRequest& r, const std::vector<SignatureRequest>& all,
                   std::vector<SignatureRequest>* waitingFor);
  Result<SignatureRequest> inviteNew(SignatureRequest r, const PlanView& v,
                                     std::vector<OutboxMessage>& out, const std::string& why);
  std::vector<OutboxMessage> invitationsForTurn(const PlanView& v,
                                                std::vector<SignatureRequest>& all,
                                                std::vector<SignatureRequest>& changed);
  OutboxMessage mail(const char* kind, const std::string& key, const PlanView& v,
                     const std::string& toAddress, const std::string& toName,
                     Poco::JSON::Object data);
  Status sealInto(const PlanView& v, TransitionChange& c);
  std::string personEmail(const std::string& ref);
  // Sets "lang" (the contact's language) in a message's data for a contact's request; staff
  // mail stays English.
  void addContactLanguage(const std::string& ref, Poco::JSON::Object& data);
  std::string actorRef(const SignerAccess& who, const SignatureRequest& r) const;
  // Gives a contact's request its link: a salt (kept when it has one, so every email about the
  // request carries the same link) and the hash of the token derived from it.
  void assignLink(SignatureRequest& r);
  // The request and its plan, for a SENCO's action on a signer who has not signed the current
  // version yet; `senco` ends "Only the SENCO can …", `signer` ends "Only a signer who has not
  // yet signed the current version can …".
  Result<std::pair<SignatureRequest, PlanView>> openForSenco(const Actor& a, Id requestId,
                                                             const std::string& senco,
                                                             const std::string& signer);

  PlanService& plans_;
  SignatureRepository& repo_;
  PeopleRepository& people_;
  DocumentStore& documents_;
  Clock& clock_;
  RandomSource& random_;
  SignatureSettings settings_;
  SealKeyLoader loadKey_;
  mutable std::mutex keyMutex_;
  mutable std::optional<SealKey> key_;  // guarded by keyMutex_; set once
  PdfRendering render_;
  DocumentOptions options_;
  AuditAnchorSource* anchors_ = nullptr;
};

// "sendflow plan <id> version <n> sha256:<content hash>": the seal's /Reason, read back by verify.
std::string sealReason(Id planId, int version, const std::string& contentHash);

// True when `png` starts with the PNG signature and its IHDR chunk (a real PNG header).
bool looksLikePng(std::string_view png);

}  // namespace sendflow::engine
