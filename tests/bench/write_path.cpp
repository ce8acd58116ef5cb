// Benchmark of the durable write path (not a test: it never fails on speed).
//
// Two tables: PATCH /api/v1/pupils/{id} (below) and PATCH /api/v1/plans/{id} (the plan edit: the
// answer merged into the plan's values, validated, a new version row and a hash-chained audit row
// in one transaction; each client edits its own plan and sends the version it was last answered
// as base_version), each beside the peer doing the same work.
//
// N concurrent clients (1, 16, 64) each send `PATCH /api/v1/pupils/{id}` with a small
// authenticated JSON update to the real `sendflow serve`, which validates it and writes the row
// and a hash-chained audit event in one SQLite transaction (WAL, synchronous=FULL). Printed beside:
//   (a) raw: the same transaction (UPDATE pupil + hash-chained audit INSERT) in a single-threaded
//       C++ loop over storage::Store on a file with the same pragmas, and
//   (b) peer: Node's `http` + better-sqlite3@12 doing the same work (tests/bench/write_path/),
//       driven by the same load generator with the same N.
// The load generator is one thread per client, each with its own keep-alive Poco
// HTTPClientSession; client i updates pupil i mod P of the SENCO's academy. Each measurement is
// a warm-up then a fixed window; every non-2xx answer and every transport error is counted.
//
// Usage: bench_write_path [--clients=1,16,64] [--warmup=SECONDS] [--duration=SECONDS]
//                         [--work=pupil,plan] [--idle=SECONDS] [--sendflow=PATH]
//                         [--node=PATH] [--no-peer]
// Each row also prints requests answered 2xx / sent, and sendflow's RSS as the load ends and
// after --idle seconds without requests.
// Everything runs on 127.0.0.1 in temporary directories.
#include <Poco/Environment.h>
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPCookie.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/NameValueCollection.h>
#include <Poco/NullStream.h>
#include <Poco/Path.h>
#include <Poco/Pipe.h>
#include <Poco/PipeStream.h>
#include <Poco/Process.h>
#include <Poco/StreamCopier.h>
#include <Poco/String.h>
#include <Poco/StringTokenizer.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.h"
#include "app/system_clock.h"
#include "bench_support.h"
#include "sendflow/engine/core/clock.h"
#include "sendflow/engine/people/model.h"
#include "sendflow/storage/database.h"
#include "sendflow/storage/store.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
using sendflow::bench::ChildServer;
using sendflow::bench::Credentials;
using sendflow::bench::Login;
using sendflow::bench::runCommand;
using sendflow::bench::signIn;
using sendflow::testing::TempDir;

// Caps that keep every run bounded even on a much faster machine.
constexpr long kMaxRequestsPerClient = 1'000'000;
constexpr long kMaxRawTransactions = 1'000'000;
constexpr int kRequestTimeoutSeconds = 20;

enum class Work { kPupil, kPlan };

struct Options {
  std::vector<int> clients{1, 16, 64};
  double warmupSeconds = 1.0;
  double durationSeconds = 5.0;
  double idleSeconds = 3.0;  // after the load, before sendflow's idle RSS is read
  std::string sendflowBinary;
  std::string node = "node";
  bool peer = true;
  std::vector<Work> works{Work::kPupil, Work::kPlan};
  bool verbose = false;   // per-client counts on stderr
  int serverThreads = 0;  // > 0: SENDFLOW_HTTP_THREADS for the sendflow server (diagnosis)
};

struct Figures {
  double perSecond = 0;  // 2xx answers (or commits) completed inside the measured window
  double p50Ms = 0;
  double p99Ms = 0;
  double maxMs = 0;
  long completed = 0;     // 2xx inside the window
  long non2xx = 0;        // over the whole run, warm-up included
  long errors = 0;        // transport errors/timeouts over the whole run
  int clientsServed = 0;  // clients with at least one 2xx inside the window
  int clients = 0;
  long sent = 0;                 // requests sent over the whole run, warm-up included
  long answered2xx = 0;          // of those, answered 2xx
  long rssAfterLoadKb = 0;       // sendflow only: the server's RSS as the load ends
  long rssIdleKb = 0;            // and after --idle seconds without requests
  std::map<int, long> statuses;  // non-2xx status -> count
  std::string note;              // why there are no figures, if there are none
  bool valid = false;
};

