#include "sendflow/storage/outbox_repository.h"

#include <cctype>
#include <memory>

namespace sendflow::storage {

using engine::Id;
using engine::OutboxMessage;

namespace {

constexpr const char* kColumns =
    "id, idem_key, kind, academy_id, plan_id, to_address, to_name, data, status, attempts, "
    "created_at, next_attempt_at, sent_at, last_error, server_reply";

OutboxMessage readRow(const Statement& st) {
  OutboxMessage m;
  m.id = st.getInt(0);
  m.key = st.getText(1);
  m.kind = st.getText(2);
  m.academyId = st.getInt(3);
  m.planId = st.getInt(4);
  m.toAddress = st.getText(5);
  m.toName = st.getText(6);
  m.data = st.getText(7);
  m.status = engine::parseOutboxStatus(st.getText(8)).value_or(engine::OutboxStatus::kQueued);
  m.attempts = static_cast<int>(st.getInt(9));
  m.createdAt = engine::fromUnix(st.getInt(10));
  m.nextAttemptAt = engine::fromUnix(st.getInt(11));
  m.sentAt = engine::fromUnix(st.getInt(12));
  m.lastError = st.getText(13);
  m.serverReply = st.getText(14);
  return m;
}

constexpr const char* kInsertSql =
    "INSERT OR IGNORE INTO outbox(idem_key, kind, academy_id, plan_id, to_address, to_name, data, "
    "status, created_at, next_attempt_at) VALUES (?,?,?,?,?,?,?,'queued',?,?)";

Statement& bindInsert(Statement& st, const OutboxMessage& m) {
  st.bind(1, m.key).bind(2, m.kind).bind(3, m.academyId).bind(4, m.planId).bind(5, m.toAddress);
  st.bind(6, m.toName).bind(7, m.data).bind(8, engine::toUnix(m.createdAt));
  return st.bind(9, engine::toUnix(m.nextAttemptAt));
}

constexpr const char* kPlanColumns =
    "p.id, p.academy_id, p.owner_user_id, p.workflow_snapshot_id, p.type, p.state, "
    "COALESCE(p.review_date, ''), pu.legal_name, pu.date_of_birth";

engine::ReminderPlan readPlan(const Statement& st, bool withValues) {
  engine::ReminderPlan p;
  p.id = st.getInt(0);
  p.academyId = st.getInt(1);
  p.ownerUserId = st.getInt(2);
  p.workflowSnapshotId = st.getInt(3);
  p.type = st.getText(4);
  p.state = st.getText(5);
  p.reviewDate = st.getText(6);
  p.pupilName = st.getText(7);
  p.dateOfBirth = st.getText(8);
  if (withValues) p.valuesJson = st.getText(9);
  return p;
}

// A JSON path for a form field id; ids are [a-z0-9_] by the definition loader, checked again
// here because the path is part of the SQL text (so the expression index can match it).
std::string jsonPath(const std::string& field) {
  for (char c : field)
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '_'))
      throw StorageError("unexpected field name in a deadline anchor: " + field, 0);
  return "'$." + field + "'";
}

std::string placeholders(size_t n) {
  std::string s;
  for (size_t i = 0; i < n; ++i) s += i ? ",?" : "?";
  return s;
}

class Source final : public engine::ReminderSource, public engine::OutboxWriter {
 public:
  Source(Store& store, Database& db) : store_(store), db_(db) {}

  std::vector<Id> workflowSnapshotIds() override {
    Statement st(db_, "SELECT id FROM definition_snapshot WHERE kind='workflow' ORDER BY id");
    std::vector<Id> out;
    while (st.step()) out.push_back(st.getInt(0));
    return out;
  }

  std::optional<std::string> earliestReviewDate() override {
    Statement st(db_, "SELECT min(review_date) FROM plan WHERE review_date IS NOT NULL");
    if (!st.step() || st.isNull(0)) return std::nullopt;
    return st.getText(0);
  }

  void reviewsOn(const std::vector<std::string>& dates,
                 const std::function<void(const engine::ReminderPlan&)>& f) override {
    if (dates.empty()) return;
    Statement st(db_, std::string("SELECT ") + kPlanColumns +
                          " FROM plan p JOIN pupil pu ON pu.id=p.pupil_id"
                          " WHERE p.review_date IS NOT NULL AND p.review_date IN (" +
                          placeholders(dates.size()) + ")");
    int i = 1;
    for (const auto& d : dates) st.bind(i++, d);
    while (st.step()) f(readPlan(st, false));
  }

