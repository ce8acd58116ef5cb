// A plan version as a PdfDocument, driven only by the pinned form and workflow definitions (no
// per-type code): sections and fields in template order, the review date, the EHCP deadline
// table and one signature block per signer slot.
#pragma once

#include <map>
#include <string>

#include "sendflow/engine/documents/pdf/pdf.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::engine {

struct PlanDocumentOptions {
  std::string academyName;  // header and document author
  std::string logoPng;      // optional PNG bytes
  // "user:N" / "contact:N" → the name to print. A reference missing here prints as
  // "Unknown person (user:N)", so nothing is silently blank.
  std::map<std::string, std::string> people;
  // The signatures of the version shown and its sealed copy, if any: each signer's block says
  // who signed, when and how, or "Not signed yet"; with a sealed copy the Signatures section
  // says that the signed record is that copy (SignatureService::describeSigning fills both).
  std::vector<SignatureRecord> signatures;
  std::optional<SealedDocument> sealed;
};

// REQUIRES: v.form, v.workflow, v.state and v.values set (as PlanService::open returns them).
// The result depends only on the version and the arguments: deadline statuses are given as at
// the version's date, and the creation date is the version's createdAt, so one version always
// renders to the same bytes.
PdfDocument planDocument(const PlanView& v, const PlanDocumentOptions& options);

// "<type>-<pupil initials>-v<N>.pdf", ASCII letters, digits, '_' and '-' only (no full name).
std::string planPdfFileName(const PlanView& v);

// "2026-11-29T07:51:26Z" (or a bare date) → time point; nullopt when malformed.
std::optional<TimePoint> parseIsoTime(std::string_view s);

}  // namespace sendflow::engine
