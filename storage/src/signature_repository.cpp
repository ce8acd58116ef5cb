#include "sendflow/storage/signature_repository.h"

#include <algorithm>

#include "sendflow/storage/outbox_repository.h"

namespace sendflow::storage {

using engine::Id;

namespace {

constexpr const char* kRequestColumns =
    "id, plan_id, version, content_hash, slot, slot_label, slot_order, required, person_ref, name, "
    "email, COALESCE(token_hash,''), state, state_reason, created_at, expires_at, opened_at, "
    "last_sent_at, sends, expiry_warned, code_required, code_hash, code_expires_at, code_attempts, "
    "code_verified, link_salt";

engine::SignatureRequest readRequest(const Statement& st) {
  engine::SignatureRequest r;
  r.id = st.getInt(0);
  r.planId = st.getInt(1);
  r.version = static_cast<int>(st.getInt(2));
  r.contentHash = st.getText(3);
  r.slot = st.getText(4);
  r.slotLabel = st.getText(5);
  r.order = static_cast<int>(st.getInt(6));
  r.required = st.getInt(7) != 0;
  r.personRef = st.getText(8);
  r.name = st.getText(9);
  r.email = st.getText(10);
  r.tokenHash = st.getText(11);
  r.state = st.getText(12);
  r.stateReason = st.getText(13);
  r.createdAt = st.getText(14);
  r.expiresAt = st.getText(15);
  r.openedAt = st.getText(16);
  r.lastSentAt = st.getText(17);
  r.sends = static_cast<int>(st.getInt(18));
  r.expiryWarned = st.getInt(19) != 0;
  r.codeRequired = st.getInt(20) != 0;
  r.codeHash = st.getText(21);
  r.codeExpiresAt = st.getText(22);
  r.codeAttempts = static_cast<int>(st.getInt(23));
  r.codeVerified = st.getInt(24) != 0;
  r.linkSalt = st.getText(25);
  return r;
}

void bindToken(Statement& st, int i, const std::string& hash) {
  if (hash.empty())
    st.bindNull(i);
  else
    st.bind(i, hash);
}

void insertRequest(Database& db, const engine::SignatureRequest& r) {
  Statement st(
      db,
      "INSERT INTO signature_request(plan_id, version, content_hash, slot, slot_label, slot_order, "
      "required, person_ref, name, email, token_hash, state, state_reason, created_at, expires_at, "
      "opened_at, last_sent_at, sends, expiry_warned, code_required, link_salt) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, r.planId)
      .bind(2, r.version)
      .bind(3, r.contentHash)
      .bind(4, r.slot)
      .bind(5, r.slotLabel);
  st.bind(6, r.order)
      .bind(7, r.required ? 1 : 0)
      .bind(8, r.personRef)
      .bind(9, r.name)
      .bind(10, r.email);
  bindToken(st, 11, r.tokenHash);
  st.bind(12, r.state).bind(13, r.stateReason).bind(14, r.createdAt).bind(15, r.expiresAt);
  st.bind(16, r.openedAt).bind(17, r.lastSentAt).bind(18, r.sends).bind(19, r.expiryWarned ? 1 : 0);
  st.bind(20, r.codeRequired ? 1 : 0).bind(21, r.linkSalt).run();
}

void writeRequest(Database& db, const engine::SignatureRequest& r) {
  Statement st(db,
               "UPDATE signature_request SET token_hash=?, state=?, state_reason=?, expires_at=?, "
               "opened_at=?, "
               "last_sent_at=?, sends=?, expiry_warned=?, code_hash=?, code_expires_at=?, "
               "code_verified=?, link_salt=? WHERE id=?");
  bindToken(st, 1, r.tokenHash);
  st.bind(2, r.state)
      .bind(3, r.stateReason)
      .bind(4, r.expiresAt)
      .bind(5, r.openedAt)
      .bind(6, r.lastSentAt);
  st.bind(7, r.sends).bind(8, r.expiryWarned ? 1 : 0).bind(9, r.codeHash).bind(10, r.codeExpiresAt);
  // code_attempts is left alone: only countCodeAttempt changes it (a stale copy written back here
  // would undo attempts counted meanwhile).
  st.bind(11, r.codeVerified ? 1 : 0).bind(12, r.linkSalt).bind(13, r.id).run();
}

void insertSignature(Database& db, const engine::SignatureRecord& s) {
  Statement st(
      db,
      "INSERT INTO signature(request_id, plan_id, version, content_hash, slot, slot_label, "
      "person_ref, "
      "name, email, signed_at, ip, user_agent, method, typed_name, drawn_png, consent_text) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, s.requestId)
      .bind(2, s.planId)
      .bind(3, s.version)
      .bind(4, s.contentHash)
      .bind(5, s.slot);
  st.bind(6, s.slotLabel)
      .bind(7, s.personRef)
      .bind(8, s.name)
      .bind(9, s.email)
      .bind(10, s.signedAt);
  st.bind(11, s.ip).bind(12, s.userAgent).bind(13, s.method).bind(14, s.typedName);
  if (s.drawnPng.empty())
    st.bindNull(15);
  else
    st.bindBlob(15, s.drawnPng);
  st.bind(16, s.consentText).run();
  Statement up(db, "UPDATE signature_request SET state='signed' WHERE id=?");
  up.bind(1, s.requestId).run();
}

bool requestOpen(Database& db, Id id) {
  Statement st(db, "SELECT state FROM signature_request WHERE id=?");
  st.bind(1, id);
  if (!st.step()) return false;
  auto s = st.getText(0);
  return s == "invited" || s == "opened";
}

engine::Error movedOn() {
  return engine::conflict(
      "This signature request changed just now (signed, declined or recalled). Reload the page.");
}

}  // namespace

engine::Status checkSignatureChange(Database& db, const engine::TransitionChange& c) {
  if (c.signature && !requestOpen(db, c.signature->requestId)) return movedOn();
  return engine::Ok{};
}

void applySignatureChange(Database& db, const engine::TransitionChange& c, const std::string& at) {
  if (c.voidSignatures) {
    Statement v(db,
                "UPDATE signature SET voided_at=?, void_reason=? WHERE plan_id=? AND voided_at=''");
    v.bind(1, at).bind(2, c.voidReason).bind(3, c.planId).run();
    Statement r(db,
                "UPDATE signature_request SET state='void', state_reason=? WHERE plan_id=? AND "
                "state IN ('invited','opened','signed')");
    r.bind(1, c.voidReason).bind(2, c.planId).run();
  }
  if (c.signature) insertSignature(db, *c.signature);
  for (const auto& r : c.newRequests) {
    if (r.id == 0)
      insertRequest(db, r);
    else
      writeRequest(db, r);
  }
  if (c.sealed) {
    const auto& s = *c.sealed;
    Statement st(db,
                 "INSERT INTO sealed_document(plan_id, version, content_hash, pdf_sha256, path, "
                 "cert_sha256, "
                 "sealed_at) VALUES (?,?,?,?,?,?,?)");
    st.bind(1, s.planId)
        .bind(2, s.version)
        .bind(3, s.contentHash)
        .bind(4, s.pdfSha256)
        .bind(5, s.path);
    st.bind(6, s.certSha256).bind(7, s.sealedAt.empty() ? at : s.sealedAt).run();
  }
}

std::vector<engine::SignatureRequest> SqliteSignatureRepository::requests(Id planId) {
  return store_.read([&](Database& db) {
    // Sorted here, not by ORDER BY: the plan_id index gives them in version order, and SQLite's
    // sorter for a plan's handful of rows cost more than reading them (perf of the plan page).
    Statement st(
        db, std::string("SELECT ") + kRequestColumns + " FROM signature_request WHERE plan_id=?");
    st.bind(1, planId);
    std::vector<engine::SignatureRequest> out;
    while (st.step()) out.push_back(readRequest(st));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.id < b.id; });
    return out;
  });
}

std::optional<engine::SignatureRequest> SqliteSignatureRepository::request(Id id) {
  return store_.read([&](Database& db) -> std::optional<engine::SignatureRequest> {
    Statement st(db,
                 std::string("SELECT ") + kRequestColumns + " FROM signature_request WHERE id=?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return readRequest(st);
  });
}

std::optional<engine::SignatureRequest> SqliteSignatureRepository::requestByTokenHash(
    const std::string& hash) {
  return store_.read([&](Database& db) -> std::optional<engine::SignatureRequest> {
    Statement st(db, std::string("SELECT ") + kRequestColumns +
                         " FROM signature_request WHERE token_hash=?");
    st.bind(1, hash);
    if (!st.step()) return std::nullopt;
    return readRequest(st);
  });
}

std::vector<engine::SignatureRecord> SqliteSignatureRepository::signatures(Id planId,
                                                                           bool includeVoid) {
  return store_.read([&](Database& db) {
    Statement st(db,
                 "SELECT id, request_id, plan_id, version, content_hash, slot, slot_label, "
                 "person_ref, name, email, "
                 "signed_at, ip, user_agent, method, typed_name, drawn_png, consent_text, "
                 "voided_at, void_reason "
                 "FROM signature WHERE plan_id=? ORDER BY id");
    st.bind(1, planId);
    std::vector<engine::SignatureRecord> out;
    while (st.step()) {
      engine::SignatureRecord s;
      s.id = st.getInt(0);
      s.requestId = st.getInt(1);
      s.planId = st.getInt(2);
      s.version = static_cast<int>(st.getInt(3));
      s.contentHash = st.getText(4);
      s.slot = st.getText(5);
      s.slotLabel = st.getText(6);
      s.personRef = st.getText(7);
      s.name = st.getText(8);
      s.email = st.getText(9);
      s.signedAt = st.getText(10);
      s.ip = st.getText(11);
      s.userAgent = st.getText(12);
      s.method = st.getText(13);
      s.typedName = st.getText(14);
      s.drawnPng = st.getText(15);
      s.consentText = st.getText(16);
      s.voidedAt = st.getText(17);
      s.voidReason = st.getText(18);
      if (includeVoid || s.voidedAt.empty()) out.push_back(std::move(s));
    }
    return out;
  });
}

namespace {
constexpr const char* kSealedColumns =
    "plan_id, version, content_hash, pdf_sha256, path, cert_sha256, sealed_at";
engine::SealedDocument readSealed(const Statement& st) {
  return {st.getInt(0),  static_cast<int>(st.getInt(1)),
          st.getText(2), st.getText(3),
          st.getText(4), st.getText(5),
          st.getText(6)};
}
}  // namespace

std::vector<engine::SealedDocument> SqliteSignatureRepository::sealed(Id planId) {
  return store_.read([&](Database& db) {
    Statement st(db, std::string("SELECT ") + kSealedColumns +
                         " FROM sealed_document WHERE plan_id=? ORDER BY version DESC");
    st.bind(1, planId);
    std::vector<engine::SealedDocument> out;
    while (st.step()) out.push_back(readSealed(st));
    return out;
  });
}

std::optional<engine::SealedDocument> SqliteSignatureRepository::sealedByFileHash(
    const std::string& sha256) {
  return store_.read([&](Database& db) -> std::optional<engine::SealedDocument> {
    Statement st(
        db, std::string("SELECT ") + kSealedColumns + " FROM sealed_document WHERE pdf_sha256=?");
    st.bind(1, sha256);
    if (!st.step()) return std::nullopt;
    return readSealed(st);
  });
}

std::vector<Id> SqliteSignatureRepository::plansWithOpenRequests() {
  return store_.read([&](Database& db) {
    Statement st(db,
                 "SELECT DISTINCT plan_id FROM signature_request WHERE state IN "
                 "('invited','opened') ORDER BY plan_id");
    std::vector<Id> out;
    while (st.step()) out.push_back(st.getInt(0));
    return out;
  });
}

engine::Status SqliteSignatureRepository::updateRequest(
    const engine::SignatureRequest& r, const std::string& expectedState,
    const std::vector<engine::AuditEvent>& audit,
    const std::vector<engine::OutboxMessage>& outbox) {
  return store_.write([&](Database& db) -> engine::Status {
    Statement cur(db, "SELECT state FROM signature_request WHERE id=?");
    cur.bind(1, r.id);
    if (!cur.step() || cur.getText(0) != expectedState) return movedOn();
    writeRequest(db, r);
    for (const auto& e : audit) store_.appendAudit(db, e);
    for (const auto& m : outbox) insertOutbox(db, m);
    return engine::Ok{};
  });
}

engine::Status SqliteSignatureRepository::recordSignature(
    const engine::SignatureRecord& s, const std::string& planState,
    const std::vector<engine::AuditEvent>& audit,
    const std::vector<engine::OutboxMessage>& outbox) {
  return store_.write([&](Database& db) -> engine::Status {
    Statement plan(db, "SELECT state, current_version FROM plan WHERE id=?");
    plan.bind(1, s.planId);
    if (!plan.step() || plan.getText(0) != planState || plan.getInt(1) != s.version)
      return engine::conflict("This version is no longer the current one, so nothing was signed.");
    if (!requestOpen(db, s.requestId)) return movedOn();
    insertSignature(db, s);
    for (const auto& e : audit) store_.appendAudit(db, e);
    for (const auto& m : outbox) insertOutbox(db, m);
    return engine::Ok{};
  });
}

engine::Status SqliteSignatureRepository::replaceRequest(
    Id oldId, const std::string& reason, const engine::SignatureRequest& fresh,
    const std::vector<engine::AuditEvent>& audit,
    const std::vector<engine::OutboxMessage>& outbox) {
  return store_.write([&](Database& db) -> engine::Status {
    if (!requestOpen(db, oldId)) return movedOn();
    Statement st(db, "UPDATE signature_request SET state='replaced', state_reason=? WHERE id=?");
    st.bind(1, reason).bind(2, oldId).run();
    insertRequest(db, fresh);
    for (const auto& e : audit) store_.appendAudit(db, e);
    for (const auto& m : outbox) insertOutbox(db, m);
    return engine::Ok{};
  });
}

void SqliteSignatureRepository::appendAudit(const engine::AuditEvent& e) {
  store_.write([&](Database& db) { store_.appendAudit(db, e); });
}

std::optional<int> SqliteSignatureRepository::countCodeAttempt(Id requestId, int limit) {
  return store_.write([&](Database& db) -> std::optional<int> {
    Statement st(db,
                 "UPDATE signature_request SET code_attempts=code_attempts+1 "
                 "WHERE id=? AND code_attempts<? RETURNING code_attempts");
    st.bind(1, requestId).bind(2, limit);
    if (!st.step()) return std::nullopt;
    int attempt = static_cast<int>(st.getInt(0));
    st.run();  // finish the statement so the update is complete before commit
    return attempt;
  });
}

std::optional<AuditHead> auditHead(Store& store) {
  store.flushDeferredAudit();  // the head covers every read event queued so far
  return store.read([&](Database& db) -> std::optional<AuditHead> {
    Statement st(db, "SELECT last_id, hash, count FROM audit_head WHERE id=1");
    if (!st.step()) return std::nullopt;
    return AuditHead{st.getInt(0), st.getText(1), st.getInt(2)};
  });
}

std::pair<engine::Id, std::string> lastAuditEvent(Store& store) {
  return store.read([](Database& db) {
    Statement st(db, "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1");
    if (!st.step()) return std::make_pair(engine::Id{0}, std::string());
    return std::make_pair(st.getInt(0), st.getText(1));
  });
}

}  // namespace sendflow::storage
