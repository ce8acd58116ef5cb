#include "sendflow/storage/repositories.h"

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/integrity.h"
#include "sendflow/storage/outbox_repository.h"

namespace sendflow::storage {

using engine::Id;

namespace {

std::string nowIso(Store& s) { return engine::isoTime(s.clock().now()); }

std::vector<engine::Membership> membershipsOf(Database& db, Id userId) {
  std::vector<engine::Membership> out;
  Statement st(db,
               "SELECT academy_id, role FROM membership WHERE user_id=? ORDER BY academy_id, role");
  st.bind(1, userId);
  while (st.step()) {
    if (auto r = engine::parseRole(st.getText(1))) out.push_back({st.getInt(0), *r});
  }
  return out;
}

std::optional<engine::User> readUser(Database& db, Statement& st) {
  if (!st.step()) return std::nullopt;
  engine::User u;
  u.id = st.getInt(0);
  u.email = st.getText(1);
  u.name = st.getText(2);
  u.passwordHash = st.getText(3);
  u.active = st.getInt(4) != 0;
  u.memberships = membershipsOf(db, u.id);
  return u;
}

void writeMemberships(Database& db, const engine::User& u) {
  Statement del(db, "DELETE FROM membership WHERE user_id=?");
  del.bind(1, u.id).run();
  Statement ins(db, "INSERT OR IGNORE INTO membership(user_id, academy_id, role) VALUES (?,?,?)");
  for (const auto& m : u.memberships) {
    ins.bind(1, u.id).bind(2, m.academyId).bind(3, engine::roleName(m.role)).run();
    ins.reset();
  }
}

constexpr const char* kPupilColumns =
    "id, academy_id, legal_name, preferred_name, date_of_birth, year_group, upn, active";

engine::Pupil readPupil(const Statement& st) {
  return engine::Pupil{st.getInt(0),  st.getInt(1),  st.getText(2), st.getText(3),
                       st.getText(4), st.getText(5), st.getText(6), st.getInt(7) != 0};
}

engine::Contact readContact(const Statement& st) {
  return engine::Contact{
      st.getInt(0),
      st.getInt(1),
      st.getText(2),
      st.getText(3),
      st.getText(4),
      engine::parseContactKind(st.getText(5)).value_or(engine::ContactKind::kOther),
      st.getInt(6) != 0,
      st.getText(7)};
}

std::string placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}

// Escapes LIKE wildcards so a search for "50%" means the text "50%".
std::string likePattern(const std::string& s) {
  std::string out = "%";
  for (char c : s) {
    if (c == '%' || c == '_' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  return out + "%";
}

}  // namespace

std::vector<engine::Academy> SqlitePeopleRepository::academies() {
  return store_.read([](Database& db) {
    std::vector<engine::Academy> out;
    Statement st(db, "SELECT id, name FROM academy ORDER BY name");
    while (st.step()) out.push_back({st.getInt(0), st.getText(1)});
    return out;
  });
}

std::optional<engine::Academy> SqlitePeopleRepository::academy(Id id) {
  return store_.read([&](Database& db) -> std::optional<engine::Academy> {
    Statement st(db, "SELECT id, name FROM academy WHERE id=?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return engine::Academy{st.getInt(0), st.getText(1)};
  });
}

Id SqlitePeopleRepository::createAcademy(const std::string& name, const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) {
    Statement st(db, "INSERT INTO academy(name, created_at) VALUES (?,?)");
    st.bind(1, name).bind(2, nowIso(store_)).run();
    Id id = db.lastInsertId();
    auto e = audit;
    e.subjectId = id;
    e.academyId = id;
    store_.appendAudit(db, e);
    return id;
  });
}

std::optional<engine::User> SqlitePeopleRepository::userByEmail(const std::string& email) {
  return store_.read([&](Database& db) {
    Statement st(db, "SELECT id, email, name, password_hash, active FROM user WHERE email=?");
    st.bind(1, email);
    return readUser(db, st);
  });
}

std::optional<engine::User> SqlitePeopleRepository::userById(Id id) {
  return store_.read([&](Database& db) {
    Statement st(db, "SELECT id, email, name, password_hash, active FROM user WHERE id=?");
    st.bind(1, id);
    return readUser(db, st);
  });
}

std::vector<engine::User> SqlitePeopleRepository::users(const std::vector<Id>& academyIds) {
  return store_.read([&](Database& db) {
    // One statement for the users and all their memberships (each user's rows come together, in
    // the order membershipsOf gives); id breaks a tie in name as the sort of the chosen ids did.
    // Planned as a walk of the user_name index with primary-key lookups in membership: no sorter
    // and no temporary table, which cost more than the rows themselves (EXPLAIN QUERY PLAN).
    std::vector<engine::User> out;
    Statement st(db,
                 "SELECT u.id, u.email, u.name, u.password_hash, u.active, m.academy_id, m.role "
                 "FROM user u JOIN membership m ON m.user_id=u.id WHERE EXISTS "
                 "(SELECT 1 FROM membership x WHERE x.user_id=u.id AND (x.academy_id=0 OR "
                 "x.academy_id IN (" +
                     placeholders(academyIds.size()) +
                     "))) ORDER BY u.name, u.id, m.academy_id, m.role");
    int i = 1;
    for (Id a : academyIds) st.bind(i++, a);
    while (st.step()) {
      Id id = st.getInt(0);
      if (out.empty() || out.back().id != id) {
        engine::User u;
        u.id = id;
        u.email = st.getText(1);
        u.name = st.getText(2);
        u.passwordHash = st.getText(3);
        u.active = st.getInt(4) != 0;
        out.push_back(std::move(u));
      }
      if (auto r = engine::parseRole(st.getText(6)))
        out.back().memberships.push_back({st.getInt(5), *r});
    }
    return out;
  });
}

Id SqlitePeopleRepository::createUser(const engine::User& user, const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) {
    Statement st(
        db, "INSERT INTO user(email, name, password_hash, active, created_at) VALUES (?,?,?,?,?)");
    st.bind(1, user.email).bind(2, user.name).bind(3, user.passwordHash);
    st.bind(4, user.active ? 1 : 0).bind(5, nowIso(store_)).run();
    engine::User u = user;
    u.id = db.lastInsertId();
    writeMemberships(db, u);
    auto e = audit;
    e.subjectId = u.id;
    store_.appendAudit(db, e);
    return u.id;
  });
}

