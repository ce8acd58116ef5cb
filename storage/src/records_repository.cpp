#include "sendflow/storage/records_repository.h"

#include <Poco/Base64Encoder.h>
#include <Poco/JSON/Parser.h>

#include <map>
#include <set>
#include <sstream>

#include "sendflow/storage/database.h"

namespace sendflow::storage {
namespace {

using engine::Id;

// Columns holding JSON text: exported as JSON, not as a string of it.
const std::set<std::string> kJsonColumns{"data", "detail", "values_json", "op"};

std::string base64(const std::string& bytes) {
  std::ostringstream out;
  Poco::Base64Encoder enc(out);
  enc.rdbuf()->setLineLength(0);
  enc << bytes;
  enc.close();
  return out.str();
}

Poco::Dynamic::Var valueAt(const Statement& st, int col, const std::string& name) {
  switch (st.kind(col)) {
    case Statement::Kind::kInteger:
      return Poco::Dynamic::Var(static_cast<Poco::Int64>(st.getInt(col)));
    case Statement::Kind::kReal:
      return Poco::Dynamic::Var(st.getDouble(col));
    case Statement::Kind::kBlob:
      return Poco::Dynamic::Var(base64(st.getText(col)));
    case Statement::Kind::kNull:
      return Poco::Dynamic::Var();
    case Statement::Kind::kText:
      break;
  }
  std::string text = st.getText(col);
  if (kJsonColumns.contains(name) && !text.empty() && (text[0] == '{' || text[0] == '[')) {
    try {
      return Poco::JSON::Parser().parse(text);
    } catch (const Poco::Exception&) {
      // not JSON after all: exported as the text it is
    }
  }
  return Poco::Dynamic::Var(text);
}

// Every row `sql` returns (parameters: ?1 the id, ?2 the person reference), column by column.
engine::HeldRows rowsOf(Database& db, const std::string& table, const std::string& sql, Id id,
                        const std::string& personRef = "") {
  engine::HeldRows held{table};
  Statement st(db, sql);
  st.bind(1, id);
  if (sql.find("?2") != std::string::npos) st.bind(2, personRef);
  while (st.step()) {
    Poco::JSON::Object::Ptr row = new Poco::JSON::Object;
    for (int c = 0; c < st.columnCount(); ++c) {
      const std::string name = st.columnName(c);
      row->set(name, valueAt(st, c, name));
    }
    held.rows->add(row);
  }
  return held;
}

// A read snapshot across several statements on a reader connection.
template <typename F>
auto inOneSnapshot(Database& db, F&& f) {
  db.exec("BEGIN");
  try {
    auto out = f();
    db.exec("COMMIT");
    return out;
  } catch (...) {
    db.exec("ROLLBACK");
    throw;
  }
}

constexpr const char* kPlansOf = "(SELECT id FROM plan WHERE pupil_id=?1)";
constexpr const char* kContactsOf = "(SELECT id FROM contact WHERE pupil_id=?1)";

std::vector<engine::HeldSealedDocument> sealedOf(Database& db, const std::string& where, Id id) {
  std::vector<engine::HeldSealedDocument> out;
  Statement st(db, "SELECT plan_id, version, path, sealed_at FROM sealed_document WHERE " + where +
                       " ORDER BY plan_id, version");
  st.bind(1, id);
  while (st.step())
    out.push_back({st.getInt(0), static_cast<int>(st.getInt(1)), st.getText(2), st.getText(3)});
  return out;
}

}  // namespace

engine::Holdings SqliteRecordsRepository::pupilHoldings(Id pupilId) {
  store_.commitQueuedReadsBeforeReading();
  return store_.read([&](Database& db) {
    return inOneSnapshot(db, [&] {
      const std::string plans = kPlansOf, contacts = kContactsOf;
      engine::Holdings h;
      auto add = [&](const std::string& table, const std::string& where, const std::string& order) {
        h.tables.push_back(
            rowsOf(db, table, "SELECT * FROM " + table + " WHERE " + where + " ORDER BY " + order,
                   pupilId));
      };
      add("pupil", "id=?1", "id");
      add("contact", "pupil_id=?1", "id");
      add("plan", "pupil_id=?1", "id");
      add("plan_version", "plan_id IN " + plans, "plan_id, number");
      add("plan_signer", "plan_id IN " + plans, "plan_id, slot, person_ref");
      add("plan_transition", "plan_id IN " + plans, "id");
      add("plan_review_request", "plan_id IN " + plans, "plan_id, seq");
      add("signature_request", "plan_id IN " + plans, "id");
      add("signature", "plan_id IN " + plans, "id");
      add("sealed_document", "plan_id IN " + plans, "plan_id, version");
      add("live_ops", "plan_id IN " + plans, "id");
      add("contribution_link", "plan_id IN " + plans + " OR contact_id IN " + contacts, "id");
      add("outbox", "plan_id IN " + plans, "id");
      // Events about the pupil, their contacts or plans, and the lists that showed them.
      add("audit_event",
          "(subject_type='pupil' AND subject_id=?1) OR (subject_type='plan' AND subject_id IN " +
              plans + ") OR (subject_type='contact' AND subject_id IN " + contacts +
              ") OR (subject_id=0 AND (EXISTS (SELECT 1 FROM json_each(audit_event.detail, "
              "'$.pupils') WHERE value=?1) OR EXISTS (SELECT 1 FROM json_each(audit_event.detail, "
              "'$.plans') WHERE value IN " +
              plans + ")))",
          "id");
      h.sealed = sealedOf(db, "plan_id IN " + plans, pupilId);
      return h;
    });
  });
}

engine::Holdings SqliteRecordsRepository::contactHoldings(Id contactId) {
  store_.commitQueuedReadsBeforeReading();
  const std::string ref = "contact:" + std::to_string(contactId);
  return store_.read([&](Database& db) {
    return inOneSnapshot(db, [&] {
      engine::Holdings h;
      auto add = [&](const std::string& table, const std::string& where, const std::string& order) {
        h.tables.push_back(
            rowsOf(db, table, "SELECT * FROM " + table + " WHERE " + where + " ORDER BY " + order,
                   contactId, ref));
      };
      add("contact", "id=?1", "id");
      add("plan_signer", "person_ref=?2", "plan_id, slot");
      add("signature_request", "person_ref=?2", "id");
      add("signature", "person_ref=?2", "id");
      add("contribution_link", "contact_id=?1", "id");
      add("plan_version", "author=?2", "plan_id, number");  // what they contributed
      add("live_ops", "author=?2", "id");
      add("outbox", "to_address=(SELECT email FROM contact WHERE id=?1) COLLATE NOCASE", "id");
      add("audit_event", "(subject_type='contact' AND subject_id=?1) OR actor=?2", "id");
      return h;
    });
  });
}

std::vector<engine::StoredAuditEvent> SqliteRecordsRepository::eventsAbout(
    Id pupilId, const std::vector<std::string>& actions) {
  store_.commitQueuedReadsBeforeReading();
  return store_.read([&](Database& db) {
    std::string in;
    for (std::size_t i = 0; i < actions.size(); ++i) in += (i ? ",?" : "?") + std::to_string(i + 2);
    const std::string plans = kPlansOf, contacts = kContactsOf;
    Statement st(db,
                 "SELECT id, at, actor, action, subject_type, subject_id, academy_id, detail FROM "
                 "audit_event WHERE action IN (" +
                     in +
                     ") AND ((subject_type='pupil' AND subject_id=?1) OR (subject_type='plan' AND "
                     "subject_id IN " +
                     plans + ") OR (subject_type='contact' AND subject_id IN " + contacts +
                     ") OR (subject_id=0 AND (EXISTS (SELECT 1 FROM json_each(audit_event.detail, "
                     "'$.pupils') WHERE value=?1) OR EXISTS (SELECT 1 FROM "
                     "json_each(audit_event.detail, '$.plans') WHERE value IN " +
                     plans + ")))) ORDER BY id");
    st.bind(1, pupilId);
    for (std::size_t i = 0; i < actions.size(); ++i) st.bind(static_cast<int>(i + 2), actions[i]);
    std::vector<engine::StoredAuditEvent> out;
    while (st.step()) {
      engine::StoredAuditEvent e;
      e.id = st.getInt(0);
      e.at = st.getText(1);
      e.actor = st.getText(2);
      e.action = st.getText(3);
      e.subjectType = st.getText(4);
      e.subjectId = st.getInt(5);
      e.academyId = st.getInt(6);
      e.detail = st.getText(7);
      out.push_back(std::move(e));
    }
    return out;
  });
}

std::vector<engine::RetentionCandidate> SqliteRecordsRepository::retentionCandidates() {
  return store_.read([&](Database& db) {
    return inOneSnapshot(db, [&] {
      std::vector<engine::RetentionCandidate> out;
      std::map<Id, std::size_t> at;
      Statement pupils(db,
                       "SELECT id, academy_id, legal_name, preferred_name, date_of_birth, "
                       "year_group, upn, active FROM pupil WHERE date_of_birth<>'' ORDER BY id");
      while (pupils.step()) {
        at[pupils.getInt(0)] = out.size();
        out.push_back({engine::Pupil{pupils.getInt(0), pupils.getInt(1), pupils.getText(2),
                                     pupils.getText(3), pupils.getText(4), pupils.getText(5),
                                     pupils.getText(6), pupils.getInt(7) != 0},
                       {}});
      }
      Statement plans(db, "SELECT pupil_id, id, type, state, updated_at FROM plan ORDER BY id");
      while (plans.step()) {
        auto it = at.find(plans.getInt(0));
        if (it != at.end())
          out[it->second].plans.push_back(
              {plans.getInt(1), plans.getText(2), plans.getText(3), plans.getText(4)});
      }
      return out;
    });
  });
}

std::vector<std::string> SqliteRecordsRepository::erasePupil(Id pupilId,
                                                             const engine::AuditEvent& audit) {
  return store_.write([&](Database& db) {
    std::vector<std::string> locations;
    {
      Statement st(db,
                   std::string("SELECT path FROM sealed_document WHERE plan_id IN ") + kPlansOf);
      st.bind(1, pupilId);
      while (st.step()) locations.push_back(st.getText(0));
    }
    const std::string plans = kPlansOf, contacts = kContactsOf;
    // Children first (foreign keys), the plans and contacts last, the pupil reduced to a stub.
    const std::vector<std::string> statements{
        "DELETE FROM live_ops WHERE plan_id IN " + plans,
        "DELETE FROM contribution_link WHERE plan_id IN " + plans + " OR contact_id IN " + contacts,
        "DELETE FROM signature WHERE plan_id IN " + plans,
        "DELETE FROM signature_request WHERE plan_id IN " + plans,
        "DELETE FROM sealed_document WHERE plan_id IN " + plans,
        "DELETE FROM plan_signer WHERE plan_id IN " + plans,
        "DELETE FROM plan_transition WHERE plan_id IN " + plans,
        "DELETE FROM plan_review_request WHERE plan_id IN " + plans,
        "DELETE FROM plan_version WHERE plan_id IN " + plans,
        "DELETE FROM outbox WHERE plan_id IN " + plans,
        "UPDATE plan SET reviews_plan_id=NULL WHERE reviews_plan_id IN " + plans,
        std::string("DELETE FROM plan WHERE pupil_id=?1"),
        std::string("DELETE FROM contact WHERE pupil_id=?1"),
        std::string("UPDATE pupil SET legal_name='', preferred_name='', date_of_birth='', "
                    "year_group='', upn='', active=0 WHERE id=?1"),
    };
    for (const std::string& sql : statements) {
      Statement st(db, sql);
      st.bind(1, pupilId);
      st.run();
    }
    store_.appendAudit(db, audit);
    return locations;
  });
}

}  // namespace sendflow::storage