  void meetingsOn(const std::string& field, const std::vector<std::string>& dates,
                  const std::function<void(const engine::ReminderPlan&)>& f) override {
    if (dates.empty()) return;
    const std::string expr = "json_extract(v.values_json, " + jsonPath(field) + ")";
    Statement st(db_, std::string("SELECT ") + kPlanColumns +
                          ", v.values_json FROM plan_version v"
                          " JOIN plan p ON p.id=v.plan_id AND p.current_version=v.number"
                          " JOIN pupil pu ON pu.id=p.pupil_id WHERE " +
                          expr + " IS NOT NULL AND " + expr + " IN (" + placeholders(dates.size()) +
                          ")");
    int i = 1;
    for (const auto& d : dates) st.bind(i++, d);
    while (st.step()) f(readPlan(st, true));
  }

  void academyReviews(Id academyId, const std::string& until,
                      const std::function<void(const engine::ReminderPlan&)>& f) override {
    Statement st(db_, std::string("SELECT ") + kPlanColumns +
                          " FROM plan p JOIN pupil pu ON pu.id=p.pupil_id"
                          " WHERE p.academy_id=? AND p.review_date IS NOT NULL AND p.review_date<=?"
                          " ORDER BY p.review_date, p.id");
    st.bind(1, academyId).bind(2, until);
    while (st.step()) f(readPlan(st, false));
  }

  void academyMeetings(Id academyId, const std::string& field, const std::string& from,
                       const std::string& until,
                       const std::function<void(const engine::ReminderPlan&)>& f) override {
    const std::string expr = "json_extract(v.values_json, " + jsonPath(field) + ")";
    Statement st(db_, std::string("SELECT ") + kPlanColumns +
                          ", v.values_json FROM plan_version v"
                          " JOIN plan p ON p.id=v.plan_id AND p.current_version=v.number"
                          " JOIN pupil pu ON pu.id=p.pupil_id WHERE " +
                          expr + " IS NOT NULL AND " + expr +
                          " BETWEEN ? AND ? AND p.academy_id=?");
    st.bind(1, from).bind(2, until).bind(3, academyId);
    while (st.step()) f(readPlan(st, true));
  }

  void plansInYearGroups(const std::string& type, const std::vector<std::string>& yearGroups,
                         const std::function<void(const engine::ReminderPlan&)>& f) override {
    if (yearGroups.empty()) return;
    Statement st(db_, std::string("SELECT ") + kPlanColumns +
                          ", v.values_json, pu.year_group FROM plan p"
                          " JOIN plan_version v ON v.plan_id=p.id AND v.number=p.current_version"
                          " JOIN pupil pu ON pu.id=p.pupil_id"
                          " WHERE p.type=? AND pu.active=1 AND pu.year_group IN (" +
                          placeholders(yearGroups.size()) + ")");
    st.bind(1, type);
    int i = 2;
    for (const auto& y : yearGroups) st.bind(i++, y);
    while (st.step()) {
      auto p = readPlan(st, true);
      p.yearGroup = st.getText(10);
      f(p);
    }
  }

  std::map<std::string, engine::Date> transitionsFired(Id planId) override {
    Statement st(db_, "SELECT name, min(at) FROM plan_transition WHERE plan_id=? GROUP BY name");
    st.bind(1, planId);
    std::map<std::string, engine::Date> out;
    while (st.step())
      if (auto d = engine::parseIsoDate(st.getText(1).substr(0, 10))) out[st.getText(0)] = *d;
    return out;
  }

  bool queue(const OutboxMessage& m) override {
    // One prepared statement for the whole scan (a day can bring tens of thousands of rows).
    if (!insert_)
      insert_ = std::make_unique<Statement>(db_, kInsertSql);
    else
      insert_->reset();
    bindInsert(*insert_, m).run();
    return db_.changes() == 1;
  }

  void markDay(const std::string& isoDay, int queued) override {
    Statement st(db_,
                 "INSERT INTO reminder_day(day, evaluated_at, queued) VALUES (?,?,?) "
                 "ON CONFLICT(day) DO UPDATE SET evaluated_at=excluded.evaluated_at, "
                 "queued=reminder_day.queued+excluded.queued");
    st.bind(1, isoDay).bind(2, engine::toUnix(store_.clock().now())).bind(3, queued).run();
  }

 private:
  Store& store_;
  Database& db_;
  std::unique_ptr<Statement> insert_;
};

}  // namespace

bool insertOutbox(Database& db, const OutboxMessage& m) {
  Statement st(db, kInsertSql);
  bindInsert(st, m).run();
  return db.changes() == 1;
}

