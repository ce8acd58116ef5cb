#include "sendflow/engine/live/live.h"

#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>

#include <algorithm>
#include <sstream>

#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/forms/form_values.h"

namespace sendflow::engine {
namespace {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

std::string stringify(const Object& o) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(o, out);
  return out.str();
}

std::string stringify(const Var& v) {
  std::ostringstream out;
  Poco::JSON::Stringifier::condense(v, out);
  return out.str();
}

// The frame a table operation is relayed (and resumed) as.
std::string rowFrame(const std::string& kind, std::int64_t revision, const std::string& field,
                     const Object& op, const std::string& client, std::int64_t seq,
                     const std::string& author) {
  Object out(op);
  out.set("type", kind);
  out.set("revision", revision);
  out.set("field", field);
  out.set("client", client);
  out.set("seq", seq);
  out.set("author", author);
  return stringify(out);
}

bool isRowKind(const std::string& k) { return k == "row_add" || k == "row_remove" || k == "cell"; }

std::int64_t unixNow(Clock& clock) {
  return std::chrono::duration_cast<std::chrono::seconds>(clock.now().time_since_epoch()).count();
}

}  // namespace

LiveEditor staffEditor(PlanService& plans, const Actor& a, Id planId) {
  LiveEditor e{"user:" + std::to_string(a.userId), a.name, {}};
  e.rights = [&plans, a, planId]() -> Result<EditRights> {
    auto v = plans.open(a, planId);
    if (!v) return v.error();
    EditRights r;
    r.editable = v->state->editable && v->canEdit;
    if (!v->state->editable) {
      r.reason = notEditableMessage(*v->state);
    } else if (!v->canEdit) {
      r.reason = "You cannot edit this plan.";
    }
    return r;
  };
  return e;
}

Array::Ptr opToJson(const ot::Op& op) {
  Array::Ptr a = new Array;
  for (const auto& c : op) {
    switch (c.kind) {
      case ot::Component::Kind::kSkip:
        a->add(static_cast<Poco::UInt64>(c.count));
        break;
      case ot::Component::Kind::kInsert:
        a->add(utf8::encode(c.text));
        break;
      case ot::Component::Kind::kDelete: {
        Object::Ptr d = new Object;
        d->set("d", static_cast<Poco::UInt64>(c.count));
        a->add(d);
        break;
      }
    }
  }
  return a;
}

