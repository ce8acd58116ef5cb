// WebSockets in the event loop: frames in and out, pings, closing, and the handler's turns.
#include "app/services.h"
#include "http/http_server.h"

namespace sendflow::web {
namespace {

constexpr auto kPingEvery = std::chrono::seconds(3);  // of silence from the client
constexpr int kPingsBeforeDead = 2;  // no answer to two pings (9 s of silence): the peer is gone
constexpr std::size_t kMaxBacklogBytes = 8 * 1024 * 1024;  // unsent to one slow client
constexpr std::size_t kPauseAt = 64;                       // messages waiting for the handler
constexpr std::size_t kResumeAt = 8;

// The application's side of the socket: messages go to the loop through its inbox.
class LoopChannel : public WebSocketChannel {
 public:
  LoopChannel(ConnId conn, std::weak_ptr<LoopInbox> inbox)
      : conn_(conn), inbox_(std::move(inbox)) {}

  void sendText(const std::string& message) override {
    if (auto inbox = inbox_.lock())
      inbox->post(WebSocketOut{conn_, ws::encodeFrame(ws::Opcode::kText, message), false, 0});
  }
  void close(std::uint16_t code) override {
    if (auto inbox = inbox_.lock()) inbox->post(WebSocketOut{conn_, "", true, code});
  }