Id SqliteOutbox::enqueue(const OutboxMessage& m) {
  return store_.write([&](Database& db) -> Id {
    if (!insertOutbox(db, m)) return 0;
    return db.lastInsertId();
  });
}

std::optional<OutboxMessage> SqliteOutbox::claim(engine::TimePoint now, const std::string& owner) {
  return store_.write([&](Database& db) -> std::optional<OutboxMessage> {
    Statement pick(db,
                   std::string("SELECT ") + kColumns +
                       " FROM outbox WHERE status IN ('queued','retrying') AND next_attempt_at<=?"
                       " ORDER BY next_attempt_at, id LIMIT 1");
    pick.bind(1, engine::toUnix(now));
    if (!pick.step()) return std::nullopt;
    OutboxMessage m = readRow(pick);
    Statement up(db,
                 "UPDATE outbox SET status='sending', attempts=attempts+1, sending_at=?, "
                 "sending_owner=?, handed_over_at=0 WHERE id=?");
    up.bind(1, engine::toUnix(now)).bind(2, owner).bind(3, m.id).run();
    m.status = engine::OutboxStatus::kSending;
    m.attempts += 1;
    return m;
  });
}

SqliteOutbox::~SqliteOutbox() = default;

template <typename F>
void SqliteOutbox::fast(F&& f) {
  std::lock_guard lock(fastMutex_);
  if (!fast_) {
    fast_ = std::make_unique<Database>(store_.path());
    fast_->exec("PRAGMA synchronous=NORMAL");
  }
  f(*fast_);  // one statement: its own (autocommit) transaction
}

void SqliteOutbox::markHandedOver(Id id, engine::TimePoint at) {
  fast([&](Database& db) {
    Statement st(db, "UPDATE outbox SET handed_over_at=? WHERE id=? AND status='sending'");
    st.bind(1, engine::toUnix(at)).bind(2, id).run();
  });
}

void SqliteOutbox::markSent(Id id, engine::TimePoint at, const std::string& reply) {
  fast([&](Database& db) {
    Statement st(db,
                 "UPDATE outbox SET status='sent', sent_at=?, server_reply=?, last_error='', "
                 "sending_owner='' WHERE id=?");
    st.bind(1, engine::toUnix(at)).bind(2, reply).bind(3, id).run();
  });
}

void SqliteOutbox::markRetry(Id id, engine::TimePoint next, const std::string& error) {
  store_.write([&](Database& db) {
    Statement st(db,
                 "UPDATE outbox SET status='retrying', next_attempt_at=?, last_error=?, "
                 "sending_owner='' WHERE id=?");
    st.bind(1, engine::toUnix(next)).bind(2, error).bind(3, id).run();
  });
}

void SqliteOutbox::markFailed(Id id, const std::string& error) {
  store_.write([&](Database& db) {
    Statement st(db,
                 "UPDATE outbox SET status='failed', last_error=?, sending_owner='' WHERE id=?");
    st.bind(1, error).bind(2, id).run();
  });
}

void SqliteOutbox::markUncertain(Id id, const std::string& error) {
  store_.write([&](Database& db) {
    Statement st(db,
                 "UPDATE outbox SET status='uncertain', last_error=?, sending_owner='' WHERE id=?");
    st.bind(1, error).bind(2, id).run();
  });
}

std::vector<std::string> SqliteOutbox::sendingOwners() {
  return store_.read([&](Database& db) {
    Statement st(db, "SELECT DISTINCT sending_owner FROM outbox WHERE status='sending'");
    std::vector<std::string> out;
    while (st.step()) out.push_back(st.getText(0));
    return out;
  });
}

int SqliteOutbox::recoverAbandoned(const std::vector<std::string>& liveOwners,
                                   engine::TimePoint now, engine::TimePoint staleBefore) {
  return store_.write([&](Database& db) {
    std::string abandoned = "status='sending' AND (sending_at<?";
    if (!liveOwners.empty())
      abandoned += " OR sending_owner NOT IN (" + placeholders(liveOwners.size()) + ")";
    else
      abandoned += " OR 1";
    abandoned += ")";
    int changed = 0;
    for (bool handedOver : {false, true}) {
      std::string sql =
          handedOver ? "UPDATE outbox SET status='uncertain', sending_owner='', "
                       "last_error='sendflow stopped after handing the whole message to the mail "
                       "server, before its reply: it may or may not have been delivered' "
                       "WHERE handed_over_at>0 AND " +
                           abandoned
                     : "UPDATE outbox SET status='retrying', next_attempt_at=?, sending_owner='', "
                       "last_error='interrupted before the message was handed over; sending again' "
                       "WHERE handed_over_at=0 AND " +
                           abandoned;
      Statement st(db, sql);
      int i = 1;
      if (!handedOver) st.bind(i++, engine::toUnix(now));
      st.bind(i++, engine::toUnix(staleBefore));
      for (const auto& o : liveOwners) st.bind(i++, o);
      st.run();
      changed += db.changes();
    }
    return changed;
  });
}

