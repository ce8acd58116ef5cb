// bench_live: live-editing propagation, and live editors by the thousand.
//
// Rows (default): N editors on one draft plan, each inserting R tokens/s at random positions of
// one long-text field; every editor measures when each other editor's insert reaches it. Beside
// each row, y-websocket@2.1.0 (Yjs) relays the same edit rate to the same number of clients
// (tests/bench/live/peer.js: the y-websocket server in its own process, its clients spread over
// other node processes so they keep the asked rate). sendflow commits every operation to SQLite
// (synchronous=FULL) before relaying it; y-websocket persists nothing.
//
// Scale (--editors=E): E editors over P plans (E/P per plan, plans launched through the API) at R
// ops/s each, plus I plain keep-alive connections that asked GET /healthz once and are left idle
// (re-opened when the server closes them after http.keep_alive_timeout, as a browser would);
// meanwhile fresh requests (a new connection each: GET /healthz, and a signed-in GET
// /api/v1/plans/{id}) are timed. Prints their p50/p99/max, the ops delivered/expected, the
// server's RSS, threads and open descriptors.
//
// The load generator is one process: a few threads each multiplexing many sockets with epoll
// (a thread per client would distort the figures on 2 cores). Client connections come from
// --addresses loopback addresses (127.0.1.x), as editors come from many schools: the server's
// per-address cap (http.max_connections_per_ip, 1024) applies to each.
//
// Usage: bench_live [--clients=2,5,10,20,50] [--duration=S] [--rate=R] [--sendflow=PATH]
//                   [--node=PATH] [--no-peer] [--threads=T] [--addresses=A]
//        bench_live --editors=1000 --plans=100 --idle=1000 [--rate=1] [--duration=S]
// Node modules for the peer: $BENCH_PEERS/live/node_modules when set (scripts/bench installs
// them there, outside the checkout), else tests/bench/live/node_modules.
#include "sendflow/engine/live/live.h"

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Path.h>
#include <Poco/Random.h>
#include <Poco/StringTokenizer.h>
#include <Poco/TemporaryFile.h>
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "bench_support.h"
#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/live/ot.h"

namespace {

namespace ot = sendflow::engine::ot;
using Clock = std::chrono::steady_clock;
using Poco::JSON::Object;

struct Options {
  std::vector<int> clients{2, 5, 10, 20, 50};
  double duration = 30;  // the issue: each client sends 10 ops/s for 30 s
  std::optional<double> rate;
  std::string sendflow;
  std::string node = "node";
  bool peer = true;
  int editors = 0;  // > 0: the scale scenario
  int plans = 100;
  int idle = 1000;
  int threads = 2;
  int addresses = 8;
};

struct Figures {
  double p50 = 0, p99 = 0, max = 0;
  long delivered = 0, expected = 0;
  long sent = 0, asked = 0;
  double cpuPercent = 0;
  long rssKb = 0, rssPerConnKb = 0;
  bool valid = false;
  std::string note;
};

std::string exeDir() {
  char buf[4096];
  const ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "./";
  return Poco::Path(std::string(buf, static_cast<std::size_t>(n))).parent().toString();
}

double cpuSeconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string s((std::istreambuf_iterator<char>(in)), {});
  const auto close = s.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream rest(s.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && rest >> field; ++i) {
    if (i == 14 || i == 15) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

long statusField(int pid, const std::string& name) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) return std::stol(line.substr(name.size() + 1));
  }
  return 0;
}
long rssKb(int pid) { return statusField(pid, "VmRSS"); }

long openFds(int pid) {
  long n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (::readdir(d)) ++n;
    ::closedir(d);
  }
  return n > 2 ? n - 2 : 0;
}

struct Percentiles {
  double p50 = 0, p99 = 0, max = 0;
};
Percentiles percentiles(std::vector<double> ms) {
  Percentiles p;
  if (ms.empty()) return p;
  std::sort(ms.begin(), ms.end());
  p.p50 = ms[ms.size() / 2];
  p.p99 = ms[std::min(ms.size() - 1, ms.size() * 99 / 100)];
  p.max = ms.back();
  return p;
}

// Send times of every token, and how long each took to reach each other editor.
struct Latencies {
  std::mutex mutex;
  std::map<std::string, Clock::time_point> sent;
  std::vector<double> ms;
  long delivered = 0;

  void onSent(const std::string& token) {
    std::lock_guard lock(mutex);
    sent[token] = Clock::now();
  }
  void onReceived(const std::string& text) {
    const auto now = Clock::now();
    std::lock_guard lock(mutex);
    for (std::size_t at = text.find("~c"); at != std::string::npos; at = text.find("~c", at + 1)) {
      const auto end = text.find('~', at + 2);
      if (end == std::string::npos) break;
      auto s = sent.find(text.substr(at, end - at + 1));
      if (s == sent.end()) continue;
      ms.push_back(std::chrono::duration<double, std::milli>(now - s->second).count());
      ++delivered;
    }
  }
};

