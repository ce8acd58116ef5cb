#include "sendflow/engine/records/records.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "sendflow/engine/core/canonical_json.h"
#include "sendflow/engine/plans/reads.h"
#include "sendflow/engine/plans/schedule.h"

namespace sendflow::engine {
namespace {

constexpr std::array<const char*, 7> kSecretKeys{"token_hash", "code_hash", "link_salt",    "token",
                                                 "code",       "link",      "password_hash"};

std::string prettyJson(const Poco::Dynamic::Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::stringify(v, out, 2);
  out << "\n";
  return out.str();
}

// What each table holds, for the index.
const std::map<std::string, std::string>& tableNotes() {
  static const std::map<std::string, std::string> notes{
      {"pupil", "the pupil's record: names, date of birth, year group, UPN"},
      {"contact", "contacts: parents, carers and professionals, with their email addresses"},
      {"plan", "plans: type, state, owner, review date"},
      {"plan_version", "every version of every plan, with all its answers"},
      {"plan_signer", "people chosen to sign each plan"},
      {"plan_transition", "every change of a plan's state, who made it and why"},
      {"plan_review_request", "every request for a review of a plan: who asked, when and why"},
      {"signature_request", "requests to sign (link tokens and codes left out)"},
      {"signature", "signatures given, with the drawn image (base64), IP address and browser"},
      {"sealed_document", "sealed (final, signed) PDFs on record"},
      {"live_ops", "live edits typed into plans"},
      {"contribution_link", "invitations to contribute to a plan (link tokens left out)"},
      {"outbox", "emails sent or queued about the pupil's plans (links and codes left out)"},
      {"audit_event", "the audit log: every action on and every read of these records"},
  };
  return notes;
}

std::string tableNote(const std::string& table) {
  auto it = tableNotes().find(table);
  return it == tableNotes().end() ? table : it->second;
}

// The newest time found in rows' "at"/"created_at"/"updated_at" columns (ISO strings).
std::string newestIn(const Poco::JSON::Array& rows) {
  std::string newest;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto o = rows.getObject(static_cast<unsigned>(i));
    if (!o) continue;
    for (const char* k : {"at", "created_at", "updated_at", "signed_at", "sealed_at"}) {
      if (!o->has(k) || !o->get(k).isString()) continue;
      auto v = o->getValue<std::string>(k);
      if (v.size() >= 10 && parseIsoDate(v.substr(0, 10)) && v > newest) newest = v;
    }
  }
  return newest;
}

std::string describeRead(const StoredAuditEvent& e) {
  if (e.action == "pupil.export" || e.action == "contact.export") return "the whole file, exported";
  if (e.action == "pupil.transfer") return "the whole file, transferred to another school";
  if (e.action == "pupil.reads_view") return "the list of who read these records";
  if (e.subjectType == "pupil")
    return e.action == "pupil.list" ? "the pupil list (this pupil among others)"
                                    : "the pupil's record and contacts";
  if (e.subjectType == "contact") return "contact " + std::to_string(e.subjectId) + "'s details";
  std::string what = e.subjectId ? "plan " + std::to_string(e.subjectId) : "the plan list";
  if (e.action == "plan.history") what += ": its versions and history";
  if (e.action == "plan.diff") what += ": a comparison of two versions";
  if (e.action == "plan.audit_view") what += ": its audit trail";
  if (e.action == "plan.pdf_download") what += " as a PDF";
  return what;
}

std::string plainDuration(const Duration& d) {
  std::string out;
  auto part = [&](int n, const char* unit) {
    if (n == 0) return;
    out += (out.empty() ? "" : ", ") + std::to_string(n) + " " + unit + (n == 1 ? "" : "s");
  };
  part(d.years, "year");
  part(d.months, "month");
  part(d.weeks, "week");
  part(d.days, "day");
  return out.empty() ? "0 days" : out;
}

}  // namespace