double millis(SteadyClock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

void summarise(std::vector<double>& latencies, double windowSeconds, Figures& f) {
  std::sort(latencies.begin(), latencies.end());
  f.perSecond = static_cast<double>(f.completed) / windowSeconds;
  f.p50Ms = percentile(latencies, 0.50);
  f.p99Ms = percentile(latencies, 0.99);
  f.maxMs = latencies.empty() ? 0 : latencies.back();
  f.valid = f.completed > 0;
}

// --- (a) raw SQLite: the same transaction from one thread -------------------------------------

Figures measureRaw(const Options& opt) {
  TempDir dir;
  sendflow::web::SystemClock clock;
  sendflow::storage::Store store(dir.file("raw.db"), clock);
  store.migrate();
  const std::string now = sendflow::engine::isoTime(clock.now());
  const auto pupilId = store.write([&](sendflow::storage::Database& db) {
    sendflow::storage::Statement a(db, "INSERT INTO academy(name, created_at) VALUES (?, ?)");
    a.bind(1, "Raw Academy").bind(2, now).run();
    const auto academyId = db.lastInsertId();
    sendflow::storage::Statement p(db,
                                   "INSERT INTO pupil(academy_id, legal_name, date_of_birth, "
                                   "year_group, created_at, updated_at) VALUES (?,?,?,?,?,?)");
    p.bind(1, academyId).bind(2, "Raw Pupil").bind(3, "2015-03-27").bind(4, "4");
    p.bind(5, now).bind(6, now).run();
    return db.lastInsertId();
  });

  // Exactly what SqlitePeopleRepository::updatePupil does inside Store::write().
  auto transaction = [&](long seq) {
    store.write([&](sendflow::storage::Database& db) {
      sendflow::storage::Statement st(
          db,
          "UPDATE pupil SET legal_name=?, preferred_name=?, date_of_birth=?, year_group=?, "
          "upn=?, active=?, updated_at=? WHERE id=?");
      st.bind(1, "Raw Pupil").bind(2, "raw-" + std::to_string(seq)).bind(3, "2015-03-27");
      st.bind(4, "4").bind(5, "").bind(6, 1);
      st.bind(7, sendflow::engine::isoTime(clock.now())).bind(8, pupilId).run();
      store.appendAudit(db, {"pupil.update", "user:1", "pupil", pupilId, 1, "{}"});
    });
  };

  Figures f;
  f.clients = 1;
  std::vector<double> latencies;
  const auto start = SteadyClock::now();
  const auto measureStart = start + std::chrono::duration_cast<SteadyClock::duration>(
                                        std::chrono::duration<double>(opt.warmupSeconds));
  const auto measureEnd = measureStart + std::chrono::duration_cast<SteadyClock::duration>(
                                             std::chrono::duration<double>(opt.durationSeconds));
  for (long seq = 0; seq < kMaxRawTransactions; ++seq) {
    const auto t0 = SteadyClock::now();
    if (t0 >= measureEnd) break;
    transaction(seq);
    const auto t1 = SteadyClock::now();
    if (t0 >= measureStart) {
      latencies.push_back(millis(t1 - t0));
      ++f.completed;
    }
  }
  f.clientsServed = 1;
  summarise(latencies, opt.durationSeconds, f);
  return f;
}

// The machine's durable-write ceiling right now: 4 KiB pwrite + fsync per loop, one thread.
// Other work on the same disk lowers it, so it is measured beside every row.
double fsyncPerSecond(double durationSeconds) {
  TempDir dir;
  const std::string path = dir.file("fsync.probe");
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return 0;
  std::vector<char> page(4096, 'x');
  long n = 0;
  const auto start = SteadyClock::now();
  const auto end = start + std::chrono::duration_cast<SteadyClock::duration>(
                               std::chrono::duration<double>(durationSeconds));
  while (SteadyClock::now() < end && n < kMaxRawTransactions) {
    if (::pwrite(fd, page.data(), page.size(), 0) != static_cast<ssize_t>(page.size())) break;
    if (::fsync(fd) != 0) break;
    ++n;
  }
  const double elapsed = std::chrono::duration<double>(SteadyClock::now() - start).count();
  ::close(fd);
  return elapsed > 0 ? static_cast<double>(n) / elapsed : 0;
}

// --- the load generator -----------------------------------------------------------------------

// The resident set of a process in KiB (0 if unknown).
long rssKb(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

struct ClientResult {
  std::vector<double> latencies;  // ms: 2xx completed in the window, plus requests in flight
                                  // at its end (measured to completion: the tail is real)
  long completed = 0;
  long sent = 0;
  long answered2xx = 0;
  long non2xx = 0;
  long errors = 0;
  std::map<int, long> statuses;
  std::string firstFailure;
  double firstAnswerMs = -1;  // since the clients started; -1: never answered
};

// What each request does: PATCH a pupil (validate + UPDATE + audit), or PATCH a plan (merge the
// answer into the plan's values, validate, INSERT a new version + audit); each client edits its
// own plan, created before the run, and sends the version it was last answered as base_version.
// One risk assessment per client, created through POST /api/v1/plans: (plan id, its version).
std::vector<std::pair<long, long>> createPlans(int port, const Login& login, int clients) {
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
  s.setTimeout(Poco::Timespan(30, 0));
  std::vector<std::pair<long, long>> out;
  for (int c = 0; c < clients; ++c) {
    const long pupil = login.pupilIds[static_cast<size_t>(c) % login.pupilIds.size()];
    Poco::Net::HTTPRequest req("POST", "/api/v1/plans", Poco::Net::HTTPMessage::HTTP_1_1);
    req.setContentType("application/json");
    req.set("Cookie", login.cookie);
    req.set("X-CSRF-Token", login.csrf);
    Poco::Net::HTTPResponse res;
    auto text = sendflow::bench::exchange(
        s, req, "{\"pupil_id\":" + std::to_string(pupil) + ",\"type\":\"risk_assessment\"}", res);
    if (res.getStatus() != Poco::Net::HTTPResponse::HTTP_CREATED)
      throw std::runtime_error("POST /api/v1/plans answered " + std::to_string(res.getStatus()) +
                               ": " + text);
    auto json = Poco::JSON::Parser().parse(text).extract<Poco::JSON::Object::Ptr>();
    out.emplace_back(json->getValue<long>("id"), json->getValue<long>("version"));
  }
  return out;
}

// The "version" a PATCH plan answered (-1 if none).
long answeredVersion(const std::string& body) {
  const auto at = body.find("\"version\":");
  if (at == std::string::npos) return -1;
  return std::strtol(body.c_str() + at + 10, nullptr, 10);
}

Figures drive(int port, const Login& login, int clients, const Options& opt, Work work) {
  std::vector<std::pair<long, long>> plans;
  if (work == Work::kPlan) plans = createPlans(port, login, clients);
  std::vector<ClientResult> results(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now() + std::chrono::milliseconds(200);  // all threads ready
  const auto measureStart = start + std::chrono::duration_cast<SteadyClock::duration>(
                                        std::chrono::duration<double>(opt.warmupSeconds));
  const auto measureEnd = measureStart + std::chrono::duration_cast<SteadyClock::duration>(
                                             std::chrono::duration<double>(opt.durationSeconds));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      ClientResult& r = results[static_cast<size_t>(c)];
      const long pupil = login.pupilIds[static_cast<size_t>(c) % login.pupilIds.size()];
      long baseVersion = work == Work::kPlan ? plans[static_cast<size_t>(c)].second : 0;
      const std::string path =
          work == Work::kPlan
              ? "/api/v1/plans/" + std::to_string(plans[static_cast<size_t>(c)].first)
              : "/api/v1/pupils/" + std::to_string(pupil);
      Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
      s.setKeepAlive(true);
      s.setTimeout(Poco::Timespan(kRequestTimeoutSeconds, 0));
      std::this_thread::sleep_until(start);
      for (long seq = 0; seq < kMaxRequestsPerClient; ++seq) {
        const auto t0 = SteadyClock::now();
        if (t0 >= measureEnd) break;
        const std::string name = "bench " + std::to_string(c) + "-" + std::to_string(seq);
        const std::string body = work == Work::kPlan
                                     ? "{\"base_version\":" + std::to_string(baseVersion) +
                                           ",\"values\":{\"preferred_name\":\"" + name + "\"}}"
                                     : "{\"preferred_name\":\"" + name + "\"}";
        int status = 0;
        ++r.sent;
        try {
          Poco::Net::HTTPRequest req("PATCH", path, Poco::Net::HTTPMessage::HTTP_1_1);
          req.setKeepAlive(true);
          req.setContentType("application/json");
          req.setContentLength(static_cast<std::streamsize>(body.size()));
          req.set("Cookie", login.cookie);
          req.set("X-CSRF-Token", login.csrf);
          s.sendRequest(req) << body;
          Poco::Net::HTTPResponse res;
          std::istream& in = s.receiveResponse(res);
          status = static_cast<int>(res.getStatus());
          if (work == Work::kPlan) {
            std::string answer;
            Poco::StreamCopier::copyToString(in, answer);
            if (status == 200) baseVersion = answeredVersion(answer);
          } else {
            Poco::NullOutputStream sink;
            Poco::StreamCopier::copyStream(in, sink);
          }
        } catch (const std::exception& e) {
          ++r.errors;
          if (r.firstFailure.empty()) r.firstFailure = e.what();
          s.reset();  // reconnect on the next request
          continue;
        }
        const auto t1 = SteadyClock::now();
        if (r.firstAnswerMs < 0) r.firstAnswerMs = millis(t1 - start);
        if (status < 200 || status > 299) {
          ++r.non2xx;
          ++r.statuses[status];
          if (r.firstFailure.empty()) r.firstFailure = "HTTP " + std::to_string(status);
          continue;
        }
        ++r.answered2xx;
        if (t1 >= measureStart && t1 <= measureEnd) {
          ++r.completed;
          r.latencies.push_back(millis(t1 - t0));
        } else if (t1 > measureEnd && t0 < measureEnd) {
          r.latencies.push_back(millis(t1 - t0));  // in flight at the end: counts in the tail
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  if (opt.verbose) {
    for (size_t c = 0; c < results.size(); ++c)
      std::fprintf(stderr, "    client %zu: %ld in window, first answer at %.0f ms\n", c,
                   results[c].completed, results[c].firstAnswerMs);
  }

  Figures f;
  f.clients = clients;
  std::vector<double> all;
  std::string firstFailure;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies.begin(), r.latencies.end());
    f.completed += r.completed;
    f.sent += r.sent;
    f.answered2xx += r.answered2xx;
    f.non2xx += r.non2xx;
    f.errors += r.errors;
    if (r.completed > 0) ++f.clientsServed;
    for (auto& [k, v] : r.statuses) f.statuses[k] += v;
    if (firstFailure.empty()) firstFailure = r.firstFailure;
  }
  summarise(all, opt.durationSeconds, f);
  if (!firstFailure.empty()) f.note = "first failure: " + firstFailure;
  return f;
}

// --- the two servers --------------------------------------------------------------------------

std::string exeDir() {
  std::vector<char> buf(4096);
  auto n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return ".";
  return Poco::Path(std::string(buf.data(), static_cast<size_t>(n))).parent().toString();
}

// A fresh instance per N: its own SENDFLOW_HOME, demo data, and the demo SENCO signed in.
Figures measureSendflow(const Options& opt, int clients, std::string& about, Work work) {
  TempDir home;
  std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()},
                                         {"SENDFLOW_PORT", "0"},
                                         {"SENDFLOW_LOG_FILE", home.file("server.log")}};
  if (opt.serverThreads > 0) env["SENDFLOW_HTTP_THREADS"] = std::to_string(opt.serverThreads);
  auto demo = runCommand(opt.sendflowBinary, {"demo", "--json"}, env);
  if (demo.exitCode != 0) throw std::runtime_error("sendflow demo failed: " + demo.err);
  auto json = Poco::JSON::Parser().parse(demo.out).extract<Poco::JSON::Object::Ptr>();
  auto accounts = json->getArray("accounts");
  std::optional<Credentials> senco;
  for (size_t i = 0; i < accounts->size() && !senco; ++i) {
    auto a = accounts->getObject(static_cast<unsigned>(i));
    if (a->getValue<std::string>("role") == "senco")
      senco = Credentials{a->getValue<std::string>("email"), a->getValue<std::string>("password")};
  }
  if (!senco) throw std::runtime_error("sendflow demo --json lists no senco");
  ChildServer server(opt.sendflowBinary, {"serve"}, env, home.path());
  auto login = signIn(server.port(), *senco);
  about = senco->email + ", " + std::to_string(login.pupilIds.size()) + " pupils";
  Figures f = drive(server.port(), login, clients, opt, work);
  f.rssAfterLoadKb = rssKb(server.pid());
  std::this_thread::sleep_for(std::chrono::duration<double>(opt.idleSeconds));
  f.rssIdleKb = rssKb(server.pid());
  return f;
}

Figures measurePeer(const Options& opt, int clients, const std::string& script, Work work) {
  TempDir dir;
  const Credentials who{"senco@oakfield.example", "oakfield-senco-demo"};
  std::map<std::string, std::string> env{
      {"PEER_DB", dir.file("peer.db")},
      {"PEER_PORT", "0"},
      {"PEER_EMAIL", who.email},
      {"PEER_PASSWORD", who.password},
      {"PEER_PUPILS", "10"},
      {"NODE_PATH", sendflow::bench::peerNodeModules("write_path", SENDFLOW_SOURCE_ROOT)}};
  if (Poco::Environment::has("PATH")) env["PATH"] = Poco::Environment::get("PATH");
  ChildServer server(opt.node, {script}, env, dir.path());
  auto login = signIn(server.port(), who);
  return drive(server.port(), login, clients, opt, work);
}

// --- output -----------------------------------------------------------------------------------

std::string cell(const Figures& f) {
  char buf[128];
  if (!f.valid) return "n/a";
  std::snprintf(buf, sizeof buf, "%8.0f/s  p50 %6.2f  p99 %7.2f", f.perSecond, f.p50Ms, f.p99Ms);
  return buf;
}

std::string failures(const Figures& f) {
  std::string s = std::to_string(f.non2xx) + " non-2xx, " + std::to_string(f.errors) + " errors";
  for (auto& [status, n] : f.statuses)
    s += " [" + std::to_string(status) + ": " + std::to_string(n) + "]";
  return s;
}

constexpr const char* kUsage =
    "usage: bench_write_path [--clients=1,16,64] [--work=pupil,plan] [--warmup=S] [--duration=S]\n"
    "                        [--idle=S] [--sendflow=PATH] [--node=PATH] [--no-peer] [--verbose]\n"
    "                        [--server-threads=K] [--help]\n"
    "PATCH a pupil and PATCH a plan under N keep-alive clients against sendflow serve, beside the\n"
    "raw Store transaction and the Node http + better-sqlite3 peer ($BENCH_PEERS/write_path).\n";

// The whole of `text` as a number (no "3abc"), else std::invalid_argument naming the option.
double number(const std::string& text, const std::string& option, double min) {
  std::size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(v >= min))
    throw std::invalid_argument(option + " takes a number >= " + std::to_string(min) + ", not '" +
                                text + "'");
  return v;
}