// --- a non-blocking client socket ------------------------------------------------------------

// Connects a TCP socket from `source` (a loopback address) to 127.0.0.1:port; blocking connect,
// then non-blocking.
int connectFrom(const std::string& source, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
  sockaddr_in from{};
  from.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &from.sin_addr);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&from), sizeof from) != 0) {
    ::close(fd);
    throw std::runtime_error("bind " + source + ": " + std::strerror(errno));
  }
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &to.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&to), sizeof to) != 0) {
    const std::string why = std::strerror(errno);
    ::close(fd);
    throw std::runtime_error("connect: " + why);
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

// A client's masked text frame (RFC 6455 5.2).
std::string clientFrame(int opcode, const std::string& payload) {
  std::string f;
  f += static_cast<char>(0x80 | opcode);
  const std::size_t n = payload.size();
  if (n < 126) {
    f += static_cast<char>(0x80 | n);
  } else if (n < 65536) {
    f += static_cast<char>(0x80 | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xff);
  } else {
    f += static_cast<char>(0x80 | 127);
    for (int i = 7; i >= 0; --i) f += static_cast<char>((n >> (8 * i)) & 0xff);
  }
  const unsigned char mask[4] = {0x12, 0x34, 0x56, 0x78};
  f.append(reinterpret_cast<const char*>(mask), 4);
  for (std::size_t i = 0; i < n; ++i) f += static_cast<char>(payload[i] ^ mask[i % 4]);
  return f;
}

// One whole server frame from the front of `in` (unmasked); false when more bytes are needed.
bool serverFrame(std::string& in, int& opcode, std::string& payload) {
  if (in.size() < 2) return false;
  const auto b = reinterpret_cast<const unsigned char*>(in.data());
  std::size_t len = b[1] & 0x7f, at = 2;
  if (len == 126) {
    if (in.size() < 4) return false;
    len = (std::size_t(b[2]) << 8) | b[3];
    at = 4;
  } else if (len == 127) {
    if (in.size() < 10) return false;
    len = 0;
    for (int i = 0; i < 8; ++i) len = (len << 8) | b[2 + i];
    at = 10;
  }
  if (in.size() < at + len) return false;
  opcode = b[0] & 0x0f;
  payload.assign(in, at, len);
  in.erase(0, at + len);
  return true;
}

// --- one live editor (the same protocol as web/static/live.js) --------------------------------

class Editor {
 public:
  Editor(int index, int group, Latencies& lat) : index_(index), group_(group), lat_(lat) {}

  int group() const { return group_; }
  bool ready() const { return !field_.empty(); }
  long sent() const { return sent_; }
  bool failed() const { return failed_; }

  void start(std::string& out, double rate, Clock::time_point begin, Clock::time_point end) {
    period_ =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
    next_ = begin + period_ * (index_ % 97) / 97;  // spread over the first period
    end_ = end;
    out_ = &out;
  }
  void hello(std::string& out) {
    out_ = &out;
    send(R"({"type":"hello","client":"b)" + std::to_string(index_) + "\"}");
  }

  // Sends what is due; true when this editor is done sending.
  void tick(Clock::time_point now) {
    if (!out_ || !ready() || now >= end_) return;
    if (now < next_) return;
    const std::string token = "~c" + std::to_string(index_) + "n" + std::to_string(++n_) + "~";
    const auto pos = rng_() % (text_.size() + 1);
    lat_.onSent(token);
    edit(ot::insertAt(pos, *sendflow::engine::utf8::decode(token)));
    ++sent_;
    next_ += period_;
  }

  void onMessage(const std::string& text) {
    Object::Ptr m;
    try {
      m = Poco::JSON::Parser().parse(text).extract<Object::Ptr>();
    } catch (const std::exception&) {
      return;
    }
    const auto type = m->getValue<std::string>("type");
    if (type == "snapshot") {
      revision_ = m->getValue<long>("revision");
      auto fields = m->getObject("fields");
      for (const auto& name : fields->getNames()) {
        auto f = fields->getObject(name);
        if (f->getValue<std::string>("kind") == "text" && field_.empty()) {
          field_ = name;
          text_ = *sendflow::engine::utf8::decode(f->getValue<std::string>("text"));
        }
      }
    } else if (type == "op") {
      revision_ = m->getValue<long>("revision");
      if (m->getValue<std::string>("client") == "b" + std::to_string(index_)) {
        inflight_.reset();
        sendNext();
        return;
      }
      if (m->getValue<std::string>("field") != field_) return;
      auto remote = *sendflow::engine::opFromJson(m->get("op"));
      for (const auto& c : remote) {
        if (c.kind == ot::Component::Kind::kInsert)
          lat_.onReceived(sendflow::engine::utf8::encode(c.text));
      }
      auto pass = [&](ot::Op& mine) {
        auto a = ot::transform(mine, remote, ot::Side::kRight);
        remote = ot::transform(remote, mine, ot::Side::kLeft);
        mine = a;
      };
      if (inflight_) pass(inflight_->first);
      for (auto& p : pending_) pass(p.first);
      text_ = *ot::apply(text_, remote);
    } else if (type == "error") {
      if (!failed_)
        std::cerr << "bench_live: editor " << index_ << ": " << m->getValue<std::string>("message")
                  << "\n";
      failed_ = true;
    }
  }

 private:
  void send(const std::string& text) { *out_ += clientFrame(0x1, text); }

  void edit(const ot::Op& op) {
    text_ = *ot::apply(text_, op);
    pending_.push_back({op, ++seq_});
    sendNext();
  }
  void sendNext() {
    if (inflight_ || pending_.empty()) return;
    inflight_ = pending_.front();
    pending_.pop_front();
    Object o;
    o.set("type", "op");
    o.set("field", field_);
    o.set("revision", revision_);
    o.set("seq", inflight_->second);
    o.set("op", sendflow::engine::opToJson(inflight_->first));
    std::ostringstream out;
    Poco::JSON::Stringifier::condense(o, out);
    send(out.str());
  }

  int index_, group_;
  Latencies& lat_;
  std::mt19937 rng_{static_cast<unsigned>(index_) + 1};
  std::string* out_ = nullptr;
  std::string field_;
  std::u32string text_;
  long revision_ = 0, seq_ = 0, sent_ = 0, n_ = 0;
  bool failed_ = false;
  Clock::duration period_{};
  Clock::time_point next_, end_;
  std::optional<std::pair<ot::Op, long>> inflight_;
  std::deque<std::pair<ot::Op, long>> pending_;
};

