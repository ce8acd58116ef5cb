// In-memory fakes of the engine's ports (engine/core/ports.h and the services' repositories),
// shared by the engine's unit tests. Each keeps its rows in public maps the tests arrange and
// inspect, records the audit events and outbox messages it was given, and honours the ports'
// contracts the services rely on (kConflict on a stale state or version, idempotent outbox keys)
// without any SQL. Fakes live only here, for tests of engine/.
#pragma once

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/contributions/contributions.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/live/live.h"
#include "sendflow/engine/plans/plans.h"
#include "sendflow/engine/reminders/reminders.h"
#include "sendflow/engine/signing/signatures.h"

namespace sendflow::testing {

// A signed-in member of academies 1 and 2's trust with the given roles.
inline engine::Actor actorWith(engine::Id userId, const std::string& name,
                               std::vector<engine::Membership> ms) {
  engine::Actor a;
  a.userId = userId;
  a.name = name;
  a.memberships = std::move(ms);
  a.allAcademyIds = {1, 2};
  return a;
}

using namespace sendflow::engine;

// Predictable bytes: 1, 2, 3, … (never repeats within a test).
class CountingRandom final : public RandomSource {
 public:
  std::string bytes(std::size_t n) override {
    std::string s(n, '\0');
    for (auto& c : s) c = static_cast<char>(++counter_);
    return s;
  }

 private:
  unsigned counter_ = 0;
};

// Outbox messages a fake was asked to queue, each key once (INSERT OR IGNORE).
struct FakeOutbox {
  void queue(const std::vector<OutboxMessage>& ms) {
    for (const auto& m : ms)
      if (std::none_of(messages.begin(), messages.end(), [&](auto& q) { return q.key == m.key; }))
        messages.push_back(m);
  }
  std::vector<OutboxMessage> messages;
};

class FakePeople final : public PeopleRepository {
 public:
  std::vector<Academy> academies() override {
    std::vector<Academy> out;
    for (auto& [id, a] : academiesById) out.push_back(a);
    return out;
  }
  std::optional<Academy> academy(Id id) override { return find(academiesById, id); }
  Id createAcademy(const std::string& name, const AuditEvent& e) override {
    Id id = ++lastId;
    academiesById[id] = {id, name};
    audit.push_back(e);
    return id;
  }
  std::optional<User> userByEmail(const std::string& email) override {
    auto lower = [](std::string s) {
      for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s;
    };
    for (auto& [id, u] : byId)
      if (lower(u.email) == lower(email)) return u;
    return std::nullopt;
  }
  std::optional<User> userById(Id id) override { return find(byId, id); }
  std::vector<User> users(const std::vector<Id>& academyIds) override {
    ++usersReads;
    std::vector<User> out;
    for (auto& [id, u] : byId)
      if (std::any_of(u.memberships.begin(), u.memberships.end(), [&](const Membership& m) {
            return m.academyId == 0 ||
                   std::count(academyIds.begin(), academyIds.end(), m.academyId);
          }))
        out.push_back(u);
    return out;
  }
  Id createUser(const User& user, const AuditEvent& e) override {
    User u = user;
    u.id = ++lastId;
    byId[u.id] = u;
    audit.push_back(e);
    return u.id;
  }
  void updateUser(const User& u, const AuditEvent& e, const EndSessions& s) override {
    byId[u.id] = u;
    audit.push_back(e);
    if (s.end) audit.push_back(s.audit);
  }
  std::vector<Pupil> pupils(const PupilQuery& q) override {
    lastPupilQuery = q;
    std::vector<Pupil> out;
    for (auto& [id, p] : pupilsById)
      if (std::count(q.academyIds.begin(), q.academyIds.end(), p.academyId) &&
          (q.includeInactive || p.active) &&
          (q.search.empty() || p.legalName.find(q.search) != std::string::npos))
        out.push_back(p);
    return out;
  }
  std::optional<Pupil> pupil(Id id) override { return find(pupilsById, id); }
  Id createPupil(const Pupil& pupil, const AuditEvent& e) override {
    Pupil p = pupil;
    p.id = ++lastId;
    pupilsById[p.id] = p;
    audit.push_back(e);
    return p.id;
  }
  void updatePupil(const Pupil& p, const AuditEvent& e) override {
    pupilsById[p.id] = p;
    audit.push_back(e);
  }
  std::vector<Contact> contacts(Id pupilId) override {
    ++contactsReads;
    std::vector<Contact> out;
    for (auto& [id, c] : contactsById)
      if (c.pupilId == pupilId) out.push_back(c);
    return out;
  }
  std::optional<Contact> contact(Id id) override { return find(contactsById, id); }
  Id createContact(const Contact& contact, const AuditEvent& e) override {
    Contact c = contact;
    c.id = ++lastId;
    contactsById[c.id] = c;
    audit.push_back(e);
    return c.id;
  }
  void updateContact(const Contact& c, const AuditEvent& e) override {
    contactsById[c.id] = c;
    audit.push_back(e);
  }

