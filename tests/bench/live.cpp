// bench_live: live-editing propagation. N clients (threads of this process, one WebSocket each)
// edit one long-text field of one draft plan at R operations/s each; every client measures when
// each other client's insert reaches it. Beside it, y-websocket@2.1.0 (Yjs) relays the same edit
// rate to the same number of clients (tests/bench/live/peer.js). sendflow commits every operation
// to SQLite (synchronous=FULL) before relaying it; y-websocket persists nothing.
//
// Usage: bench_live [--clients=2,5,10,20] [--duration=S] [--rate=R] [--sendflow=PATH]
//                   [--node=PATH] [--no-peer]
#include "sendflow/engine/live/live.h"

#include <Poco/File.h>
#include <Poco/JSON/Parser.h>
#include <Poco/JSON/Stringifier.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NetException.h>
#include <Poco/Net/WebSocket.h>
#include <Poco/Path.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/StringTokenizer.h>
#include <Poco/TemporaryFile.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <sstream>
#include <thread>
#include <vector>

#include "sendflow/engine/core/utf8.h"
#include "sendflow/engine/live/ot.h"

namespace {

namespace ot = sendflow::engine::ot;
using Clock = std::chrono::steady_clock;
using Poco::JSON::Object;
using Poco::Net::WebSocket;

struct Options {
  std::vector<int> clients{2, 5, 10, 20};
  double duration = 30;  // the issue: each client sends 10 ops/s for 30 s
  double rate = 10;
  std::string sendflow;
  std::string node = "node";
  bool peer = true;
};

struct Figures {
  double p50 = 0, p99 = 0, max = 0;
  long delivered = 0, expected = 0;
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

long rssKb(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  }
  return 0;
}

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
    static const std::regex re("~c[0-9]+n[0-9]+~");
    const auto now = Clock::now();
    std::lock_guard lock(mutex);
    for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it) {
      auto s = sent.find(it->str());
      if (s == sent.end()) continue;
      ms.push_back(std::chrono::duration<double, std::milli>(now - s->second).count());
      ++delivered;
    }
  }
};

// One live-editing client (the same protocol as web/static/live.js), on its own thread.
class BenchClient {
 public:
  BenchClient(int index, int port, long planId, const std::string& cookie, Latencies& lat)
      : index_(index), lat_(lat) {
    session_ = std::make_unique<Poco::Net::HTTPClientSession>("127.0.0.1",
                                                              static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest req(Poco::Net::HTTPRequest::HTTP_GET,
                               "/plans/" + std::to_string(planId) + "/live",
                               Poco::Net::HTTPMessage::HTTP_1_1);
    req.set("Cookie", cookie);
    Poco::Net::HTTPResponse res;
    ws_ = std::make_unique<WebSocket>(*session_, req, res);
    ws_->setReceiveTimeout(Poco::Timespan(0, 2000));
    send(R"({"type":"hello","client":"b)" + std::to_string(index) + "\"}");
    while (field_.empty()) pumpOne(true);
  }