std::optional<ot::Op> opFromJson(const Var& v) {
  if (v.type() != typeid(Array::Ptr)) return std::nullopt;
  const auto arr = v.extract<Array::Ptr>();
  if (!arr || arr->size() > 1000) return std::nullopt;
  ot::Op op;
  auto count = [](const Var& n) -> std::optional<std::size_t> {
    if (!n.isNumeric() || !n.isInteger()) return std::nullopt;
    const auto x = n.convert<Poco::Int64>();
    if (x <= 0 || x > 10000000) return std::nullopt;
    return static_cast<std::size_t>(x);
  };
  for (std::size_t i = 0; i < arr->size(); ++i) {
    const Var c = arr->get(static_cast<unsigned>(i));
    if (c.isString()) {
      auto text = utf8::decode(c.convert<std::string>());
      if (!text || text->empty()) return std::nullopt;
      op.push_back({ot::Component::Kind::kInsert, 0, *text});
    } else if (c.type() == typeid(Object::Ptr)) {
      const auto o = c.extract<Object::Ptr>();
      if (!o || !o->has("d")) return std::nullopt;
      auto n = count(o->get("d"));
      if (!n) return std::nullopt;
      op.push_back({ot::Component::Kind::kDelete, *n, {}});
    } else {
      auto n = count(c);
      if (!n) return std::nullopt;
      op.push_back({ot::Component::Kind::kSkip, *n, {}});
    }
  }
  return ot::normalize(op);
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
    if (isRowKind(r.kind)) {
      const auto op = parsed.extract<Object::Ptr>();
      applyRow(it->second, r.kind, *op, r.revision, r.clientId);
      s->history_.push_back(
          {r.revision,
           r.field,
           {},
           r.clientId,
           r.clientSeq,
           rowFrame(r.kind, r.revision, r.field, *op, r.clientId, r.clientSeq, r.authorName)});
    } else if (r.kind == "text") {
      auto op = opFromJson(parsed);
      if (!op) continue;
      if (auto next = ot::apply(it->second.doc, *op)) it->second.doc = std::move(*next);
      s->history_.push_back({r.revision, r.field, *op, r.clientId, r.clientSeq, ""});
    } else {
      it->second.value = parsed.extract<Object::Ptr>()->get("value");
      s->history_.push_back({r.revision, r.field, {}, r.clientId, r.clientSeq, ""});
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
  Conn c{std::move(e), {}, "", std::move(send), "", "", limits_.burst, clock_.monotonic()};
  if (rights) {
    c.fields = rights->fields;
    if (!rights->editable) c.blocked = rights->reason;
  } else {
    c.fields.emplace();  // sees nothing
    c.blocked = rights.error().message;
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

void LiveSession::sendTo(const Conn& c, const Object& o) {
  try {
    c.send(stringify(o));
  } catch (...) {
    // A dead socket: its reader thread notices and leaves.
  }
}

void LiveSession::broadcast(const Object& o) {
  const std::string frame = stringify(o);
  for (auto& [id, c] : conns_) {
    try {
      c.send(frame);
    } catch (...) {
    }
  }
}

void LiveSession::error(const Conn& c, const std::string& code, const std::string& message,
                        std::int64_t seq) {
  Object o;
  o.set("type", "error");
  o.set("code", code);
  o.set("message", message);
  if (seq) o.set("seq", seq);
  sendTo(c, o);
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
std::optional<std::string> LiveSession::editBlocked(Conn& c) {
  const auto now = clock_.monotonic();
  if (c.allowedAt && now - *c.allowedAt < limits_.recheck) {
    auto rec = plans_.record(planId_);
    if (rec && rec->state == editableState_ && rec->currentVersion == baseVersion_)
      return std::nullopt;
  }
  c.allowedAt.reset();
  auto rights = c.editor.rights();
  c.blocked = !rights ? rights.error().message : rights->editable ? "" : rights->reason;
  if (!c.blocked.empty()) return c.blocked;
  auto rec = plans_.record(planId_);
  if (!rec) return std::string("There is no such plan.");
  if (rec->currentVersion != baseVersion_) {
    if (auto v = plans_.view(planId_)) rebase(v.value(), true);
    return std::string("The plan was saved from a form meanwhile; your view was refreshed.");
  }
  editableState_ = rec->state;
  c.allowedAt = now;
  return std::nullopt;
}

void LiveSession::loadRows(Field& f, const Var& value) {
  f.rows.clear();
  if (value.type() != typeid(Array::Ptr)) return;
  const auto arr = value.extract<Array::Ptr>();
  for (unsigned i = 0; arr && i < arr->size(); ++i) {
    auto cells = arr->getObject(i);
    f.rows.push_back({"v" + std::to_string(baseVersion_) + "." + std::to_string(i),
                      cells ? Object::Ptr(new Object(*cells)) : Object::Ptr(new Object),
                      {}});
  }
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
  history_.clear();
  dirty_ = false;
  editors_.clear();
  for (auto& [id, other] : conns_) snapshot(other);
}

void LiveSession::snapshot(Conn& c) {
  Object o;
  o.set("type", "snapshot");
  o.set("revision", head_);
  c.sentUpTo = head_;  // operations still waiting for their commit are in this text already
  o.set("version", baseVersion_);
  Object::Ptr fields = new Object;
  for (const auto& [name, f] : fields_) {
    if (!sees(c, name)) continue;
    Object::Ptr fo = new Object;
    fo->set("kind", f.shape == Shape::kText    ? "text"
                    : f.shape == Shape::kTable ? "table"
                                               : "value");
    if (f.shape == Shape::kText) {
      fo->set("text", utf8::encode(f.doc));
    } else if (f.shape == Shape::kTable) {
      Array::Ptr rows = new Array;
      for (const auto& r : f.rows) {
        Object::Ptr ro = new Object;
        ro->set("id", r.id);
        ro->set("cells", r.cells);
        Object::Ptr revs = new Object;
        for (const auto& [column, rev] : r.revs) revs->set(column, rev.first);
        ro->set("revs", revs);
        rows->add(ro);
      }
      fo->set("rows", rows);
    } else {
      fo->set("value", f.value);
    }
    fo->set("fieldRevision", f.fieldRevision);
    fields->set(name, fo);
  }
  o.set("fields", fields);
  o.set("editable", c.blocked.empty());
  if (!c.blocked.empty()) o.set("reason", c.blocked);
  sendTo(c, o);
}

void LiveSession::presence() {
  Object o;
  o.set("type", "presence");
  Array::Ptr people = new Array;
  for (const auto& [id, c] : conns_) {
    Object::Ptr p = new Object;
    p->set("conn", static_cast<Poco::UInt64>(id));
    p->set("name", c.editor.name);
    p->set("field", c.focus);
    people->add(p);
  }
  o.set("people", people);
  broadcast(o);
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

// Sequencing happens under the session's lock; the commit does not: editors' operations queue
// for the Store together and share one transaction and fsync (group commit). Nobody hears of an
// operation before it is durable, and everyone hears them in revision order (release()).
void LiveSession::receive(ConnId id, const std::string& frame) {
  std::optional<LiveOpRecord> record;
  {
    std::lock_guard lock(mutex_);
    dispatch(id, frame);
    record = std::exchange(sequenced_, std::nullopt);
  }
  if (!record) return;
  try {
    log_.append(*record);
  } catch (...) {
    std::lock_guard lock(mutex_);
    // Later operations may build on this one: the in-memory state cannot be trusted any more.
    broken_ = true;
    unreleased_.clear();
    Object o;
    o.set("type", "error");
    o.set("code", "storage");
    o.set("message",
          "An edit could not be saved. Reload the plan to carry on from what was saved.");
    broadcast(o);
    throw;
  }
  std::lock_guard lock(mutex_);
  for (auto& u : unreleased_)
    if (u.revision == record->revision) u.durable = true;
  release();
}

void LiveSession::release() {
  while (!unreleased_.empty() && unreleased_.front().durable) {
    const Release& u = unreleased_.front();
    for (auto& [cid, c] : conns_) {
      if (c.sentUpTo >= u.revision || !sees(c, u.field)) continue;
      try {
        c.send(u.frame);
        if (!u.noticeFrame.empty() && c.clientId == u.noticeClient) c.send(u.noticeFrame);
      } catch (...) {
      }
    }
    released_ = u.revision;
    unreleased_.pop_front();
  }
}

void LiveSession::dispatch(ConnId id, const std::string& frame) {
  auto it = conns_.find(id);
  if (it == conns_.end()) return;
  Conn& c = it->second;
  if (broken_) {
    error(c, "storage",
          "An edit could not be saved. Reload the plan to carry on from what was saved.");
    return;
  }
  if (!takeToken(c)) {
    error(c, "rate_limited", "Too many messages; slow down.");
    return;
  }
  Object::Ptr m;
  try {
    Var parsed = Poco::JSON::Parser().parse(frame);
    if (parsed.type() == typeid(Object::Ptr)) m = parsed.extract<Object::Ptr>();
  } catch (const std::exception&) {
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
    } else if (isRowKind(type)) {
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

void LiveSession::handleResume(Conn& c, const Object& m) {
  const auto from = m.optValue<Poco::Int64>("revision", -1);
  if (from < 0 || from > released_ || history_.empty() || from + 1 < history_.front().revision ||
      head_ - from > static_cast<std::int64_t>(limits_.historyWindow)) {
    snapshot(c);  // too far behind: start again from the current text
    return;
  }
  // Replays the committed operations after `from` (the client recognises its own by seq).
  // Operations still waiting for their commit follow through release().
  for (const auto& h : history_) {
    if (h.revision <= from || h.revision > released_ || !sees(c, h.field)) continue;
    if (!h.frame.empty()) {
      try {
        c.send(h.frame);
      } catch (...) {
      }
      continue;
    }
    Object o;
    o.set("type", h.op.empty() ? "set" : "op");
    o.set("revision", h.revision);
    o.set("field", h.field);
    o.set("client", h.clientId);
    o.set("seq", h.seq);
    if (h.op.empty()) {
      o.set("value", fields_[h.field].value);
    } else {
      o.set("op", opToJson(h.op));
    }
    sendTo(c, o);
  }
  c.sentUpTo = released_;
  Object done;
  done.set("type", "resumed");
  done.set("revision", released_);
  sendTo(c, done);
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
  unreleased_.push_back({r.revision, r.field, false, "", "", ""});
  head_ = r.revision;
  editors_[r.author].insert(r.field);
  lastSeq_[c.clientId] = r.clientSeq;
  dirty_ = true;
  lastEditor_ = {c.editor.ref, c.editor.name};
  lastOp_ = clock_.monotonic();
}

// What every edit checks first: a hello, a sequence number, a field of the right kind, and not
// a resend of something already committed (acknowledged again). fields_.end() when answered.
std::map<std::string, LiveSession::Field>::iterator LiveSession::editedField(Conn& c,
                                                                             const Object& m,
                                                                             Shape shape,
                                                                             std::int64_t seq) {
  const bool text = shape == Shape::kText;
  if (c.clientId.empty() || seq <= 0) {
    error(c, "malformed", "Say hello with a client id, and number operations from 1.", seq);
    return fields_.end();
  }
  auto fit = fields_.find(m.optValue<std::string>("field", ""));
  if (fit != fields_.end() && !sees(c, fit->first)) {
    error(c, "forbidden", "You can change only the sections of this plan that are yours to write.",
          seq);
    return fields_.end();
  }
  if (fit == fields_.end() || fit->second.shape != shape) {
    error(c, "unknown_field",
          text                     ? "No long-text field of this plan is called that."
          : shape == Shape::kTable ? "No repeating table of this plan is called that."
                                   : "No such field of this plan takes a whole value.",
          seq);
    return fields_.end();
  }
  if (seq <= lastSeq_[c.clientId]) {
    Object ack;
    ack.set("type", "ack");
    ack.set("seq", seq);
    if (text) ack.set("revision", head_);
    sendTo(c, ack);
    return fields_.end();
  }
  return fit;
}

void LiveSession::handleOp(Conn& c, const Object& m) {
  const auto seq = m.optValue<Poco::Int64>("seq", 0);
  auto fit = editedField(c, m, Shape::kText, seq);
  if (fit == fields_.end()) return;
  const std::string& field = fit->first;
  const auto base = m.optValue<Poco::Int64>("revision", -1);
  if (base < 0 || base > head_) {
    error(c, "bad_revision", "That revision does not exist.", seq);
    return;
  }
  if (head_ - base > static_cast<std::int64_t>(limits_.historyWindow) ||
      (!history_.empty() && base + 1 < history_.front().revision) ||
      (history_.empty() && base < head_)) {
    error(c, "stale", "Your copy is too old; reload the plan.", seq);
    return;
  }
  auto op = m.has("op") ? opFromJson(m.get("op")) : std::nullopt;
  if (!op) {
    error(c, "malformed", "The operation is not valid.", seq);
    return;
  }
  if (auto blocked = editBlocked(c)) {
    error(c, "read_only", *blocked, seq);
    return;
  }
  for (const auto& h : history_) {
    if (h.revision > base && h.field == field) *op = ot::transform(*op, h.op, ot::Side::kRight);
  }
  auto next = ot::apply(fit->second.doc, *op);
  if (!next) {
    error(c, "out_of_range", "The operation reaches past the end of the text.", seq);
    return;
  }
  if (next->size() > limits_.maxTextCodePoints) {
    error(c, "too_long", "The text would be too long.", seq);
    return;
  }
  LiveOpRecord r;
  r.field = field;
  r.kind = "text";
  r.opJson = stringify(Var(opToJson(*op)));
  r.clientSeq = seq;
  commit(c, r);
  fit->second.doc = std::move(*next);
  fit->second.fieldRevision = head_;
  history_.push_back({head_, field, *op, c.clientId, seq, ""});
  while (history_.size() > limits_.historyWindow) history_.pop_front();

  Object out;
  out.set("type", "op");
  out.set("revision", head_);
  out.set("field", field);
  out.set("op", opToJson(*op));
  out.set("client", c.clientId);
  out.set("seq", seq);
  out.set("author", c.editor.name);
  unreleased_.back().frame = stringify(out);
}

void LiveSession::handleSet(Conn& c, const Object& m) {
  const auto seq = m.optValue<Poco::Int64>("seq", 0);
  auto fit = editedField(c, m, Shape::kValue, seq);
  if (fit == fields_.end()) return;
  const std::string& field = fit->first;
  if (!m.has("value")) {
    error(c, "malformed", "set needs a value.", seq);
    return;
  }
  if (auto blocked = editBlocked(c)) {
    error(c, "read_only", *blocked, seq);
    return;
  }
  const auto seen = m.optValue<Poco::Int64>("fieldRevision", 0);
  Field& f = fit->second;
  const Var lost = f.value;
  const std::string loser = f.lastWriterClient;
  const bool overwrote = seen < f.fieldRevision && loser != c.clientId;
  Object::Ptr payload = new Object;
  payload->set("value", m.get("value"));
  LiveOpRecord r;
  r.field = field;
  r.kind = "set";
  r.opJson = stringify(*payload);
  r.clientSeq = seq;
  commit(c, r);
  f.value = m.get("value");
  f.fieldRevision = head_;
  f.lastWriterClient = c.clientId;
  history_.push_back({head_, field, {}, c.clientId, seq, ""});
  while (history_.size() > limits_.historyWindow) history_.pop_front();

  Object out;
  out.set("type", "set");
  out.set("revision", head_);
  out.set("field", field);
  out.set("value", f.value);
  out.set("client", c.clientId);
  out.set("seq", seq);
  out.set("author", c.editor.name);
  auto& pending = unreleased_.back();
  pending.frame = stringify(out);
  if (overwrote) {
    Object notice;
    notice.set("type", "overwritten");
    notice.set("field", field);
    notice.set("lost", lost);
    notice.set("by", c.editor.name);
    pending.noticeFrame = stringify(notice);
    pending.noticeClient = loser;
  }
}

std::string LiveSession::applyRow(Field& f, const std::string& kind, const Object& op,
                                  std::int64_t revision, const std::string& client) {
  const std::string id = op.optValue<std::string>("row", "");
  auto it = std::find_if(f.rows.begin(), f.rows.end(), [&](const Row& r) { return r.id == id; });
  auto column = [&](const std::string& name) {
    const FieldDef* col = f.def->column(name);
    return col && col->kind != FieldKind::kComputed ? col : nullptr;
  };
  if (kind == "row_add") {
    if (f.rows.size() >= f.def->maxRows) return "too_many_rows";
    Row row{id, new Object, {}};
    if (auto given = op.getObject("cells")) {
      for (const auto& name : given->getNames()) {
        if (!column(name)) return "unknown_field";
        if (given->get(name).isEmpty()) continue;
        row.cells->set(name, given->get(name));
        row.revs[name] = {revision, client};
      }
    }
    // After the row named (if it is still there), else at the end: concurrent adds all land.
    auto after = std::find_if(f.rows.begin(), f.rows.end(), [&](const Row& r) {
      return r.id == op.optValue<std::string>("after", "");
    });
    f.rows.insert(after == f.rows.end() ? f.rows.end() : after + 1, std::move(row));
    return "";
  }
  if (it == f.rows.end()) return "gone";
  if (kind == "row_remove") {
    f.rows.erase(it);
    return "";
  }
  const std::string name = op.optValue<std::string>("column", "");
  if (!column(name)) return "unknown_field";
  if (op.get("value").isEmpty()) {
    it->cells->remove(name);
  } else {
    it->cells->set(name, op.get("value"));
  }
  it->revs[name] = {revision, client};
  return "";
}

void LiveSession::handleRow(Conn& c, const Object& m, const std::string& kind) {
  const auto seq = m.optValue<Poco::Int64>("seq", 0);
  auto fit = editedField(c, m, Shape::kTable, seq);
  if (fit == fields_.end()) return;
  if (auto blocked = editBlocked(c)) {
    error(c, "read_only", *blocked, seq);
    return;
  }
  Object op;
  if (kind == "row_add") {
    op.set("row", "n" + std::to_string(head_ + 1));  // the revision it will get
    op.set("after", m.optValue<std::string>("after", ""));
    if (m.has("cells")) {
      if (!m.getObject("cells"))
        return error(c, "malformed", "cells must be an object of column values.", seq);
      op.set("cells", m.getObject("cells"));
    }
  } else {
    op.set("row", m.optValue<std::string>("row", ""));
    if (kind == "cell") {
      if (!m.has("value")) return error(c, "malformed", "cell needs a column and a value.", seq);
      op.set("column", m.optValue<std::string>("column", ""));
      op.set("value", m.get("value"));
    }
  }
  Field& f = fit->second;
  // A cell set over someone else's value this editor had not seen: tell them what they lost.
  Var lost;
  std::string loser;
  if (kind == "cell") {
    const std::string row = op.getValue<std::string>("row"),
                      column = op.getValue<std::string>("column");
    auto rit =
        std::find_if(f.rows.begin(), f.rows.end(), [&](const Row& r) { return r.id == row; });
    if (rit != f.rows.end()) {
      auto rev = rit->revs.find(column);
      if (rev != rit->revs.end() &&
          m.optValue<Poco::Int64>("cellRevision", 0) < rev->second.first &&
          rev->second.second != c.clientId) {
        loser = rev->second.second;
        lost = rit->cells->has(column) ? rit->cells->get(column) : Var();
      }
    }
  }
  const std::string err = applyRow(f, kind, op, head_ + 1, c.clientId);
  if (err == "gone" && kind == "row_remove") {  // someone removed it first: what was asked holds
    Object ack;
    ack.set("type", "ack");
    ack.set("seq", seq);
    return sendTo(c, ack);
  }
  if (err == "gone") return error(c, "gone", "Someone removed that row meanwhile.", seq);
  if (err == "unknown_field")
    return error(c, "unknown_field", "That table has no such column.", seq);
  if (err == "too_many_rows")
    return error(
        c, "too_many_rows",
        "This table has as many rows as it may have (" + std::to_string(f.def->maxRows) + ").",
        seq);
  LiveOpRecord r;
  r.field = fit->first;
  r.kind = kind;
  r.opJson = stringify(op);
  r.clientSeq = seq;
  commit(c, r);
  f.fieldRevision = head_;
  const std::string frame = rowFrame(kind, head_, fit->first, op, c.clientId, seq, c.editor.name);
  unreleased_.back().frame = frame;
  if (!loser.empty()) {
    Object notice;
    notice.set("type", "overwritten");
    notice.set("field", fit->first);
    notice.set("row", op.getValue<std::string>("row"));
    notice.set("column", op.getValue<std::string>("column"));
    notice.set("lost", lost);
    notice.set("by", c.editor.name);
    unreleased_.back().noticeFrame = stringify(notice);
    unreleased_.back().noticeClient = loser;
  }
  history_.push_back({head_, fit->first, {}, c.clientId, seq, frame});
  while (history_.size() > limits_.historyWindow) history_.pop_front();
}

Status LiveSession::flush(bool force) {
  std::lock_guard lock(mutex_);
  return flushLocked(force);
}

Status LiveSession::flushLocked(bool force) {
  if (!dirty_ || !lastEditor_) return Ok{};
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