bool isSecretKey(const std::string& key) {
  return std::any_of(kSecretKeys.begin(), kSecretKeys.end(),
                     [&](const char* k) { return key == k; });
}

void removeSecrets(Poco::JSON::Object& o) {
  std::vector<std::string> secret;
  for (const auto& [k, v] : o) {
    if (isSecretKey(k)) {
      secret.push_back(k);
    } else if (v.type() == typeid(Poco::JSON::Object::Ptr)) {
      if (auto inner = v.extract<Poco::JSON::Object::Ptr>()) removeSecrets(*inner);
    } else if (v.type() == typeid(Poco::JSON::Array::Ptr)) {
      if (auto arr = v.extract<Poco::JSON::Array::Ptr>())
        for (std::size_t i = 0; i < arr->size(); ++i)
          if (auto inner = arr->getObject(static_cast<unsigned>(i))) removeSecrets(*inner);
    }
  }
  for (const auto& k : secret) o.remove(k);
}

const std::vector<std::string>& readActions() {
  static const std::vector<std::string> actions{"pupil.view",          "pupil.list",
                                                "contact.view",        "plan.view",
                                                "plan.list",           "plan.history",
                                                "plan.diff",           "plan.audit_view",
                                                "plan.pdf_download",   "signature.link_opened",
                                                "contribution.opened", "pupil.export",
                                                "pupil.transfer",      "contact.export",
                                                "pupil.reads_view"};
  return actions;
}

RecordsService::RecordsService(PeopleService& people, PeopleRepository& peopleRepo,
                               PlanService& plans, const DefinitionRegistry& definitions,
                               RecordsRepository& repo, DocumentStore& sealed, AuditLog& audit,
                               Clock& clock)
    : people_(people),
      peopleRepo_(peopleRepo),
      plans_(plans),
      definitions_(definitions),
      repo_(repo),
      sealed_(sealed),
      audit_(audit),
      clock_(clock) {}

void RecordsService::addHoldings(SubjectFile& f, const Holdings& h) {
  for (const auto& t : h.tables) {
    for (std::size_t i = 0; i < t.rows->size(); ++i)
      if (auto o = t.rows->getObject(static_cast<unsigned>(i))) removeSecrets(*o);
    f.files.push_back({"data/" + t.table + ".json", prettyJson(t.rows),
                       tableNote(t.table) + " (" + std::to_string(t.rows->size()) +
                           (t.rows->size() == 1 ? " record)" : " records)"),
                       ukDateTimeOf(newestIn(*t.rows))});
  }
  for (const auto& d : h.sealed) {
    f.files.push_back({"sealed/plan-" + std::to_string(d.planId) + "-version-" +
                           std::to_string(d.version) + ".pdf",
                       sealed_.get(d.location),
                       "Plan " + std::to_string(d.planId) + ", version " +
                           std::to_string(d.version) + ": the sealed, signed PDF exactly as stored",
                       ukDateTimeOf(d.sealedAt)});
  }
}

