// SQLite implementations of engine's people, session and audit ports.
#pragma once

#include "sendflow/engine/core/audit_anchor.h"
#include "sendflow/engine/core/ports.h"
#include "sendflow/storage/integrity.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

class SqlitePeopleRepository final : public engine::PeopleRepository {
 public:
  explicit SqlitePeopleRepository(Store& store) : store_(store) {}

  std::vector<engine::Academy> academies() override;
  std::optional<engine::Academy> academy(engine::Id id) override;
  engine::Id createAcademy(const std::string& name, const engine::AuditEvent& audit) override;

  std::optional<engine::User> userByEmail(const std::string& email) override;
  std::optional<engine::User> userById(engine::Id id) override;
  std::vector<engine::User> users(const std::vector<engine::Id>& academyIds) override;
  engine::Id createUser(const engine::User& user, const engine::AuditEvent& audit) override;
  void updateUser(const engine::User& user, const engine::AuditEvent& audit,
                  const engine::EndSessions& sessions) override;

  std::vector<engine::Pupil> pupils(const engine::PupilQuery& q) override;
  std::optional<engine::Pupil> pupil(engine::Id id) override;
  engine::Id createPupil(const engine::Pupil& p, const engine::AuditEvent& audit) override;
  void updatePupil(const engine::Pupil& p, const engine::AuditEvent& audit) override;

  std::vector<engine::Contact> contacts(engine::Id pupilId) override;
  std::optional<engine::Contact> contact(engine::Id id) override;
  engine::Id createContact(const engine::Contact& c, const engine::AuditEvent& audit) override;
  void updateContact(const engine::Contact& c, const engine::AuditEvent& audit) override;

 private:
  Store& store_;
};

class SqliteSessionRepository final : public engine::SessionRepository {
 public:
  explicit SqliteSessionRepository(Store& store) : store_(store) {}
  void create(const engine::Session& s) override;
  std::optional<engine::Session> find(const std::string& idHash) override;
  void touch(const std::string& idHash, engine::TimePoint at) override;
  void remove(const std::string& idHash) override;
  void removeForUser(engine::Id userId) override;
  void removeOlderThan(engine::TimePoint createdBefore, engine::TimePoint idleBefore) override;
  engine::SignInAttempt beginAttempt(const std::vector<engine::AttemptLimit>& limits,
                                     engine::TimePoint since, engine::TimePoint at) override;
  void attemptSucceeded(engine::Id attempt, const std::string& clearKey) override;
  void attemptFailed(engine::Id attempt, engine::Id userId,
                     const std::optional<engine::OutboxMessage>& notice) override;
  int failuresSince(const std::string& key, engine::TimePoint since) override;

 private:
  Store& store_;
};

class SqliteAuditLog final : public engine::AuditLog {
 public:
  explicit SqliteAuditLog(Store& store) : store_(store) {}
  void append(const engine::AuditEvent& e) override;
  void appendRead(const engine::AuditEvent& e) override;  // Store::appendDeferredAudit
  std::vector<engine::StoredAuditEvent> recent(const std::vector<engine::Id>& academyIds,
                                               int limit) override;
  std::vector<engine::StoredAuditEvent> forSubject(const std::string& type, engine::Id id) override;

  // Recomputes the chain and checks it against its head (storage/integrity.h checkAuditChain).
  AuditChainCheck verify();

  // On one read snapshot: the chain and its head, the chain's hash at each anchor's event,
  // and every plan version against its content hash and the audit event that made it.
  struct Verification {
    AuditChainCheck chain;
    engine::Id lastId = 0;
    std::vector<std::optional<std::string>> hashAtAnchor;  // parallel to the anchors given
    VersionCheck versions;                                 // both checks' problems
  };
  Verification verify(const std::vector<engine::AuditAnchor>& anchors);

 private:
  Store& store_;
};

}  // namespace sendflow::storage
