// Records kept as the law asks (UK GDPR): everything held about a pupil or a contact, gathered
// as one file for a subject access request or a transfer to the pupil's next school, and who
// read a pupil's records. The content comes through ports (RecordsRepository: storage/ holds
// the SQL; DocumentStore: the sealed PDFs); web/ renders the PDFs, writes the archive and serves
// it. Every export, transfer and reads listing is itself audited. Thread-safe.
#pragma once

#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>

#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/document_store.h"
#include "sendflow/engine/core/door.h"
#include "sendflow/engine/core/error.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/engine/definitions/definitions.h"
#include "sendflow/engine/people/people.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::engine {

// The rows of one table about the subject: each row an object of column → value (JSON columns
// as JSON, binary columns as base64).
struct HeldRows {
  std::string table;  // "plan_version"
  Poco::JSON::Array::Ptr rows = new Poco::JSON::Array;
};

struct HeldSealedDocument {
  Id planId = 0;
  int version = 0;
  std::string location;  // as DocumentStore::put returned it
  std::string sealedAt;  // ISO UTC
};

// Everything the database holds about one subject, table by table.
struct Holdings {
  std::vector<HeldRows> tables;
  std::vector<HeldSealedDocument> sealed;
};

// A pupil as the retention check sees them: their date of birth and their plans' types and
// last changes.
struct RetentionCandidate {
  Pupil pupil;
  struct PlanDates {
    Id id = 0;
    std::string type;       // the workflow's type: its definition states the retention
    std::string state;      // current state
    std::string updatedAt;  // ISO UTC: the plan's last change ("closed" retention counts from it)
  };
  std::vector<PlanDates> plans;
};

// A pupil whose records have reached the end of their retention period.
struct RetentionDue {
  Pupil pupil;
  int plans = 0;
  Date keptUntil;      // the latest end of any of their records' retention
  std::string reason;  // "Personal Emergency Evacuation Plan: 31 years from date of birth"
};

class RecordsRepository {
 public:
  virtual ~RecordsRepository() = default;
  // Every row that references the pupil, their contacts or their plans, read in one snapshot:
  // the pupil, contacts, plans and their versions, signers, transitions, signature requests and
  // signatures, sealed documents, live edits, contribution links, outbox messages of their plans,
  // and the audit events about any of these (by subject, or naming them in a list's detail).
  virtual Holdings pupilHoldings(Id pupilId) = 0;
  // The contact, their contribution links, the plan versions and live edits they wrote, the
  // signature requests and signatures addressed to them (by person reference "contact:N"), the
  // outbox messages sent to their address and the audit events about or by them.
  virtual Holdings contactHoldings(Id contactId) = 0;
  // Audit events with one of `actions` about the pupil, their contacts or their plans, oldest
  // first.
  virtual std::vector<StoredAuditEvent> eventsAbout(Id pupilId,
                                                    const std::vector<std::string>& actions) = 0;
  // Every pupil not yet erased, with their plans.
  virtual std::vector<RetentionCandidate> retentionCandidates() = 0;
  // In one transaction with `audit`: deletes everything about the pupil (contacts, plans and all
  // that hangs off them: versions, signers, transitions, signature requests and signatures,
  // sealed document records, live edits, contribution links, outbox messages) and reduces the
  // pupil's row to an anonymous stub (no name, no date of birth, no UPN, inactive), so the ids
  // audit events name still exist. Audit events are kept (the chain stays verifiable). Returns the
  // locations of the sealed documents whose records were deleted.
  virtual std::vector<std::string> erasePupil(Id pupilId, const AuditEvent& audit) = 0;
};

// Keys that never leave in an export, at any depth: link tokens and their hashes and salts,
// emailed codes, password hashes.
bool isSecretKey(const std::string& key);
// Removes secret keys from `o` and every object inside it.
void removeSecrets(Poco::JSON::Object& o);

struct ExportFile {
  std::string path;   // inside the archive: "plans/12/version-3.json"
  std::string bytes;  // the content
  std::string about;  // one line for the index: "Plan 12 (PEEP), version 3, as data"
  std::string when;   // plain English date of what it holds, "" when none
};

// A pupil's or contact's file: the data files and sealed copies, the plan versions web renders
// as PDFs (name each "plans/<plan>/version-<n>.pdf"), and then the index (exportIndex).
struct SubjectFile {
  std::string title;    // "Subject access export: Jane Doe (pupil 12)"
  std::string subject;  // "pupil-12"
  std::vector<ExportFile> files;
  std::vector<PlanView> versionsToRender;
};

// Who read a pupil's records: one line per read.
struct ReadEntry {
  std::string when;    // plain English, Europe/London
  std::string at;      // ISO UTC
  std::string who;     // "Sam Senco (user:3)", "a contact (contact:4)", "the operator's CLI"
  std::string what;    // "the pupil's record", "plan 7 (version 2)", ...
  std::string door;    // "page", "api", "pdf", "live", "cli", "signer_link", ...
  std::string action;  // "pupil.view"
};

struct ReadLog {
  Pupil pupil;
  std::vector<ReadEntry> reads;
};

class RecordsService {
 public:
  RecordsService(PeopleService& people, PeopleRepository& peopleRepo, PlanService& plans,
                 const DefinitionRegistry& definitions, RecordsRepository& repo,
                 DocumentStore& sealed, AuditLog& audit, Clock& clock);

  // Everything held about the pupil (Action::kExportRecords at the pupil's academy). Audited as
  // pupil.export, or pupil.transfer when `transfer` (the file handed to the next school).
  Result<SubjectFile> pupilFile(const Actor& a, Door door, Id pupilId, bool transfer = false);
  // Everything held about one contact (kExportRecords at their pupil's academy): contact.export.
  Result<SubjectFile> contactFile(const Actor& a, Door door, Id contactId);
  // Who opened the pupil's records (Action::kViewReads): audited as pupil.reads_view.
  Result<ReadLog> reads(const Actor& a, Door door, Id pupilId);

  // Retention (Action::kManageRetention). Each plan is kept as its workflow definition states
  // ("retention": {"from": "date_of_birth" | "closed", "keep": "P31Y"}); a pupil's record as long
  // as the longest of their plans, and at least as long as the SEN file (date of birth + 31 years)
  // and the longest date-of-birth retention of any document type. Due from the day after
  // `keptUntil`.
  Result<std::vector<RetentionDue>> retentionDue(const Actor& a, Date today);
  // Erases a due pupil's records to an anonymous stub (RecordsRepository::erasePupil) and deletes
  // their sealed PDFs, audited as pupil.erase (ids and dates only). kConflict when the pupil's
  // retention has not ended (or they were erased already).
  Status erase(const Actor& a, Door door, Id pupilId, Date today);

 private:
  void addHoldings(SubjectFile& f, const Holdings& h);
  std::optional<RetentionDue> dueOf(const RetentionCandidate& c, Date today) const;

  PeopleService& people_;
  PeopleRepository& peopleRepo_;
  PlanService& plans_;
  const DefinitionRegistry& definitions_;
  RecordsRepository& repo_;
  DocumentStore& sealed_;
  AuditLog& audit_;
  Clock& clock_;
};

// The index a person reads first (README.txt): what the archive is, when it was made, and every
// file with what it holds and its date in plain English.
std::string exportIndex(const SubjectFile& f, const std::vector<ExportFile>& all, TimePoint made);

// The audit actions that are reads of a child's record (docs/security.md).
const std::vector<std::string>& readActions();

}  // namespace sendflow::engine
