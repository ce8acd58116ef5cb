// Reading requests whole, running them on the workers, writing the answers.
#include <Poco/String.h>
#include <sys/epoll.h>

#include "app/services.h"
#include "http/http_server.h"

namespace sendflow::web {
namespace {

constexpr std::size_t kReadChunk = 16384;
constexpr std::size_t kWriteChunk = 256 * 1024;
constexpr std::size_t kWebSocketReadCap = 256 * 1024;  // per turn; the rest on the next one
constexpr std::size_t kKeepCapacity = 64 * 1024;       // larger buffers are freed when empty
constexpr const char* kContinue = "HTTP/1.1 100 Continue\r\n\r\n";

std::vector<std::string> forwardedFor(const BufferedRequest& r) {
  static const std::string name = "X-Forwarded-For";
  std::vector<std::string> out;
  for (auto it = r.find(name); it != r.end() && Poco::icompare(it->first, name) == 0; ++it)
    out.push_back(it->second);
  return out;
}

void release(std::string& s) {
  if (s.capacity() > kKeepCapacity) {
    std::string().swap(s);
  } else {
    s.clear();
  }
}

void queue(Connection& c, const std::string& bytes) {
  if (!c.writing()) {
    c.out.clear();
    c.outSent = 0;
    c.writingSince = Clock::now();
  }
  c.out += bytes;
}

}  // namespace

void HttpServer::runReady() {
  std::vector<ConnId> ids;
  ids.swap(ready_);
  for (ConnId id : ids)
    if (Connection* c = find(id)) guarded(id, [this, c] { readInput(*c); });
}

void HttpServer::handshake(Connection& c) {
  switch (c.io->handshake()) {
    case Io::kDone:
      setState(c, ConnState::kAwaitingRequest, Clock::now());
      return schedule(c);  // the first request may be buffered inside TLS already
    case Io::kWouldBlock:
      return refresh(c);
    case Io::kClosed:
    case Io::kError:
      return close(c);
  }
}

// How much of `in` the current state may hold after a read (0: this state does not read).
std::size_t HttpServer::readCap(const Connection& c) const {
  switch (c.state) {
    case ConnState::kAwaitingRequest:
    case ConnState::kReadingHead:
      return limits_.maxHeaderBytes + 1024;
    case ConnState::kReadingBody:
      return c.head.bodyBytes + kReadChunk;
    case ConnState::kWebSocket:
      return c.ws->paused ? 0 : c.in.size() + kWebSocketReadCap;
    default:
      return 0;
  }
}

HttpServer::ReadOutcome HttpServer::readUpTo(Connection& c, std::size_t cap) {
  ReadOutcome out;
  char buffer[kReadChunk];
  for (;;) {
    if (c.in.size() >= cap) {
      out.capped = true;
      return out;
    }
    const IoResult r = c.io->read(buffer, std::min(kReadChunk, cap - c.in.size()));
    if (r.status != Io::kDone) {
      out.eof = r.status == Io::kClosed;
      out.failed = r.status == Io::kError;
      return out;
    }
    c.in.append(buffer, r.bytes);
    out.bytes += r.bytes;
  }
}

// Reads what the current state may take, then moves the state machine on. At end of stream a
// request already read is still answered; anything else is closed.
void HttpServer::readInput(Connection& c) {
  if (c.state == ConnState::kLingering) {
    if (c.io->discardInput() != Io::kWouldBlock) close(c);
    return;
  }
  const std::size_t cap = readCap(c);
  if (cap == 0) return;  // not reading in this state (a paused WebSocket resumes by itself)
  const ReadOutcome r = readUpTo(c, cap);
  if (r.failed) return close(c);
  if (c.state == ConnState::kWebSocket) {
    if (r.bytes > 0) {
      c.ws->lastHeard = Clock::now();
      c.ws->pingsSent = 0;
    }
    readFrames(c);
  } else {
    progress(c);
  }
  if (c.dead) return;
  if (r.eof) {
    if (c.state != ConnState::kInWorker && c.state != ConnState::kWriting) return close(c);
    c.closeAfterWrite = true;  // the client sent its last request; answer it, then close
  } else if (r.capped) {
    schedule(c);  // more may wait (inside TLS, where epoll cannot see it)
  }
  refresh(c);
}

void HttpServer::progress(Connection& c) {
  const auto now = Clock::now();
  if (c.state == ConnState::kAwaitingRequest) {
    c.in.erase(0, leadingBlankBytes(c.in));  // blank lines between requests (RFC 9112 2.2)
    if (c.in.empty()) return;
    c.headScanned = 0;
    setState(c, ConnState::kReadingHead, now);
  }
  if (c.state == ConnState::kReadingHead && !readHeadOf(c, now)) return;
  if (c.state != ConnState::kReadingBody || c.in.size() < c.head.bodyBytes) return;
  std::string body = c.in.substr(0, c.head.bodyBytes);
  c.in.erase(0, c.head.bodyBytes);
  c.request->setBody(std::move(body));
  dispatch(c);
}

// True when the head was parsed and the body is being read; a bad head is answered here.
bool HttpServer::readHeadOf(Connection& c, Clock::time_point now) {
  if (!c.request) c.request = std::make_unique<BufferedRequest>(c.peer, c.local, c.io->secure());
  const HeadLimits limits{limits_.maxHeaderBytes, app_.settings().maxBodyBytes};
  HeadResult h = readHead(c.in, limits, *c.request, c.headScanned);
  if (h.outcome == HeadResult::Outcome::kIncomplete) return false;
  if (h.outcome == HeadResult::Outcome::kRefused) {
    refuse(c, h.status, h.reason);
    return false;
  }
  c.in.erase(0, h.headBytes);
  c.head = h;
  setState(c, ConnState::kReadingBody, now);
  if (c.in.size() < h.bodyBytes) {
    c.in.reserve(h.bodyBytes);
    if (h.expectContinue) {
      queue(c, kContinue);
      flush(c);
    }
  }
  return !c.dead;
}

void HttpServer::dispatch(Connection& c) {
  std::shared_ptr<BufferedRequest> request(std::move(c.request));
  const bool api = request->getURI().rfind("/api/", 0) == 0;
  const std::string clientIp = clientAddress(c.peerIp, forwardedFor(*request), proxies_);
  const bool keepAlive = request->getKeepAlive() && !stopping_ && !c.closeAfterWrite;
  setState(c, ConnState::kInWorker, Clock::now());
  const ConnId id = c.id;
  const bool queued = pool_.trySubmit(
      [this, id, request, clientIp, keepAlive] { runRequest(id, *request, clientIp, keepAlive); });
  if (!queued) {
    app_.log().warning("%s: %s requests already wait for a worker; answered 503", clientIp,
                       std::to_string(limits_.maxQueued));
    respond(c,
            plainResponse(503, "The server is busy; please try again in a moment.", https_,
                          keepAlive, 1, api),
            keepAlive);
  }
}

// On a worker thread: the pipeline, then the answer as bytes, posted back to the loop.
void HttpServer::runRequest(ConnId conn, BufferedRequest& request, const std::string& clientIp,
                            bool keepAlive) {
  if (loopDone_) return;  // stopped: the connection is gone, nobody would read the answer
  RequestDone done;
  done.conn = conn;
  try {
    BufferedResponse response(request);
    done.upgrade = pipeline_.handle(request, response, clientIp);
    done.keepAlive = keepAlive && response.getKeepAlive() && !stopping_;
    std::string refused;
    done.bytes =
        response.serialize(request.getMethod() == "HEAD", done.keepAlive, https_, &refused);
    if (!refused.empty()) {
      app_.log().error("the response header %s held a control character: answered 500 instead",
                       refused);
      done.keepAlive = false;
      done.upgrade.reset();
    }
  } catch (const std::exception& e) {
    app_.log().error("answering a request failed: %s", std::string(e.what()));
    done.bytes = plainResponse(500, "Something went wrong on our side.", https_, false);
    done.keepAlive = false;
    done.upgrade.reset();
  }
  inbox_->post(std::move(done));
}

// The front end's own refusal: answered, then the connection is closed (its input, if any, was
// not read as a request and never will be).
void HttpServer::refuse(Connection& c, int status, const std::string& reason, int retryAfter) {
  app_.log().information("%s refused: %d %s", c.peerKey, status, reason);
  const bool api = c.request && c.request->getURI().rfind("/api/", 0) == 0;
  c.request.reset();
  respond(c, plainResponse(status, reason, https_, false, retryAfter, api), false);
}

void HttpServer::respond(Connection& c, std::string bytes, bool keepAlive) {
  if (!c.writing() && c.out.empty()) {
    c.out = std::move(bytes);
    c.outSent = 0;
    c.writingSince = Clock::now();
  } else {
    queue(c, bytes);
  }
  c.closeAfterWrite = c.closeAfterWrite || !keepAlive || stopping_;
  c.served = true;
  setState(c, ConnState::kWriting, Clock::now());
  flush(c);
}

void HttpServer::flush(Connection& c) {
  if (!c.writing()) return refresh(c);
  while (c.writing()) {
    const IoResult r =
        c.io->write(c.out.data() + c.outSent, std::min(c.out.size() - c.outSent, kWriteChunk));
    if (r.status == Io::kWouldBlock) break;
    if (r.status != Io::kDone) return close(c);
    c.outSent += r.bytes;
  }
  if (!c.writing()) {
    release(c.out);
    c.outSent = 0;
    onWritten(c);
  } else if (c.outSent > kWriteChunk) {
    c.out.erase(0, c.outSent);  // TLS: SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER allows this
    c.outSent = 0;
  }
  refresh(c);
}

void HttpServer::onWritten(Connection& c) {
  if (c.closeAfterWrite) return linger(c);
  if (c.state != ConnState::kWriting) return;
  setState(c, ConnState::kAwaitingRequest, Clock::now());
  if (c.in.capacity() > kKeepCapacity && c.in.empty()) release(c.in);
  schedule(c);  // a request sent meanwhile (pipelined, or buffered inside TLS)
}

// Shut for writing, then read and drop until the client closes (or briefly): closing with unread
// input would make the kernel reset the connection and the client could lose our last answer.
void HttpServer::linger(Connection& c) {
  c.io->shutdownWrite();
  release(c.in);
  setState(c, ConnState::kLingering, Clock::now());
  schedule(c);
}

void HttpServer::drainInbox() {
  for (auto& e : inbox_->take()) {
    if (auto* done = std::get_if<RequestDone>(&e)) {
      guarded(done->conn, [this, done] { onRequestDone(*done); });
    } else if (auto* out = std::get_if<WebSocketOut>(&e)) {
      guarded(out->conn, [this, out] { onWebSocketOut(*out); });
    } else if (auto* resume = std::get_if<WebSocketResume>(&e)) {
      guarded(resume->conn, [this, resume] { onWebSocketResume(resume->conn); });
    }
  }
}

void HttpServer::onRequestDone(RequestDone& done) {
  Connection* c = find(done.conn);
  if (!c || c->state != ConnState::kInWorker) return;  // the client went away meanwhile
  if (done.upgrade && !stopping_) {
    queue(*c, done.bytes);
    c->served = true;
    switchToWebSocket(*c, *done.upgrade);
    flush(*c);
    return;
  }
  respond(*c, std::move(done.bytes), done.keepAlive && !done.upgrade);
}

}  // namespace sendflow::web