  std::map<Id, Academy> academiesById;
  std::map<Id, User> byId;
  std::map<Id, Pupil> pupilsById;
  std::map<Id, Contact> contactsById;
  std::vector<AuditEvent> audit;
  std::optional<PupilQuery> lastPupilQuery;
  Id lastId = 100;
  int usersReads = 0, contactsReads = 0;  // calls of users() and contacts()

 private:
  template <typename M>
  static std::optional<typename M::mapped_type> find(const M& m, Id id) {
    auto it = m.find(id);
    if (it == m.end()) return std::nullopt;
    return it->second;
  }
};

class FakeSessions final : public SessionRepository {
 public:
  void create(const Session& s) override { sessions[s.idHash] = s; }
  std::optional<Session> find(const std::string& h) override {
    auto it = sessions.find(h);
    if (it == sessions.end()) return std::nullopt;
    return it->second;
  }
  void touch(const std::string& h, TimePoint at) override { sessions[h].lastSeenAt = at; }
  void remove(const std::string& h) override { sessions.erase(h); }
  void removeForUser(Id) override {}
  void removeOlderThan(TimePoint createdBefore, TimePoint idleBefore) override {
    std::erase_if(sessions, [&](const auto& kv) {
      return kv.second.createdAt < createdBefore || kv.second.lastSeenAt < idleBefore;
    });
  }
  SignInAttempt beginAttempt(const std::vector<AttemptLimit>& limits, TimePoint since,
                             TimePoint at) override {
    for (const auto& l : limits)
      if (failuresSince(l.key, since) >= l.max) {
        std::optional<TimePoint> oldest;
        for (auto& f : failures)
          if (f.key == l.key && f.at >= since && (!oldest || f.at < *oldest)) oldest = f.at;
        return {0, l.key, oldest};
      }
    ++lastAttempt;
    for (const auto& l : limits) failures.push_back({l.key, at, lastAttempt});
    return {lastAttempt, "", std::nullopt};
  }
  void attemptSucceeded(Id attempt, const std::string& clearKey) override {
    std::erase_if(failures, [&](auto& f) { return f.attempt == attempt || f.key == clearKey; });
  }
  void attemptFailed(Id, Id, const std::optional<OutboxMessage>& notice) override {
    if (notice &&
        std::none_of(notices.begin(), notices.end(), [&](auto& n) { return n.key == notice->key; }))
      notices.push_back(*notice);
  }
  int failuresSince(const std::string& key, TimePoint since) override {
    int n = 0;
    for (auto& f : failures) n += f.key == key && f.at >= since;
    return n;
  }
  struct Failure {
    std::string key;
    TimePoint at;
    Id attempt;
  };
  std::vector<Failure> failures;
  std::vector<OutboxMessage> notices;
  Id lastAttempt = 0;
  std::map<std::string, Session> sessions;
};

class FakeAuditLog final : public AuditLog {
 public:
  void append(const AuditEvent& e) override { events.push_back(e); }
  std::vector<StoredAuditEvent> recent(const std::vector<Id>&, int) override { return {}; }
  std::vector<StoredAuditEvent> forSubject(const std::string&, Id) override { return {}; }
  std::vector<AuditEvent> events;
};

// Signature requests, signatures and sealed documents in memory, with the repository's checks
// (kConflict when a request left the expected state, or a signature's plan moved on). FakePlans
// applies a transition's e-signature part here when its `signatures` points at one.
class FakeSignatures final : public SignatureRepository {
 public:
  std::vector<SignatureRequest> requests(Id planId) override {
    std::vector<SignatureRequest> out;
    for (auto& [id, r] : byId)
      if (r.planId == planId) out.push_back(r);
    return out;
  }
  std::optional<SignatureRequest> request(Id id) override {
    auto it = byId.find(id);
    if (it == byId.end()) return std::nullopt;
    return it->second;
  }
  std::optional<SignatureRequest> requestByTokenHash(const std::string& hash) override {
    for (auto& [id, r] : byId)
      if (!hash.empty() && r.tokenHash == hash) return r;
    return std::nullopt;
  }
  std::vector<SignatureRecord> signatures(Id planId, bool includeVoid) override {
    std::vector<SignatureRecord> out;
    for (auto& s : signed_)
      if (s.planId == planId && (includeVoid || s.voidedAt.empty())) out.push_back(s);
    return out;
  }
  std::vector<SealedDocument> sealed(Id planId) override {
    std::vector<SealedDocument> out;
    for (auto& d : sealedDocs)
      if (d.planId == planId) out.insert(out.begin(), d);
    return out;
  }
  std::optional<SealedDocument> sealedByFileHash(const std::string& sha256) override {
    for (auto& d : sealedDocs)
      if (d.pdfSha256 == sha256) return d;
    return std::nullopt;
  }
  std::vector<Id> plansWithOpenRequests() override {
    std::vector<Id> out;
    for (auto& [id, r] : byId)
      if (open(r) && std::find(out.begin(), out.end(), r.planId) == out.end())
        out.push_back(r.planId);
    return out;
  }
  Status updateRequest(const SignatureRequest& r, const std::string& expectedState,
                       const std::vector<AuditEvent>& es,
                       const std::vector<OutboxMessage>& ms) override {
    auto it = byId.find(r.id);
    if (it == byId.end() || it->second.state != expectedState) return movedOn();
    const int attempts = it->second.codeAttempts;  // only countCodeAttempt writes the count
    it->second = r;
    it->second.codeAttempts = attempts;
    audit.insert(audit.end(), es.begin(), es.end());
    outbox.queue(ms);
    return Ok{};
  }
  Status recordSignature(const SignatureRecord& s, const std::string& planState,
                         const std::vector<AuditEvent>& es,
                         const std::vector<OutboxMessage>& ms) override {
    if (plans) {
      auto p = plans->plan(s.planId);
      if (!p || p->state != planState || p->currentVersion != s.version)
        return conflict("This version is no longer the current one, so nothing was signed.");
    }
    if (!byId.count(s.requestId) || !open(byId[s.requestId])) return movedOn();
    insertSignature(s);
    audit.insert(audit.end(), es.begin(), es.end());
    outbox.queue(ms);
    return Ok{};
  }
  Status replaceRequest(Id oldId, const std::string& reason, const SignatureRequest& fresh,
                        const std::vector<AuditEvent>& es,
                        const std::vector<OutboxMessage>& ms) override {
    if (!byId.count(oldId) || !open(byId[oldId])) return movedOn();
    byId[oldId].state = requeststate::kReplaced;
    byId[oldId].stateReason = reason;
    insert(fresh);
    audit.insert(audit.end(), es.begin(), es.end());
    outbox.queue(ms);
    return Ok{};
  }
  void appendAudit(const AuditEvent& e) override { audit.push_back(e); }
  std::optional<int> countCodeAttempt(Id requestId, int limit) override {
    auto& r = byId.at(requestId);
    if (r.codeAttempts >= limit) return std::nullopt;
    return ++r.codeAttempts;
  }

