// The event loop: accepting under the connection limits, deadlines, eviction, stopping.
#include "http/http_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <stdexcept>

#include "app/services.h"

namespace sendflow::web {
namespace {

constexpr ConnId kListenerId = 1;
constexpr ConnId kInboxId = 2;
constexpr int kMaxRefusing = 256;  // refusals being written at once; beyond, a plain close
constexpr auto kLinger = std::chrono::seconds(2);
constexpr auto kIdleUnderPressure = std::chrono::seconds(1);
constexpr auto kPingEvery = std::chrono::seconds(3);
constexpr std::uint32_t kIn = EPOLLIN;
constexpr std::uint32_t kOut = EPOLLOUT;

void epollControl(int epoll, int op, int fd, std::uint32_t events, ConnId id) {
  epoll_event e{};
  e.events = events;
  e.data.u64 = id;
  if (::epoll_ctl(epoll, op, fd, &e) != 0 && op != EPOLL_CTL_DEL)
    throw std::runtime_error("epoll_ctl failed");
}

// Workers kept from WebSocket turns. A quarter at least; and since a turn no longer waits for a
// commit (docs/live.md), more turns at once than the machine has cores only make the turns and
// the requests beside them wait for a CPU: at most one turn per core runs.
int turnReserve(int workers) {
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  const int quarter = workers > 1 ? std::max(1, workers / 4) : 0;
  return workers - std::max(1, std::min(workers - quarter, cores));
}

}  // namespace

HttpServer::HttpServer(Services& app, Poco::Net::ServerSocket listener, Poco::Net::Context::Ptr tls,
                       int maxConnections)
    : app_(app),
      limits_(app.settings().http),
      maxConnections_(maxConnections),
      https_(tls != nullptr),
      listener_(std::move(listener)),
      tls_(std::move(tls)),
      proxies_(TrustedProxies::parse(limits_.trustedProxies)),
      pipeline_(app),
      pool_(limits_.workers, limits_.maxQueued, turnReserve(limits_.workers)),
      inbox_(std::make_shared<LoopInbox>()) {
  epoll_ = ::epoll_create1(EPOLL_CLOEXEC);
  if (epoll_ < 0) throw std::runtime_error("epoll_create1 failed");
  reserveFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  listener_.setBlocking(false);
  epollControl(epoll_, EPOLL_CTL_ADD, listener_.impl()->sockfd(), kIn, kListenerId);
  epollControl(epoll_, EPOLL_CTL_ADD, inbox_->fd(), kIn, kInboxId);
}

HttpServer::~HttpServer() {
  stop();
  conns_.clear();
  if (reserveFd_ >= 0) ::close(reserveFd_);
  ::close(epoll_);
}

void HttpServer::start() {
  thread_ = std::thread([this] { loop(); });
}

void HttpServer::stop(std::chrono::milliseconds grace) {
  if (thread_.joinable()) {
    grace_ = grace;
    stopRequested_ = true;
    inbox_->wake();
    thread_.join();
  }
  pool_.stop();  // runs what is queued: WebSocket handlers' closed() among it
}

void HttpServer::loop() {
  epoll_event events[256];
  for (;;) {
    auto now = Clock::now();
    if (stopRequested_ && !stopping_) beginStop(now);
    if (stopping_ && (conns_.empty() || now >= stopDeadline_)) break;
    const int n = ::epoll_wait(epoll_, events, 256, waitMillis(now));
    if (n < 0 && errno != EINTR) {
      app_.log().error("the HTTP event loop failed: epoll_wait errno %d", errno);
      break;
    }
    try {
      dispatchEvents(n, events);
      runReady();
      expireTimers(Clock::now());
    } catch (const std::exception& e) {  // outside any one connection: log, carry on
      app_.log().error("the HTTP event loop: %s", std::string(e.what()));
    }
    reap();
    app_.metrics().connections(static_cast<int>(conns_.size()), static_cast<int>(idle_.size()),
                               webSockets_);
  }
  for (auto& [id, c] : conns_) close(*c);
  reap();
  loopDone_ = true;
}

void HttpServer::dispatchEvents(int ready, const epoll_event* events) {
  for (int i = 0; i < ready; ++i) {
    const ConnId id = events[i].data.u64;
    if (id == kListenerId) {
      acceptAll(Clock::now());
    } else if (id == kInboxId) {
      drainInbox();
    } else if (Connection* c = find(id)) {
      const std::uint32_t mask = events[i].events;
      guarded(id, [this, c, mask] { onSocket(*c, mask); });
    }
  }
}

void HttpServer::guarded(ConnId id, const std::function<void()>& step) {
  try {
    step();
  } catch (const std::exception& e) {
    app_.log().error("HTTP connection %s closed after an error: %s", std::to_string(id),
                     std::string(e.what()));
    if (Connection* c = find(id)) close(*c);
  }
}

Connection* HttpServer::find(ConnId id) {
  auto it = conns_.find(id);
  return it == conns_.end() || it->second->dead ? nullptr : it->second.get();
}

int HttpServer::waitMillis(Clock::time_point now) const {
  if (!ready_.empty()) return 0;
  auto wait = std::chrono::milliseconds(1000);
  if (!timers_.empty()) {
    auto until = std::chrono::ceil<std::chrono::milliseconds>(timers_.begin()->first - now);
    wait = std::clamp(until, std::chrono::milliseconds(0), wait);
  }
  if (underPressure() && !idle_.empty()) wait = std::min(wait, std::chrono::milliseconds(200));
  return static_cast<int>(wait.count());
}

// --- accepting under the limits --------------------------------------------------------------

void HttpServer::acceptAll(Clock::time_point now) {
  const int listenFd = listener_.impl()->sockfd();
  for (int i = 0; i < 256 && listening_; ++i) {
    sockaddr_storage sa{};
    socklen_t len = sizeof sa;
    const int fd =
        ::accept4(listenFd, reinterpret_cast<sockaddr*>(&sa), &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      if (errno == EMFILE || errno == ENFILE) shedOneConnection();
      return;  // EAGAIN: all taken
    }
    admit(fd, Poco::Net::SocketAddress(reinterpret_cast<sockaddr*>(&sa), len), now);
  }
}

void HttpServer::admit(int fd, const Poco::Net::SocketAddress& peer, Clock::time_point now) {
  const Poco::Net::IPAddress ip = canonicalAddress(peer.host());
  const std::string key = ip.toString();
  if (!proxies_.contains(ip)) {
    auto it = perAddress_.find(key);
    if (it != perAddress_.end() && it->second >= limits_.maxConnectionsPerIp) {
      return refuseAtAccept(
          fd, peer, 429, "Too many connections from your address; close some and try again.", now);
    }
  }
  if (counted_ >= maxConnections_ && !evictOldestIdle()) {
    return refuseAtAccept(fd, peer, 503,
                          "The server is at its connection limit; try again in a moment.", now);
  }
  Connection* c = open(fd, peer, now);
  if (!c) return;
  c->counted = true;
  c->trustedPeer = proxies_.contains(ip);
  ++counted_;
  ++perAddress_[key];
  if (tls_) handshake(*c);
}

// The refusal is written (plain HTTP) and the connection lingers briefly so that the client can
// read it; over TLS, or when many refusals are under way already, the connection is just closed.
void HttpServer::refuseAtAccept(int fd, const Poco::Net::SocketAddress& peer, int status,
                                const std::string& message, Clock::time_point now) {
  app_.log().information("%s refused at connect: %d %s", peer.host().toString(), status, message);
  if (tls_ || refusing_ >= kMaxRefusing) {
    ::close(fd);
    return;
  }
  Connection* c = open(fd, peer, now);
  if (!c) return;
  ++refusing_;
  respond(*c, plainResponse(status, message, false, false, 1), false);
}

Connection* HttpServer::open(int fd, const Poco::Net::SocketAddress& peer, Clock::time_point now) {
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_storage local{};
  socklen_t len = sizeof local;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len);
  auto io = tls_ ? tlsTransport(fd, tls_) : plainTransport(fd);
  if (!io) return nullptr;
  auto c = std::make_unique<Connection>();
  c->id = nextId_++;
  c->io = std::move(io);
  c->peer = peer;
  c->local = Poco::Net::SocketAddress(reinterpret_cast<sockaddr*>(&local), len);
  c->peerIp = canonicalAddress(peer.host());
  c->peerKey = c->peerIp.toString();
  // Connections opened together (1,000 browsers after a deploy, a bench's idle clients) would
  // otherwise be closed together at every keep-alive timeout and reopen in one burst that
  // fresh requests queue behind: each gets its own timeout, up to a quarter above the setting.
  const auto keepAlive = std::chrono::duration_cast<Clock::duration>(limits_.keepAliveTimeout);
  c->keepAlive = keepAlive + Clock::duration(std::uniform_int_distribution<Clock::rep>(
                                 0, keepAlive.count() / 4)(spread_));
  epollControl(epoll_, EPOLL_CTL_ADD, fd, 0, c->id);
  Connection& ref = *c;
  conns_.emplace(ref.id, std::move(c));
  setState(ref, tls_ ? ConnState::kHandshake : ConnState::kAwaitingRequest, now);
  return &ref;
}

