// The WebSocket wire format (RFC 6455 section 5) for the event loop: client frames decoded from
// the bytes a connection has buffered, server frames encoded into bytes to queue.
//
// Hand-written because Poco's WebSocket is blocking-only: receiveFrame() and sendFrame() read and
// write the socket themselves and hold a thread per connection for its life, which is what the
// event loop exists to avoid. The handshake still goes through Poco (websocket.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sendflow::web::ws {

enum class Opcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

// Close codes (RFC 6455 7.4.1).
constexpr std::uint16_t kCloseNormal = 1000;
constexpr std::uint16_t kCloseGoingAway = 1001;
constexpr std::uint16_t kCloseProtocolError = 1002;
constexpr std::uint16_t kCloseNoStatus = 1005;  // received only: the peer gave no code
constexpr std::uint16_t kCloseBadData = 1007;
constexpr std::uint16_t kClosePolicy = 1008;
constexpr std::uint16_t kCloseTooBig = 1009;

// A server frame: final, unmasked.
std::string encodeFrame(Opcode op, std::string_view payload);
std::string encodeClose(std::uint16_t code);

struct Event {
  enum class Kind {
    kNeedMore,
    kText,
    kBinary,
    kPing,
    kPong,
    kClose,
    kTooBig,
    kProtocolError,
    kBadUtf8
  };
  Kind kind = Kind::kNeedMore;
  std::string payload;          // a whole message (fragments joined), or a ping's payload
  std::uint16_t closeCode = 0;  // kClose: the peer's code (kCloseNoStatus when it gave none)
};

// Reads client frames: masked, no extensions, control frames final and at most 125 bytes,
// fragments joined into messages of at most `maxMessageBytes` (refused from the frame header,
// before the payload arrives), text valid UTF-8. After kTooBig, kProtocolError or kBadUtf8 the
// stream cannot be resynchronised: the caller closes.
class MessageReader {
 public:
  explicit MessageReader(std::size_t maxMessageBytes) : max_(maxMessageBytes) {}

  // The next event from in[pos...]; advances `pos` past the frames it consumed.
  Event next(const std::string& in, std::size_t& pos);

 private:
  Event frame(const std::string& in, std::size_t& pos, bool& more);
  Event dataFrame(Opcode op, bool fin, std::string payload, bool& more);

  const std::size_t max_;
  std::string message_;
  Opcode messageOp_ = Opcode::kText;
  bool inMessage_ = false;
};

}  // namespace sendflow::web::ws
