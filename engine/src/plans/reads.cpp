#include "sendflow/engine/plans/reads.h"

#include <Poco/JSON/Array.h>

#include <map>

#include "sendflow/engine/core/input.h"
#include "sendflow/engine/forms/form_values.h"

namespace sendflow::engine {

std::string readerRef(const Actor& a) { return a.userId ? auditActor(a) : "system:cli"; }

ReadService::ReadService(PlanService& plans, PeopleService& people, PlanRepository& planRepo,
                         SignatureRepository& signatures, AuditLog& audit)
    : plans_(plans), people_(people), planRepo_(planRepo), signatures_(signatures), audit_(audit) {}

void ReadService::record(const Actor& a, Door door, const char* action, const char* subjectType,
                         Id subjectId, Id academyId, Poco::JSON::Object detail) {
  detail.set("door", doorName(door));
  AuditEvent e{action, readerRef(a), subjectType, subjectId, academyId, canonicalJson(detail)};
  // A command's read is committed before the command goes on; a served read may be committed
  // with others, within the store's delay, so a page view does not wait for its own fsync.
  if (door == Door::kCli)
    audit_.append(e);
  else
    audit_.appendRead(e);
}

namespace {

Poco::JSON::Object detailOf(std::initializer_list<std::pair<const char*, Poco::Dynamic::Var>> kv) {
  Poco::JSON::Object o;
  for (const auto& [k, v] : kv) o.set(k, v);
  return o;
}

// {"<key>": [id, ...]}: which records a list showed.
template <typename Records>
Poco::JSON::Object idsOf(const std::string& key, const Records& records) {
  Poco::JSON::Array ids;
  for (const auto& r : records) ids.add(r.id);
  Poco::JSON::Object detail;
  detail.set(key, ids);
  return detail;
}

}  // namespace

std::vector<Pupil> ReadService::pupils(const Actor& a, Door door, const std::string& search,
                                       bool includeInactive) {
  auto out = people_.pupils(a, search, includeInactive);
  record(a, door, "pupil.list", "pupil", 0, 0, idsOf("pupils", out));
  return out;
}

Result<PupilRecord> ReadService::pupil(const Actor& a, Door door, Id id, Action purpose) {
  auto p = people_.pupil(a, id, purpose);
  if (!p) return p.error();
  PupilRecord r{p.value(), people_.contacts(a, p.value()), people_.academyName(p->academyId)};
  record(a, door, "pupil.view", "pupil", id, p->academyId);
  return r;
}

Result<ContactRecord> ReadService::contact(const Actor& a, Door door, Id contactId,
                                           Action purpose) {
  auto c = people_.contact(a, contactId, purpose);
  if (!c) return c.error();
  record(a, door, "contact.view", "contact", contactId, c->second.academyId,
         detailOf({{"pupil", c->second.id}}));
  return ContactRecord{c->first, c->second};
}

std::vector<PlanSummary> ReadService::plans(const Actor& a, Door door, Id pupilId) {
  auto out = plans_.list(a, pupilId);
  record(a, door, "plan.list", "plan", 0, 0, idsOf("plans", out));
  return out;
}

Result<PlanView> ReadService::plan(const Actor& a, Door door, Id planId, int versionNumber) {
  auto v = plans_.open(a, planId, versionNumber);
  if (!v) return v.error();
  record(a, door, "plan.view", "plan", planId, v->plan.academyId,
         detailOf({{"version", v->version.number}}));
  return v;
}

Result<PlanHistory> ReadService::history(const Actor& a, Door door, Id planId) {
  auto v = plans_.open(a, planId);
  if (!v) return v.error();
  PlanHistory h{
      std::move(v.value()), planRepo_.versions(planId), planRepo_.transitions(planId), {}};
  const Id academy = h.view.plan.academyId;
  for (const auto& ver : h.versions)
    if (!h.names.contains(ver.author)) h.names[ver.author] = people_.actorName(ver.author, academy);
  for (const auto& t : h.transitions)
    if (!h.names.contains(t.actor)) h.names[t.actor] = people_.actorName(t.actor, academy);
  record(a, door, "plan.history", "plan", planId, h.view.plan.academyId);
  return h;
}

Result<PlanDiff> ReadService::diff(const Actor& a, Door door, Id planId, int from, int to) {
  auto v = plans_.open(a, planId, to);
  if (!v) return v.error();
  auto changes = plans_.diffFrom(v.value(), from);
  if (!changes) return changes.error();
  // A person chosen in an answer ("user:12") by name, as the editor shows them.
  auto named = [&](std::string& shown) {
    const bool ref = shown.rfind("user:", 0) == 0 || shown.rfind("contact:", 0) == 0;
    if (ref && parseId(shown.substr(shown.find(':') + 1)))
      shown = people_.actorName(shown, v->plan.academyId);
  };
  for (auto& c : changes.value()) {
    named(c.before);
    named(c.after);
  }
  record(a, door, "plan.diff", "plan", planId, v->plan.academyId,
         detailOf({{"from", from}, {"to", v->version.number}}));
  return PlanDiff{std::move(v.value()), std::move(changes.value())};
}

Result<PlanAuditTrail> ReadService::auditTrail(const Actor& a, Door door, Id planId) {
  auto v = plans_.open(a, planId, 0, Action::kViewAudit);
  if (!v) return v.error();
  PlanAuditTrail t{std::move(v.value()), audit_.forSubject("plan", planId), {}};
  std::map<std::string, std::string> names;
  const ActorNamer nameOf = [&](std::string_view ref) -> std::string {
    auto it = names.find(std::string(ref));
    if (it != names.end()) return it->second;
    return names[std::string(ref)] = people_.actorName(ref, t.view.plan.academyId);
  };
  for (auto& e : t.events) {
    e.detail = auditDetailFor(a, e);  // no IP addresses for teachers
    t.lines.push_back(describeAuditEvent(e, t.view, nameOf));
  }
  record(a, door, "plan.audit_view", "plan", planId, t.view.plan.academyId);
  return t;
}

Result<PlanView> ReadService::document(const Actor& a, Door door, Id planId, int versionNumber) {
  auto v = plans_.open(a, planId, versionNumber, Action::kDownloadPdf);
  if (!v) return v.error();
  record(a, door, "plan.pdf_download", "plan", planId, v->plan.academyId,
         detailOf({{"version", v->version.number}}));
  return v;
}

Result<SealedRead> ReadService::sealed(const Actor& a, Door door, Id planId) {
  auto v = plans_.open(a, planId, 0, Action::kDownloadPdf);
  if (!v) return v.error();
  auto all = signatures_.sealed(planId);
  if (all.empty()) return notFound("This plan has no sealed document yet.");
  SealedRead s{std::move(v.value()), all.front()};
  record(a, door, "plan.pdf_download", "plan", planId, s.view.plan.academyId,
         detailOf({{"sealed", true}, {"version", s.document.version}}));
  return s;
}

}  // namespace sendflow::engine