void SqlitePeopleRepository::updateUser(const engine::User& user, const engine::AuditEvent& audit,
                                        const engine::EndSessions& sessions) {
  store_.write([&](Database& db) {
    Statement st(db, "UPDATE user SET email=?, name=?, password_hash=?, active=? WHERE id=?");
    st.bind(1, user.email).bind(2, user.name).bind(3, user.passwordHash);
    st.bind(4, user.active ? 1 : 0).bind(5, user.id).run();
    writeMemberships(db, user);
    store_.appendAudit(db, audit);
    if (sessions.end) {
      Statement del(db, "DELETE FROM session WHERE user_id=? AND id_hash<>?");
      del.bind(1, user.id).bind(2, sessions.keepIdHash).run();
      store_.appendAudit(db, sessions.audit);
    }
  });
}

std::vector<engine::Pupil> SqlitePeopleRepository::pupils(const engine::PupilQuery& q) {
  return store_.read([&](Database& db) {
    std::vector<engine::Pupil> out;
    std::string sql = std::string("SELECT ") + kPupilColumns + " FROM pupil WHERE academy_id IN (" +
                      placeholders(q.academyIds.size()) + ")";
    sql += " AND date_of_birth<>''";  // an erased record's anonymous stub is nobody's pupil
    if (!q.includeInactive) sql += " AND active=1";
    if (!q.search.empty())
      sql +=
          " AND (legal_name LIKE ? ESCAPE '\\' OR preferred_name LIKE ? ESCAPE '\\' OR upn LIKE ? "
          "ESCAPE '\\')";
    sql += " ORDER BY legal_name COLLATE NOCASE, id LIMIT ?";
    Statement st(db, sql);
    int i = 1;
    for (Id a : q.academyIds) st.bind(i++, a);
    if (!q.search.empty()) {
      auto pattern = likePattern(q.search);
      for (int k = 0; k < 3; ++k) st.bind(i++, pattern);
    }
    st.bind(i, q.limit);
    while (st.step()) out.push_back(readPupil(st));
    return out;
  });
}

std::optional<engine::Pupil> SqlitePeopleRepository::pupil(Id id) {
  return store_.read([&](Database& db) -> std::optional<engine::Pupil> {
    Statement st(db, std::string("SELECT ") + kPupilColumns +
                         " FROM pupil WHERE id=? AND date_of_birth<>''");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return readPupil(st);
  });
}