// --- the load generator: threads multiplexing sockets with epoll ------------------------------

struct Target {
  int port = 0;
  std::string cookie;
};

struct Socket {
  enum class Kind { kEditor, kIdle } kind = Kind::kEditor;
  int fd = -1;
  std::string source;
  std::string in, out;
  bool waitingResponse = false;  // idle: the request sent, its answer not read yet
  bool open = false;
  std::unique_ptr<Editor> editor;
};

std::string readHeadBlocking(int fd) {
  std::string head;
  char buf[4096];
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while (head.find("\r\n\r\n") == std::string::npos) {
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n > 0) {
      head.append(buf, static_cast<std::size_t>(n));
    } else if (n == 0) {
      throw std::runtime_error("the server closed the connection during the handshake");
    } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
      if (Clock::now() > deadline) throw std::runtime_error("no handshake answer in 30 s");
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    } else {
      throw std::runtime_error(std::string("recv: ") + std::strerror(errno));
    }
  }
  return head;
}

void writeAll(int fd, const std::string& s) {
  std::size_t at = 0;
  while (at < s.size()) {
    const ssize_t n = ::send(fd, s.data() + at, s.size() - at, MSG_NOSIGNAL);
    if (n > 0) {
      at += static_cast<std::size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    } else {
      throw std::runtime_error(std::string("send: ") + std::strerror(errno));
    }
  }
}

class Driver {
 public:
  explicit Driver(Target target) : target_(std::move(target)), epoll_(::epoll_create1(0)) {}
  ~Driver() {
    for (auto& s : sockets_)
      if (s->fd >= 0) ::close(s->fd);
    ::close(epoll_);
  }

  // Opens a live editor's WebSocket on /plans/{plan}/live (the handshake answered before return).
  void addEditor(std::unique_ptr<Editor> e, long planId, const std::string& source) {
    auto s = std::make_unique<Socket>();
    s->source = source;
    s->fd = connectFrom(source, target_.port);
    writeAll(s->fd, "GET /plans/" + std::to_string(planId) +
                        "/live HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(target_.port) +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                        "Sec-WebSocket-Version: 13\r\nCookie: " +
                        target_.cookie + "\r\n\r\n");
    std::string head = readHeadBlocking(s->fd);
    if (head.rfind("HTTP/1.1 101", 0) != 0)
      throw std::runtime_error("the WebSocket handshake was answered " +
                               head.substr(0, head.find('\r')));
    s->in = head.substr(head.find("\r\n\r\n") + 4);
    s->open = true;
    s->editor = std::move(e);
    s->editor->hello(s->out);
    add(std::move(s));
  }

  // A keep-alive connection that asks GET /healthz once and then stays idle.
  void addIdle(const std::string& source) {
    auto s = std::make_unique<Socket>();
    s->kind = Socket::Kind::kIdle;
    s->source = source;
    openIdle(*s);
    add(std::move(s));
  }