  // A transition's e-signature part (the storage applies it in the transition's transaction).
  Status check(const TransitionChange& c) {
    if (c.signature && (!byId.count(c.signature->requestId) || !open(byId[c.signature->requestId])))
      return movedOn();
    return Ok{};
  }
  void apply(const TransitionChange& c) {
    if (c.voidSignatures) {
      for (auto& s : signed_)
        if (s.planId == c.planId && s.voidedAt.empty()) {
          s.voidedAt = "voided";
          s.voidReason = c.voidReason;
        }
      for (auto& [id, r] : byId)
        if (r.planId == c.planId && (open(r) || r.state == requeststate::kSigned)) {
          r.state = requeststate::kVoid;
          r.stateReason = c.voidReason;
        }
    }
    if (c.signature) insertSignature(*c.signature);
    for (const auto& r : c.newRequests) {
      if (r.id == 0)
        insert(r);
      else
        byId[r.id] = r;
    }
    if (c.sealed) sealedDocs.push_back(*c.sealed);
  }

  static bool open(const SignatureRequest& r) {
    return r.state == requeststate::kInvited || r.state == requeststate::kOpened;
  }

  std::map<Id, SignatureRequest> byId;
  std::vector<SignatureRecord> signed_;  // every signature, void ones included
  std::vector<SealedDocument> sealedDocs;
  std::vector<AuditEvent> audit;
  FakeOutbox outbox;
  PlanRepository* plans = nullptr;  // checked by recordSignature when set
  Id lastId = 300;

