#include "sendflow/storage/contribution_repository.h"

#include "sendflow/storage/outbox_repository.h"

namespace sendflow::storage {

using engine::Id;

namespace {

constexpr const char* kColumns =
    "SELECT id, plan_id, contact_id, kind, name, email, link_salt, token_hash, created_by, "
    "created_at, "
    "expires_at, revoked_at, opened_at, sends FROM contribution_link ";

engine::ContributionLink readLink(const Statement& st) {
  engine::ContributionLink l;
  l.id = st.getInt(0);
  l.planId = st.getInt(1);
  l.contactId = st.getInt(2);
  l.kind = st.getText(3);
  l.name = st.getText(4);
  l.email = st.getText(5);
  l.linkSalt = st.getText(6);
  l.tokenHash = st.getText(7);
  l.createdBy = st.getText(8);
  l.createdAt = st.getText(9);
  l.expiresAt = st.getText(10);
  l.revokedAt = st.getText(11);
  l.openedAt = st.getText(12);
  l.sends = static_cast<int>(st.getInt(13));
  return l;
}

}  // namespace

std::vector<engine::ContributionLink> SqliteContributionRepository::links(Id planId) {
  return store_.read([&](Database& db) {
    Statement st(db, std::string(kColumns) + "WHERE plan_id=? ORDER BY id");
    st.bind(1, planId);
    std::vector<engine::ContributionLink> out;
    while (st.step()) out.push_back(readLink(st));
    return out;
  });
}

std::optional<engine::ContributionLink> SqliteContributionRepository::link(Id id) {
  return store_.read([&](Database& db) -> std::optional<engine::ContributionLink> {
    Statement st(db, std::string(kColumns) + "WHERE id=?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return readLink(st);
  });
}

std::optional<engine::ContributionLink> SqliteContributionRepository::byTokenHash(
    const std::string& hash) {
  return store_.read([&](Database& db) -> std::optional<engine::ContributionLink> {
    Statement st(db, std::string(kColumns) + "WHERE token_hash=?");
    st.bind(1, hash);
    if (!st.step()) return std::nullopt;
    return readLink(st);
  });
}

Id SqliteContributionRepository::create(const engine::ContributionLink& l,
                                        const engine::AuditEvent& audit,
                                        const std::vector<engine::OutboxMessage>& outbox) {
  return store_.write([&](Database& db) {
    Statement st(db,
                 "INSERT INTO contribution_link(plan_id, contact_id, kind, name, email, link_salt, "
                 "token_hash, "
                 "created_by, created_at, expires_at, revoked_at, opened_at, sends) VALUES "
                 "(?,?,?,?,?,?,?,?,?,?,?,?,?)");
    st.bind(1, l.planId).bind(2, l.contactId).bind(3, l.kind).bind(4, l.name).bind(5, l.email);
    st.bind(6, l.linkSalt).bind(7, l.tokenHash).bind(8, l.createdBy).bind(9, l.createdAt);
    st.bind(10, l.expiresAt).bind(11, l.revokedAt).bind(12, l.openedAt).bind(13, l.sends).run();
    const Id id = db.lastInsertId();
    store_.appendAudit(db, audit);
    for (const auto& m : outbox) insertOutbox(db, m);
    return id;
  });
}

void SqliteContributionRepository::update(const engine::ContributionLink& l,
                                          const std::vector<engine::AuditEvent>& audit,
                                          const std::vector<engine::OutboxMessage>& outbox) {
  store_.write([&](Database& db) {
    Statement st(db,
                 "UPDATE contribution_link SET kind=?, name=?, email=?, expires_at=?, "
                 "revoked_at=?, opened_at=?, "
                 "sends=? WHERE id=?");
    st.bind(1, l.kind).bind(2, l.name).bind(3, l.email).bind(4, l.expiresAt).bind(5, l.revokedAt);
    st.bind(6, l.openedAt).bind(7, l.sends).bind(8, l.id).run();
    for (const auto& e : audit) store_.appendAudit(db, e);
    for (const auto& m : outbox) insertOutbox(db, m);
  });
}

void SqliteContributionRepository::appendAudit(const engine::AuditEvent& e) {
  store_.write([&](Database& db) { store_.appendAudit(db, e); });
}

}  // namespace sendflow::storage
