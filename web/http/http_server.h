// The HTTP front end of `sendflow serve` (docs/http.md). One event loop (epoll, level-triggered)
// owns every socket: it accepts, runs each connection's state machine under deadlines, reads a
// request whole (head parsed by Poco, body exactly Content-Length) and only then hands it to a
// small worker pool running the Pipeline; the buffered response comes back to the loop to be
// written without blocking. WebSockets stay in the loop after their 101 (websocket.h). A held
// connection (idle keep-alive, a slow client, a live editor) costs memory, never a thread.
//
// Why epoll and not Poco's SocketReactor: the loop needs per-connection deadlines, eviction of
// the oldest idle connection, interest changes per state and TLS that wants the other direction;
// the reactor's notification model gives none of these, and the loop is Linux-only anyway.
#pragma once

#include <Poco/Net/Context.h>
#include <Poco/Net/ServerSocket.h>

#include <atomic>
#include <functional>
#include <memory>
#include <random>
#include <set>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/config.h"
#include "http/client_address.h"
#include "http/http.h"
#include "http/http_connection.h"

struct epoll_event;

namespace sendflow::web {

class Services;

class HttpServer {
 public:
  // `listener`: bound (exclusively) and listening. `tls`: null for plain HTTP. `maxConnections`:
  // the limit after the file-descriptor limit was taken into account.
  HttpServer(Services& app, Poco::Net::ServerSocket listener, Poco::Net::Context::Ptr tls,
             int maxConnections);
  ~HttpServer();  // stop()
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void start();
  // Stops accepting, lets requests in flight finish (answered with Connection: close), closes
  // WebSockets with 1001, closes the rest; after `grace` closes whatever is left. Then joins the
  // loop and the workers (every WebSocket handler has had closed()). Idempotent.
  void stop(std::chrono::milliseconds grace = std::chrono::seconds(10));

 private:
  // http_server.cpp: the loop, connections, limits, deadlines, stopping.
  void loop();
  void dispatchEvents(int ready, const ::epoll_event* events);
  void acceptAll(Clock::time_point now);
  void admit(int fd, const Poco::Net::SocketAddress& peer, Clock::time_point now);
  void refuseAtAccept(int fd, const Poco::Net::SocketAddress& peer, int status,
                      const std::string& message, Clock::time_point now);
  Connection* open(int fd, const Poco::Net::SocketAddress& peer, Clock::time_point now);
  void shedOneConnection();
  bool evictOldestIdle();
  bool underPressure() const;
  void setState(Connection& c, ConnState s, Clock::time_point now);
  void refresh(Connection& c);  // deadline and epoll interest for the current state
  Clock::time_point deadlineOf(const Connection& c) const;
  std::uint32_t interestOf(const Connection& c) const;
  void expireTimers(Clock::time_point now);
  void onTimeout(Connection& c, Clock::time_point now);
  void onSocket(Connection& c, std::uint32_t events);
  void close(Connection& c);
  void reap();
  void beginStop(Clock::time_point now);
  int waitMillis(Clock::time_point now) const;
  Connection* find(ConnId id);
  // Runs `step` for connection `id`; an exception (an allocation failure, a bug) is logged and
  // closes that connection, never the loop.
  void guarded(ConnId id, const std::function<void()>& step);

  // http_server_io.cpp: reading requests, running them, writing responses.
  void schedule(Connection& c) { ready_.push_back(c.id); }
  void runReady();
  void handshake(Connection& c);
  void readInput(Connection& c);
  struct ReadOutcome {
    std::size_t bytes = 0;
    bool capped = false;  // stopped at the cap, not because nothing more had arrived
    bool eof = false;
    bool failed = false;
  };
  std::size_t readCap(const Connection& c) const;
  ReadOutcome readUpTo(Connection& c, std::size_t cap);
  void progress(Connection& c);
  bool readHeadOf(Connection& c, Clock::time_point now);
  void dispatch(Connection& c);
  void runRequest(ConnId conn, BufferedRequest& request, const std::string& clientIp,
                  bool keepAlive);
  void refuse(Connection& c, int status, const std::string& reason, int retryAfter = 0);
  void respond(Connection& c, std::string bytes, bool keepAlive);
  void flush(Connection& c);
  void onWritten(Connection& c);
  void linger(Connection& c);
  void drainInbox();
  void onRequestDone(RequestDone& done);

  // http_server_websocket.cpp
  void switchToWebSocket(Connection& c, const WebSocketUpgrade& upgrade);
  void readFrames(Connection& c);
  void queueFrame(Connection& c, std::string frame);
  void closeWebSocket(Connection& c, std::uint16_t code);
  void webSocketTimer(Connection& c, Clock::time_point now);
  void onWebSocketOut(WebSocketOut& out);
  void onWebSocketResume(ConnId conn);

  Services& app_;
  const HttpLimits limits_;
  const int maxConnections_;
  const bool https_;
  Poco::Net::ServerSocket listener_;
  const Poco::Net::Context::Ptr tls_;
  const TrustedProxies proxies_;
  Pipeline pipeline_;
  WorkerPool pool_;
  std::shared_ptr<LoopInbox> inbox_;
  std::atomic<bool> stopRequested_{false};
  std::atomic<bool> stopping_{false};  // read by workers: answers then carry Connection: close
  std::atomic<bool> loopDone_{false};  // read by workers: requests still queued are dropped
  std::chrono::milliseconds grace_{10000};
  std::thread thread_;

  // The loop's thread only:
  int epoll_ = -1;
  int reserveFd_ = -1;  // given up to accept (and refuse) one connection when out of descriptors
  bool listening_ = true;
  Clock::time_point stopDeadline_;
  ConnId nextId_ = 16;                               // below: the listener and the inbox
  std::minstd_rand spread_{std::random_device{}()};  // each connection's keep-alive timeout
  std::unordered_map<ConnId, std::unique_ptr<Connection>> conns_;
  std::set<std::pair<Clock::time_point, ConnId>> timers_;
  std::set<std::pair<Clock::time_point, ConnId>> idle_;  // kAwaitingRequest, oldest first
  std::unordered_map<std::string, int> perAddress_;
  int counted_ = 0;
  int webSockets_ = 0;  // connections in ConnState::kWebSocket
  int refusing_ = 0;
  std::vector<ConnId> ready_;  // to read from again at the end of this turn
  std::vector<ConnId> dead_;   // closed this turn; freed at its end
};

}  // namespace sendflow::web
