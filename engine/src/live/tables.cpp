// LiveSession: edits of repeating tables (rows added and removed, cells set).
#include <algorithm>

#include "live_records.h"
#include "sendflow/engine/live/live.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

namespace {

// The operation a table message asks for, as applyRow and the live log take it (a new row's id
// is "n" and the revision it will get); the problem, when the message is malformed.
std::optional<std::string> rowOperation(const Object& m, const std::string& kind,
                                        std::int64_t nextRevision, Object& op) {
  if (kind == "row_add") {
    op.set("row", "n" + std::to_string(nextRevision));
    op.set("after", m.optValue<std::string>("after", ""));
    if (m.has("cells")) {
      if (!m.getObject("cells")) return "cells must be an object of column values.";
      op.set("cells", m.getObject("cells"));
    }
    return std::nullopt;
  }
  op.set("row", m.optValue<std::string>("row", ""));
  if (kind == "cell") {
    if (!m.has("value")) return "cell needs a column and a value.";
    op.set("column", m.optValue<std::string>("column", ""));
    op.set("value", m.get("value"));
  }
  return std::nullopt;
}

}  // namespace

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

// A cell set (message m, operation op) over someone else's value this editor had not seen (m's
// cellRevision): who lost it and what it was, so they can be told.
std::optional<std::pair<std::string, Var>> LiveSession::lostCell(const Field& f, const Object& op,
                                                                 const Object& m,
                                                                 const std::string& client) {
  const std::string row = op.getValue<std::string>("row"),
                    column = op.getValue<std::string>("column");
  auto rit = std::find_if(f.rows.begin(), f.rows.end(), [&](const Row& r) { return r.id == row; });
  if (rit == f.rows.end()) return std::nullopt;
  auto rev = rit->revs.find(column);
  if (rev == rit->revs.end() || m.optValue<Poco::Int64>("cellRevision", 0) >= rev->second.first ||
      rev->second.second == client)
    return std::nullopt;
  return std::pair{rev->second.second, rit->cells->has(column) ? rit->cells->get(column) : Var()};
}

// Answers a table operation applyRow refused with `err`.
void LiveSession::refuseRow(const Conn& c, const std::string& err, const std::string& kind,
                            const Field& f, std::int64_t seq) {
  if (err == "gone" && kind == "row_remove") {  // someone removed it first: what was asked holds
    Object ack;
    ack.set("type", "ack");
    ack.set("seq", seq);
    return sendTo(c, ack);
  }
  if (err == "gone") return error(c, "gone", Text(N_("Someone removed that row meanwhile.")), seq);
  if (err == "unknown_field")
    return error(c, "unknown_field", "That table has no such column.", seq);
  if (err == "too_many_rows")
    return error(c, "too_many_rows",
                 Text(N_("This table has as many rows as it may have ({{count}})."),
                      {TextArg::number("count", f.def->maxRows)}),
                 seq);
}

void LiveSession::handleRow(Conn& c, const Object& m, const std::string& kind) {
  const auto seq = m.optValue<Poco::Int64>("seq", 0);
  auto fit = editedField(c, m, Shape::kTable, seq);
  if (fit == fields_.end()) return;
  if (auto blocked = editBlocked(c)) {
    error(c, blocked->code, blocked->reason, seq);
    return;
  }
  Object op;
  if (auto bad = rowOperation(m, kind, head_ + 1, op)) return error(c, "malformed", *bad, seq);
  Field& f = fit->second;
  const auto lost = kind == "cell" ? lostCell(f, op, m, c.clientId) : std::nullopt;
  const std::string err = applyRow(f, kind, op, head_ + 1, c.clientId);
  if (!err.empty()) return refuseRow(c, err, kind, f, seq);
  LiveOpRecord r;
  r.field = fit->first;
  r.kind = kind;
  r.opJson = live::recordJson(op);
  r.clientSeq = seq;
  commit(c, r);
  f.fieldRevision = head_;
  const Object::Ptr message =
      live::rowMessage(kind, head_, fit->first, op, c.clientId, seq, c.editor.name);
  unreleased_.back().message = message;
  if (lost) {
    Object::Ptr notice = new Object;
    notice->set("type", "overwritten");
    notice->set("field", fit->first);
    notice->set("row", op.getValue<std::string>("row"));
    notice->set("column", op.getValue<std::string>("column"));
    notice->set("lost", lost->second);
    notice->set("by", c.editor.name);
    unreleased_.back().notice = notice;
    unreleased_.back().noticeClient = lost->first;
  }
  history_.push_back({head_, fit->first, {}, c.clientId, seq, message});
  while (history_.size() > limits_.historyWindow) history_.pop_front();
}

}  // namespace sendflow::engine