// Out of file descriptors: accept one connection with the reserved descriptor and close it, so
// the listener does not stay readable for ever; idle connections go first.
void HttpServer::shedOneConnection() {
  app_.log().warning("out of file descriptors: refusing a connection (raise the open-files limit)");
  evictOldestIdle();
  if (reserveFd_ < 0) return;
  ::close(reserveFd_);
  const int fd = ::accept4(listener_.impl()->sockfd(), nullptr, nullptr, SOCK_CLOEXEC);
  if (fd >= 0) ::close(fd);
  reserveFd_ = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
}

bool HttpServer::evictOldestIdle() {
  if (idle_.empty()) return false;
  if (Connection* c = find(idle_.begin()->second)) {
    close(*c);
    return true;
  }
  idle_.erase(idle_.begin());
  return false;
}

bool HttpServer::underPressure() const { return counted_ >= maxConnections_ - maxConnections_ / 4; }

// --- state, deadlines, interest ---------------------------------------------------------------

void HttpServer::setState(Connection& c, ConnState s, Clock::time_point now) {
  if (c.state == ConnState::kAwaitingRequest) idle_.erase({c.since, c.id});
  webSockets_ += (s == ConnState::kWebSocket) - (c.state == ConnState::kWebSocket);
  c.state = s;
  c.since = now;
  if (s == ConnState::kAwaitingRequest) idle_.insert({now, c.id});
  refresh(c);
}

