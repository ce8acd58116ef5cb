// LiveSession: opening (replaying the live log), joining and leaving, sequencing each message
// under the lock and committing it outside, permissions while editing, and folding into versions.
#include <Poco/JSON/Parser.h>

#include <algorithm>
#include <utility>

#include "live_records.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/forms/form_values.h"
#include "sendflow/engine/live/live.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// Why an editor's rights failed, for them to read: the error's Text, else its English message.
Text textOf(const Error& e) { return e.text.empty() ? Text(e.message) : e.text; }

std::int64_t unixNow(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

}  // namespace

LiveEditor staffEditor(PlanService& plans, const Actor& a, Id planId) {
  LiveEditor e{"user:" + std::to_string(a.userId), a.name, {}, {}};
  e.rights = [&plans, a, planId]() -> Result<EditRights> {
    auto v = plans.open(a, planId);
    if (!v) return v.error();
    EditRights r;
    r.editable = v->state->editable && v->canEdit;
    if (!v->state->editable) {
      r.reason = Text(notEditableMessage(*v->state));  // staff read English
    } else if (!v->canEdit) {
      r.reason = Text("You cannot edit this plan.");
    }
    return r;
  };
  return e;
}

LiveSession::LiveSession(Id planId, PlanService& plans, LiveLog& log, Clock& clock,
                         LiveLimits limits)
    : planId_(planId), plans_(plans), log_(log), clock_(clock), limits_(limits) {}

Result<std::shared_ptr<LiveSession>> LiveSession::open(Id planId, PlanService& plans, LiveLog& log,
                                                       Clock& clock, LiveLimits limits) {
  auto view = plans.view(planId);
  if (!view) return view.error();
  std::shared_ptr<LiveSession> s(new LiveSession(planId, plans, log, clock, limits));
  auto& v = view.value();
  s->form_ = v.form;
  s->workflow_ = v.workflow;
  s->baseVersion_ = v.plan.currentVersion;
  s->baseValues_ = v.values;
  for (const FieldDef* f : v.form->fields()) {
    if (f->readonly || f->hidden || f->kind == FieldKind::kComputed) continue;
    Field field;
    field.def = f;
    field.shape = f->kind == FieldKind::kLongText ? Shape::kText
                  : f->kind == FieldKind::kTable  ? Shape::kTable
                                                  : Shape::kValue;
    s->fields_[f->id] = std::move(field);
  }
  s->rebase(v, false);
  s->head_ = log.headRevision(planId);
  s->lastSeq_ = log.lastSeqs(planId);
  // Replay what was acknowledged since the version was made (a restart, a crash).
  for (const auto& r : log.since(planId, s->baseVersion_)) {
    auto it = s->fields_.find(r.field);
    if (it == s->fields_.end()) continue;
    Var parsed = Poco::JSON::Parser().parse(r.opJson);
    if (live::isRowKind(r.kind)) {
      const auto op = parsed.extract<Object::Ptr>();
      applyRow(it->second, r.kind, *op, r.revision, r.clientId);
      s->history_.push_back({r.revision,
                             r.field,
                             {},
                             r.clientId,
                             r.clientSeq,
                             live::rowMessage(r.kind, r.revision, r.field, *op, r.clientId,
                                              r.clientSeq, r.authorName)});
    } else if (r.kind == "text") {
      auto op = opFromJson(parsed);
      if (!op) continue;
      if (auto next = ot::apply(it->second.doc, *op)) it->second.doc = std::move(*next);
      s->history_.push_back({r.revision, r.field, *op, r.clientId, r.clientSeq, nullptr});
    } else {
      it->second.value = parsed.extract<Object::Ptr>()->get("value");
      s->history_.push_back({r.revision, r.field, {}, r.clientId, r.clientSeq, nullptr});
    }
    it->second.fieldRevision = r.revision;
    it->second.lastWriterClient = r.clientId;
    s->lastSeq_[r.clientId] = std::max(s->lastSeq_[r.clientId], r.clientSeq);
    s->editors_[r.author].insert(r.field);
    s->lastEditor_ = {r.author, r.authorName};
    s->dirty_ = true;
  }
  s->released_ = s->head_;
  s->lastOp_ = clock.monotonic();
  return s;
}

