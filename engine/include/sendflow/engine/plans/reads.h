// Reads of a child's record: every page, API call, PDF, live snapshot and CLI command that shows
// a pupil, a contact or a plan comes through here (or through the signer's and contributor's own
// services for their links) and records exactly one audit event of who read what, through which
// door. The event is one insert through the AuditLog port, written after the read succeeded;
// nothing more is read for it. Thread-safe.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "sendflow/engine/core/door.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/engine/people/people.h"
#include "sendflow/engine/plans/audit_text.h"
#include "sendflow/engine/plans/plans.h"
#include "sendflow/engine/signing/signatures.h"

namespace sendflow::engine {

struct PupilRecord {
  Pupil pupil;
  std::vector<Contact> contacts;
  std::string academyName;
};

struct ContactRecord {
  Contact contact;
  Pupil pupil;
};

struct PlanHistory {
  PlanView view;  // the current version
  std::vector<PlanVersionRecord> versions;
  std::vector<TransitionRecord> transitions;
  std::map<std::string, std::string> names;  // each author and actor ref → engine::actorName
};

struct PlanDiff {
  PlanView view;  // the newer version
  std::vector<ValueChange> changes;
};

struct PlanAuditTrail {
  PlanView view;
  std::vector<StoredAuditEvent> events;  // details as the reader may see them (auditDetailFor)
  std::vector<AuditLine> lines;          // the same events as people read them (audit_text.h)
};

struct SealedRead {
  PlanView view;
  SealedDocument document;
};

// Audit actions: pupil.view, pupil.list, contact.view, plan.view, plan.list, plan.history,
// plan.diff, plan.audit_view, plan.pdf_download. Each detail names the door ({"door":"api",…}).
class ReadService {
 public:
  ReadService(PlanService& plans, PeopleService& people, PlanRepository& planRepo,
              SignatureRepository& signatures, AuditLog& audit);

  // Pupils and contacts. `purpose` as PeopleService::pupil (an edit form reads for manage_pupil).
  std::vector<Pupil> pupils(const Actor& a, Door door, const std::string& search,
                            bool includeInactive = false);
  Result<PupilRecord> pupil(const Actor& a, Door door, Id id, Action purpose = Action::kViewPupil);
  Result<ContactRecord> contact(const Actor& a, Door door, Id contactId,
                                Action purpose = Action::kManagePupil);

  // Plans. versionNumber 0: the current version.
  std::vector<PlanSummary> plans(const Actor& a, Door door, Id pupilId = 0);
  Result<PlanView> plan(const Actor& a, Door door, Id planId, int versionNumber = 0);
  Result<PlanHistory> history(const Actor& a, Door door, Id planId);
  Result<PlanDiff> diff(const Actor& a, Door door, Id planId, int from, int to);
  Result<PlanAuditTrail> auditTrail(const Actor& a, Door door, Id planId);
  // The plan to render as a PDF (download_pdf), and the sealed copy of its signed version.
  Result<PlanView> document(const Actor& a, Door door, Id planId, int versionNumber = 0);
  Result<SealedRead> sealed(const Actor& a, Door door, Id planId);

 private:
  void record(const Actor& a, Door door, const char* action, const char* subjectType, Id subjectId,
              Id academyId, Poco::JSON::Object detail = Poco::JSON::Object());

  PlanService& plans_;
  PeopleService& people_;
  PlanRepository& planRepo_;
  SignatureRepository& signatures_;
  AuditLog& audit_;
};

// Who a read is recorded against: "user:12"; the CLI's operator (no user) is "system:cli".
std::string readerRef(const Actor& a);

}  // namespace sendflow::engine