  void run(std::atomic<bool>& stop) {
    std::vector<epoll_event> events(256);
    while (!stop) {
      const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), 2);
      for (int i = 0; i < n; ++i) {
        Socket& s = *sockets_[events[i].data.u64];
        if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) readFrom(s);
        if (events[i].events & EPOLLOUT) flush(s);
      }
      const auto now = Clock::now();
      for (auto& s : sockets_) {
        if (s->editor && s->open) {
          s->editor->tick(now);
          if (!s->out.empty()) flush(*s);
        }
      }
    }
  }

  // Call before run(): editors start sending at `begin`, stop at `end`.
  void start(double rate, Clock::time_point begin, Clock::time_point end) {
    for (auto& s : sockets_)
      if (s->editor) s->editor->start(s->out, rate, begin, end);
  }

  // Before run(): reads what arrived and writes what waits (answers the server's pings, so that
  // editors opened early are not dropped while the others open).
  void pump(int timeoutMs) {
    std::vector<epoll_event> events(256);
    const int n = ::epoll_wait(epoll_, events.data(), static_cast<int>(events.size()), timeoutMs);
    for (int i = 0; i < n; ++i) {
      Socket& s = *sockets_[events[i].data.u64];
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR | EPOLLRDHUP)) readFrom(s);
      if (events[i].events & EPOLLOUT) flush(s);
    }
    for (auto& s : sockets_)
      if (!s->out.empty()) flush(*s);
  }

  // Waits (before run()) until every editor has its snapshot.
  void awaitSnapshots() {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
      bool all = true;
      for (auto& s : sockets_)
        if (s->editor && !s->editor->ready()) all = false;
      if (all) return;
      if (Clock::now() > deadline) throw std::runtime_error("editors got no snapshot in 60 s");
      pump(10);
    }
  }

  // Waits (before run()) until every idle connection has the answer to its first request, so
  // that the editors' handshakes do not arrive behind a queue full of them.
  void awaitIdleAnswers() {
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    for (;;) {
      bool all = true;
      for (auto& s : sockets_)
        if (s->kind == Socket::Kind::kIdle && s->open && s->waitingResponse) all = false;
      if (all) return;
      if (Clock::now() > deadline)
        throw std::runtime_error("idle connections got no answer in 60 s");
      pump(10);
    }
  }

  int idleOpen() const { return idleOpen_; }
  long idleReopened() const { return idleReopened_; }
  long editorsClosed() const { return editorsClosed_; }
  std::map<int, long> sentByGroup() const {
    std::map<int, long> out;
    for (auto& s : sockets_)
      if (s->editor) out[s->editor->group()] += s->editor->sent();
    return out;
  }
  std::map<int, int> editorsByGroup() const {
    std::map<int, int> out;
    for (auto& s : sockets_)
      if (s->editor) ++out[s->editor->group()];
    return out;
  }

 private:
  void add(std::unique_ptr<Socket> s) {
    const std::size_t index = sockets_.size();
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u64 = index;
    ::epoll_ctl(epoll_, EPOLL_CTL_ADD, s->fd, &ev);
    sockets_.push_back(std::move(s));
    if (!sockets_.back()->out.empty()) flush(*sockets_.back());
  }

  void openIdle(Socket& s) {
    s.fd = connectFrom(s.source, target_.port);
    s.in.clear();
    s.out = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(target_.port) + "\r\n\r\n";
    s.waitingResponse = true;
    s.open = true;
    ++idleOpen_;
  }

  void closeSocket(Socket& s) {
    ::epoll_ctl(epoll_, EPOLL_CTL_DEL, s.fd, nullptr);
    ::close(s.fd);
    s.fd = -1;
    s.open = false;
    if (s.kind == Socket::Kind::kIdle) {
      --idleOpen_;
      ++idleReopened_;
      std::size_t index = 0;
      while (sockets_[index].get() != &s) ++index;
      try {
        openIdle(s);  // as a browser would: a new connection for the next request
      } catch (const std::exception& e) {
        std::cerr << "bench_live: re-opening an idle connection: " << e.what() << "\n";
        return;
      }
      epoll_event ev{};
      ev.events = EPOLLIN | EPOLLRDHUP;
      ev.data.u64 = index;
      ::epoll_ctl(epoll_, EPOLL_CTL_ADD, s.fd, &ev);
      flush(s);
    } else {
      ++editorsClosed_;
    }
  }

  void readFrom(Socket& s) {
    if (!s.open) return;
    char buf[65536];
    for (;;) {
      const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
      if (n > 0) {
        s.in.append(buf, static_cast<std::size_t>(n));
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      consume(s);
      return closeSocket(s);  // end of stream or an error
    }
    consume(s);
  }

  void consume(Socket& s) {
    if (s.kind == Socket::Kind::kIdle) {
      if (s.waitingResponse) {
        const auto end = s.in.find("\r\n\r\n");
        if (end == std::string::npos) return;
        std::size_t length = 0;
        const auto cl = s.in.find("Content-Length: ");
        if (cl != std::string::npos && cl < end) length = std::stoul(s.in.substr(cl + 16));
        if (s.in.size() < end + 4 + length) return;
        s.in.erase(0, end + 4 + length);
        s.waitingResponse = false;
      }
      return;
    }
    int opcode = 0;
    std::string payload;
    while (serverFrame(s.in, opcode, payload)) {
      if (opcode == 0x1) {
        s.editor->onMessage(payload);
      } else if (opcode == 0x9) {
        s.out += clientFrame(0xA, payload);
      }
    }
  }

  void flush(Socket& s) {
    if (!s.open) return;
    while (!s.out.empty()) {
      const ssize_t n = ::send(s.fd, s.out.data(), s.out.size(), MSG_NOSIGNAL);
      if (n > 0) {
        s.out.erase(0, static_cast<std::size_t>(n));
      } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        break;
      } else {
        return closeSocket(s);
      }
    }
  }

  Target target_;
  int epoll_;
  std::vector<std::unique_ptr<Socket>> sockets_;
  int idleOpen_ = 0;
  long idleReopened_ = 0;
  long editorsClosed_ = 0;
};