 private:
  void insert(SignatureRequest r) {
    r.id = ++lastId;
    byId[r.id] = r;
  }
  void insertSignature(SignatureRecord s) {
    s.id = ++lastId;
    signed_.push_back(s);
    byId[s.requestId].state = requeststate::kSigned;
  }
  static Error movedOn() { return conflict("This signature request changed just now."); }
};

// Documents kept in memory under their hash.
class FakeDocuments final : public DocumentStore {
 public:
  std::string put(const std::string& sha256, std::string_view bytes) override {
    files["mem:" + sha256] = std::string(bytes);
    return "mem:" + sha256;
  }
  std::string get(const std::string& location) const override { return files.at(location); }
  void remove(const std::string& location) override { files.erase(location); }
  std::map<std::string, std::string> files;
};

// Plans in memory, with the repository's optimistic concurrency: a change based on a state or
// version the plan has left is kConflict and changes nothing.
class FakePlans final : public PlanRepository {
 public:
  Id snapshot(const std::string& kind, const std::string&, int, const std::string& json) override {
    for (auto& [id, s] : snapshots)
      if (s.first == kind && s.second == json) return id;
    Id id = ++lastId;
    snapshots[id] = {kind, json};
    return id;
  }
  std::string snapshotJson(Id id) override { return snapshots.at(id).second; }
  std::optional<PlanRecord> plan(Id id) override {
    auto it = byId.find(id);
    if (it == byId.end()) return std::nullopt;
    return it->second;
  }
  std::vector<PlanSummary> plans(const PlanQuery& q) override {
    std::vector<PlanSummary> out;
    for (auto& [id, p] : byId)
      if (std::count(q.academyIds.begin(), q.academyIds.end(), p.academyId) &&
          (!q.pupilId || p.pupilId == q.pupilId)) {
        PlanSummary s;
        static_cast<PlanRecord&>(s) = p;
        out.push_back(s);
      }
    return out;
  }
  std::optional<PlanVersionRecord> version(Id planId, int number) override {
    auto it = versionsOf.find(planId);
    if (it == versionsOf.end() || number < 1 || number > static_cast<int>(it->second.size()))
      return std::nullopt;
    return it->second[static_cast<size_t>(number - 1)];
  }
  std::vector<PlanVersionRecord> versions(Id planId) override {
    auto vs = versionsOf[planId];
    std::reverse(vs.begin(), vs.end());
    return vs;
  }
  std::vector<SignerAssignment> signers(Id planId) override { return signersOf[planId]; }
  std::vector<TransitionRecord> transitions(Id planId) override { return transitionsOf[planId]; }
  std::map<Id, PlanDeadlineInputs> deadlineInputs(const std::vector<Id>& planIds) override {
    std::map<Id, PlanDeadlineInputs> out;
    for (Id id : planIds) {
      auto p = plan(id);
      if (!p) continue;
      auto v = version(id, p->currentVersion);
      out[id] = {v ? v->valuesJson : std::string(), transitionsOf[id]};
    }
    return out;
  }
  std::optional<PlanRecord> latestSuccessor(Id planId) override {
    std::optional<PlanRecord> out;
    for (auto& [id, p] : byId)
      if (p.reviewsPlanId == planId) out = p;
    return out;
  }
  std::vector<ReviewRequestRecord> reviewRequests(Id planId) override {
    return reviewRequestsOf[planId];
  }
  std::vector<Id> reviewsDueBy(const std::string& day,
                               const std::vector<std::string>& states) override {
    std::vector<Id> out;
    for (auto& [id, p] : byId)
      if (p.reviewDate && *p.reviewDate <= day && std::count(states.begin(), states.end(), p.state))
        out.push_back(id);
    return out;
  }
  Id create(const PlanRecord& plan, const PlanVersionRecord& first, const AuditEvent& e) override {
    PlanRecord p = plan;
    p.id = ++lastId;
    p.currentVersion = first.number;
    byId[p.id] = p;
    auto v = first;
    v.planId = p.id;
    versionsOf[p.id] = {v};
    auto stored = e;
    stored.subjectId = p.id;
    audit.push_back(stored);
    return p.id;
  }
  Status saveVersion(const std::string& expectedState, int expectedVersion,
                     const PlanVersionRecord& v, const AuditEvent& e) override {
    if (!current(v.planId, expectedState, expectedVersion)) return movedOn();
    versionsOf[v.planId].push_back(v);
    byId[v.planId].currentVersion = v.number;
    audit.push_back(e);
    return Ok{};
  }
  Result<Id> applyTransition(const TransitionChange& c) override {
    if (!current(c.planId, c.expectedState, c.expectedVersion)) return movedOn();
    if (c.reviewRequest &&
        c.reviewRequest->seq != static_cast<int>(reviewRequestsOf[c.planId].size()) + 1)
      return movedOn();
    if (signatures)
      if (auto st = signatures->check(c); !st) return st.error();
    changes.push_back(c);
    if (signatures) signatures->apply(c);
    auto& p = byId[c.planId];
    p.state = c.record.toState;
    if (c.reviewDate) p.reviewDate = *c.reviewDate;
    if (c.reviewReason) p.reviewReason = *c.reviewReason;
    if (c.activated) p.activatedAt = "activated";
    transitionsOf[c.planId].push_back(c.record);
    if (c.reviewRequest) reviewRequestsOf[c.planId].push_back(*c.reviewRequest);
    if (c.supersedePlanId && byId[c.supersedePlanId].state == c.supersedeRecord.fromState) {
      byId[c.supersedePlanId].state = c.supersedeRecord.toState;
      byId[c.supersedePlanId].reviewDate.reset();
      transitionsOf[c.supersedePlanId].push_back(c.supersedeRecord);
    }
    Id successor = 0;
    if (c.successor) successor = create(c.successor->first, c.successor->second, {});
    audit.insert(audit.end(), c.audit.begin(), c.audit.end());
    outbox.queue(c.outbox);
    return successor;
  }
  Status setSigners(Id planId, const std::string& expectedState, const std::string& slot,
                    const std::vector<SignerAssignment>& people, const AuditEvent& e) override {
    if (!byId.count(planId) || byId[planId].state != expectedState) return movedOn();
    auto& s = signersOf[planId];
    std::erase_if(s, [&](auto& a) { return a.slot == slot; });
    s.insert(s.end(), people.begin(), people.end());
    audit.push_back(e);
    return Ok{};
  }