Result<SubjectFile> RecordsService::pupilFile(const Actor& a, Door door, Id pupilId,
                                              bool transfer) {
  auto p = people_.pupil(a, pupilId, Action::kExportRecords);
  if (!p) return p.error();
  SubjectFile f;
  f.subject = "pupil-" + std::to_string(pupilId);
  f.title = std::string(transfer ? "Transfer file" : "Subject access export") + ": " +
            p->legalName + " (pupil " + std::to_string(pupilId) + ")";
  addHoldings(f, repo_.pupilHoldings(pupilId));
  // Every version of every plan, as data and as the PDF the renderer makes of it.
  for (const auto& summary : plans_.list(a, pupilId)) {
    auto current = plans_.open(a, summary.id, 0, Action::kExportRecords);
    if (!current) continue;
    for (int n = 1; n <= current->plan.currentVersion; ++n) {
      auto v = n == current->plan.currentVersion
                   ? current
                   : plans_.open(a, summary.id, n, Action::kExportRecords);
      if (!v) continue;
      const std::string base =
          "plans/" + std::to_string(summary.id) + "/version-" + std::to_string(n);
      Poco::JSON::Object doc;
      doc.set("plan", summary.id);
      doc.set("type", v->workflow->type);
      doc.set("title", v->workflow->title);
      doc.set("version", n);
      doc.set("content_hash", v->version.contentHash);
      doc.set("author", v->version.authorName);
      doc.set("created_at", v->version.createdAt);
      doc.set("values", v->values);
      f.files.push_back({base + ".json", prettyJson(doc),
                         v->workflow->title + " (plan " + std::to_string(summary.id) +
                             "), version " + std::to_string(n) + ", all answers as data",
                         ukDateTimeOf(v->version.createdAt)});
      f.versionsToRender.push_back(std::move(v.value()));
    }
  }
  audit_.append(
      {transfer ? "pupil.transfer" : "pupil.export", readerRef(a), "pupil", pupilId, p->academyId,
       detailJson({{"door", doorName(door)},
                   {"files", static_cast<Id>(f.files.size() + f.versionsToRender.size())}})});
  return f;
}

Result<SubjectFile> RecordsService::contactFile(const Actor& a, Door door, Id contactId) {
  auto c = people_.contact(a, contactId, Action::kExportRecords);
  if (!c) return c.error();
  SubjectFile f;
  f.subject = "contact-" + std::to_string(contactId);
  f.title =
      "Subject access export: " + c->first.name + " (contact " + std::to_string(contactId) + ")";
  addHoldings(f, repo_.contactHoldings(contactId));
  audit_.append({"contact.export", readerRef(a), "contact", contactId, c->second.academyId,
                 detailJson({{"door", doorName(door)},
                             {"files", static_cast<Id>(f.files.size())},
                             {"pupil", c->second.id}})});
  return f;
}

Result<ReadLog> RecordsService::reads(const Actor& a, Door door, Id pupilId) {
  auto p = people_.pupil(a, pupilId, Action::kViewReads);
  if (!p) return p.error();
  ReadLog out{p.value(), {}};
  std::map<std::string, std::string> names;  // actor → as people read it
  for (const auto& e : repo_.eventsAbout(pupilId, readActions())) {
    ReadEntry r;
    r.at = e.at;
    r.when = ukDateTimeOf(e.at);
    r.action = e.action;
    r.what = describeRead(e);
    try {
      auto detail = Poco::JSON::Parser().parse(e.detail).extract<Poco::JSON::Object::Ptr>();
      if (detail && detail->has("door")) r.door = doorLabel(detail->getValue<std::string>("door"));
      if (detail && detail->has("version") && e.subjectType == "plan")
        r.what += " (version " + detail->get("version").toString() + ")";
    } catch (const Poco::Exception&) {
    }
    if (!names.contains(e.actor)) names[e.actor] = actorName(peopleRepo_, e.actor, e.academyId);
    r.who = names[e.actor];
    out.reads.push_back(std::move(r));
  }
  audit_.append({"pupil.reads_view", readerRef(a), "pupil", pupilId, p->academyId,
                 detailJson({{"door", doorName(door)}})});
  return out;
}