Id SqlitePeopleRepository::createPupil(const engine::Pupil& p, const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) {
    Statement st(db,
                 "INSERT INTO pupil(academy_id, legal_name, preferred_name, date_of_birth, "
                 "year_group, upn, active, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?)");
    auto now = nowIso(store_);
    st.bind(1, p.academyId).bind(2, p.legalName).bind(3, p.preferredName).bind(4, p.dateOfBirth);
    st.bind(5, p.yearGroup).bind(6, p.upn).bind(7, p.active ? 1 : 0).bind(8, now).bind(9, now);
    st.run();
    Id id = db.lastInsertId();
    auto e = audit;
    e.subjectId = id;
    store_.appendAudit(db, e);
    return id;
  });
}

void SqlitePeopleRepository::updatePupil(const engine::Pupil& p, const engine::AuditEvent& audit) {
  store_.write([&](Database& db) {
    Statement st(db,
                 "UPDATE pupil SET legal_name=?, preferred_name=?, date_of_birth=?, year_group=?, "
                 "upn=?, active=?, updated_at=? WHERE id=?");
    st.bind(1, p.legalName).bind(2, p.preferredName).bind(3, p.dateOfBirth).bind(4, p.yearGroup);
    st.bind(5, p.upn).bind(6, p.active ? 1 : 0).bind(7, nowIso(store_)).bind(8, p.id).run();
    store_.appendAudit(db, audit);
  });
}

std::vector<engine::Contact> SqlitePeopleRepository::contacts(Id pupilId) {
  return store_.read([&](Database& db) {
    std::vector<engine::Contact> out;
    Statement st(
        db,
        "SELECT id, pupil_id, name, email, relationship, kind, active, language FROM contact "
        "WHERE pupil_id=? ORDER BY active DESC, id");
    st.bind(1, pupilId);
    while (st.step()) out.push_back(readContact(st));
    return out;
  });
}

std::optional<engine::Contact> SqlitePeopleRepository::contact(Id id) {
  return store_.read([&](Database& db) -> std::optional<engine::Contact> {
    Statement st(
        db,
        "SELECT id, pupil_id, name, email, relationship, kind, active, language FROM contact "
        "WHERE id=?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return readContact(st);
  });
}

Id SqlitePeopleRepository::createContact(const engine::Contact& c,
                                         const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) {
    Statement st(db,
                 "INSERT INTO contact(pupil_id, name, email, relationship, kind, active, language) "
                 "VALUES (?,?,?,?,?,?,?)");
    st.bind(1, c.pupilId).bind(2, c.name).bind(3, c.email).bind(4, c.relationship);
    st.bind(5, engine::contactKindName(c.kind)).bind(6, c.active ? 1 : 0).bind(7, c.language);
    st.run();
    Id id = db.lastInsertId();
    store_.appendAudit(db, audit);
    return id;
  });
}

void SqlitePeopleRepository::updateContact(const engine::Contact& c,
                                           const engine::AuditEvent& audit) {
  store_.write([&](Database& db) {
    Statement st(db,
                 "UPDATE contact SET name=?, email=?, relationship=?, kind=?, active=?, language=? "
                 "WHERE id=?");
    st.bind(1, c.name).bind(2, c.email).bind(3, c.relationship);
    st.bind(4, engine::contactKindName(c.kind)).bind(5, c.active ? 1 : 0).bind(6, c.language);
    st.bind(7, c.id).run();
    store_.appendAudit(db, audit);
  });
}

// --- sessions -------------------------------------------------------------------------------

void SqliteSessionRepository::create(const engine::Session& s) {
  store_.write([&](Database& db) {
    Statement st(db,
                 "INSERT INTO session(id_hash, user_id, created_at, last_seen_at, ip, user_agent) "
                 "VALUES (?,?,?,?,?,?)");
    st.bind(1, s.idHash).bind(2, s.userId).bind(3, engine::toUnix(s.createdAt));
    st.bind(4, engine::toUnix(s.lastSeenAt)).bind(5, s.ip).bind(6, s.userAgent).run();
    store_.appendAudit(
        db, {"login.success", "user:" + std::to_string(s.userId), "user", s.userId, 0, "{}"});
  });
}

std::optional<engine::Session> SqliteSessionRepository::find(const std::string& idHash) {
  return store_.read([&](Database& db) -> std::optional<engine::Session> {
    Statement st(db,
                 "SELECT id_hash, user_id, created_at, last_seen_at, ip, user_agent FROM session "
                 "WHERE id_hash=?");
    st.bind(1, idHash);
    if (!st.step()) return std::nullopt;
    return engine::Session{
        st.getText(0), st.getInt(1), engine::fromUnix(st.getInt(2)), engine::fromUnix(st.getInt(3)),
        st.getText(4), st.getText(5)};
  });
}

