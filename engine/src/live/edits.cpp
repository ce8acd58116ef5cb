// LiveSession: edits of long-text fields (OT operations) and of whole values.
#include "live_records.h"
#include "sendflow/engine/live/live.h"

namespace sendflow::engine {

using Poco::Dynamic::Var;
using Poco::JSON::Array;
using Poco::JSON::Object;

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
  // Sent before the page had the snapshot of a version saved meanwhile.
  if (madeBeforeRestart(m)) {
    error(c, "conflict", savedMeanwhile(), seq);
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
    error(c, "stale", Text(N_("Your copy is too old; reload the page.")), seq);
    return;
  }
  auto op = m.has("op") ? opFromJson(m.get("op")) : std::nullopt;
  if (!op) {
    error(c, "malformed", "The operation is not valid.", seq);
    return;
  }
  if (auto blocked = editBlocked(c)) {
    error(c, blocked->code, blocked->reason, seq);
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
  r.opJson = live::recordJson(Var(opToJson(*op)));
  r.clientSeq = seq;
  commit(c, r);
  fit->second.doc = std::move(*next);
  fit->second.fieldRevision = head_;
  history_.push_back({head_, field, *op, c.clientId, seq, nullptr});
  while (history_.size() > limits_.historyWindow) history_.pop_front();

  Object::Ptr out = new Object;
  out->set("type", "op");
  out->set("revision", head_);
  out->set("field", field);
  out->set("op", opToJson(*op));
  out->set("client", c.clientId);
  out->set("seq", seq);
  out->set("author", c.editor.name);
  unreleased_.back().message = out;
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
    error(c, blocked->code, blocked->reason, seq);
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
  r.opJson = live::recordJson(*payload);
  r.clientSeq = seq;
  commit(c, r);
  f.value = m.get("value");
  f.fieldRevision = head_;
  f.lastWriterClient = c.clientId;
  history_.push_back({head_, field, {}, c.clientId, seq, nullptr});
  while (history_.size() > limits_.historyWindow) history_.pop_front();

  Object::Ptr out = new Object;
  out->set("type", "set");
  out->set("revision", head_);
  out->set("field", field);
  out->set("value", f.value);
  out->set("client", c.clientId);
  out->set("seq", seq);
  out->set("author", c.editor.name);
  auto& pending = unreleased_.back();
  pending.message = out;
  if (overwrote) {
    Object::Ptr notice = new Object;
    notice->set("type", "overwritten");
    notice->set("field", field);
    notice->set("lost", lost);
    notice->set("by", c.editor.name);
    pending.notice = notice;
    pending.noticeClient = loser;
  }
}

}  // namespace sendflow::engine
