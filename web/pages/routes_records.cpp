// Records kept as the law asks: a pupil's or contact's whole file as one archive (subject access,
// transfer to another school) and who read a pupil's records. Access and audit are the engine's
// (RecordsService); these parse, call it once and answer.
#include "app/services.h"
#include "pages/records.h"
#include "pages/routes.h"

namespace sendflow::web {
namespace {

void sendArchive(Exchange& ex, const engine::Result<engine::SubjectFile>& f) {
  if (!f) return ex.error(f.error());
  ex.bytes(200, "application/zip", subjectArchive(ex.services, f.value()),
           archiveFileName(f.value()));
}

void exportPupil(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such pupil.");
  sendArchive(ex, ex.services.records().pupilFile(ex.actor(), engine::Door::kPage, *id));
}

void transferPupil(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such pupil.");
  sendArchive(ex, ex.services.records().pupilFile(ex.actor(), engine::Door::kPage, *id, true));
}

void exportContact(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such contact.");
  sendArchive(ex, ex.services.records().contactFile(ex.actor(), engine::Door::kPage, *id));
}

void pupilReads(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such pupil.");
  auto readLog = ex.services.records().reads(ex.actor(), engine::Door::kPage, *id);
  if (!readLog) return ex.error(readLog.error());
  Data d = pupilData(readLog->pupil);
  Data reads = list();
  for (const auto& r : readLog->reads) {
    Data row;
    row.set("when", r.when);
    row.set("at", r.at);
    row.set("who", r.who);
    row.set("what", r.what);
    row.set("door", r.door);
    reads.push_back(row);
  }
  d.set("reads", reads);
  d.set("read_count", std::to_string(readLog->reads.size()));
  ex.html(200, ex.services.views().page(ex, "pupil_reads", d,
                                        "Who read " + readLog->pupil.displayName() + "'s records"));
}

// GET /admin/retention: the records whose retention period has ended, for the trust admin to
// confirm one by one.
void retentionPage(Exchange& ex) {
  auto due =
      ex.services.records().retentionDue(ex.actor(), engine::dateOf(ex.services.clock().now()));
  if (!due) return ex.error(due.error());
  Data rows = list();
  for (const auto& r : due.value()) {
    Data row = pupilData(r.pupil);
    row.set("kept_until", engine::ukDate(r.keptUntil));
    row.set("reason", r.reason);
    row.set("plans", std::to_string(r.plans));
    rows.push_back(row);
  }
  Data d;
  d.set("due", rows);
  d.set("due_count", std::to_string(due->size()));
  if (ex.query("erased") == "1") d.set("erased", true);
  ex.html(200, ex.services.views().page(ex, "retention", d, "Records past their retention"));
}

// POST /admin/retention/{id}/erase: the trust admin's confirmation (CSRF checked by the pipeline).
void eraseRecords(Exchange& ex) {
  auto id = ex.idParam("id");
  if (!id) return ex.error(404, "There is no such pupil.");
  auto done = ex.services.records().erase(ex.actor(), engine::Door::kPage, *id,
                                          engine::dateOf(ex.services.clock().now()));
  if (!done) return ex.error(done.error());
  ex.redirect("/admin/retention?erased=1");
}

}  // namespace

void registerRecordsRoutes(Router& router) {
  router.add("GET", "/pupils/{id}/export", engine::Action::kExportRecords, exportPupil);
  router.add("POST", "/pupils/{id}/transfer", engine::Action::kExportRecords, transferPupil);
  router.add("GET", "/contacts/{id}/export", engine::Action::kExportRecords, exportContact);
  router.add("GET", "/pupils/{id}/reads", engine::Action::kViewReads, pupilReads);
  router.add("GET", "/admin/retention", engine::Action::kManageRetention, retentionPage);
  router.add("POST", "/admin/retention/{id}/erase", engine::Action::kManageRetention, eraseRecords);
}

}  // namespace sendflow::web
