#include "sendflow/storage/live_repository.h"

namespace sendflow::storage {
namespace {

constexpr std::size_t kMaxBatch = 512;  // records in one command of the committer

void insert(Database& db, const engine::LiveOpRecord& r) {
  Statement st(db,
               "INSERT INTO live_ops(plan_id, field, revision, base_version, kind, op, author, "
               "author_name, client_id, client_seq, at) VALUES (?,?,?,?,?,?,?,?,?,?,?)");
  st.bind(1, r.planId).bind(2, r.field).bind(3, r.revision).bind(4, r.baseVersion);
  st.bind(5, r.kind).bind(6, r.opJson).bind(7, r.author).bind(8, r.authorName);
  st.bind(9, r.clientId).bind(10, r.clientSeq).bind(11, r.at).run();
}

}  // namespace

SqliteLiveLog::~SqliteLiveLog() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  queued_.notify_all();
  if (committer_.joinable()) committer_.join();
  if (reporter_.joinable()) reporter_.join();
}

void SqliteLiveLog::append(const engine::LiveOpRecord& r) {
  store_.write([&](Database& db) { insert(db, r); });
}

void SqliteLiveLog::appendAsync(engine::LiveOpRecord r, Appended done) {
  {
    std::lock_guard lock(mutex_);
    queue_.emplace_back(std::move(r), std::move(done));
    ++accepted_;
    if (!committer_.joinable()) {
      committer_ = std::thread([this] { run(); });
      reporter_ = std::thread([this] { report(); });
    }
  }
  queued_.notify_one();
}

void SqliteLiveLog::settle() {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = accepted_;
  settled_.wait(lock, [&] { return reported_ >= target; });
}

void SqliteLiveLog::run() {
  std::unique_lock lock(mutex_);
  for (;;) {
    queued_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {  // stopping, and everything committed
      committerDone_ = true;
      committed_.notify_all();
      return;
    }
    std::vector<std::pair<engine::LiveOpRecord, Appended>> batch;
    while (!queue_.empty() && batch.size() < kMaxBatch) {
      batch.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    lock.unlock();
    std::vector<std::exception_ptr> errors(batch.size());
    try {
      // One command: grouped by the Store with whatever else is being written meanwhile.
      store_.write([&](Database& db) {
        for (std::size_t i = 0; i < batch.size(); ++i) {
          db.exec("SAVEPOINT live_op");
          try {
            insert(db, batch[i].first);
            db.exec("RELEASE live_op");
          } catch (...) {
            errors[i] = std::current_exception();
            db.exec("ROLLBACK TO live_op");
            db.exec("RELEASE live_op");
          }
        }
      });
    } catch (...) {  // the commit failed: nothing of the batch is durable
      const std::exception_ptr failed = std::current_exception();
      for (auto& e : errors)
        if (!e) e = failed;
    }
    lock.lock();
    for (std::size_t i = 0; i < batch.size(); ++i)
      reports_.emplace_back(std::move(batch[i].second), errors[i]);
    committed_.notify_all();
  }
}

void SqliteLiveLog::report() {
  std::unique_lock lock(mutex_);
  for (;;) {
    committed_.wait(lock, [&] { return committerDone_ || !reports_.empty(); });
    if (reports_.empty()) return;  // the committer stopped, and everything reported
    std::deque<std::pair<Appended, std::exception_ptr>> ready;
    ready.swap(reports_);
    lock.unlock();
    for (auto& [done, error] : ready) {
      try {
        done(error);
      } catch (...) {
        // A report must not stop the reports after it (the session handles its own failures).
      }
    }
    lock.lock();
    reported_ += ready.size();
    settled_.notify_all();
  }
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
