#include "sendflow/storage/plan_repository.h"

#include <Poco/JSON/Object.h>

#include <sstream>

#include "sendflow/engine/core/crypto.h"
#include "sendflow/storage/outbox_repository.h"
#include "sendflow/storage/signature_repository.h"

namespace sendflow::storage {

using engine::Id;

namespace {

constexpr const char* kPlanColumns =
    "p.id, p.academy_id, p.pupil_id, p.type, p.state, p.owner_user_id, p.form_snapshot_id, "
    "p.workflow_snapshot_id, p.current_version, p.review_date, p.reviews_plan_id, "
    "p.review_reason, p.created_at, p.updated_at, p.activated_at";

// The audit detail of a transition: {"to": state, "transition": name}, escaped as JSON.
std::string transitionDetail(const engine::TransitionRecord& t) {
  Poco::JSON::Object detail;
  detail.set("to", t.toState);
  detail.set("transition", t.name);
  std::ostringstream out;
  detail.stringify(out);
  return out.str();
}

engine::PlanRecord readPlan(const Statement& st) {
  engine::PlanRecord p;
  p.id = st.getInt(0);
  p.academyId = st.getInt(1);
  p.pupilId = st.getInt(2);
  p.type = st.getText(3);
  p.state = st.getText(4);
  p.ownerUserId = st.getInt(5);
  p.formSnapshotId = st.getInt(6);
  p.workflowSnapshotId = st.getInt(7);
  p.currentVersion = static_cast<int>(st.getInt(8));
  p.reviewDate = st.getOptionalText(9);
  p.reviewsPlanId = st.isNull(10) ? 0 : st.getInt(10);
  p.reviewReason = st.getText(11);
  p.createdAt = st.getText(12);
  p.updatedAt = st.getText(13);
  p.activatedAt = st.getText(14);
  return p;
}

void insertVersion(Database& db, Id planId, const engine::PlanVersionRecord& v,
                   const std::string& now) {
  Statement st(db,
               "INSERT INTO plan_version(plan_id, number, values_json, content_hash, author, "
               "author_name, created_at) VALUES (?,?,?,?,?,?,?)");
  st.bind(1, planId).bind(2, v.number).bind(3, v.valuesJson).bind(4, v.contentHash);
  st.bind(5, v.author).bind(6, v.authorName).bind(7, v.createdAt.empty() ? now : v.createdAt).run();
}

Id insertPlan(Database& db, const engine::PlanRecord& p, const engine::PlanVersionRecord& first,
              const std::string& now) {
  Statement st(
      db,
      "INSERT INTO plan(academy_id, pupil_id, type, state, owner_user_id, form_snapshot_id, "
      "workflow_snapshot_id, current_version, review_date, reviews_plan_id, review_reason, "
      "created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, p.academyId).bind(2, p.pupilId).bind(3, p.type).bind(4, p.state);
  st.bind(5, p.ownerUserId).bind(6, p.formSnapshotId).bind(7, p.workflowSnapshotId);
  st.bind(8, first.number).bindOptional(9, p.reviewDate);
  if (p.reviewsPlanId)
    st.bind(10, p.reviewsPlanId);
  else
    st.bindNull(10);
  st.bind(11, p.reviewReason).bind(12, now).bind(13, now).run();
  Id id = db.lastInsertId();
  insertVersion(db, id, first, now);
  return id;
}

void insertTransition(Database& db, Id planId, const engine::TransitionRecord& r) {
  Statement st(db,
               "INSERT INTO plan_transition(plan_id, name, from_state, to_state, actor, at, "
               "reason_code, reason_text, version) VALUES (?,?,?,?,?,?,?,?,?)");
  st.bind(1, planId).bind(2, r.name).bind(3, r.fromState).bind(4, r.toState).bind(5, r.actor);
  st.bind(6, r.at).bind(7, r.reasonCode).bind(8, r.reasonText).bind(9, r.version).run();
}

// The plan's state and version now, inside the write transaction.
std::optional<std::pair<std::string, int>> current(Database& db, Id planId) {
  Statement st(db, "SELECT state, current_version FROM plan WHERE id=?");
  st.bind(1, planId);
  if (!st.step()) return std::nullopt;
  return std::make_pair(st.getText(0), static_cast<int>(st.getInt(1)));
}

engine::Error movedOn() {
  return engine::conflict("Someone else changed this plan just now. Reload it and try again.");
}

}  // namespace

Id SqlitePlanRepository::snapshot(const std::string& kind, const std::string& type, int version,
                                  const std::string& json) {
  const std::string hash = engine::sha256Hex(json);
  auto existing = store_.read([&](Database& db) -> std::optional<Id> {
    Statement st(db, "SELECT id FROM definition_snapshot WHERE kind=? AND hash=?");
    st.bind(1, kind).bind(2, hash);
    if (!st.step()) return std::nullopt;
    return st.getInt(0);
  });
  if (existing) return *existing;
  return store_.write([&](Database& db) {
    Statement ins(
        db,
        "INSERT INTO definition_snapshot(kind, type, version, hash, json) VALUES (?,?,?,?,?) "
        "ON CONFLICT(kind, hash) DO NOTHING");
    ins.bind(1, kind).bind(2, type).bind(3, version).bind(4, hash).bind(5, json).run();
    Statement st(db, "SELECT id FROM definition_snapshot WHERE kind=? AND hash=?");
    st.bind(1, kind).bind(2, hash);
    st.step();
    return st.getInt(0);
  });
}

std::string SqlitePlanRepository::snapshotJson(Id id) {
  return store_.read([&](Database& db) {
    Statement st(db, "SELECT json FROM definition_snapshot WHERE id=?");
    st.bind(1, id);
    if (!st.step())
      throw StorageError("definition snapshot " + std::to_string(id) + " is missing", 0);
    return st.getText(0);
  });
}

std::optional<engine::PlanRecord> SqlitePlanRepository::plan(Id id) {
  return store_.read([&](Database& db) -> std::optional<engine::PlanRecord> {
    Statement st(db, std::string("SELECT ") + kPlanColumns + " FROM plan p WHERE p.id=?");
    st.bind(1, id);
    if (!st.step()) return std::nullopt;
    return readPlan(st);
  });
}

std::vector<engine::PlanSummary> SqlitePlanRepository::plans(const engine::PlanQuery& q) {
  return store_.read([&](Database& db) {
    std::string sql = std::string("SELECT ") + kPlanColumns +
                      ", pu.legal_name, pu.year_group, pu.date_of_birth FROM plan p "
                      "JOIN pupil pu ON pu.id=p.pupil_id "
                      "WHERE p.academy_id IN (";
    for (size_t i = 0; i < q.academyIds.size(); ++i) sql += i ? ",?" : "?";
    sql += ")";
    if (q.pupilId) sql += " AND p.pupil_id=?";
    sql += " ORDER BY p.review_date IS NULL, p.review_date, p.id DESC LIMIT ?";
    Statement st(db, sql);
    int i = 1;
    for (Id a : q.academyIds) st.bind(i++, a);
    if (q.pupilId) st.bind(i++, q.pupilId);
    st.bind(i, q.limit);
    std::vector<engine::PlanSummary> out;
    while (st.step()) {
      engine::PlanSummary s;
      static_cast<engine::PlanRecord&>(s) = readPlan(st);
      s.pupilName = st.getText(15);
      s.pupilYearGroup = st.getText(16);
      s.pupilDateOfBirth = st.getText(17);
      out.push_back(std::move(s));
    }
    return out;
  });
}

std::map<Id, engine::PlanDeadlineInputs> SqlitePlanRepository::deadlineInputs(
    const std::vector<Id>& planIds) {
  std::string ids = "[";  // one JSON array bound once, however many plans (json_each)
  for (Id id : planIds) ids += (ids.size() > 1 ? "," : "") + std::to_string(id);
  ids += "]";
  return store_.read([&](Database& db) {
    std::map<Id, engine::PlanDeadlineInputs> out;
    Statement values(db,
                     "SELECT v.plan_id, v.values_json FROM plan p JOIN plan_version v "
                     "ON v.plan_id=p.id AND v.number=p.current_version "
                     "WHERE p.id IN (SELECT value FROM json_each(?))");
    values.bind(1, ids);
    while (values.step()) out[values.getInt(0)].valuesJson = values.getText(1);
    Statement transitions(
        db,
        "SELECT plan_id, name, from_state, to_state, actor, at, reason_code, reason_text, version "
        "FROM plan_transition WHERE plan_id IN (SELECT value FROM json_each(?)) "
        "ORDER BY plan_id, id");
    transitions.bind(1, ids);
    while (transitions.step()) {
      auto it = out.find(transitions.getInt(0));
      if (it == out.end()) continue;
      it->second.transitions.push_back(
          {transitions.getText(1), transitions.getText(2), transitions.getText(3),
           transitions.getText(4), transitions.getText(5), transitions.getText(6),
           transitions.getText(7), static_cast<int>(transitions.getInt(8))});
    }
    return out;
  });
}

std::optional<engine::PlanVersionRecord> SqlitePlanRepository::version(Id planId, int number) {
  return store_.read([&](Database& db) -> std::optional<engine::PlanVersionRecord> {
    Statement st(
        db,
        "SELECT plan_id, number, values_json, content_hash, author, author_name, created_at "
        "FROM plan_version WHERE plan_id=? AND number=?");
    st.bind(1, planId).bind(2, number);
    if (!st.step()) return std::nullopt;
    return engine::PlanVersionRecord{st.getInt(0),  static_cast<int>(st.getInt(1)),
                                     st.getText(2), st.getText(3),
                                     st.getText(4), st.getText(5),
                                     st.getText(6)};
  });
}

std::vector<engine::PlanVersionRecord> SqlitePlanRepository::versions(Id planId) {
  return store_.read([&](Database& db) {
    Statement st(db,
                 "SELECT plan_id, number, '', content_hash, author, author_name, created_at "
                 "FROM plan_version WHERE plan_id=? ORDER BY number DESC");
    st.bind(1, planId);
    std::vector<engine::PlanVersionRecord> out;
    while (st.step())
      out.push_back({st.getInt(0), static_cast<int>(st.getInt(1)), "", st.getText(3), st.getText(4),
                     st.getText(5), st.getText(6)});
    return out;
  });
}

std::vector<engine::SignerAssignment> SqlitePlanRepository::signers(Id planId) {
  return store_.read([&](Database& db) {
    Statement st(
        db, "SELECT slot, person_ref, name FROM plan_signer WHERE plan_id=? ORDER BY slot, name");
    st.bind(1, planId);
    std::vector<engine::SignerAssignment> out;
    while (st.step()) out.push_back({st.getText(0), st.getText(1), st.getText(2)});
    return out;
  });
}

std::vector<engine::TransitionRecord> SqlitePlanRepository::transitions(Id planId) {
  return store_.read([&](Database& db) {
    Statement st(db,
                 "SELECT name, from_state, to_state, actor, at, reason_code, reason_text, version "
                 "FROM plan_transition WHERE plan_id=? ORDER BY id");
    st.bind(1, planId);
    std::vector<engine::TransitionRecord> out;
    while (st.step())
      out.push_back({st.getText(0), st.getText(1), st.getText(2), st.getText(3), st.getText(4),
                     st.getText(5), st.getText(6), static_cast<int>(st.getInt(7))});
    return out;
  });
}

std::optional<engine::PlanRecord> SqlitePlanRepository::latestSuccessor(Id planId) {
  return store_.read([&](Database& db) -> std::optional<engine::PlanRecord> {
    Statement st(db, std::string("SELECT ") + kPlanColumns +
                         " FROM plan p WHERE p.reviews_plan_id=? ORDER BY p.id DESC LIMIT 1");
    st.bind(1, planId);
    if (!st.step()) return std::nullopt;
    return readPlan(st);
  });
}

std::vector<engine::ReviewRequestRecord> SqlitePlanRepository::reviewRequests(Id planId) {
  return store_.read([&](Database& db) {
    Statement st(db,
                 "SELECT id, plan_id, seq, at, actor, actor_name, reason_code, reason_text "
                 "FROM plan_review_request WHERE plan_id=? ORDER BY seq");
    st.bind(1, planId);
    std::vector<engine::ReviewRequestRecord> out;
    while (st.step())
      out.push_back({st.getInt(0), st.getInt(1), static_cast<int>(st.getInt(2)), st.getText(3),
                     st.getText(4), st.getText(5), st.getText(6), st.getText(7)});
    return out;
  });
}

std::vector<Id> SqlitePlanRepository::reviewsDueBy(const std::string& isoDay,
                                                   const std::vector<std::string>& states) {
  if (states.empty()) return {};
  return store_.read([&](Database& db) {
    std::string sql =
        "SELECT id FROM plan WHERE review_date IS NOT NULL AND review_date<=? AND state IN (";
    for (size_t i = 0; i < states.size(); ++i) sql += i ? ",?" : "?";
    sql += ") ORDER BY review_date, id";
    Statement st(db, sql);
    st.bind(1, isoDay);
    int i = 2;
    for (const auto& s : states) st.bind(i++, s);
    std::vector<Id> out;
    while (st.step()) out.push_back(st.getInt(0));
    return out;
  });
}

Id SqlitePlanRepository::create(const engine::PlanRecord& p, const engine::PlanVersionRecord& first,
                                const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) {
    Id id = insertPlan(db, p, first, engine::isoTime(store_.clock().now()));
    auto e = audit;
    e.subjectId = id;
    store_.appendAudit(db, e);
    return id;
  });
}

