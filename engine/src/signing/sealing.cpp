// SignatureService, the sealed document: the signed version rendered with its audit certificate
// and sealed (seal.h) when the last required signature lands, the signer's download, and the
// check of a sealed file against the database.
#include <Poco/JSON/Object.h>

#include <algorithm>
#include <cstdio>

#include "request_states.h"
#include "sendflow/engine/signing/signatures.h"

namespace sendflow::engine {
namespace {

std::string methodLabel(const std::string& m) { return signatureMethodLabel(m); }

// The signatures drawn on the document and its audit certificate page: who signed, when, how
// and from where, the content hash they bind to and the certificate that seals the file.
void addSignatures(PdfDocument& doc, const PlanView& v, const std::vector<SignatureRecord>& sigs,
                   const std::string& academy, const SealKey& key, TimePoint now,
                   const std::optional<AuditAnchor>& anchor) {
  PdfAuditCertificate cert;
  cert.intro =
      "This certificate records who signed this document electronically, when and from "
      "where. Each signature binds to the content hash below; the file is sealed by " +
      key.subject() + ".";
  cert.rows = {{"Document", "sendflow plan " + std::to_string(v.plan.id) + ", version " +
                                std::to_string(v.plan.currentVersion)},
               {"Document type", v.workflow->title},
               {"Academy", academy},
               {"Version content hash (SHA-256)", v.version.contentHash},
               {"Sealed", ukDateTime(now) + " (UK time)"},
               {"Seal certificate SHA-256", key.certificateSha256()}};
  // The week's anchor of the audit trail: this copy pins the chain as it stood then.
  if (anchor) cert.rows.push_back({"Audit trail anchor (weekly)", anchorForPeople(*anchor)});
  PdfTable table;
  table.columns = {
      {"Signer", 1.4f},           {"Role", 1.2f},      {"Email", 1.6f}, {"Method", 0.7f},
      {"Signed (UK time)", 1.3f}, {"IP address", 1.0f}};
  for (const auto& s : sigs) {
    PdfSignature ps;
    ps.role = s.slotLabel;
    ps.name = s.typedName.empty() ? s.name : s.typedName;
    ps.signedAt = signing::parseTime(s.signedAt);
    ps.method = methodLabel(s.method);
    ps.drawnPng = s.drawnPng;
    doc.signatures.push_back(ps);
    table.rows.push_back({s.name, s.slotLabel, s.email.empty() ? std::string("—") : s.email,
                          methodLabel(s.method),
                          ps.signedAt ? ukDateTime(*ps.signedAt) : s.signedAt, s.ip});
  }
  cert.table = table;
  cert.tableTitle = "Signatures";
  doc.auditCertificate = cert;
}

}  // namespace

using signing::isLive;
using signing::parseTime;
using signing::readerFor;

std::string sealReason(Id planId, int version, const std::string& contentHash) {
  return "sendflow plan " + std::to_string(planId) + " version " + std::to_string(version) +
         " sha256:" + contentHash;
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
  std::string academy;
  if (auto a = people_.academy(v.plan.academyId)) academy = a->name;
  addSignatures(doc, v, sigs, academy, key(), now,
                anchors_ ? anchors_->latestWeekly() : std::nullopt);
  RenderedPdf rendered = render_(doc);
  SealInfo info{academy.empty() ? "sendflow" : academy,
                sealReason(v.plan.id, v.plan.currentVersion, v.version.contentHash), "sendflow",
                now};
  std::string sealed = sealPdf(rendered.bytes, key(), info);
  const std::string sha = sha256Hex(sealed);
  // Content-addressed and kept before the transaction: a crash leaves at worst an orphan.
  const std::string path = documents_.put(sha, sealed);
  c.sealed = SealedDocument{v.plan.id, v.plan.currentVersion,     v.version.contentHash, sha,
                            path,      key().certificateSha256(), isoTime(now)};
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
      addContactLanguage(r.personRef, data);
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

void SignatureService::describeSigning(const PlanView& v, PlanDocumentOptions& o) {
  o.signatures.clear();
  for (auto& s : repo_.signatures(v.plan.id, false))
    if (s.version == v.version.number) o.signatures.push_back(std::move(s));
  o.sealed.reset();
  for (auto& s : repo_.sealed(v.plan.id))
    if (s.version == v.version.number) {
      o.sealed = std::move(s);
      break;
    }
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