 private:
  const ConnId conn_;
  const std::weak_ptr<LoopInbox> inbox_;
};

}  // namespace

void HttpServer::switchToWebSocket(Connection& c, const WebSocketUpgrade& upgrade) {
  c.request.reset();
  c.ws = std::make_unique<WebSocketState>(upgrade.options.maxMessageBytes);
  c.ws->tooBigText = upgrade.options.tooBigText;
  c.ws->lastHeard = Clock::now();
  std::weak_ptr<LoopInbox> inbox = inbox_;
  const ConnId id = c.id;
  c.ws->turns = std::make_shared<WebSocketTurns>(upgrade.handler, pool_, app_.log(), [inbox, id] {
    if (auto in = inbox.lock()) in->post(WebSocketResume{id});
  });
  c.ws->turns->open(std::make_shared<LoopChannel>(id, inbox));
  setState(c, ConnState::kWebSocket, Clock::now());
  schedule(c);  // frames the client sent right behind its handshake
}

void HttpServer::readFrames(Connection& c) {
  std::size_t pos = 0;
  while (!c.dead && !c.ws->closeSent) {
    ws::Event e = c.ws->reader.next(c.in, pos);
    using Kind = ws::Event::Kind;
    if (e.kind == Kind::kNeedMore) break;
    switch (e.kind) {
      case Kind::kText:
        if (c.ws->turns->text(std::move(e.payload))) c.ws->paused = true;
        break;
      case Kind::kPing:
        queueFrame(c, ws::encodeFrame(ws::Opcode::kPong, e.payload));
        break;
      case Kind::kClose:
        closeWebSocket(c, e.closeCode == ws::kCloseNoStatus ? ws::kCloseNormal : e.closeCode);
        break;
      case Kind::kTooBig:
        if (!c.ws->tooBigText.empty())
          queueFrame(c, ws::encodeFrame(ws::Opcode::kText, c.ws->tooBigText));
        closeWebSocket(c, ws::kCloseTooBig);
        break;
      case Kind::kProtocolError:
        closeWebSocket(c, ws::kCloseProtocolError);
        break;
      case Kind::kBadUtf8:
        closeWebSocket(c, ws::kCloseBadData);
        break;
      case Kind::kBinary:  // not part of any protocol here: ignored, as before
      case Kind::kPong:
      case Kind::kNeedMore:
        break;
    }
    if (c.ws->paused) break;
  }
  if (c.dead) return;
  if (c.ws->closeSent) {
    c.in.clear();  // nothing after our close is read as frames
  } else {
    c.in.erase(0, pos);
  }
  if (c.writing()) flush(c);
}

void HttpServer::queueFrame(Connection& c, std::string frame) {
  if (c.ws->closeSent) return;
  if (!c.writing()) {
    c.out.clear();
    c.outSent = 0;
    c.writingSince = Clock::now();
  }
  c.out += frame;
  if (c.out.size() - c.outSent > kMaxBacklogBytes) {
    app_.log().information("%s: a WebSocket client reads too slowly; connection closed", c.peerKey);
    close(c);
  }
}

void HttpServer::closeWebSocket(Connection& c, std::uint16_t code) {
  if (c.dead || !c.ws || c.ws->closeSent) return;
  queueFrame(c, ws::encodeClose(code));
  if (c.dead) return;
  c.ws->closeSent = true;
  c.closeAfterWrite = true;
  c.ws->turns->close();
  flush(c);
}

void HttpServer::webSocketTimer(Connection& c, Clock::time_point now) {
  if (c.ws->paused) c.ws->lastHeard = now;  // the client is busy being heard
  if (now - c.ws->lastHeard >= kPingEvery * (kPingsBeforeDead + 1)) return close(c);
  if (now - c.ws->lastHeard >= kPingEvery * (c.ws->pingsSent + 1)) {
    ++c.ws->pingsSent;
    queueFrame(c, ws::encodeFrame(ws::Opcode::kPing, ""));
    if (!c.dead) flush(c);
  }
}

void HttpServer::onWebSocketOut(WebSocketOut& out) {
  Connection* c = find(out.conn);
  if (!c || c->state != ConnState::kWebSocket) return;
  if (out.close) return closeWebSocket(*c, out.code);
  queueFrame(*c, std::move(out.frame));
  if (!c->dead) flush(*c);
}

void HttpServer::onWebSocketResume(ConnId conn) {
  Connection* c = find(conn);
  if (!c || !c->ws || !c->ws->paused) return;
  c->ws->paused = false;
  c->ws->lastHeard = Clock::now();
  schedule(*c);  // frames already buffered, then the socket
  refresh(*c);
}

// --- WebSocketTurns ---------------------------------------------------------------------------

WebSocketTurns::WebSocketTurns(std::shared_ptr<WebSocketHandler> handler, WorkerPool& pool,
                               Poco::Logger& log, std::function<void()> resume)
    : pool_(pool), log_(log), resume_(std::move(resume)), handler_(std::move(handler)) {}

void WebSocketTurns::open(std::shared_ptr<WebSocketChannel> channel) {
  push({Call::Kind::kOpen, "", std::move(channel)});
}

bool WebSocketTurns::text(std::string message) {
  return push({Call::Kind::kText, std::move(message), nullptr});
}

void WebSocketTurns::close() { push({Call::Kind::kClose, "", nullptr}); }

bool WebSocketTurns::push(Call call) {
  bool start = false;
  bool pause = false;
  {
    std::lock_guard lock(mutex_);
    if (closing_) return false;
    closing_ = call.kind == Call::Kind::kClose;
    calls_.push_back(std::move(call));
    start = !running_;
    running_ = true;
    pause = calls_.size() >= kPauseAt;
    paused_ = paused_ || pause;
  }
  if (start) pool_.submit([self = shared_from_this()] { self->drain(); });
  return pause;
}

// On a worker: every queued call in order, then gives the turn back.
void WebSocketTurns::drain() {
  for (;;) {
    Call call;
    std::shared_ptr<WebSocketHandler> handler;
    bool resume = false;
    {
      std::lock_guard lock(mutex_);
      if (calls_.empty()) {
        running_ = false;
        return;
      }
      call = std::move(calls_.front());
      calls_.pop_front();
      handler = handler_;
      if (paused_ && calls_.size() <= kResumeAt) {
        paused_ = false;
        resume = true;
      }
      if (call.kind == Call::Kind::kClose) handler_.reset();
    }
    if (resume) resume_();
    if (!handler) continue;
    try {
      if (call.kind == Call::Kind::kOpen) handler->opened(call.channel);
      if (call.kind == Call::Kind::kText) handler->received(call.text);
      if (call.kind == Call::Kind::kClose) handler->closed();
    } catch (const std::exception& e) {
      log_.error("a WebSocket handler failed: %s", std::string(e.what()));
      // The connection stays: the next message may succeed; closing is the handler's call.
    }
  }
}

}  // namespace sendflow::web