// --- the server under test ---------------------------------------------------------------------

struct Server {
  std::string home;
  std::unique_ptr<sendflow::bench::ChildServer> process;
  Target target;
  std::string csrf;
  std::vector<long> pupilIds;
  long draftPlan = 0;
  std::string draftType;
};

Server startServer(const Options& opt) {
  Server s;
  s.home = Poco::TemporaryFile::tempName();
  Poco::File(s.home).createDirectories();
  std::map<std::string, std::string> env{{"SENDFLOW_HOME", s.home},
                                         {"SENDFLOW_PORT", "0"},
                                         {"SENDFLOW_LOG_FILE", s.home + "/server.log"}};
  auto demo = Poco::JSON::Parser()
                  .parse(sendflow::bench::runCommand(opt.sendflow, {"demo", "--json"}, env).out)
                  .extract<Object::Ptr>();
  sendflow::bench::Credentials who;
  std::string academy;
  auto accounts = demo->getArray("accounts");
  for (unsigned i = 0; i < accounts->size() && who.email.empty(); ++i) {
    auto a = accounts->getObject(i);
    if (a->getValue<std::string>("role") != "senco") continue;
    who.email = a->getValue<std::string>("email");
    who.password = a->getValue<std::string>("password");
    academy = a->getValue<std::string>("academy");
  }
  auto plans = demo->getArray("plans");
  for (unsigned i = 0; i < plans->size() && !s.draftPlan; ++i) {
    auto p = plans->getObject(i);
    if (p->getValue<std::string>("state") == "draft" &&
        p->getValue<std::string>("academy") == academy) {
      s.draftPlan = p->getValue<long>("id");
      s.draftType = p->getValue<std::string>("type");
    }
  }
  s.process = std::make_unique<sendflow::bench::ChildServer>(
      opt.sendflow, std::vector<std::string>{"serve"}, env, s.home);
  s.target.port = s.process->port();
  auto login = sendflow::bench::signIn(s.target.port, who);
  s.target.cookie = login.cookie;
  s.csrf = login.csrf;
  s.pupilIds = login.pupilIds;
  return s;
}

// Launches `count` more plans of the demo draft's kind through the API (POST /api/v1/plans).
std::vector<long> launchPlans(const Server& s, int count) {
  std::vector<long> ids{s.draftPlan};
  Poco::Net::HTTPClientSession http("127.0.0.1", static_cast<Poco::UInt16>(s.target.port));
  http.setTimeout(Poco::Timespan(30, 0));
  for (int i = 1; i < count; ++i) {
    Poco::Net::HTTPRequest req("POST", "/api/v1/plans", Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Cookie", s.target.cookie);
    req.set("X-CSRF-Token", s.csrf);
    req.setContentType("application/json");
    const std::string body =
        R"({"pupil_id":)" +
        std::to_string(s.pupilIds[static_cast<std::size_t>(i) % s.pupilIds.size()]) +
        R"(,"type":")" + s.draftType + "\"}";
    Poco::Net::HTTPResponse res;
    auto text = sendflow::bench::exchange(http, req, body, res);
    if (res.getStatus() != 201)
      throw std::runtime_error("POST /api/v1/plans answered " + std::to_string(res.getStatus()) +
                               ": " + text);
    ids.push_back(Poco::JSON::Parser().parse(text).extract<Object::Ptr>()->getValue<long>("id"));
  }
  return ids;
}

std::string sourceAddress(int i, int addresses) {
  return "127.0.1." + std::to_string(1 + i % std::max(1, std::min(addresses, 250)));
}

// Fresh requests, one new connection each, timed from connect to the whole answer.
struct Fresh {
  std::vector<double> health, plan;
  long failed = 0;
  std::map<std::string, long> why;  // failures by status or error
};