void LiveSession::catchUp() {
  auto rec = plans_.record(planId_);
  {
    std::lock_guard lock(mutex_);
    if (!rec || rec->currentVersion == baseVersion_) return;
  }
  auto v = plans_.view(planId_);  // outside the lock: it reads the database
  std::lock_guard lock(mutex_);
  if (v && v.value().plan.currentVersion != baseVersion_) rebase(v.value(), true);
}

LiveSession::ConnId LiveSession::join(LiveEditor e, Send send) {
  catchUp();  // a newcomer must not be shown a base older than the plan's current version
  auto rights = e.rights();  // outside the lock: it reads the database
  std::lock_guard lock(mutex_);
  const ConnId id = nextConn_++;
  Conn c{std::move(e), {}, {}, std::move(send), "", "", limits_.burst, clock_.monotonic()};
  if (rights) {
    c.fields = rights->fields;
    if (!rights->editable) c.blocked = rights->reason;
  } else {
    c.fields.emplace();  // sees nothing
    c.blocked = textOf(rights.error());
  }
  auto& conn = conns_.emplace(id, std::move(c)).first->second;
  snapshot(conn);
  presence();
  return id;
}

void LiveSession::leave(ConnId c) {
  std::lock_guard lock(mutex_);
  conns_.erase(c);
  presence();  // the hub folds what is pending once the quiet period is over
}

bool LiveSession::idle() const {
  std::lock_guard lock(mutex_);
  return conns_.empty() && (!dirty_ || broken_);
}

bool LiveSession::broken() const {
  std::lock_guard lock(mutex_);
  return broken_;
}

std::optional<std::string> LiveSession::takeFailure() {
  std::lock_guard lock(mutex_);
  return std::exchange(failure_, std::nullopt);
}

Object::Ptr LiveSession::values() const {
  Object::Ptr out = new Object(*baseValues_);
  for (const auto& [name, f] : fields_) {
    if (f.shape == Shape::kText) {
      out->set(name, utf8::encode(f.doc));
    } else if (f.shape == Shape::kTable) {
      if (f.rows.empty() && !baseValues_->has(name)) continue;
      Array::Ptr rows = new Array;
      for (const auto& r : f.rows) rows->add(r.cells);
      out->set(name, rows);
    } else if (f.value.isEmpty()) {
      out->remove(name);
    } else {
      out->set(name, f.value);
    }
  }
  return out;
}

// A full check (the actor's roles, the plan's state) at most every limits_.recheck per
// connection; in between, one look at the plan's row catches a transition or a version saved
// from a form.
std::optional<LiveSession::Refusal> LiveSession::editBlocked(Conn& c) {
  const auto now = clock_.monotonic();
  if (c.allowedAt && now - *c.allowedAt < limits_.recheck) {
    auto rec = plans_.record(planId_);
    if (rec && rec->state == editableState_ && rec->currentVersion == baseVersion_)
      return std::nullopt;
  }
  c.allowedAt.reset();
  auto rights = c.editor.rights();
  c.blocked = !rights ? textOf(rights.error()) : rights->editable ? Text() : rights->reason;
  if (!c.blocked.empty()) return Refusal{"read_only", c.blocked};
  auto rec = plans_.record(planId_);
  if (!rec) return Refusal{"read_only", Text("There is no such plan.")};
  if (rec->currentVersion != baseVersion_) {
    // Not read-only: the editor may carry on from the new version (live.js re-applies what it
    // had not had confirmed on top of the snapshot rebase sends, and sends it again).
    if (auto v = plans_.view(planId_)) rebase(v.value(), true);
    return Refusal{"conflict", savedMeanwhile()};
  }
  editableState_ = rec->state;
  c.allowedAt = now;
  return std::nullopt;
}

bool LiveSession::madeBeforeRestart(const Object& m) const {
  // live.js names the version of its last snapshot with each edit and resume.
  return m.has("version") && m.optValue<Poco::Int64>("version", 0) < restartedAt_;
}