engine::Status SqlitePlanRepository::saveVersion(const std::string& expectedState,
                                                 int expectedVersion,
                                                 const engine::PlanVersionRecord& v,
                                                 const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) -> engine::Status {
    auto now = current(db, v.planId);
    if (!now || now->first != expectedState || now->second != expectedVersion) return movedOn();
    const std::string at = engine::isoTime(store_.clock().now());
    insertVersion(db, v.planId, v, at);
    Statement st(db, "UPDATE plan SET current_version=?, updated_at=? WHERE id=?");
    st.bind(1, v.number).bind(2, at).bind(3, v.planId).run();
    store_.appendAudit(db, audit);
    return engine::Ok{};
  });
}

engine::Result<Id> SqlitePlanRepository::applyTransition(const engine::TransitionChange& c) {
  return store_.write([&](Database& db) -> engine::Result<Id> {
    auto now = current(db, c.planId);
    if (!now || now->first != c.expectedState || now->second != c.expectedVersion) return movedOn();
    if (auto ok = checkSignatureChange(db, c); !ok) return ok.error();
    if (c.reviewRequest) {
      // The request's number must be the plan's next: another request stored first is a conflict
      // (the engine numbers it again, so its emails get their own key).
      Statement next(db,
                     "SELECT COALESCE(MAX(seq), 0) + 1 FROM plan_review_request WHERE plan_id=?");
      next.bind(1, c.planId);
      next.step();
      if (next.getInt(0) != c.reviewRequest->seq) return movedOn();
    }
    const std::string at = engine::isoTime(store_.clock().now());
    applySignatureChange(db, c, at);
    {
      Statement st(db, "UPDATE plan SET state=?, updated_at=? WHERE id=?");
      st.bind(1, c.record.toState).bind(2, at).bind(3, c.planId).run();
    }
    if (c.reviewDate) {
      Statement st(db, "UPDATE plan SET review_date=? WHERE id=?");
      st.bindOptional(1, *c.reviewDate).bind(2, c.planId).run();
    }
    if (c.reviewReason) {
      Statement st(db, "UPDATE plan SET review_reason=? WHERE id=?");
      st.bind(1, *c.reviewReason).bind(2, c.planId).run();
    }
    if (c.activated) {
      Statement st(db, "UPDATE plan SET activated_at=? WHERE id=?");
      st.bind(1, at).bind(2, c.planId).run();
    }
    insertTransition(db, c.planId, c.record);
    if (c.reviewRequest) {
      const auto& rr = *c.reviewRequest;
      Statement st(db,
                   "INSERT INTO plan_review_request(plan_id, seq, at, actor, actor_name, "
                   "reason_code, reason_text) VALUES (?,?,?,?,?,?,?)");
      st.bind(1, c.planId).bind(2, rr.seq).bind(3, at).bind(4, rr.actor).bind(5, rr.actorName);
      st.bind(6, rr.reasonCode).bind(7, rr.reasonText).run();
    }
    if (c.supersedePlanId) {
      Statement st(
          db, "UPDATE plan SET state=?, review_date=NULL, updated_at=? WHERE id=? AND state=?");
      st.bind(1, c.supersedeRecord.toState).bind(2, at).bind(3, c.supersedePlanId);
      st.bind(4, c.supersedeRecord.fromState).run();
      if (db.changes() == 1) {
        insertTransition(db, c.supersedePlanId, c.supersedeRecord);
        Statement ac(db, "SELECT academy_id FROM plan WHERE id=?");
        ac.bind(1, c.supersedePlanId);
        ac.step();
        store_.appendAudit(db,
                           {"plan.transition", c.supersedeRecord.actor, "plan", c.supersedePlanId,
                            ac.getInt(0), transitionDetail(c.supersedeRecord)});
      }
    }
    Id successor = 0;
    if (c.successor) {
      successor = insertPlan(db, c.successor->first, c.successor->second, at);
      store_.appendAudit(
          db, {"plan.launch", c.record.actor, "plan", successor, c.successor->first.academyId,
               "{\"content_hash\":\"" + c.successor->second.contentHash +
                   "\",\"reviews\":" + std::to_string(c.planId) + ",\"version\":1}"});
    }
    for (const auto& e : c.audit) store_.appendAudit(db, e);
    for (const auto& m : c.outbox) insertOutbox(db, m);
    return successor;
  });
}

engine::Status SqlitePlanRepository::setSigners(Id planId, const std::string& expectedState,
                                                const std::string& slot,
                                                const std::vector<engine::SignerAssignment>& people,
                                                const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) -> engine::Status {
    auto now = current(db, planId);
    if (!now || now->first != expectedState) return movedOn();
    Statement del(db, "DELETE FROM plan_signer WHERE plan_id=? AND slot=?");
    del.bind(1, planId).bind(2, slot).run();
    Statement ins(
        db, "INSERT OR IGNORE INTO plan_signer(plan_id, slot, person_ref, name) VALUES (?,?,?,?)");
    for (const auto& p : people) {
      ins.bind(1, planId).bind(2, slot).bind(3, p.personRef).bind(4, p.name).run();
      ins.reset();
    }
    store_.appendAudit(db, audit);
    return engine::Ok{};
  });
}

}  // namespace sendflow::storage
