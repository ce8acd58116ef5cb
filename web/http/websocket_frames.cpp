#include "http/websocket_frames.h"

#include "sendflow/engine/core/utf8.h"

namespace sendflow::web::ws {
namespace {

using Kind = Event::Kind;

Event event(Kind k, std::string payload = {}, std::uint16_t code = 0) {
  return Event{k, std::move(payload), code};
}

std::uint64_t bigEndian(const std::string& in, std::size_t at, int bytes) {
  std::uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(in[at + static_cast<std::size_t>(i)]);
  return v;
}

bool validCloseCode(std::uint16_t c) {
  return (c >= 1000 && c <= 1003) || (c >= 1007 && c <= 1011) || (c >= 3000 && c <= 4999);
}

Event controlFrame(Opcode op, std::string payload) {
  if (op == Opcode::kPing) return event(Kind::kPing, std::move(payload));
  if (op == Opcode::kPong) return event(Kind::kPong);
  if (payload.empty()) return event(Kind::kClose, "", kCloseNoStatus);
  if (payload.size() < 2) return event(Kind::kProtocolError);
  const auto code = static_cast<std::uint16_t>(bigEndian(payload, 0, 2));
  if (!validCloseCode(code) || !engine::utf8::isValid(payload.substr(2)))
    return event(Kind::kProtocolError);
  return event(Kind::kClose, "", code);
}

}  // namespace

std::string encodeFrame(Opcode op, std::string_view payload) {
  std::string out;
  out.reserve(payload.size() + 10);
  out.push_back(static_cast<char>(0x80 | static_cast<std::uint8_t>(op)));
  const std::uint64_t n = payload.size();
  if (n < 126) {
    out.push_back(static_cast<char>(n));
  } else if (n <= 0xFFFF) {
    out.push_back(static_cast<char>(126));
    for (int shift = 8; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((n >> shift) & 0xFF));
  } else {
    out.push_back(static_cast<char>(127));
    for (int shift = 56; shift >= 0; shift -= 8)
      out.push_back(static_cast<char>((n >> shift) & 0xFF));
  }
  out.append(payload);
  return out;
}

std::string encodeClose(std::uint16_t code) {
  const char payload[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return encodeFrame(Opcode::kClose, std::string_view(payload, 2));
}

Event MessageReader::next(const std::string& in, std::size_t& pos) {
  for (;;) {
    bool more = false;
    Event e = frame(in, pos, more);
    if (!more) return e;  // a message, a control frame, an error, or not enough bytes yet
  }
}

// One frame from in[pos...]. `more`: a fragment was taken and the next frame should be read.
Event MessageReader::frame(const std::string& in, std::size_t& pos, bool& more) {
  const std::size_t avail = in.size() - pos;
  if (avail < 2) return event(Kind::kNeedMore);
  const auto b0 = static_cast<unsigned char>(in[pos]);
  const auto b1 = static_cast<unsigned char>(in[pos + 1]);
  const bool fin = (b0 & 0x80) != 0;
  const auto op = static_cast<Opcode>(b0 & 0x0F);
  if ((b0 & 0x70) != 0 || (b1 & 0x80) == 0) return event(Kind::kProtocolError);  // RSV; unmasked
  std::size_t header = 2;
  std::uint64_t length = b1 & 0x7F;
  if (length >= 126) {
    const int bytes = length == 126 ? 2 : 8;
    if (avail < 2 + static_cast<std::size_t>(bytes)) return event(Kind::kNeedMore);
    length = bigEndian(in, pos + 2, bytes);
    if (length >> 63) return event(Kind::kProtocolError);
    header += static_cast<std::size_t>(bytes);
  }
  const bool control = (static_cast<int>(op) & 0x8) != 0;
  if (control) {
    if (!fin || length > 125 ||
        (op != Opcode::kClose && op != Opcode::kPing && op != Opcode::kPong))
      return event(Kind::kProtocolError);
  } else {
    if (op != Opcode::kContinuation && op != Opcode::kText && op != Opcode::kBinary)
      return event(Kind::kProtocolError);
    if ((op == Opcode::kContinuation) != inMessage_) return event(Kind::kProtocolError);
    if (length > max_ || (inMessage_ ? message_.size() : 0) + length > max_)
      return event(Kind::kTooBig);
  }
  if (avail < header + 4 + length) return event(Kind::kNeedMore);
  const std::size_t start = pos + header + 4;
  std::string payload = in.substr(start, static_cast<std::size_t>(length));
  for (std::size_t i = 0; i < payload.size(); ++i)
    payload[i] = static_cast<char>(payload[i] ^ in[pos + header + (i % 4)]);
  pos = start + static_cast<std::size_t>(length);
  if (control) return controlFrame(op, std::move(payload));
  return dataFrame(op, fin, std::move(payload), more);
}

Event MessageReader::dataFrame(Opcode op, bool fin, std::string payload, bool& more) {
  if (op != Opcode::kContinuation) {
    messageOp_ = op;
    message_.clear();
    inMessage_ = true;
  }
  message_ += payload;
  if (!fin) {
    more = true;
    return event(Kind::kNeedMore);
  }
  inMessage_ = false;
  std::string message = std::move(message_);
  message_.clear();
  if (messageOp_ == Opcode::kBinary) return event(Kind::kBinary, std::move(message));
  if (!engine::utf8::isValid(message)) return event(Kind::kBadUtf8);
  return event(Kind::kText, std::move(message));
}

}  // namespace sendflow::web::ws