Clock::time_point HttpServer::deadlineOf(const Connection& c) const {
  auto d = Clock::time_point::max();
  if (c.writing()) d = c.writingSince + limits_.writeTimeout;
  switch (c.state) {
    case ConnState::kHandshake:
    case ConnState::kReadingHead:
      return std::min(d, c.since + limits_.headerTimeout);
    case ConnState::kAwaitingRequest:
      return std::min(d, c.since + (c.served ? c.keepAlive : limits_.headerTimeout));
    case ConnState::kReadingBody:
      return std::min(d, c.since + limits_.bodyTimeout);
    case ConnState::kLingering:
      return std::min(d, c.since + kLinger);
    case ConnState::kWebSocket:
      return std::min(d, c.ws->lastHeard + kPingEvery * std::min(c.ws->pingsSent + 1, 3));
    case ConnState::kInWorker:
    case ConnState::kWriting:
      return d;
  }
  return d;
}

std::uint32_t HttpServer::interestOf(const Connection& c) const {
  std::uint32_t m = 0;
  switch (c.state) {
    case ConnState::kAwaitingRequest:
    case ConnState::kReadingHead:
    case ConnState::kReadingBody:
    case ConnState::kLingering:
      m = kIn;
      break;
    case ConnState::kWebSocket:
      m = c.ws->paused ? 0 : kIn;
      break;
    case ConnState::kHandshake:
    case ConnState::kInWorker:
    case ConnState::kWriting:
      break;
  }
  // TLS: a read may need the socket writable and a write readable; other wants are stale.
  const bool reads = (m & kIn) != 0 || c.state == ConnState::kHandshake;
  if (c.writing() || (reads && c.io->wantsWrite())) m |= kOut;
  if ((reads || c.writing()) && c.io->wantsRead()) m |= kIn;
  if (c.state == ConnState::kHandshake && m == 0) m = kIn;
  return m;
}

void HttpServer::refresh(Connection& c) {
  if (c.dead) return;
  const auto d = deadlineOf(c);
  if (d != c.deadline) {
    timers_.erase({c.deadline, c.id});
    c.deadline = d;
    if (d != Clock::time_point::max()) timers_.insert({d, c.id});
  }
  const std::uint32_t m = interestOf(c);
  if (m != c.events) {
    epollControl(epoll_, EPOLL_CTL_MOD, c.io->fd(), m, c.id);
    c.events = m;
  }
}

void HttpServer::expireTimers(Clock::time_point now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    const ConnId id = timers_.begin()->second;
    timers_.erase(timers_.begin());
    if (Connection* c = find(id)) {
      c->deadline = Clock::time_point::max();
      guarded(id, [this, c, now] {
        onTimeout(*c, now);
        refresh(*c);
      });
    }
  }
  // Short keep-alive under pressure: idle connections older than a second go, oldest first.
  // A trusted proxy's are spared: it reuses them and cannot resend a POST on one closed under it.
  for (auto it = idle_.begin();
       underPressure() && it != idle_.end() && it->first + kIdleUnderPressure <= now;) {
    Connection* c = find(it->second);
    ++it;
    if (c && !c->trustedPeer) close(*c);
  }
}

