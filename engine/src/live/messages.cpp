// LiveSession: what editors are told (snapshots, presence, errors, a resume's replay).
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/live/live.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

void LiveSession::sendTo(const Conn& c, const Object& o) {
  try {
    c.send(o);
  } catch (...) {
    // A dead socket: its reader thread notices and leaves.
  }
}

void LiveSession::broadcast(const Object& o) {
  for (auto& [id, c] : conns_) {
    try {
      c.send(o);
    } catch (...) {
    }
  }
}

void LiveSession::error(const Conn& c, const std::string& code, const Text& message,
                        std::int64_t seq) {
  Object o;
  o.set("type", "error");
  o.set("code", code);
  o.set("message", words(c, message));
  if (seq) o.set("seq", seq);
  sendTo(c, o);
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
  if (!c.blocked.empty()) o.set("reason", words(c, c.blocked));
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

void LiveSession::handleResume(Conn& c, const Object& m) {
  const auto from = m.optValue<Poco::Int64>("revision", -1);
  // A page whose last snapshot is older than the last restart (a version saved meanwhile) has
  // text the operations since do not apply to.
  const bool beforeRestart = madeBeforeRestart(m);
  if (from < 0 || from > released_ || history_.empty() || from + 1 < history_.front().revision ||
      head_ - from > static_cast<std::int64_t>(limits_.historyWindow) || beforeRestart) {
    snapshot(c);  // too far behind: start again from the current text
    return;
  }
  // Replays the committed operations after `from` (the client recognises its own by seq).
  // Operations still waiting for their commit follow through release().
  for (const auto& h : history_) {
    if (h.revision <= from || h.revision > released_ || !sees(c, h.field)) continue;
    if (h.message) {
      try {
        c.send(*h.message);
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

}  // namespace sendflow::engine