Text LiveSession::savedMeanwhile() {
  return Text(N_("The plan was saved from a form meanwhile; your view was refreshed."));
}

void LiveSession::rebase(const PlanView& v, bool tellEditors) {
  baseVersion_ = v.plan.currentVersion;
  baseValues_ = v.values;
  for (auto& [name, f] : fields_) {
    Var value = v.values->has(name) ? v.values->get(name) : Var();
    switch (f.shape) {
      case Shape::kText:
        f.doc = utf8::decode(value.isEmpty() ? "" : value.convert<std::string>()).value_or(U"");
        break;
      case Shape::kValue:
        f.value = value;
        break;
      case Shape::kTable:
        loadRows(f, value);
        break;
    }
  }
  if (!tellEditors) return;
  restartedAt_ = baseVersion_;
  history_.clear();
  dirty_ = false;
  editors_.clear();
  for (auto& [id, other] : conns_) snapshot(other);
}

bool LiveSession::takeToken(Conn& c) {
  const auto now = clock_.monotonic();
  const double elapsed = std::chrono::duration<double>(now - c.refill).count();
  c.refill = now;
  c.tokens = std::min(limits_.burst, c.tokens + elapsed * limits_.opsPerSecond);
  if (c.tokens < 1) return false;
  c.tokens -= 1;
  return true;
}

// Sequencing happens under the session's lock; the commit does not, and no thread waits for it:
// the record goes to the log (LiveLog::appendAsync), whose commits group the operations of
// many editors into one transaction and fsync, and the log's report releases it. Nobody hears
// of an operation before it is durable, and everyone hears them in revision order (release()).
void LiveSession::receive(ConnId id, const Object::Ptr& message) {
  {
    std::lock_guard lock(mutex_);
    dispatch(id, message);
    if (sequenced_) {
      toAppend_.push_back(std::move(*sequenced_));
      sequenced_.reset();
    }
    if (toAppend_.empty()) return;
  }
  submitAppends();
}

void LiveSession::submitAppends() {
  std::weak_ptr<LiveSession> self = weak_from_this();
  std::unique_lock lock(mutex_);
  if (appending_) return;  // that thread hands ours over too, after its own (revision order)
  appending_ = true;
  while (!toAppend_.empty()) {
    LiveOpRecord r = std::move(toAppend_.front());
    toAppend_.pop_front();
    const std::int64_t revision = r.revision;
    lock.unlock();
    log_.appendAsync(std::move(r), [self, revision](std::exception_ptr error) {
      if (auto s = self.lock()) s->appended(revision, error);
    });
    lock.lock();
  }
  appending_ = false;
}

void LiveSession::appended(std::int64_t revision, const std::exception_ptr& error) {
  std::lock_guard lock(mutex_);
  if (broken_) return;
  if (error) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      failure_ = e.what();
    } catch (...) {
      failure_ = "unknown error";
    }
    return breakSession();
  }
  for (auto& u : unreleased_)
    if (u.revision == revision) u.durable = true;
  release();
}

void LiveSession::breakSession() {
  // Later operations may build on the lost one: the in-memory state cannot be trusted any more.
  broken_ = true;
  unreleased_.clear();
  toAppend_.clear();
  Object o;
  o.set("type", "error");
  o.set("code", "storage");
  const Text lost(
      N_("An edit could not be saved. Reload the plan to carry on from what was saved."));
  for (auto& [cid, other] : conns_) {
    o.set("message", words(other, lost));
    sendTo(other, o);
  }
}

void LiveSession::release() {
  while (!unreleased_.empty() && unreleased_.front().durable) {
    const Release& u = unreleased_.front();
    for (auto& [cid, c] : conns_) {
      if (c.sentUpTo >= u.revision || !sees(c, u.field)) continue;
      try {
        c.send(*u.message);
        if (u.notice && c.clientId == u.noticeClient) c.send(*u.notice);
      } catch (...) {
      }
    }
    released_ = u.revision;
    unreleased_.pop_front();
  }
}