  void run(double seconds, double rate, std::atomic<bool>& stop) {
    const auto period =
        std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / rate));
    auto next = Clock::now() + period * index_ / 7;
    const auto end = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                        std::chrono::duration<double>(seconds));
    std::mt19937 rng(static_cast<unsigned>(index_) + 1);
    long n = 0;
    while (!stop) {
      const auto now = Clock::now();
      if (now < end && now >= next) {
        const std::string token = "~c" + std::to_string(index_) + "n" + std::to_string(++n) + "~";
        const auto pos = rng() % (text_.size() + 1);
        lat_.onSent(token);
        edit(ot::insertAt(pos, *sendflow::engine::utf8::decode(token)));
        ++sent_;
        next += period;
      }
      pumpOne(false);
    }
  }
  long sent() const { return sent_; }

 private:
  void send(const std::string& f) { ws_->sendFrame(f.data(), static_cast<int>(f.size())); }

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

  void pumpOne(bool block) {
    Poco::Buffer<char> buf(0);
    int flags = 0;
    int n = 0;
    try {
      n = ws_->receiveFrame(buf, flags);
    } catch (const Poco::TimeoutException&) {
      if (block) std::this_thread::sleep_for(std::chrono::milliseconds(1));
      return;
    }
    if ((flags & WebSocket::FRAME_OP_BITMASK) != WebSocket::FRAME_OP_TEXT || n <= 0) return;
    auto m = Poco::JSON::Parser()
                 .parse(std::string(buf.begin(), static_cast<std::size_t>(n)))
                 .extract<Object::Ptr>();
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
      auto remote = *sendflow::engine::opFromJson(m->get("op"));
      if (m->getValue<std::string>("field") != field_) return;
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
      std::cerr << "bench_live: client " << index_ << ": " << m->getValue<std::string>("message")
                << "\n";
    }
  }

  int index_;
  Latencies& lat_;
  std::unique_ptr<Poco::Net::HTTPClientSession> session_;
  std::unique_ptr<WebSocket> ws_;
  std::string field_;
  std::u32string text_;
  long revision_ = 0, seq_ = 0, sent_ = 0;
  std::optional<std::pair<ot::Op, long>> inflight_;
  std::deque<std::pair<ot::Op, long>> pending_;
};

void summarise(Latencies& lat, long expected, Figures& f) {
  std::sort(lat.ms.begin(), lat.ms.end());
  if (!lat.ms.empty()) {
    f.p50 = lat.ms[lat.ms.size() / 2];
    f.p99 = lat.ms[std::min(lat.ms.size() - 1, lat.ms.size() * 99 / 100)];
    f.max = lat.ms.back();
  }
  f.delivered = lat.delivered;
  f.expected = expected;
  f.valid = true;
}

std::string run(const std::string& cmd, const std::vector<std::string>& args,
                const std::map<std::string, std::string>& env, int* code = nullptr) {
  Poco::Pipe out;
  Poco::Process::Env e(env.begin(), env.end());
  auto h = Poco::Process::launch(cmd, args, ".", nullptr, &out, nullptr, e);
  Poco::PipeInputStream in(out);
  std::string s;
  Poco::StreamCopier::copyToString(in, s);
  const int c = h.wait();
  if (code) *code = c;
  return s;
}