std::optional<RetentionDue> RecordsService::dueOf(const RetentionCandidate& c, Date today) const {
  auto dob = parseIsoDate(c.pupil.dateOfBirth);
  if (!dob) return std::nullopt;  // no date to count from: never due by itself
  RetentionDue due{c.pupil, static_cast<int>(c.plans.size()), *dob, ""};
  auto consider = [&](Date until, const std::string& why) {
    if (until > due.keptUntil || due.reason.empty()) {
      due.keptUntil = until;
      due.reason = why;
    }
  };
  // The pupil's own record (the SEN file): never less than date of birth + 31 years, and as
  // long as the longest date-of-birth retention of any document type.
  const RetentionPolicy senFile;
  consider(retentionUntil(senFile, *dob),
           "the pupil's record (SEN file): " + plainDuration(senFile.keep) + " from date of birth");
  for (const auto& type : definitions_.types()) {
    const auto* wf = definitions_.workflow(type);
    if (wf && wf->retention.from == "date_of_birth")
      consider(retentionUntil(wf->retention, *dob),
               "the pupil's record: " + plainDuration(wf->retention.keep) +
                   " from date of birth (as " + wf->title + ")");
  }
  for (const auto& p : c.plans) {
    const auto* wf = definitions_.workflow(p.type);
    const RetentionPolicy policy = wf ? wf->retention : RetentionPolicy{};
    const std::string title = wf ? wf->title : p.type;
    if (policy.from == "closed") {
      auto closed = parseIsoDate(p.updatedAt.substr(0, 10));
      if (!closed) return std::nullopt;
      // A plan still open is kept; its retention starts when it closes.
      if (!(wf && wf->state(p.state) && wf->state(p.state)->final)) return std::nullopt;
      consider(retentionUntil(policy, *closed),
               title + ": " + plainDuration(policy.keep) + " from when it closed");
    } else {
      consider(retentionUntil(policy, *dob),
               title + ": " + plainDuration(policy.keep) + " from date of birth");
    }
  }
  if (today <= due.keptUntil) return std::nullopt;
  return due;
}

Result<std::vector<RetentionDue>> RecordsService::retentionDue(const Actor& a, Date today) {
  if (auto st = require(a, Action::kManageRetention, 0, "There is no such page.",
                        "Only a trust admin sees records whose retention has ended.");
      !st)
    return st.error();
  std::vector<RetentionDue> out;
  for (const auto& c : repo_.retentionCandidates())
    if (auto due = dueOf(c, today)) out.push_back(std::move(*due));
  std::sort(out.begin(), out.end(), [](const RetentionDue& x, const RetentionDue& y) {
    return std::tie(x.keptUntil, x.pupil.id) < std::tie(y.keptUntil, y.pupil.id);
  });
  return out;
}

Status RecordsService::erase(const Actor& a, Door door, Id pupilId, Date today) {
  auto due = retentionDue(a, today);
  if (!due) return due.error();
  auto it = std::find_if(due->begin(), due->end(),
                         [&](const RetentionDue& d) { return d.pupil.id == pupilId; });
  if (it == due->end())
    return conflict(
        "This pupil's records have not reached the end of their retention period (or were "
        "erased already).");
  const auto locations =
      repo_.erasePupil(pupilId, {"pupil.erase", readerRef(a), "pupil", pupilId, it->pupil.academyId,
                                 detailJson({{"door", doorName(door)},
                                             {"kept_until", isoDate(it->keptUntil)},
                                             {"plans", it->plans}})});
  for (const auto& location : locations) sealed_.remove(location);
  return Ok{};
}

std::string exportIndex(const SubjectFile& f, const std::vector<ExportFile>& all, TimePoint made) {
  std::ostringstream out;
  out << f.title << "\n\n"
      << "Made on " << ukDateTime(made) << " (UK time) by sendflow. Dates below are UK time.\n"
      << "This archive holds everything sendflow keeps about this person. The files under data/\n"
      << "are the database's own records in JSON; plans/ holds every version of every plan, as\n"
      << "data and as a PDF; sealed/ holds the signed, sealed PDFs exactly as they were stored.\n"
      << "Secrets (the tokens of emailed links, emailed codes) are left out.\n\n"
      << "Files (" << all.size() << "):\n";
  for (const auto& file : all) {
    out << "\n" << file.path << "\n    " << file.about << "\n";
    if (!file.when.empty()) out << "    dated " << file.when << "\n";
  }
  return out.str();
}

}  // namespace sendflow::engine