void LiveSession::dispatch(ConnId id, const Object::Ptr& m) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  if (broken_) {
    error(c, "storage",
          Text(N_("An edit could not be saved. Reload the plan to carry on from what was saved.")));
    return;
  }
  if (!takeToken(c)) {
    error(c, "rate_limited", "Too many messages; slow down.");
    return;
  }
  if (!m || !m->has("type") || !m->get("type").isString()) {
    error(c, "malformed", "A message must be a JSON object with a type.");
    return;
  }
  const std::string type = m->getValue<std::string>("type");
  try {
    if (type == "hello") {
      c.clientId = m->optValue<std::string>("client", "");
      if (c.clientId.empty() || c.clientId.size() > 64) {
        c.clientId.clear();
        error(c, "malformed", "hello needs a client id of at most 64 characters.");
      }
    } else if (type == "focus") {
      std::string f = m->optValue<std::string>("field", "");
      c.focus = fields_.count(f) && sees(c, f) ? f : "";
      presence();
    } else if (type == "op") {
      handleOp(c, *m);
    } else if (type == "set") {
      handleSet(c, *m);
    } else if (live::isRowKind(type)) {
      handleRow(c, *m, type);
    } else if (type == "resume") {
      handleResume(c, *m);
    } else {
      error(c, "malformed", "Unknown message type.");
    }
  } catch (const Poco::Exception&) {
    error(c, "malformed", "A field has the wrong type.");
  }
}

void LiveSession::commit(Conn& c, LiveOpRecord& r) {
  r.planId = planId_;
  r.revision = head_ + 1;
  r.baseVersion = baseVersion_;
  r.author = c.editor.ref;
  r.authorName = c.editor.name;
  r.clientId = c.clientId;
  r.at = unixNow(clock_);
  sequenced_ = r;  // receive() commits it before anyone hears of it
  unreleased_.push_back({r.revision, r.field, false, nullptr, nullptr, ""});
  head_ = r.revision;
  editors_[r.author].insert(r.field);
  lastSeq_[c.clientId] = r.clientSeq;
  dirty_ = true;
  lastEditor_ = {c.editor.ref, c.editor.name};
  lastOp_ = clock_.monotonic();
}

Status LiveSession::flush(bool force) {
  // A version holds acknowledged operations only: a forced fold (a transition, shutdown) first
  // waits for the commits in flight; a quiet one waits for a moment when none is.
  for (int tries = 0; force && tries < 3; ++tries) {
    {
      std::lock_guard lock(mutex_);
      if (unreleased_.empty() && toAppend_.empty()) break;
    }
    log_.settle();
  }
  std::lock_guard lock(mutex_);
  return flushLocked(force);
}

Status LiveSession::flushLocked(bool force) {
  if (!dirty_ || !lastEditor_) return Ok{};
  if (!force && !unreleased_.empty()) return Ok{};  // not quiet: an operation is being committed
  if (!force && clock_.monotonic() - lastOp_ < limits_.quietPeriod) return Ok{};
  Object::Ptr v = values();
  Object::Ptr editors = new Object;
  for (const auto& [who, fields] : editors_) {
    Array::Ptr list = new Array;
    for (const auto& f : fields) list->add(f);
    editors->set(who, list);
  }
  // The browser sends whole values as its controls hold them ("yes", "12"): saved typed, as a
  // form post is.
  auto saved = plans_.saveAs(lastEditor_->first, lastEditor_->second, planId_, baseVersion_,
                             *valuesFromControls(*form_, *v), editors);
  if (!saved) {
    if (saved.error().code == ErrorCode::kConflict) {
      // A plain form post (or a transition) came first: it wins; everyone restarts from it.
      auto view = plans_.view(planId_);
      if (view && view.value().plan.currentVersion != baseVersion_) rebase(view.value(), true);
    }
    return saved
        .error();  // otherwise stays in the live log (replayed on the next open); tried again later
  }
  baseVersion_ = saved.value().version;
  baseValues_ = v;
  dirty_ = false;
  editors_.clear();
  Object o;
  o.set("type", "version");
  o.set("version", baseVersion_);
  broadcast(o);
  return Ok{};
}

}  // namespace sendflow::engine