void freshRequests(const Target& t, long planId, std::atomic<bool>& stop, Fresh& out) {
  bool api = false;
  while (!stop) {
    const auto t0 = Clock::now();
    try {
      Poco::Net::HTTPClientSession http("127.0.0.1", static_cast<Poco::UInt16>(t.port));
      http.setTimeout(Poco::Timespan(10, 0));
      Poco::Net::HTTPRequest req(
          "GET", api ? "/api/v1/plans/" + std::to_string(planId) : std::string("/healthz"),
          Poco::Net::HTTPMessage::HTTP_1_1);
      if (api) req.set("Cookie", t.cookie);
      Poco::Net::HTTPResponse res;
      sendflow::bench::exchange(http, req, "", res);
      const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
      if (res.getStatus() != 200) {
        ++out.failed;
        ++out.why[std::to_string(res.getStatus())];
      } else {
        (api ? out.plan : out.health).push_back(ms);
      }
    } catch (const std::exception& e) {
      ++out.failed;
      ++out.why[e.what()];
    }
    api = !api;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

struct Load {
  std::vector<std::unique_ptr<Driver>> drivers;
  Latencies lat;
};

// Opens `editors` editors over `planIds` (round robin) and `idle` idle connections, spread over
// the drivers.
void openLoad(const Options& opt, const Server& s, const std::vector<long>& planIds, int editors,
              int idle, Load& load) {
  for (int i = 0; i < opt.threads; ++i) load.drivers.push_back(std::make_unique<Driver>(s.target));
  auto pumpAll = [&] {
    for (auto& d : load.drivers) d->pump(0);
  };
  for (int i = 0; i < idle; ++i) {
    load.drivers[static_cast<std::size_t>(i % opt.threads)]->addIdle(
        sourceAddress(i + editors, opt.addresses));
    if (i % 16 == 0) pumpAll();
  }
  for (auto& d : load.drivers) d->awaitIdleAnswers();
  for (int i = 0; i < editors; ++i) {
    const int group = i % static_cast<int>(planIds.size());
    load.drivers[static_cast<std::size_t>(i % opt.threads)]->addEditor(
        std::make_unique<Editor>(i, group, load.lat), planIds[static_cast<std::size_t>(group)],
        sourceAddress(i, opt.addresses));
    pumpAll();
  }
  for (auto& d : load.drivers) d->awaitSnapshots();
}

long expectedDeliveries(const Load& load) {
  std::map<int, long> sent;
  std::map<int, int> editors;
  for (auto& d : load.drivers) {
    for (auto& [g, n] : d->sentByGroup()) sent[g] += n;
    for (auto& [g, n] : d->editorsByGroup()) editors[g] += n;
  }
  long expected = 0;
  for (auto& [g, n] : sent) expected += n * (editors[g] - 1);
  return expected;
}

long sentOps(const Load& load) {
  long n = 0;
  for (auto& d : load.drivers)
    for (auto& [g, k] : d->sentByGroup()) n += k;
  return n;
}

// Runs the drivers for the duration (plus 3 s to drain); `during` runs on this thread meanwhile.
void drive(const Options& opt, double rate, Load& load, const std::function<void()>& during) {
  const auto begin = Clock::now();
  const auto end = begin + std::chrono::duration_cast<Clock::duration>(
                               std::chrono::duration<double>(opt.duration));
  for (auto& d : load.drivers) d->start(rate, begin, end);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& d : load.drivers) threads.emplace_back([&, p = d.get()] { p->run(stop); });
  during();
  std::this_thread::sleep_until(end + std::chrono::seconds(3));  // drain
  stop = true;
  for (auto& t : threads) t.join();
}

Figures measureSendflow(const Options& opt, int clients) {
  Figures f;
  Server s = startServer(opt);
  const double rate = opt.rate.value_or(10);
  const int pid = s.process->pid();
  const long rssBefore = rssKb(pid);
  Load load;
  openLoad(opt, s, {s.draftPlan}, clients, 0, load);
  const long rssConnected = rssKb(pid);
  const double cpu0 = cpuSeconds(pid);
  double cpu1 = cpu0;
  drive(opt, rate, load, [&] {
    std::this_thread::sleep_for(std::chrono::duration<double>(opt.duration));
    cpu1 = cpuSeconds(pid);
    f.rssKb = rssKb(pid);
  });
  const auto p = percentiles(load.lat.ms);
  f.p50 = p.p50;
  f.p99 = p.p99;
  f.max = p.max;
  f.delivered = load.lat.delivered;
  f.expected = expectedDeliveries(load);
  f.sent = sentOps(load);
  f.asked = static_cast<long>(clients * rate * opt.duration);
  f.cpuPercent = 100.0 * (cpu1 - cpu0) / opt.duration;
  f.rssPerConnKb = clients ? (rssConnected - rssBefore) / clients : 0;
  f.valid = true;
  return f;
}

void runScale(const Options& opt) {
  const double rate = opt.rate.value_or(1);
  std::printf(
      "scale: %d editors over %d plans (%d per plan) at %.3g ops/s each + %d idle keep-alive "
      "connections, %.0f s; clients from %d loopback addresses\n",
      opt.editors, opt.plans, opt.editors / std::max(1, opt.plans), rate, opt.idle, opt.duration,
      opt.addresses);
  Server s = startServer(opt);
  const int pid = s.process->pid();
  const auto planIds = launchPlans(s, opt.plans);
  const long rssBefore = rssKb(pid);
  Load load;
  const auto t0 = Clock::now();
  openLoad(opt, s, planIds, opt.editors, opt.idle, load);
  const double openSeconds = std::chrono::duration<double>(Clock::now() - t0).count();
  const long rssConnected = rssKb(pid);
  Fresh fresh;
  long rss = 0, threads = 0, fds = 0;
  int idleMin = opt.idle;
  const double cpu0 = cpuSeconds(pid);
  double cpu1 = cpu0;
  drive(opt, rate, load, [&] {
    std::atomic<bool> stop{false};
    std::thread probe([&] { freshRequests(s.target, planIds.back(), stop, fresh); });
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(opt.duration));
    while (Clock::now() < end) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      int open = 0;
      for (auto& d : load.drivers) open += d->idleOpen();
      idleMin = std::min(idleMin, open);
    }
    cpu1 = cpuSeconds(pid);
    rss = rssKb(pid);
    threads = statusField(pid, "Threads");
    fds = openFds(pid);
    stop = true;
    probe.join();
  });
  long reopened = 0, editorsClosed = 0;
  for (auto& d : load.drivers) {
    reopened += d->idleReopened();
    editorsClosed += d->editorsClosed();
  }
  const auto ops = percentiles(load.lat.ms);
  const auto health = percentiles(fresh.health);
  const auto plan = percentiles(fresh.plan);
  std::printf(
      "  opened in %.1f s; server RSS %ld KB before, %ld KB connected (%ld KB/connection)\n",
      openSeconds, rssBefore, rssConnected,
      (rssConnected - rssBefore) / std::max(1, opt.editors + opt.idle));
  std::printf("  fresh GET /healthz          n %4zu  p50 %7.2f  p99 %7.2f  max %8.2f ms\n",
              fresh.health.size(), health.p50, health.p99, health.max);
  std::printf("  fresh GET /api/v1/plans/ID  n %4zu  p50 %7.2f  p99 %7.2f  max %8.2f ms\n",
              fresh.plan.size(), plan.p50, plan.p99, plan.max);
  std::printf("  fresh requests failed: %ld", fresh.failed);
  for (const auto& [why, n] : fresh.why) std::printf(" [%s: %ld]", why.c_str(), n);
  std::printf("\n");
  std::printf(
      "  live ops: sent %ld/%ld asked, delivered %ld/%ld expected, p50 %.2f p99 %.2f max %.2f ms; "
      "editors dropped %ld\n",
      sentOps(load), static_cast<long>(opt.editors * rate * opt.duration), load.lat.delivered,
      expectedDeliveries(load), ops.p50, ops.p99, ops.max, editorsClosed);
  std::printf(
      "  idle connections: %d held; %ld re-opened (with a new GET /healthz) after the "
      "server closed them at its keep-alive timeout\n",
      idleMin, reopened);
  std::printf("  server: RSS %ld KB, %ld threads, %ld open descriptors, cpu %.1f%%\n", rss, threads,
              fds, 100.0 * (cpu1 - cpu0) / opt.duration);
}