  std::map<Id, PlanRecord> byId;
  std::map<Id, std::vector<PlanVersionRecord>> versionsOf;  // by number, from 1
  std::map<Id, std::vector<SignerAssignment>> signersOf;
  std::map<Id, std::vector<TransitionRecord>> transitionsOf;
  std::map<Id, std::vector<ReviewRequestRecord>> reviewRequestsOf;
  std::map<Id, std::pair<std::string, std::string>> snapshots;  // id -> (kind, json)
  std::vector<TransitionChange> changes;                        // applied transitions
  std::vector<AuditEvent> audit;
  FakeOutbox outbox;
  FakeSignatures* signatures = nullptr;  // receives a transition's e-signature part when set
  Id lastId = 1000;

 private:
  bool current(Id planId, const std::string& state, int version) {
    auto it = byId.find(planId);
    return it != byId.end() && it->second.state == state && it->second.currentVersion == version;
  }
  static Error movedOn() { return conflict("The plan changed meanwhile."); }
};

// For tests of plan rules that are not about e-signatures: signing transitions go through with
// no signature requests, voiding or sealing (PlanService refuses them with nothing registered).
class NoSigning final : public TransitionActions {
 public:
  Status prepare(ActionKind, const PlanView&, const TransitionDef&, TransitionChange&) override {
    ++calls;
    return Ok{};
  }
  int calls = 0;
};

class FakeLiveLog final : public LiveLog {
 public:
  // Plans with operations logged (the fake never folds, so every logged plan counts).
  std::vector<Id> unfolded() override {
    std::vector<Id> out;
    for (const auto& o : ops)
      if (std::find(out.begin(), out.end(), o.planId) == out.end()) out.push_back(o.planId);
    return out;
  }
  void append(const LiveOpRecord& r) override {
    if (failAppends) throw std::runtime_error("disk full");
    for (auto& o : ops)
      if (o.planId == r.planId && o.revision == r.revision)
        throw std::runtime_error("duplicate revision");
    ops.push_back(r);
  }
  std::vector<LiveOpRecord> since(Id planId, int baseVersion) override {
    std::vector<LiveOpRecord> out;
    for (auto& o : ops)
      if (o.planId == planId && o.baseVersion == baseVersion) out.push_back(o);
    return out;
  }
  std::int64_t headRevision(Id planId) override {
    std::int64_t head = 0;
    for (auto& o : ops)
      if (o.planId == planId) head = std::max(head, o.revision);
    return head;
  }
  std::map<std::string, std::int64_t> lastSeqs(Id planId) override {
    std::map<std::string, std::int64_t> out;
    for (auto& o : ops)
      if (o.planId == planId) out[o.clientId] = std::max(out[o.clientId], o.clientSeq);
    return out;
  }
  std::vector<LiveOpRecord> ops;
  bool failAppends = false;
};

class FakeContributions final : public ContributionRepository {
 public:
  std::vector<ContributionLink> links(Id planId) override {
    std::vector<ContributionLink> out;
    for (auto& [id, l] : byId)
      if (l.planId == planId) out.push_back(l);
    return out;
  }
  std::optional<ContributionLink> link(Id id) override {
    auto it = byId.find(id);
    if (it == byId.end()) return std::nullopt;
    return it->second;
  }
  std::optional<ContributionLink> byTokenHash(const std::string& hash) override {
    for (auto& [id, l] : byId)
      if (l.tokenHash == hash) return l;
    return std::nullopt;
  }
  Id create(const ContributionLink& link, const AuditEvent& e,
            const std::vector<OutboxMessage>& ms) override {
    ContributionLink l = link;
    l.id = ++lastId;
    byId[l.id] = l;
    audit.push_back(e);
    outbox.queue(ms);
    return l.id;
  }
  void update(const ContributionLink& l, const std::vector<AuditEvent>& es,
              const std::vector<OutboxMessage>& ms) override {
    byId[l.id] = l;
    audit.insert(audit.end(), es.begin(), es.end());
    outbox.queue(ms);
  }
  void appendAudit(const AuditEvent& e) override { audit.push_back(e); }

