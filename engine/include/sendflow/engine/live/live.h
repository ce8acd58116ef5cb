// Live editing of one draft plan: the single sequencer of its operations (see docs/live.md).
// A LiveSession holds the plan's field values in memory, orders every operation with one
// plan-wide revision, commits it through LiveLog before acknowledging it, and folds the
// operations into the plan's next version when the editors go quiet. Thread-safe.
// It speaks in messages (JSON objects, docs/live.md) and never sees their text: web/live reads
// and writes them as WebSocket text frames.
#pragma once

#include <Poco/JSON/Object.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/core/message.h"
#include "sendflow/engine/live/ot.h"
#include "sendflow/engine/plans/plans.h"

namespace sendflow::engine {

// One committed live operation. kind "text": opJson is the OT op ([n, "s", {"d": n}, …]);
// kind "set": opJson is {"value": …}; repeating tables: "row_add" {"row", "after", "cells"?},
// "row_remove" {"row"}, "cell" {"row", "column", "value"}.
struct LiveOpRecord {
  Id planId = 0;
  std::string field;
  std::int64_t revision = 0;  // plan-wide, never reused
  int baseVersion = 0;        // the plan version these operations apply on top of
  std::string kind;
  std::string opJson;
  std::string author;  // "user:12"
  std::string authorName;
  std::string clientId;
  std::int64_t clientSeq = 0;
  std::int64_t at = 0;  // unix seconds
};

// Port implemented by storage. append() returns only once the record is durable and throws
// (an infrastructure fault) otherwise; a duplicate (plan, revision) also throws.
class LiveLog {
 public:
  // Called once a record appended with appendAsync is durable (nullptr) or could not be made so.
  using Appended = std::function<void(std::exception_ptr error)>;

  virtual ~LiveLog() = default;
  virtual void append(const LiveOpRecord& r) = 0;
  // Makes r durable without the caller waiting for it: `done` is called exactly once, after
  // the commit that holds r (or with the error that lost it), on whichever thread committed it
  // — possibly before appendAsync returns. Records are committed and reported in the order
  // given. The default runs append() and then `done` on the caller's thread.
  virtual void appendAsync(LiveOpRecord r, Appended done) {
    std::exception_ptr error;
    try {
      append(r);
    } catch (...) {
      error = std::current_exception();
    }
    done(error);
  }
  // Returns once every record given to appendAsync before the call has been reported.
  virtual void settle() {}
  virtual std::vector<LiveOpRecord> since(Id planId, int baseVersion) = 0;  // by revision
  virtual std::int64_t headRevision(Id planId) = 0;                         // 0: none
  // The newest committed seq of each client id (also of ops already folded into a version), so a
  // resent operation is recognised after a restart.
  virtual std::map<std::string, std::int64_t> lastSeqs(Id planId) = 0;
  // Plans with acknowledged operations not yet folded into a version (after a crash).
  virtual std::vector<Id> unfolded() = 0;
};

// What an editor may do now. `fields` limits a contributor to their sections: they see and edit
// only those; staff (nullopt) see and edit every field.
struct EditRights {
  bool editable = false;
  Text reason;  // why not, when not editable (never empty then)
  std::optional<std::set<std::string>> fields;
};

// Who edits: a staff session or a contact's contribution link. `rights` is asked at join and
// again (at least every LiveLimits::recheck) while they edit; an error (e.g. the link withdrawn)
// stops their edits.
struct LiveEditor {
  std::string ref;  // "user:12", "contact:3": the author of their operations
  std::string name;
  std::function<Result<EditRights>()> rights;
  // How this editor reads the engine's texts sent to them (a read-only reason, an error): the
  // web gives a contact's their language (the engine holds no catalogue). Empty: English.
  std::function<std::string(const Text&)> words;
};

// A member of staff: the plan as PlanService::open shows it to them.
LiveEditor staffEditor(PlanService& plans, const Actor& a, Id planId);

struct LiveLimits {
  std::size_t historyWindow = 5000;  // revisions a client may lag behind before a resync
  double opsPerSecond = 40;          // per connection (token bucket)
  double burst = 80;
  // Fold into a version after this much quiet. Long enough that a plain "Save" right after
  // live typing makes the next version itself (the ops are durable and replayed meanwhile).
  std::chrono::milliseconds quietPeriod{30000};
  // An editor's rights (roles, the plan's state, a contributor's link) are asked again at least
  // this often while they edit; in between, one look at the plan's row catches a transition.
  std::chrono::milliseconds recheck{2000};
  std::size_t maxTextCodePoints = 100000;
};

// One message of the live protocol (docs/live.md): a JSON object with a "type".
using LiveMessage = Poco::JSON::Object;

class LiveSession : public std::enable_shared_from_this<LiveSession> {
 public:
  // The port one connection's messages leave through (web/live: a WebSocket text frame each).
  // Called under the session's lock, in order; it must not block, and a throw (a dead
  // connection) is ignored: the connection's reader notices and leaves. A message is not
  // changed after it is sent and may be sent again (to others, on a resume).
  using Send = std::function<void(const LiveMessage& message)>;
  using ConnId = std::uint64_t;