// --- the peer -----------------------------------------------------------------------------------

std::string nodeModules() { return sendflow::bench::peerNodeModules("live", SENDFLOW_SOURCE_ROOT); }

Figures measurePeer(const Options& opt, int clients) {
  Figures f;
  const std::string dir = std::string(SENDFLOW_SOURCE_ROOT) + "/tests/bench/live";
  std::map<std::string, std::string> env{{"NODE_PATH", nodeModules()}};
  if (const char* path = std::getenv("PATH")) env["PATH"] = path;
  const double rate = opt.rate.value_or(10);
  auto out = sendflow::bench::runCommand(opt.node,
                                         {dir + "/peer.js", std::to_string(clients),
                                          std::to_string(rate), std::to_string(opt.duration)},
                                         env);
  if (out.exitCode != 0 || out.out.rfind('{') == std::string::npos) {
    f.note = "peer failed (exit " + std::to_string(out.exitCode) + "): " + out.err.substr(0, 300);
    return f;
  }
  auto j = Poco::JSON::Parser().parse(out.out.substr(out.out.rfind('{'))).extract<Object::Ptr>();
  f.p50 = j->getValue<double>("p50");
  f.p99 = j->getValue<double>("p99");
  f.max = j->getValue<double>("max");
  f.delivered = j->getValue<long>("delivered");
  f.expected = j->getValue<long>("expected");
  f.sent = j->getValue<long>("sent");
  f.asked = static_cast<long>(clients * rate * opt.duration);
  f.cpuPercent = j->getValue<double>("cpu");
  f.rssKb = j->getValue<long>("rssKb");
  f.rssPerConnKb = j->getValue<long>("rssPerConnKb");
  f.valid = true;
  return f;
}

