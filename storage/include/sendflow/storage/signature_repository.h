// SQLite implementation of engine's SignatureRepository, the e-signature part of a transition
// (applied inside SqlitePlanRepository::applyTransition) and the audit chain's head.
#pragma once

#include "sendflow/engine/signing/signatures.h"
#include "sendflow/storage/store.h"

namespace sendflow::storage {

class SqliteSignatureRepository final : public engine::SignatureRepository {
 public:
  explicit SqliteSignatureRepository(Store& store) : store_(store) {}

  std::vector<engine::SignatureRequest> requests(engine::Id planId) override;
  std::optional<engine::SignatureRequest> request(engine::Id id) override;
  std::optional<engine::SignatureRequest> requestByTokenHash(const std::string& hash) override;
  std::vector<engine::SignatureRecord> signatures(engine::Id planId, bool includeVoid) override;
  std::vector<engine::SealedDocument> sealed(engine::Id planId) override;
  std::optional<engine::SealedDocument> sealedByFileHash(const std::string& sha256) override;
  std::vector<engine::Id> plansWithOpenRequests() override;
  engine::Status updateRequest(const engine::SignatureRequest& r, const std::string& expectedState,
                               const std::vector<engine::AuditEvent>& audit,
                               const std::vector<engine::OutboxMessage>& outbox) override;
  engine::Status recordSignature(const engine::SignatureRecord& s, const std::string& planState,
                                 const std::vector<engine::AuditEvent>& audit,
                                 const std::vector<engine::OutboxMessage>& outbox) override;
  engine::Status replaceRequest(engine::Id oldId, const std::string& reason,
                                const engine::SignatureRequest& fresh,
                                const std::vector<engine::AuditEvent>& audit,
                                const std::vector<engine::OutboxMessage>& outbox) override;
  void appendAudit(const engine::AuditEvent& e) override;
  std::optional<int> countCodeAttempt(engine::Id requestId, int limit) override;

 private:
  Store& store_;
};

// The e-signature part of a transition. REQUIRES: inside Store::write, before anything else of
// the change is written. Returns an error (nothing written) when the completing signature's
// request is no longer open.
engine::Status checkSignatureChange(Database& db, const engine::TransitionChange& c);
void applySignatureChange(Database& db, const engine::TransitionChange& c, const std::string& at);

// The newest event the chain head recorded: (last id, its hash, how many events were appended).
struct AuditHead {
  engine::Id lastId = 0;
  std::string hash;
  int64_t count = 0;
};
std::optional<AuditHead> auditHead(Store& store);
// The newest audit event actually present: (id, hash), or (0, "") when there is none.
std::pair<engine::Id, std::string> lastAuditEvent(Store& store);

}  // namespace sendflow::storage
