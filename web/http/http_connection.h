// One client connection as the event loop (http_server.h) holds it, and the pieces the loop
// shares with worker threads: its mailbox and a WebSocket's ordered handler calls. Everything in
// Connection is touched by the loop's thread only.
#pragma once

#include <Poco/Logger.h>
#include <Poco/Net/IPAddress.h>
#include <Poco/Net/SocketAddress.h>

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <variant>
#include <vector>

#include "http/http_head.h"
#include "http/http_message.h"
#include "http/tls.h"
#include "http/websocket.h"
#include "http/websocket_frames.h"
#include "http/worker_pool.h"

namespace sendflow::web {

using ConnId = std::uint64_t;
using Clock = std::chrono::steady_clock;

// --- the loop's mailbox ---------------------------------------------------------------------

// A worker finished a request: the bytes to write, and what happens after them.
struct RequestDone {
  ConnId conn = 0;
  std::string bytes;
  bool keepAlive = false;
  std::shared_ptr<WebSocketUpgrade> upgrade;  // switch to WebSocket after the 101
};
// A WebSocket message (an encoded frame) to send, or a close asked for by the application.
struct WebSocketOut {
  ConnId conn = 0;
  std::string frame;
  bool close = false;
  std::uint16_t code = 0;
};
// A WebSocket's handler caught up with its messages: read from the connection again.
struct WebSocketResume {
  ConnId conn = 0;
};
using LoopEvent = std::variant<RequestDone, WebSocketOut, WebSocketResume>;

// Events for the loop from any thread; an eventfd wakes the loop. Thread-safe.
class LoopInbox {
 public:
  LoopInbox();
  ~LoopInbox();
  LoopInbox(const LoopInbox&) = delete;
  LoopInbox& operator=(const LoopInbox&) = delete;

  int fd() const { return fd_; }
  void post(LoopEvent e);
  void wake();
  std::vector<LoopEvent> take();  // loop thread: everything posted so far

 private:
  const int fd_;
  std::mutex mutex_;
  std::vector<LoopEvent> events_;
};

// --- WebSockets -----------------------------------------------------------------------------

// Runs one WebSocket's handler calls on the worker pool in order, one at a time: opened, each
// text message, closed (once; nothing after it). Thread-safe.
class WebSocketTurns : public std::enable_shared_from_this<WebSocketTurns> {
 public:
  // `resume` is called (on a worker) when the backlog drains after the loop paused reading.
  WebSocketTurns(std::shared_ptr<WebSocketHandler> handler, WorkerPool& pool, Poco::Logger& log,
                 std::function<void()> resume);

  void open(std::shared_ptr<WebSocketChannel> channel);
  // Returns true when the backlog is long enough that the loop should stop reading for now.
  bool text(std::string message);
  void close();

 private:
  struct Call {
    enum class Kind { kOpen, kText, kClose } kind;
    std::string text;
    std::shared_ptr<WebSocketChannel> channel;
  };
  bool push(Call call);
  void drain();

  WorkerPool& pool_;
  Poco::Logger& log_;
  const std::function<void()> resume_;
  std::mutex mutex_;
  std::shared_ptr<WebSocketHandler> handler_;  // released after closed()
  std::deque<Call> calls_;
  bool running_ = false;
  bool closing_ = false;
  bool paused_ = false;
};

// The loop's side of an upgraded connection.
struct WebSocketState {
  explicit WebSocketState(std::size_t maxMessageBytes) : reader(maxMessageBytes) {}
  ws::MessageReader reader;
  std::string tooBigText;
  std::shared_ptr<WebSocketTurns> turns;
  Clock::time_point lastHeard;
  int pingsSent = 0;
  bool closeSent = false;
  bool paused = false;  // not reading until the handler catches up
};

// --- one connection -------------------------------------------------------------------------

enum class ConnState {
  kHandshake,        // TLS handshake (under the head deadline)
  kAwaitingRequest,  // nothing of the next request yet: fresh, or idle between requests
  kReadingHead,      // the head has begun (deadline from its first byte)
  kReadingBody,      // the head is parsed; the body comes (deadline from the end of the head)
  kInWorker,         // a worker runs the request; nothing is read meanwhile
  kWriting,          // the response is being written; nothing is read meanwhile
  kWebSocket,
  kLingering,  // answered and shut for writing: input read and dropped until EOF or timeout
};

struct Connection {
  ConnId id = 0;
  std::unique_ptr<Transport> io;
  Poco::Net::SocketAddress peer, local;
  Poco::Net::IPAddress peerIp;
  std::string peerKey;       // peerIp as text: the per-address count's key
  bool counted = false;      // within the connection limits (a refusal on its way out is not)
  bool trustedPeer = false;  // a configured reverse proxy (http.trusted_proxies)
  ConnState state = ConnState::kAwaitingRequest;
  Clock::time_point since;  // the current state began (idle: since when)
  Clock::time_point deadline = Clock::time_point::max();  // as registered with the loop
  Clock::time_point writingSince;                         // `out` has held unwritten bytes since
  bool served = false;  // answered a request already (idle means keep-alive)
  // Idle this long between requests, it is closed: http.keep_alive_timeout plus up to a quarter
  // more, drawn per connection (HttpServer::open).
  Clock::duration keepAlive{};
  bool closeAfterWrite = false;
  bool dead = false;
  std::uint32_t events = 0;  // epoll interest as registered
  std::string in;            // received, not consumed
  std::string out;           // to write, from outSent on
  std::size_t outSent = 0;
  std::unique_ptr<BufferedRequest> request;
  std::size_t headScanned = 0;  // bytes of `in` already searched for the end of the head
  HeadResult head;
  std::unique_ptr<WebSocketState> ws;

  bool writing() const { return outSent < out.size(); }
};

}  // namespace sendflow::web