void HttpServer::onTimeout(Connection& c, Clock::time_point now) {
  if (c.writing() && now >= c.writingSince + limits_.writeTimeout) {
    app_.log().information("%s: a response was not read within %d s; connection closed", c.peerKey,
                           static_cast<int>(limits_.writeTimeout.count()));
    return close(c);
  }
  switch (c.state) {
    case ConnState::kReadingHead:
      return refuse(c, 408, "The request head did not arrive in time.");
    case ConnState::kReadingBody:
      return refuse(c, 408, "The request body did not arrive in time.");
    case ConnState::kWebSocket:
      return webSocketTimer(c, now);
    case ConnState::kHandshake:
    case ConnState::kAwaitingRequest:
    case ConnState::kLingering:
      return close(c);
    case ConnState::kInWorker:
    case ConnState::kWriting:
      return;
  }
}

void HttpServer::onSocket(Connection& c, std::uint32_t events) {
  if (events & EPOLLERR) return close(c);
  if (c.state == ConnState::kHandshake) return handshake(c);
  if (c.writing()) flush(c);
  if (!c.dead) readInput(c);  // only in states that read; also a TLS read that waited to write
  if (!c.dead && (events & EPOLLHUP) && c.state != ConnState::kLingering) close(c);
}

void HttpServer::close(Connection& c) {
  if (c.dead) return;
  c.dead = true;
  epollControl(epoll_, EPOLL_CTL_DEL, c.io->fd(), 0, c.id);
  timers_.erase({c.deadline, c.id});
  if (c.state == ConnState::kAwaitingRequest) idle_.erase({c.since, c.id});
  if (c.state == ConnState::kWebSocket) --webSockets_;
  if (c.counted) {
    --counted_;
    auto it = perAddress_.find(c.peerKey);
    if (it != perAddress_.end() && --it->second <= 0) perAddress_.erase(it);
  } else {
    --refusing_;
  }
  if (c.ws && c.ws->turns) c.ws->turns->close();
  dead_.push_back(c.id);
}

void HttpServer::reap() {
  for (ConnId id : dead_) conns_.erase(id);
  dead_.clear();
}

// --- stopping ---------------------------------------------------------------------------------

void HttpServer::beginStop(Clock::time_point now) {
  stopping_ = true;
  stopDeadline_ = now + grace_;
  listening_ = false;
  epollControl(epoll_, EPOLL_CTL_DEL, listener_.impl()->sockfd(), 0, kListenerId);
  listener_.close();
  std::vector<Connection*> all;
  for (auto& [id, c] : conns_)
    if (!c->dead) all.push_back(c.get());
  for (Connection* c : all) {
    switch (c->state) {
      case ConnState::kHandshake:
      case ConnState::kAwaitingRequest:
      case ConnState::kReadingHead:
        close(*c);
        break;
      case ConnState::kWebSocket:
        closeWebSocket(*c, ws::kCloseGoingAway);
        break;
      case ConnState::kWriting:
        c->closeAfterWrite = true;
        break;
      case ConnState::kReadingBody:  // finishes, and is answered with Connection: close
      case ConnState::kInWorker:
      case ConnState::kLingering:
        break;
    }
  }
  reap();
}

// --- the inbox --------------------------------------------------------------------------------

LoopInbox::LoopInbox() : fd_(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
  if (fd_ < 0) throw std::runtime_error("eventfd failed");
}

LoopInbox::~LoopInbox() { ::close(fd_); }

void LoopInbox::post(LoopEvent e) {
  bool wasEmpty = false;
  {
    std::lock_guard lock(mutex_);
    wasEmpty = events_.empty();
    events_.push_back(std::move(e));
  }
  if (wasEmpty) wake();
}

void LoopInbox::wake() {
  const std::uint64_t one = 1;
  [[maybe_unused]] auto n = ::write(fd_, &one, sizeof one);
}

std::vector<LoopEvent> LoopInbox::take() {
  std::uint64_t count = 0;
  [[maybe_unused]] auto n = ::read(fd_, &count, sizeof count);
  std::lock_guard lock(mutex_);
  std::vector<LoopEvent> out;
  out.swap(events_);
  return out;
}

}  // namespace sendflow::web