  // Loads the plan's current version and replays the committed operations on top of it.
  // The caller has checked that the editor may see the plan. Every interval (quiet period,
  // rate limit, recheck) is measured on clock.monotonic().
  static Result<std::shared_ptr<LiveSession>> open(Id planId, PlanService& plans, LiveLog& log,
                                                   Clock& clock, LiveLimits limits = {});

  // Joins a connection (the editor may see the plan). Sends it the snapshot and presence.
  // Protocol (the messages): docs/live.md.
  ConnId join(LiveEditor e, Send send);
  void leave(ConnId c);
  // Handles one message from a connection; every answer goes out through the Send callbacks.
  // nullptr: what the connection sent was not a JSON object (answered "malformed", counted
  // against its rate limit like any other message). An operation is handed to the log
  // (LiveLog::appendAsync) and acknowledged and relayed once it is durable: the caller does not
  // wait for the commit. A failed commit breaks the session (broken()) and tells its editors.
  void receive(ConnId c, const LiveMessage::Ptr& message);
  // Folds pending operations into the plan's next version when quiet (or `force`). An error
  // (e.g. kInvalid: a live answer does not pass validation yet) leaves them pending and durable.
  Status flush(bool force);
  // A version saved elsewhere (a plain form post, a contributor's post) since this session's
  // base: everyone restarts from it. Called at join and by the hub a few times a second.
  void catchUp();
  bool idle() const;  // no connection and nothing pending
  // A storage failure lost an operation that was already sequenced: the session must be
  // replaced (the hub does) and its editors reload.
  bool broken() const;
  // What broke it (the log's error, for the operator's log), once: nullopt afterwards.
  std::optional<std::string> takeFailure();
  Id planId() const { return planId_; }

 private:
  LiveSession(Id planId, PlanService& plans, LiveLog& log, Clock& clock, LiveLimits limits);

  enum class Shape { kText, kValue, kTable };
  struct Row {
    std::string
        id;  // stable for the session: "v<version>.<index>" as loaded, "n<revision>" when added
    Poco::JSON::Object::Ptr cells;
    std::map<std::string, std::pair<std::int64_t, std::string>>
        revs;  // column -> (revision, client) of its last set
  };
  struct Field {
    Shape shape = Shape::kValue;
    const FieldDef* def = nullptr;
    std::u32string doc;              // text fields
    Poco::Dynamic::Var value;        // whole-value fields
    std::vector<Row> rows;           // tables
    std::int64_t fieldRevision = 0;  // last revision that changed it
    std::string lastWriterClient;
  };
  struct Conn {
    LiveEditor editor;
    std::optional<std::set<std::string>> fields;  // a contributor's: all they see and edit
    Text blocked;  // why they cannot edit, as the last full check found (empty when they can)
    Send send;
    std::string clientId;
    std::string focus;
    double tokens = 0;
    MonoTime refill;
    std::int64_t sentUpTo = 0;  // revisions this connection already has (snapshot, resume)
    std::optional<MonoTime> allowedAt{};  // last full permission check passed
  };
  // A sequenced operation waiting for its commit; released to everyone in revision order.
  struct Release {
    std::int64_t revision = 0;
    std::string field;
    bool durable = false;
    LiveMessage::Ptr message;
    LiveMessage::Ptr notice;  // "overwritten", to the client whose value was lost
    std::string noticeClient;
  };
  struct HistoryEntry {
    std::int64_t revision;
    std::string field;
    ot::Op op;  // empty for "set"
    std::string clientId;
    std::int64_t seq = 0;
    LiveMessage::Ptr message;  // table operations: the message as relayed
  };