  std::map<Id, ContributionLink> byId;
  std::vector<AuditEvent> audit;
  FakeOutbox outbox;
  Id lastId = 500;
};

// The reminder scan's rows in memory: the store, its read side and the outbox writer in one.
// `rows` are the plans as the scan sees them; queued messages are kept once per key.
class FakeReminders final : public ReminderStore, public ReminderSource, public OutboxWriter {
 public:
  std::optional<std::string> lastCoveredDay() override {
    if (markedDays.empty()) return std::nullopt;
    return *std::max_element(markedDays.begin(), markedDays.end());
  }
  void writing(const std::function<void(ReminderSource&, OutboxWriter&)>& f) override {
    f(*this, *this);
  }
  void reading(const std::function<void(ReminderSource&)>& f) override { f(*this); }

  std::vector<Id> workflowSnapshotIds() override {
    std::vector<Id> out;
    for (const auto& r : rows)
      if (std::find(out.begin(), out.end(), r.workflowSnapshotId) == out.end())
        out.push_back(r.workflowSnapshotId);
    return out;
  }
  std::optional<std::string> earliestReviewDate() override {
    std::optional<std::string> out;
    for (const auto& r : rows)
      if (!r.reviewDate.empty() && (!out || r.reviewDate < *out)) out = r.reviewDate;
    return out;
  }
  void reviewsOn(const std::vector<std::string>& dates,
                 const std::function<void(const ReminderPlan&)>& f) override {
    for (const auto& r : rows)
      if (std::count(dates.begin(), dates.end(), r.reviewDate)) f(r);
  }
  void meetingsOn(const std::string& field, const std::vector<std::string>& dates,
                  const std::function<void(const ReminderPlan&)>& f) override {
    for (const auto& r : rows)
      if (std::count(dates.begin(), dates.end(), valueOf(r, field))) f(r);
  }
  void academyReviews(Id academyId, const std::string& until,
                      const std::function<void(const ReminderPlan&)>& f) override {
    auto sorted = rows;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](auto& a, auto& b) { return a.reviewDate < b.reviewDate; });
    for (const auto& r : sorted)
      if (r.academyId == academyId && !r.reviewDate.empty() && r.reviewDate <= until) f(r);
  }
  void academyMeetings(Id academyId, const std::string& field, const std::string& from,
                       const std::string& until,
                       const std::function<void(const ReminderPlan&)>& f) override {
    for (const auto& r : rows) {
      const std::string d = valueOf(r, field);
      if (r.academyId == academyId && !d.empty() && d >= from && d <= until) f(r);
    }
  }
  void plansInYearGroups(const std::string& type, const std::vector<std::string>& yearGroups,
                         const std::function<void(const ReminderPlan&)>& f) override {
    for (const auto& r : rows)
      if (r.type == type && std::count(yearGroups.begin(), yearGroups.end(), r.yearGroup)) f(r);
  }
  std::map<std::string, Date> transitionsFired(Id planId) override { return fired[planId]; }

  bool queue(const OutboxMessage& m) override {
    if (std::any_of(queued.begin(), queued.end(), [&](auto& q) { return q.key == m.key; }))
      return false;
    queued.push_back(m);
    return true;
  }
  void markDay(const std::string& isoDay, int) override { markedDays.push_back(isoDay); }

  std::vector<ReminderPlan> rows;
  std::map<Id, std::map<std::string, Date>> fired;
  std::vector<OutboxMessage> queued;
  std::vector<std::string> markedDays;

 private:
  static std::string valueOf(const ReminderPlan& r, const std::string& field) {
    auto v = parseValues(r.valuesJson);
    if (!v) return "";
    return v.value()->optValue<std::string>(field, "");
  }
};

// Actions recorded, in order.
inline std::vector<std::string> actionsOf(const std::vector<AuditEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.action);
  return out;
}

}  // namespace sendflow::testing