int wholeNumber(const std::string& text, const std::string& option, int min) {
  const auto v = sendflow::bench::wholeNumberOf(text);
  if (!v || *v < min)
    throw std::invalid_argument(option + " takes a whole number >= " + std::to_string(min) +
                                ", not '" + text + "'");
  return *v;
}

Options parse(int argc, char** argv) {
  Options opt;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto value = [&](const std::string& name) -> std::optional<std::string> {
      if (a.rfind(name + "=", 0) == 0) return a.substr(name.size() + 1);
      return std::nullopt;
    };
    if (auto v = value("--clients")) {
      opt.clients.clear();
      for (const auto& t : Poco::StringTokenizer(*v, ",", Poco::StringTokenizer::TOK_TRIM))
        opt.clients.push_back(wholeNumber(t, "--clients", 1));
    } else if (auto w = value("--warmup")) {
      opt.warmupSeconds = number(*w, "--warmup", 0);
    } else if (auto kinds = value("--work")) {
      opt.works.clear();
      for (const auto& t : Poco::StringTokenizer(*kinds, ",", Poco::StringTokenizer::TOK_TRIM)) {
        if (t == "pupil")
          opt.works.push_back(Work::kPupil);
        else if (t == "plan")
          opt.works.push_back(Work::kPlan);
        else
          throw std::invalid_argument("--work takes pupil and/or plan, not " + t);
      }
    } else if (auto idle = value("--idle")) {
      opt.idleSeconds = number(*idle, "--idle", 0);
    } else if (auto d = value("--duration")) {
      opt.durationSeconds = number(*d, "--duration", 0.1);
    } else if (auto b = value("--sendflow")) {
      opt.sendflowBinary = *b;
    } else if (auto n = value("--node")) {
      opt.node = *n;
    } else if (auto t = value("--server-threads")) {
      opt.serverThreads = wholeNumber(*t, "--server-threads", 1);
    } else if (a == "--help" || a == "-h") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "--verbose") {
      opt.verbose = true;
    } else if (a == "--no-peer") {
      opt.peer = false;
    } else {
      throw std::invalid_argument(
          "unknown argument " + a +
          " (use --clients=1,16,64 --work=pupil,plan --warmup=S --duration=S --idle=S "
          "--sendflow=PATH --node=PATH --no-peer --verbose "
          "--server-threads=K)");
    }
  }
  if (opt.sendflowBinary.empty()) opt.sendflowBinary = exeDir() + "../web/sendflow";
  return opt;
}

}  // namespace