  void sendTo(const Conn& c, const Poco::JSON::Object& o);
  void broadcast(const Poco::JSON::Object& o);
  void error(const Conn& c, const std::string& code, const Text& message, std::int64_t seq = 0);
  // A protocol error only a faulty client meets: English, as the message says it.
  void error(const Conn& c, const std::string& code, const std::string& english,
             std::int64_t seq = 0) {
    error(c, code, Text(english), seq);
  }
  static std::string words(const Conn& c, const Text& t) {
    return c.editor.words ? c.editor.words(t) : t.str();
  }
  void snapshot(Conn& c);
  static bool sees(const Conn& c, const std::string& field) {
    return !c.fields || c.fields->count(field);
  }
  void presence();
  std::map<std::string, Field>::iterator editedField(Conn& c, const Poco::JSON::Object& m,
                                                     Shape shape, std::int64_t seq);
  void handleRow(Conn& c, const Poco::JSON::Object& m, const std::string& kind);
  static std::optional<std::pair<std::string, Poco::Dynamic::Var>> lostCell(
      const Field& f, const Poco::JSON::Object& op, const Poco::JSON::Object& m,
      const std::string& client);
  void refuseRow(const Conn& c, const std::string& err, const std::string& kind, const Field& f,
                 std::int64_t seq);
  // Applies a table operation (live, or replayed from the log); the error code, or "" when done.
  static std::string applyRow(Field& f, const std::string& kind, const Poco::JSON::Object& op,
                              std::int64_t revision, const std::string& client);
  void loadRows(Field& f, const Poco::Dynamic::Var& value);
  void handleOp(Conn& c, const Poco::JSON::Object& m);
  void handleSet(Conn& c, const Poco::JSON::Object& m);
  void handleResume(Conn& c, const Poco::JSON::Object& m);
  // Why an edit is refused before it is applied: "read_only" (the actor may not edit, or the
  // plan is not editable now) or "conflict" (a version was saved from a form meanwhile: everyone
  // was sent a snapshot of it and may edit on from there; the edit was not applied).
  struct Refusal {
    std::string code;
    Text reason;
  };
  std::optional<Refusal> editBlocked(Conn& c);  // nullopt when allowed
  static Text savedMeanwhile();
  bool takeToken(Conn& c);
  void commit(Conn& c, LiveOpRecord& r);               // sequences r; receive() makes it durable
  void dispatch(ConnId c, const LiveMessage::Ptr& m);  // under the lock
  void release();  // sends every durable operation at the front of unreleased_, in order
  // Hands the sequenced records to the log in revision order, outside the lock (a synchronous
  // log reports inside appendAsync, and the report takes the lock).
  void submitAppends();
  void appended(std::int64_t revision, const std::exception_ptr& error);  // the log's report
  void breakSession();                                                    // REQUIRES: mutex_ held
  Poco::JSON::Object::Ptr values() const;
  Status flushLocked(bool force);
  // Loads the fields from version v; `tellEditors`: a version saved elsewhere, everyone restarts.
  void rebase(const PlanView& v, bool tellEditors);

  const Id planId_;
  PlanService& plans_;
  LiveLog& log_;
  Clock& clock_;
  const LiveLimits limits_;

  mutable std::mutex mutex_;
  std::shared_ptr<const FormDefinition> form_;
  std::shared_ptr<const WorkflowDefinition> workflow_;
  Poco::JSON::Object::Ptr baseValues_;
  int baseVersion_ = 0;
  // The version the last rebase that restarted everyone loaded (0 before any): an edit whose
  // frame names an older "version" (the one of the snapshot its page had) was made on text that
  // no longer stands, and is refused as a conflict rather than applied at the wrong place.
  int restartedAt_ = 0;
  // Whether message m names the version of a snapshot older than restartedAt_ (a client that
  // names none is not checked).
  bool madeBeforeRestart(const Poco::JSON::Object& m) const;
  std::int64_t head_ = 0;
  std::deque<HistoryEntry> history_;
  std::map<std::string, Field> fields_;
  std::map<std::string, std::int64_t> lastSeq_;  // clientId -> last committed seq
  std::map<ConnId, Conn> conns_;
  ConnId nextConn_ = 1;
  bool dirty_ = false;
  std::optional<std::pair<std::string, std::string>> lastEditor_;  // ref, name
  std::map<std::string, std::set<std::string>>
      editors_;  // since the base version: who, which fields
  MonoTime lastOp_;
  std::optional<LiveOpRecord> sequenced_;  // set by commit() during one receive()
  std::deque<LiveOpRecord> toAppend_;      // sequenced, not yet handed to the log
  bool appending_ = false;                 // a thread is handing toAppend_ to the log
  std::optional<std::string> failure_;     // why the session broke, until the hub logs it
  std::deque<Release> unreleased_;
  std::int64_t released_ = 0;  // the newest revision everyone has been sent
  std::string editableState_;  // the state the last full permission check saw
  bool broken_ = false;
};

// JSON of an OT op: a number skips, a string inserts, {"d": n} deletes.
Poco::JSON::Array::Ptr opToJson(const ot::Op& op);
std::optional<ot::Op> opFromJson(const Poco::Dynamic::Var& v);

}  // namespace sendflow::engine