std::optional<engine::TimePoint> SqliteOutbox::nextDue() {
  return store_.read([&](Database& db) -> std::optional<engine::TimePoint> {
    Statement st(db,
                 "SELECT min(next_attempt_at) FROM outbox WHERE status IN ('queued','retrying')");
    if (!st.step() || st.isNull(0)) return std::nullopt;
    return engine::fromUnix(st.getInt(0));
  });
}

bool SqliteOutbox::retry(Id id, engine::TimePoint now) {
  return store_.write([&](Database& db) {
    Statement st(db,
                 "UPDATE outbox SET status='queued', next_attempt_at=?, attempts=0, created_at=? "
                 "WHERE id=? AND status IN ('failed','retrying')");
    st.bind(1, engine::toUnix(now)).bind(2, engine::toUnix(now)).bind(3, id).run();
    return db.changes() == 1;
  });
}

bool SqliteOutbox::resendUncertain(Id id, engine::TimePoint now, const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) {
    Statement st(db,
                 "UPDATE outbox SET status='queued', next_attempt_at=?, attempts=0, created_at=?, "
                 "handed_over_at=0 WHERE id=? AND status='uncertain'");
    st.bind(1, engine::toUnix(now)).bind(2, engine::toUnix(now)).bind(3, id).run();
    if (db.changes() != 1) return false;
    store_.appendAudit(db, audit);
    return true;
  });
}

std::optional<OutboxMessage> SqliteOutbox::get(Id id) {
  return store_.read([&](Database& db) -> std::optional<OutboxMessage> {
    Statement st(db, std::string("SELECT ") + kColumns + " FROM outbox WHERE id=?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return readRow(st);
  });
}

std::vector<OutboxMessage> SqliteOutbox::list(const std::string& status, int limit) {
  return store_.read([&](Database& db) {
    std::string sql = std::string("SELECT ") + kColumns + " FROM outbox";
    if (!status.empty()) sql += " WHERE status=?";
    sql += " ORDER BY id DESC LIMIT ?";
    Statement st(db, sql);
    int i = 1;
    if (!status.empty()) st.bind(i++, status);
    st.bind(i, limit);
    std::vector<OutboxMessage> out;
    while (st.step()) out.push_back(readRow(st));
    return out;
  });
}

OutboxCounts SqliteOutbox::counts() {
  return store_.read([&](Database& db) {
    Statement st(db, "SELECT status, count(*) FROM outbox GROUP BY status");
    OutboxCounts c;
    while (st.step()) {
      auto s = st.getText(0);
      int n = static_cast<int>(st.getInt(1));
      if (s == "queued")
        c.queued = n;
      else if (s == "sending")
        c.sending = n;
      else if (s == "sent")
        c.sent = n;
      else if (s == "retrying")
        c.retrying = n;
      else if (s == "failed")
        c.failed = n;
      else if (s == "uncertain")
        c.uncertain = n;
    }
    Statement due(db,
                  "SELECT min(next_attempt_at) FROM outbox WHERE status IN ('queued','retrying')");
    if (due.step() && !due.isNull(0)) c.earliestDue = engine::fromUnix(due.getInt(0));
    return c;
  });
}

int SqliteOutbox::uncertainCount() {
  return store_.read([&](Database& db) {
    Statement st(db, "SELECT count(*) FROM outbox WHERE status='uncertain'");
    st.step();
    return static_cast<int>(st.getInt(0));
  });
}

std::optional<std::string> SqliteOutbox::lastCoveredDay() {
  return store_.read([&](Database& db) -> std::optional<std::string> {
    Statement st(db, "SELECT max(day) FROM reminder_day");
    if (!st.step() || st.isNull(0)) return std::nullopt;
    return st.getText(0);
  });
}

void SqliteOutbox::writing(
    const std::function<void(engine::ReminderSource&, engine::OutboxWriter&)>& f) {
  store_.write([&](Database& db) {
    Source s(store_, db);
    f(s, s);
  });
}

void SqliteOutbox::reading(const std::function<void(engine::ReminderSource&)>& f) {
  store_.read([&](Database& db) {
    // One snapshot for the whole scan.
    db.exec("BEGIN");
    try {
      Source s(store_, db);
      f(s);
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
    db.exec("COMMIT");
  });
}

}  // namespace sendflow::storage