void SqliteSessionRepository::touch(const std::string& idHash, engine::TimePoint at) {
  store_.write([&](Database& db) {
    Statement st(db, "UPDATE session SET last_seen_at=? WHERE id_hash=?");
    st.bind(1, engine::toUnix(at)).bind(2, idHash).run();
  });
}

void SqliteSessionRepository::remove(const std::string& idHash) {
  store_.write([&](Database& db) {
    Statement st(db, "DELETE FROM session WHERE id_hash=? RETURNING user_id");
    st.bind(1, idHash);
    if (st.step()) {
      Id user = st.getInt(0);
      st.run();
      store_.appendAudit(db, {"logout", "user:" + std::to_string(user), "user", user, 0, "{}"});
    }
  });
}

void SqliteSessionRepository::removeForUser(Id userId) {
  store_.write([&](Database& db) {
    Statement st(db, "DELETE FROM session WHERE user_id=?");
    st.bind(1, userId).run();
  });
}

void SqliteSessionRepository::removeOlderThan(engine::TimePoint createdBefore,
                                              engine::TimePoint idleBefore) {
  store_.write([&](Database& db) {
    Statement st(db, "DELETE FROM session WHERE created_at<? OR last_seen_at<?");
    st.bind(1, engine::toUnix(createdBefore)).bind(2, engine::toUnix(idleBefore)).run();
    Statement old(db, "DELETE FROM login_failure WHERE at<?");
    old.bind(1, engine::toUnix(idleBefore)).run();
  });
}

engine::SignInAttempt SqliteSessionRepository::beginAttempt(
    const std::vector<engine::AttemptLimit>& limits, engine::TimePoint since,
    engine::TimePoint at) {
  return store_.write([&](Database& db) {
    engine::SignInAttempt out;
    for (const auto& l : limits) {
      Statement st(db, "SELECT count(*), min(at) FROM login_failure WHERE key=? AND at>=?");
      st.bind(1, l.key).bind(2, engine::toUnix(since));
      st.step();
      if (st.getInt(0) >= l.max) {
        out.refusedBy = l.key;
        if (!st.isNull(1)) out.oldest = engine::fromUnix(st.getInt(1));
        return out;
      }
    }
    Statement next(db, "SELECT COALESCE(max(attempt), 0) + 1 FROM login_failure");
    next.step();
    out.id = next.getInt(0);
    for (const auto& l : limits) {
      Statement st(db, "INSERT INTO login_failure(key, at, attempt) VALUES (?,?,?)");
      st.bind(1, l.key).bind(2, engine::toUnix(at)).bind(3, out.id).run();
    }
    return out;
  });
}

void SqliteSessionRepository::attemptSucceeded(Id attempt, const std::string& clearKey) {
  store_.write([&](Database& db) {
    Statement st(db, "DELETE FROM login_failure WHERE attempt=? OR key=?");
    st.bind(1, attempt).bind(2, clearKey).run();
  });
}

void SqliteSessionRepository::attemptFailed(Id attempt, Id userId,
                                            const std::optional<engine::OutboxMessage>& notice) {
  store_.write([&](Database& db) {
    // The audit trail records the attempt without the address typed (it may be a password).
    store_.appendAudit(db, {"login.failure", "anonymous", "user", userId, 0,
                            "{\"attempt\":" + std::to_string(attempt) + "}"});
    if (notice) insertOutbox(db, *notice);
  });
}

int SqliteSessionRepository::failuresSince(const std::string& key, engine::TimePoint since) {
  return store_.read([&](Database& db) {
    Statement st(db, "SELECT count(*) FROM login_failure WHERE key=? AND at>=?");
    st.bind(1, key).bind(2, engine::toUnix(since));
    st.step();
    return static_cast<int>(st.getInt(0));
  });
}

// --- audit ----------------------------------------------------------------------------------

void SqliteAuditLog::append(const engine::AuditEvent& e) {
  store_.write([&](Database& db) { store_.appendAudit(db, e); });
}

void SqliteAuditLog::appendRead(const engine::AuditEvent& e) { store_.appendDeferredAudit(e); }