void print(const char* who, int n, const Figures& f) {
  if (!f.valid) {
    std::printf("%-3d %-12s n/a %s\n", n, who, f.note.c_str());
    return;
  }
  std::printf(
      "%-3d %-12s p50 %7.2f  p99 %7.2f  max %8.2f ms  sent %6ld/%-6ld  delivered %6ld/%-6ld  "
      "cpu %5.1f%%  rss %6ld KB (%ld KB/conn)\n",
      n, who, f.p50, f.p99, f.max, f.sent, f.asked, f.delivered, f.expected, f.cpuPercent, f.rssKb,
      f.rssPerConnKb);
  std::fflush(stdout);
}

void usage() {
  std::cout
      << "Usage: bench_live [--clients=2,5,10,20,50] [--duration=S] [--rate=R] [--sendflow=PATH]\n"
         "                  [--node=PATH] [--no-peer] [--threads=T] [--addresses=A]\n"
         "       bench_live --editors=1000 --plans=100 --idle=1000 [--rate=1] [--duration=S]\n"
         "Rows: N live editors on one plan at R inserts/s each (default 10), beside y-websocket.\n"
         "--editors: the scale scenario (E editors over P plans, I idle keep-alive connections,\n"
         "fresh requests timed meanwhile; default rate 1). The peer's node modules: "
         "$BENCH_PEERS/live/\n"
         "node_modules, else tests/bench/live/node_modules.\n";
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string a = argv[i];
      auto val = [&](const char* name) { return a.substr(std::string(name).size() + 1); };
      if (a == "--help" || a == "-h") {
        usage();
        return 0;
      } else if (a.rfind("--clients=", 0) == 0) {
        opt.clients.clear();
        for (const auto& t : Poco::StringTokenizer(val("--clients"), ","))
          opt.clients.push_back(std::stoi(t));
      } else if (a.rfind("--duration=", 0) == 0) {
        opt.duration = std::stod(val("--duration"));
      } else if (a.rfind("--rate=", 0) == 0) {
        opt.rate = std::stod(val("--rate"));
      } else if (a.rfind("--sendflow=", 0) == 0) {
        opt.sendflow = val("--sendflow");
      } else if (a.rfind("--node=", 0) == 0) {
        opt.node = val("--node");
      } else if (a.rfind("--editors=", 0) == 0) {
        opt.editors = std::stoi(val("--editors"));
      } else if (a.rfind("--plans=", 0) == 0) {
        opt.plans = std::stoi(val("--plans"));
      } else if (a.rfind("--idle=", 0) == 0) {
        opt.idle = std::stoi(val("--idle"));
      } else if (a.rfind("--threads=", 0) == 0) {
        opt.threads = std::max(1, std::stoi(val("--threads")));
      } else if (a.rfind("--addresses=", 0) == 0) {
        opt.addresses = std::max(1, std::stoi(val("--addresses")));
      } else if (a == "--no-peer") {
        opt.peer = false;
      } else {
        std::cerr << "bench_live: unknown argument " << a << "\n";
        usage();
        return 2;
      }
    }
  } catch (const std::exception&) {
    std::cerr << "bench_live: a number was expected in " << argv[argc - 1] << "\n";
    return 2;
  }
  if (opt.sendflow.empty()) opt.sendflow = exeDir() + "../web/sendflow";
  // Thousands of sockets: the soft descriptor limit up to the hard one.
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
  if (opt.editors > 0) {
    try {
      runScale(opt);
    } catch (const std::exception& e) {
      std::printf("scale: failed: %s\n", e.what());
      return 1;
    }
    return 0;
  }
  const bool peer = opt.peer && Poco::File(nodeModules() + "/y-websocket").exists();
  std::cout << "bench_live: " << opt.rate.value_or(10) << " inserts/s per client for "
            << opt.duration
            << " s into one long-text field; latency = insert on one client -> applied on another\n"
            << "  sendflow: every op committed to SQLite (synchronous=FULL) before it is relayed\n"
            << "  peer: y-websocket@2.1.0 server relaying Yjs updates (in memory, nothing durable)"
            << (peer ? "" : " — not installed: npm ci in tests/bench/live") << "\n";
  for (int n : opt.clients) {
    try {
      print("sendflow", n, measureSendflow(opt, n));
    } catch (const std::exception& e) {
      std::printf("%-3d sendflow     failed: %s\n", n, e.what());
      return 1;
    }
    if (peer) print("y-websocket", n, measurePeer(opt, n));
  }
  return 0;
}