Figures measureSendflow(const Options& opt, int clients) {
  Figures f;
  const std::string home = Poco::TemporaryFile::tempName();
  Poco::File(home).createDirectories();
  std::map<std::string, std::string> env{
      {"SENDFLOW_HOME", home}, {"SENDFLOW_PORT", "0"}, {"SENDFLOW_LOG_FILE", home + "/server.log"}};
  auto demo =
      Poco::JSON::Parser().parse(run(opt.sendflow, {"demo", "--json"}, env)).extract<Object::Ptr>();
  std::string email, password, academy;
  auto accounts = demo->getArray("accounts");
  for (unsigned i = 0; i < accounts->size() && email.empty(); ++i) {
    auto a = accounts->getObject(i);
    if (a->getValue<std::string>("role") != "senco") continue;
    email = a->getValue<std::string>("email");
    password = a->getValue<std::string>("password");
    academy = a->getValue<std::string>("academy");
  }
  long planId = 0;
  auto plans = demo->getArray("plans");
  for (unsigned i = 0; i < plans->size() && !planId; ++i) {
    auto p = plans->getObject(i);
    if (p->getValue<std::string>("state") == "draft" &&
        p->getValue<std::string>("academy") == academy)
      planId = p->getValue<long>("id");
  }
  Poco::Pipe out;
  Poco::Process::Env e(env.begin(), env.end());
  auto server = Poco::Process::launch(opt.sendflow, {"serve"}, home, nullptr, &out, nullptr, e);
  Poco::PipeInputStream in(out);
  std::string line;
  int port = 0;
  while (!port && std::getline(in, line)) {
    if (line.find("listening on ") != std::string::npos)
      port = std::stoi(line.substr(line.rfind(':') + 1));
  }
  std::string cookie;
  {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest req("POST", "/api/v1/session", Poco::Net::HTTPMessage::HTTP_1_1);
    const std::string body = R"({"email":")" + email + R"(","password":")" + password + "\"}";
    req.setContentType("application/json");
    req.setContentLength64(static_cast<Poco::UInt64>(body.size()));
    s.sendRequest(req) << body;
    Poco::Net::HTTPResponse res;
    std::string ignored;
    Poco::StreamCopier::copyToString(s.receiveResponse(res), ignored);
    std::vector<Poco::Net::HTTPCookie> cookies;
    res.getCookies(cookies);
    for (auto& c : cookies) {
      if (c.getName() == "sf_session") cookie = "sf_session=" + c.getValue();
    }
  }
  const long rssBefore = rssKb(server.id());
  Latencies lat;
  std::vector<std::unique_ptr<BenchClient>> cs;
  for (int i = 0; i < clients; ++i)
    cs.push_back(std::make_unique<BenchClient>(i, port, planId, cookie, lat));
  const long rssConnected = rssKb(server.id());
  const double cpu0 = cpuSeconds(server.id());
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (auto& c : cs)
    threads.emplace_back([&, p = c.get()] { p->run(opt.duration, opt.rate, stop); });
  std::this_thread::sleep_for(std::chrono::duration<double>(opt.duration));
  const double cpu1 = cpuSeconds(server.id());
  f.rssKb = rssKb(server.id());
  std::this_thread::sleep_for(std::chrono::seconds(3));  // drain
  stop = true;
  for (auto& t : threads) t.join();
  long sent = 0;
  for (auto& c : cs) sent += c->sent();
  summarise(lat, sent * (clients - 1), f);
  f.cpuPercent = 100.0 * (cpu1 - cpu0) / opt.duration;
  f.rssPerConnKb = clients ? (rssConnected - rssBefore) / clients : 0;
  cs.clear();
  Poco::Process::requestTermination(server.id());
  server.wait();
  return f;
}

Figures measurePeer(const Options& opt, int clients) {
  Figures f;
  const std::string dir = std::string(SENDFLOW_SOURCE_ROOT) + "/tests/bench/live";
  std::map<std::string, std::string> env;
  if (const char* path = std::getenv("PATH")) env["PATH"] = path;
  int code = 0;
  const std::string out = run(opt.node,
                              {dir + "/peer.js", std::to_string(clients), std::to_string(opt.rate),
                               std::to_string(opt.duration)},
                              env, &code);
  if (code != 0) {
    f.note = "peer failed (exit " + std::to_string(code) + ")";
    return f;
  }
  auto j = Poco::JSON::Parser().parse(out.substr(out.rfind('{'))).extract<Object::Ptr>();
  f.p50 = j->getValue<double>("p50");
  f.p99 = j->getValue<double>("p99");
  f.max = j->getValue<double>("max");
  f.delivered = j->getValue<long>("delivered");
  f.expected = j->getValue<long>("expected");
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
      "%-3d %-12s p50 %7.2f  p99 %7.2f  max %8.2f ms  delivered %6ld/%-6ld  cpu %5.1f%%  "
      "rss %6ld KB (%ld KB/conn)\n",
      n, who, f.p50, f.p99, f.max, f.delivered, f.expected, f.cpuPercent, f.rssKb, f.rssPerConnKb);
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto val = [&](const char* name) { return a.substr(std::string(name).size() + 1); };
    if (a.rfind("--clients=", 0) == 0) {
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
    } else if (a == "--no-peer") {
      opt.peer = false;
    } else {
      std::cerr << "bench_live: unknown argument " << a << "\n";
      return 2;
    }
  }
  if (opt.sendflow.empty()) opt.sendflow = exeDir() + "../web/sendflow";
  const bool peer = opt.peer && Poco::File(std::string(SENDFLOW_SOURCE_ROOT) +
                                           "/tests/bench/live/node_modules/y-websocket")
                                    .exists();
  std::cout << "bench_live: " << opt.rate << " inserts/s per client for " << opt.duration
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
