#include "sendflow/storage/live_repository.h"

namespace sendflow::storage {

void SqliteLiveLog::append(const engine::LiveOpRecord& r) {
  store_.write([&](Database& db) {
    Statement st(db,
                 "INSERT INTO live_ops(plan_id, field, revision, base_version, kind, op, author, "
                 "author_name, client_id, client_seq, at) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
    st.bind(1, r.planId).bind(2, r.field).bind(3, r.revision).bind(4, r.baseVersion);
    st.bind(5, r.kind).bind(6, r.opJson).bind(7, r.author).bind(8, r.authorName);
    st.bind(9, r.clientId).bind(10, r.clientSeq).bind(11, r.at).run();
  });
}

std::vector<engine::LiveOpRecord> SqliteLiveLog::since(engine::Id planId, int baseVersion) {
  return store_.read([&](Database& db) {
    Statement st(db,
                 "SELECT field, revision, kind, op, author, author_name, client_id, client_seq, at "
                 "FROM live_ops WHERE plan_id=? AND base_version=? ORDER BY revision");
    st.bind(1, planId).bind(2, baseVersion);
    std::vector<engine::LiveOpRecord> out;
    while (st.step()) {
      engine::LiveOpRecord r;
      r.planId = planId;
      r.baseVersion = baseVersion;
      r.field = st.getText(0);
      r.revision = st.getInt(1);
      r.kind = st.getText(2);
      r.opJson = st.getText(3);
      r.author = st.getText(4);
      r.authorName = st.getText(5);
      r.clientId = st.getText(6);
      r.clientSeq = st.getInt(7);
      r.at = st.getInt(8);
      out.push_back(std::move(r));
    }
    return out;
  });
}

std::int64_t SqliteLiveLog::headRevision(engine::Id planId) {
  return store_.read([&](Database& db) -> std::int64_t {
    Statement st(db, "SELECT COALESCE(MAX(revision), 0) FROM live_ops WHERE plan_id=?");
    st.bind(1, planId);
    return st.step() ? st.getInt(0) : 0;
  });
}

std::map<std::string, std::int64_t> SqliteLiveLog::lastSeqs(engine::Id planId) {
  return store_.read([&](Database& db) {
    Statement st(
        db, "SELECT client_id, MAX(client_seq) FROM live_ops WHERE plan_id=? GROUP BY client_id");
    st.bind(1, planId);
    std::map<std::string, std::int64_t> out;
    while (st.step()) out[st.getText(0)] = st.getInt(1);
    return out;
  });
}

std::vector<engine::Id> SqliteLiveLog::unfolded() {
  return store_.read([&](Database& db) {
    Statement st(db,
                 "SELECT DISTINCT l.plan_id FROM live_ops l JOIN plan p ON p.id = l.plan_id "
                 "WHERE l.base_version = p.current_version ORDER BY l.plan_id");
    std::vector<engine::Id> out;
    while (st.step()) out.push_back(st.getInt(0));
    return out;
  });
}

}  // namespace sendflow::storage
