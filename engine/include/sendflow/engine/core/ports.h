// Interfaces engine needs from the outside world, implemented by storage/ (SQLite).
// Every method that changes data is one transaction and takes the audit event(s) to append
// in that same transaction. Implementations are thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/engine/reminders/outbox.h"

namespace sendflow::engine {

struct PupilQuery {
  std::vector<Id> academyIds;  // scope: only these academies
  std::string search;          // matches legal/preferred name or UPN, case-insensitive
  bool includeInactive = false;
  int limit = 200;
};

// Sessions that a change to an account ends, in the same transaction as the change.
struct EndSessions {
  bool end = false;        // false: the user's sessions are left alone
  std::string keepIdHash;  // this session stays (the one changing its own password); "" for none
  AuditEvent audit;        // appended when `end`
};

class PeopleRepository {
 public:
  virtual ~PeopleRepository() = default;

  virtual std::vector<Academy> academies() = 0;
  virtual std::optional<Academy> academy(Id id) = 0;
  virtual Id createAcademy(const std::string& name, const AuditEvent& audit) = 0;

  virtual std::optional<User> userByEmail(const std::string& email) = 0;  // case-insensitive
  virtual std::optional<User> userById(Id id) = 0;
  virtual std::vector<User> users(const std::vector<Id>& academyIds) = 0;  // members of any of them
  virtual Id createUser(const User& user, const AuditEvent& audit) = 0;    // REQUIRES: email unused
  // Includes memberships; ends the user's sessions as `sessions` says.
  virtual void updateUser(const User& user, const AuditEvent& audit,
                          const EndSessions& sessions) = 0;

  virtual std::vector<Pupil> pupils(const PupilQuery& q) = 0;
  virtual std::optional<Pupil> pupil(Id id) = 0;
  virtual Id createPupil(const Pupil& p, const AuditEvent& audit) = 0;
  virtual void updatePupil(const Pupil& p, const AuditEvent& audit) = 0;

  virtual std::vector<Contact> contacts(Id pupilId) = 0;
  virtual std::optional<Contact> contact(Id id) = 0;
  virtual Id createContact(const Contact& c, const AuditEvent& audit) = 0;
  virtual void updateContact(const Contact& c, const AuditEvent& audit) = 0;
};

struct Session {
  std::string idHash;  // SHA-256 of the cookie value; the raw id is never stored
  Id userId = 0;
  TimePoint createdAt;
  TimePoint lastSeenAt;
  std::string ip;
  std::string userAgent;
};

// A sign-in attempt is refused once `max` failures were recorded under `key` within the window.
struct AttemptLimit {
  std::string key;  // "email:<address>", "ip:<address>" or "email:<address>|ip:<address>"
  int max = 0;
};

struct SignInAttempt {
  Id id = 0;                        // 0: refused
  std::string refusedBy;            // the key whose limit was reached
  std::optional<TimePoint> oldest;  // that key's oldest failure in the window (for Retry-After)
};

class SessionRepository {
 public:
  virtual ~SessionRepository() = default;
  virtual void create(const Session& s) = 0;
  virtual std::optional<Session> find(const std::string& idHash) = 0;
  virtual void touch(const std::string& idHash, TimePoint at) = 0;
  virtual void remove(const std::string& idHash) = 0;
  virtual void removeForUser(Id userId) = 0;
  virtual void removeOlderThan(TimePoint createdBefore, TimePoint idleBefore) = 0;

  // Counts a sign-in attempt before the password is checked, atomically (one transaction): when
  // any key already has `max` failures since `since`, nothing is written and the attempt is
  // refused; otherwise a failure is recorded now under every key, so concurrent attempts see
  // each other. attemptSucceeded withdraws it; attemptFailed keeps it.
  virtual SignInAttempt beginAttempt(const std::vector<AttemptLimit>& limits, TimePoint since,
                                     TimePoint at) = 0;
  // Withdraws the attempt's failures and forgets earlier failures under `clearKey`.
  virtual void attemptSucceeded(Id attempt, const std::string& clearKey) = 0;
  // Audits the failure (login.failure, against `userId` when the account exists) and queues
  // `notice` (idempotent by its key) in the same transaction.
  virtual void attemptFailed(Id attempt, Id userId, const std::optional<OutboxMessage>& notice) = 0;

  // Failures recorded under `key` since then (attempts in progress included).
  virtual int failuresSince(const std::string& key, TimePoint since) = 0;
};

class AuditLog {
 public:
  virtual ~AuditLog() = default;
  virtual void append(const AuditEvent& e) = 0;  // its own transaction
  // A read's event: may be committed in a group with others, durable within the store's stated
  // delay (docs/security.md) instead of before this returns; never lost on a clean shutdown.
  virtual void appendRead(const AuditEvent& e) { append(e); }
  virtual std::vector<StoredAuditEvent> recent(const std::vector<Id>& academyIds, int limit) = 0;
  virtual std::vector<StoredAuditEvent> forSubject(const std::string& type, Id id) = 0;
};

}  // namespace sendflow::engine