int main(int argc, char** argv) {
  Options opt;
  try {
    opt = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "bench_write_path: " << e.what() << "\n" << kUsage;
    return 2;
  }
  const std::string peerDir = std::string(SENDFLOW_SOURCE_ROOT) + "/tests/bench/write_path";
  std::cout << "bench_write_path: durable write path (PATCH a pupil, PATCH a plan: each one "
               "transaction with a hash-chained audit INSERT, WAL, synchronous=FULL)\n"
            << "  per N: " << opt.warmupSeconds << " s warm-up, then " << opt.durationSeconds
            << " s measured; one keep-alive connection and thread per client; 127.0.0.1; "
            << std::thread::hardware_concurrency() << " CPUs shared by clients and server\n"
            << "  sendflow: " << opt.sendflowBinary << "\n"
            << "  peer:     " << opt.node << " " << peerDir << "/server.js (better-sqlite3@12)\n"
            << std::flush;

  bool peerAvailable = opt.peer;
  std::string peerNote;
  const std::string peerModules =
      sendflow::bench::peerNodeModules("write_path", SENDFLOW_SOURCE_ROOT);
  if (opt.peer && !Poco::File(peerModules + "/better-sqlite3").exists()) {
    peerAvailable = false;
    peerNote = "peer not installed in " + peerModules + " (scripts/bench installs it)";
  }
  if (opt.serverThreads > 0)
    std::cout << "  sendflow run with SENDFLOW_HTTP_THREADS=" << opt.serverThreads << "\n";
  std::cout << "  The raw column and the fsync probe are re-measured for every row (the disk is "
               "shared).\n\n";

  auto servedLine = [](const Figures& f) {
    return "clients served " + std::to_string(f.clientsServed) + "/" + std::to_string(f.clients) +
           ", max " + std::to_string(static_cast<long>(f.maxMs)) + " ms";
  };
  auto deliveredLine = [](const Figures& f) {
    return "2xx/sent " + std::to_string(f.answered2xx) + "/" + std::to_string(f.sent);
  };
  std::vector<std::string> notes;
  long failedRequests = 0;
  auto yesNo = [](bool b) { return b ? "met" : "NOT met"; };
  for (Work work : opt.works) {
    const bool plan = work == Work::kPlan;
    std::cout << (plan ? "\nPATCH /api/v1/plans/{id} (merge one answer, validate, INSERT a new "
                         "version + hash-chained audit, one transaction); each client its own plan"
                       : "\nPATCH /api/v1/pupils/{id} (validate, UPDATE pupil + hash-chained "
                         "audit, one transaction)")
              << "\n";
    std::printf("%-4s | %-38s | %-38s | %-38s\n", "N", "sendflow serve (req/s, p50/p99 ms)",
                plan ? "" : "raw SQLite, 1 thread (tx/s, p50/p99)",
                "peer Node http+better-sqlite3@12");
    std::map<int, std::pair<Figures, Figures>> byN;  // N -> (sendflow, peer)
    Figures raw;
    for (int n : opt.clients) {
      Figures sf, peer;
      raw = Figures{};
      const double fsyncRate = fsyncPerSecond(1.0);
      if (!plan) {
        try {
          raw = measureRaw(opt);
        } catch (const std::exception& e) {
          raw.note = e.what();
          notes.push_back("N=" + std::to_string(n) + " raw: " + raw.note);
        }
      }
      std::string about;
      try {
        sf = measureSendflow(opt, n, about, work);
      } catch (const std::exception& e) {
        sf.note = std::string("sendflow run failed: ") + e.what();
      }
      if (peerAvailable) {
        try {
          peer = measurePeer(opt, n, peerDir + "/server.js", work);
        } catch (const std::exception& e) {
          peer.note = std::string("peer run failed: ") + e.what();
        }
      }
      char probe[64];
      std::snprintf(probe, sizeof probe, "(4 KiB write+fsync: %.0f/s)", fsyncRate);
      std::printf("%-4d | %-38s | %-38s | %-38s\n", n, cell(sf).c_str(),
                  plan ? "" : cell(raw).c_str(), cell(peer).c_str());
      std::printf("     | %-38s | %-38s | %-38s\n", failures(sf).c_str(), probe,
                  peerAvailable ? failures(peer).c_str() : "");
      std::printf("     | %-38s | %-38s | %-38s\n", servedLine(sf).c_str(), "",
                  peerAvailable ? servedLine(peer).c_str() : "");
      std::printf("     | %-38s | %-38s | %-38s\n", deliveredLine(sf).c_str(), "",
                  peerAvailable ? deliveredLine(peer).c_str() : "");
      char rss[96];
      std::snprintf(rss, sizeof rss, "RSS %.1f MB after load, %.1f MB %.0f s idle",
                    static_cast<double>(sf.rssAfterLoadKb) / 1024.0,
                    static_cast<double>(sf.rssIdleKb) / 1024.0, opt.idleSeconds);
      std::printf("     | %-38s | %-38s | %-38s\n", rss, "", "");
      std::fflush(stdout);
      failedRequests += sf.non2xx + sf.errors + peer.non2xx + peer.errors;
      const std::string what = std::string(plan ? " plan" : " pupil") + " N=" + std::to_string(n);
      if (!sf.note.empty()) notes.push_back(what + " sendflow: " + sf.note);
      if (!peer.note.empty()) notes.push_back(what + " peer: " + peer.note);
      byN[n] = {sf, peer};
    }
    std::cout << "Goals (issue 15): >= the peer at 1 client, >= 2x the peer at 16 and 64, p99 <= "
                 "half the peer's\n";
    for (const auto& [n, figures] : byN) {
      const auto& [sf, peer] = figures;
      if (!sf.valid || !peer.valid) {
        std::printf("  N=%d: no figure for %s\n", n, sf.valid ? "the peer" : "sendflow");
        continue;
      }
      const double want = n == 1 ? 1.0 : 2.0;
      std::printf("  N=%-3d %.2fx the peer (want >= %.0fx): %s;  p99 %.2f vs peer %.2f ms: %s\n", n,
                  sf.perSecond / peer.perSecond, want, yesNo(sf.perSecond >= want * peer.perSecond),
                  sf.p99Ms, peer.p99Ms, yesNo(sf.p99Ms <= peer.p99Ms / 2));
    }
  }
  if (!peerAvailable) notes.push_back(peerNote.empty() ? "peer skipped (--no-peer)" : peerNote);
  std::cout << "  'clients served': clients with at least one answer inside the window; a request "
               "still in flight when the window closes is timed to its answer and counts in "
               "p99/max. '2xx/sent': over the whole run, warm-up included.\n";
  std::cout << "Failed requests (non-2xx or transport errors), all runs: " << failedRequests
            << "\n";
  for (const auto& n : notes) std::cout << "  note: " << n << "\n";
  return 0;
}