namespace {
constexpr const char* kAuditColumns =
    "id, at, actor, action, subject_type, subject_id, academy_id, detail, prev_hash, hash";
engine::StoredAuditEvent readAudit(const Statement& st) {
  engine::StoredAuditEvent e;
  e.id = st.getInt(0);
  e.at = st.getText(1);
  e.actor = st.getText(2);
  e.action = st.getText(3);
  e.subjectType = st.getText(4);
  e.subjectId = st.getInt(5);
  e.academyId = st.getInt(6);
  e.detail = st.getText(7);
  e.prevHash = st.getText(8);
  e.hash = st.getText(9);
  return e;
}
}  // namespace

std::vector<engine::StoredAuditEvent> SqliteAuditLog::recent(const std::vector<Id>& academyIds,
                                                             int limit) {
  store_.commitQueuedReadsBeforeReading();
  return store_.read([&](Database& db) {
    std::vector<engine::StoredAuditEvent> out;
    Statement st(db, std::string("SELECT ") + kAuditColumns +
                         " FROM audit_event WHERE academy_id IN (" +
                         placeholders(academyIds.size()) + ") ORDER BY id DESC LIMIT ?");
    int i = 1;
    for (Id a : academyIds) st.bind(i++, a);
    st.bind(i, limit);
    while (st.step()) out.push_back(readAudit(st));
    return out;
  });
}

std::vector<engine::StoredAuditEvent> SqliteAuditLog::forSubject(const std::string& type, Id id) {
  store_.commitQueuedReadsBeforeReading();
  return store_.read([&](Database& db) {
    std::vector<engine::StoredAuditEvent> out;
    Statement st(db, std::string("SELECT ") + kAuditColumns +
                         " FROM audit_event WHERE subject_type=? AND subject_id=? ORDER BY id");
    st.bind(1, type).bind(2, id);
    while (st.step()) out.push_back(readAudit(st));
    return out;
  });
}

namespace {

// The chain head's record against the newest event present.
AuditChainCheck checkHead(Database& db, AuditChainCheck v) {
  Statement head(db, "SELECT last_id, hash FROM audit_head WHERE id=1");
  if (!head.step()) return v;
  const engine::Id headId = head.getInt(0);
  const std::string headHash = head.getText(1);
  Statement last(db, "SELECT id, hash FROM audit_event ORDER BY id DESC LIMIT 1");
  const engine::Id lastId = last.step() ? last.getInt(0) : 0;
  if (lastId < headId) {
    v.firstBadId = lastId + 1;
    v.problem = "event " + std::to_string(lastId + 1) +
                (headId > lastId + 1 ? " to " + std::to_string(headId) : std::string()) +
                " deleted (the chain head records event " + std::to_string(headId) + ")";
  } else if (lastId == headId && last.getText(1) != headHash) {
    v.firstBadId = lastId;
    v.problem = "its hash differs from the chain head";
  }
  return v;
}

}  // namespace

AuditChainCheck checkAuditChain(Database& db) {
  AuditChainCheck v;
  Statement st(db, std::string("SELECT ") + kAuditColumns + " FROM audit_event ORDER BY id");
  std::string prev(64, '0');
  engine::Id expectedId = 1;
  while (st.step()) {
    auto e = readAudit(st);
    ++v.checked;
    if (e.id != expectedId) {
      v.firstBadId = expectedId;
      v.problem = "event " + std::to_string(expectedId) + " is missing (deleted)";
    } else if (e.prevHash != prev) {
      v.firstBadId = e.id;
      v.problem = "event " + std::to_string(e.id) + " does not follow the event before it";
    } else if (engine::sha256Hex(auditCanonical(e)) != e.hash) {
      v.firstBadId = e.id;
      v.problem = "event " + std::to_string(e.id) + " was altered after it was written";
    }
    if (v.firstBadId) return v;
    prev = e.hash;
    ++expectedId;
  }
  return checkHead(db, v);
}

AuditChainCheck SqliteAuditLog::verify() {
  store_.commitQueuedReadsBeforeReading();
  return store_.read([](Database& db) { return checkAuditChain(db); });
}

SqliteAuditLog::Verification SqliteAuditLog::verify(
    const std::vector<engine::AuditAnchor>& anchors) {
  store_.commitQueuedReadsBeforeReading();
  return store_.read([&](Database& db) {
    Verification v;
    v.chain = checkAuditChain(db);
    v.lastId = lastAuditEventId(db);
    for (const auto& a : anchors) v.hashAtAnchor.push_back(auditEventHash(db, a.eventId));
    v.versions = checkPlanVersions(db);
    auto events = checkVersionEvents(db);
    v.versions.problems.insert(v.versions.problems.end(), events.problems.begin(),
                               events.problems.end());
    return v;
  });
}

}  // namespace sendflow::storage
