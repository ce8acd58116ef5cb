// In-memory fakes of the engine's ports (engine/core/ports.h and the services' repositories),
// shared by the engine's unit tests. Each keeps its rows in public maps the tests arrange and
// inspect, records the audit events and outbox messages it was given, and honours the ports'
// contracts the services rely on (kConflict on a stale state or version, idempotent outbox keys)
// without any SQL. Fakes live only here, for tests of engine/.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/contributions/contributions.h"
#include "sendflow/engine/core/crypto.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/engine/live/live.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::testing {

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
  std::optional<PlanRecord> latestSuccessor(Id planId) override {
    std::optional<PlanRecord> out;
    for (auto& [id, p] : byId)
      if (p.reviewsPlanId == planId) out = p;
    return out;
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
    changes.push_back(c);
    auto& p = byId[c.planId];
    p.state = c.record.toState;
    if (c.reviewDate) p.reviewDate = *c.reviewDate;
    if (c.reviewReason) p.reviewReason = *c.reviewReason;
    if (c.activated) p.activatedAt = "activated";
    transitionsOf[c.planId].push_back(c.record);
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
  std::map<Id, std::pair<std::string, std::string>> snapshots;  // id -> (kind, json)
  std::vector<TransitionChange> changes;                        // applied transitions
  std::vector<AuditEvent> audit;
  FakeOutbox outbox;
  Id lastId = 1000;

 private:
  bool current(Id planId, const std::string& state, int version) {
    auto it = byId.find(planId);
    return it != byId.end() && it->second.state == state && it->second.currentVersion == version;
  }
  static Error movedOn() { return conflict("The plan changed meanwhile."); }
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

// Actions recorded, in order.
inline std::vector<std::string> actionsOf(const std::vector<AuditEvent>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.action);
  return out;
}

}  // namespace sendflow::testing
