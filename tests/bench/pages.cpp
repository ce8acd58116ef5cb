// Benchmark of the reads a SENCO waits for (not a test: it never fails on speed).
//
// A real `sendflow serve` on loopback with the demo data, the demo SENCO signed in. For each N
// (16, 64), N keep-alive clients, one thread each, GET the same URL for a fixed window, one URL
// after the other:
//   page:      GET /plans/{id}        the plan's HTML page (the page a SENCO opens most)
//   api:       GET /api/v1/plans/{id} the same plan as JSON
//   pdf:       GET /plans/{id}/pdf    the same plan as a PDF (the peer the issue names)
//   dashboard: GET /                  the SENCO's home page
// Every read is audited by the server, as in use. Every non-2xx answer and every transport error
// is counted and printed; throughput is 2xx answers inside the window, and the server's own CPU
// (user + system) over the window divided by them: ms of CPU per request, a figure that holds
// when the cores are shared with other work.
//
// Usage: bench_pages [--clients=16,64] [--warmup=SECONDS] [--duration=SECONDS] [--sendflow=PATH]
//                    [--plan=ID] [--only=page,api,pdf,dashboard]
#include <Poco/JSON/Array.h>
#include <Poco/JSON/Object.h>
#include <Poco/JSON/Parser.h>
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Path.h>
#include <Poco/StreamCopier.h>
#include <Poco/StringTokenizer.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.h"
#include "bench_support.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
using sendflow::bench::ChildServer;
using sendflow::bench::Credentials;
using sendflow::bench::Login;
using sendflow::bench::runCommand;
using sendflow::bench::signIn;
using sendflow::testing::TempDir;

constexpr long kMaxRequestsPerClient = 1'000'000;
constexpr int kRequestTimeoutSeconds = 20;

struct Options {
  std::vector<int> clients{16, 64};
  double warmupSeconds = 1.0;
  double durationSeconds = 5.0;
  std::string sendflowBinary;
  long planId = 0;  // 0: the first EHCP plan the SENCO sees (else the first plan)
  std::vector<std::string> only{"page", "api", "pdf", "dashboard"};
};

struct Figures {
  double serverCpuMsPerRequest = -1;  // the server's user + system CPU in the window / completed
  double perSecond = 0;
  double p50Ms = 0;
  double p99Ms = 0;
  long completed = 0;
  long non2xx = 0;
  long errors = 0;
  long bytes = 0;  // size of the last 2xx body
  std::map<int, long> statuses;
  std::string note;
  bool valid = false;
};

double millis(SteadyClock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

double percentile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(q * static_cast<double>(sorted.size()) + 0.999999);
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

struct ClientResult {
  std::vector<double> latencies;
  long completed = 0;
  long non2xx = 0;
  long errors = 0;
  long bytes = 0;
  std::map<int, long> statuses;
  std::string firstFailure;
};

// User + system CPU of process `pid` so far, in ms (/proc/PID/stat); -1 when unreadable.
double processCpuMs(long pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = stat.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)  // utime is field 14, stime 15
    if (i >= 14) ticks += std::strtod(field.c_str(), nullptr);
  return ticks * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

Figures drive(int port, long serverPid, const Login& login, const std::string& path, int clients,
              const Options& opt) {
  std::vector<ClientResult> results(static_cast<size_t>(clients));
  std::vector<std::thread> threads;
  const auto start = SteadyClock::now() + std::chrono::milliseconds(200);
  const auto measureStart = start + std::chrono::duration_cast<SteadyClock::duration>(
                                        std::chrono::duration<double>(opt.warmupSeconds));
  const auto measureEnd = measureStart + std::chrono::duration_cast<SteadyClock::duration>(
                                             std::chrono::duration<double>(opt.durationSeconds));
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      ClientResult& r = results[static_cast<size_t>(c)];
      Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
      s.setKeepAlive(true);
      s.setTimeout(Poco::Timespan(kRequestTimeoutSeconds, 0));
      std::string body;
      std::this_thread::sleep_until(start);
      for (long seq = 0; seq < kMaxRequestsPerClient; ++seq) {
        const auto t0 = SteadyClock::now();
        if (t0 >= measureEnd) break;
        int status = 0;
        try {
          Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
          req.setKeepAlive(true);
          req.set("Cookie", login.cookie);
          s.sendRequest(req);
          Poco::Net::HTTPResponse res;
          std::istream& in = s.receiveResponse(res);
          body.clear();
          Poco::StreamCopier::copyToString(in, body);
          status = static_cast<int>(res.getStatus());
        } catch (const std::exception& e) {
          ++r.errors;
          if (r.firstFailure.empty()) r.firstFailure = e.what();
          s.reset();
          continue;
        }
        const auto t1 = SteadyClock::now();
        if (status < 200 || status > 299) {
          ++r.non2xx;
          ++r.statuses[status];
          if (r.firstFailure.empty()) r.firstFailure = "HTTP " + std::to_string(status);
          continue;
        }
        r.bytes = static_cast<long>(body.size());
        if (t1 >= measureStart && t1 <= measureEnd) {
          ++r.completed;
          r.latencies.push_back(millis(t1 - t0));
        } else if (t1 > measureEnd && t0 < measureEnd) {
          r.latencies.push_back(millis(t1 - t0));  // in flight at the end: counts in the tail
        }
      }
    });
  }
  // The server's CPU over the measured window: a figure that holds when the cores are shared.
  double cpuAtStart = -1, cpuAtEnd = -1;
  threads.emplace_back([&] {
    std::this_thread::sleep_until(measureStart);
    cpuAtStart = processCpuMs(serverPid);
    std::this_thread::sleep_until(measureEnd);
    cpuAtEnd = processCpuMs(serverPid);
  });
  for (auto& t : threads) t.join();
  Figures f;
  std::vector<double> all;
  for (auto& r : results) {
    all.insert(all.end(), r.latencies.begin(), r.latencies.end());
    f.completed += r.completed;
    f.non2xx += r.non2xx;
    f.errors += r.errors;
    f.bytes = std::max(f.bytes, r.bytes);
    for (auto& [k, v] : r.statuses) f.statuses[k] += v;
    if (f.note.empty() && !r.firstFailure.empty()) f.note = "first failure: " + r.firstFailure;
  }
  std::sort(all.begin(), all.end());
  f.perSecond = static_cast<double>(f.completed) / opt.durationSeconds;
  f.p50Ms = percentile(all, 0.50);
  f.p99Ms = percentile(all, 0.99);
  f.valid = f.completed > 0;
  if (f.valid && cpuAtStart >= 0 && cpuAtEnd >= cpuAtStart)
    f.serverCpuMsPerRequest = (cpuAtEnd - cpuAtStart) / static_cast<double>(f.completed);
  return f;
}

std::string exeDir() {
  std::vector<char> buf(4096);
  auto n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return ".";
  return Poco::Path(std::string(buf.data(), static_cast<size_t>(n))).parent().toString();
}

std::string get(int port, const Login& login, const std::string& path) {
  Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
  s.setTimeout(Poco::Timespan(30, 0));
  Poco::Net::HTTPRequest req("GET", path, Poco::Net::HTTPMessage::HTTP_1_1);
  req.set("Cookie", login.cookie);
  Poco::Net::HTTPResponse res;
  auto text = sendflow::bench::exchange(s, req, "", res);
  if (res.getStatus() != Poco::Net::HTTPResponse::HTTP_OK)
    throw std::runtime_error("GET " + path + " answered " + std::to_string(res.getStatus()));
  return text;
}

// The plan every client reads: --plan, else the SENCO's first EHCP plan, else their first plan.
long choosePlan(int port, const Login& login, const Options& opt) {
  if (opt.planId > 0) return opt.planId;
  auto json = Poco::JSON::Parser().parse(get(port, login, "/api/v1/plans"));
  auto plans = json.extract<Poco::JSON::Object::Ptr>()->getArray("plans");
  if (!plans || plans->size() == 0) throw std::runtime_error("the SENCO sees no plans");
  for (size_t i = 0; i < plans->size(); ++i) {
    auto p = plans->getObject(static_cast<unsigned>(i));
    if (p->getValue<std::string>("type") == "ehcp") return p->getValue<long>("id");
  }
  return plans->getObject(0)->getValue<long>("id");
}

std::string cell(const Figures& f) {
  char buf[128];
  if (!f.valid) return "n/a";
  std::snprintf(buf, sizeof buf, "%7.0f/s p50 %6.2f p99 %7.2f", f.perSecond, f.p50Ms, f.p99Ms);
  return buf;
}

std::string failures(const Figures& f) {
  std::string s = std::to_string(f.non2xx) + " non-2xx, " + std::to_string(f.errors) + " errors";
  for (auto& [status, n] : f.statuses)
    s += " [" + std::to_string(status) + ": " + std::to_string(n) + "]";
  return s;
}

void usage(std::ostream& out) {
  out << "Usage: bench_pages [--clients=16,64] [--warmup=SECONDS] [--duration=SECONDS]\n"
         "                   [--sendflow=PATH] [--plan=ID] [--only=page,api,pdf,dashboard]\n"
         "A real `sendflow serve` on 127.0.0.1 with the demo data and the demo SENCO signed in;\n"
         "N keep-alive clients GET the plan page, its API read, its PDF and the dashboard in turn\n"
         "and req/s, p50/p99 ms and failures are printed side by side. Never fails on speed.\n";
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
        opt.clients.push_back(std::stoi(t));
    } else if (auto w = value("--warmup")) {
      opt.warmupSeconds = std::stod(*w);
    } else if (auto d = value("--duration")) {
      opt.durationSeconds = std::stod(*d);
    } else if (auto b = value("--sendflow")) {
      opt.sendflowBinary = *b;
    } else if (auto p = value("--plan")) {
      opt.planId = std::stol(*p);
    } else if (auto o = value("--only")) {
      opt.only.clear();
      for (const auto& t : Poco::StringTokenizer(*o, ",", Poco::StringTokenizer::TOK_TRIM))
        opt.only.push_back(t);
    } else {
      throw std::invalid_argument("unknown argument " + a);
    }
  }
  if (opt.clients.empty() || opt.durationSeconds <= 0)
    throw std::invalid_argument("--clients needs a number and --duration must be above 0");
  if (opt.sendflowBinary.empty()) opt.sendflowBinary = exeDir() + "../web/sendflow";
  return opt;
}

}  // namespace

int main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--help" || std::string(argv[i]) == "-h") {
      usage(std::cout);
      return 0;
    }
  }
  Options opt;
  try {
    opt = parse(argc, argv);
  } catch (const std::exception& e) {
    std::cerr << "bench_pages: " << e.what() << "\n";
    usage(std::cerr);
    return 2;
  }
  const std::map<std::string, std::string> paths{{"page", "/plans/{id}"},
                                                 {"api", "/api/v1/plans/{id}"},
                                                 {"pdf", "/plans/{id}/pdf"},
                                                 {"dashboard", "/"}};
  for (const auto& o : opt.only)
    if (!paths.count(o)) {
      std::cerr << "bench_pages: --only knows page, api, pdf and dashboard, not " << o << "\n";
      return 2;
    }
  try {
    TempDir home;
    std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()},
                                           {"SENDFLOW_PORT", "0"},
                                           {"SENDFLOW_LOG_FILE", home.file("server.log")}};
    auto demo = runCommand(opt.sendflowBinary, {"demo", "--json"}, env);
    if (demo.exitCode != 0) throw std::runtime_error("sendflow demo failed: " + demo.err);
    auto json = Poco::JSON::Parser().parse(demo.out).extract<Poco::JSON::Object::Ptr>();
    auto accounts = json->getArray("accounts");
    std::optional<Credentials> senco;
    for (size_t i = 0; i < accounts->size() && !senco; ++i) {
      auto a = accounts->getObject(static_cast<unsigned>(i));
      if (a->getValue<std::string>("role") == "senco")
        senco =
            Credentials{a->getValue<std::string>("email"), a->getValue<std::string>("password")};
    }
    if (!senco) throw std::runtime_error("sendflow demo --json lists no senco");
    ChildServer server(opt.sendflowBinary, {"serve"}, env, home.path());
    auto login = signIn(server.port(), *senco);
    const long plan = choosePlan(server.port(), login, opt);
    std::cout << "bench_pages: the reads a SENCO waits for, one plan (id " << plan << ") of the "
              << "demo data, " << senco->email << " signed in\n"
              << "  per N and URL: " << opt.warmupSeconds << " s warm-up, then "
              << opt.durationSeconds << " s measured; one keep-alive connection and thread per "
              << "client; 127.0.0.1; " << std::thread::hardware_concurrency()
              << " CPUs shared by clients and server; every read audited by the server\n"
              << "  sendflow: " << opt.sendflowBinary << " (pid " << server.pid() << ")\n"
              << "  the PDF of the same plan is the peer the issue names\n\n";
    std::printf("%-10s %-28s", "URL", "path");
    for (int n : opt.clients) std::printf(" | %-35s", ("N=" + std::to_string(n)).c_str());
    std::printf("\n");
    std::map<std::string, std::map<int, Figures>> all;
    long failed = 0;
    std::vector<std::string> notes;
    for (const auto& name : opt.only) {
      std::string path = paths.at(name);
      if (auto at = path.find("{id}"); at != std::string::npos)
        path.replace(at, 4, std::to_string(plan));
      std::printf("%-10s %-28s", name.c_str(), path.c_str());
      std::fflush(stdout);
      for (int n : opt.clients) {
        Figures f = drive(server.port(), static_cast<long>(server.pid()), login, path, n, opt);
        all[name][n] = f;
        failed += f.non2xx + f.errors;
        if (!f.note.empty()) notes.push_back(name + " N=" + std::to_string(n) + ": " + f.note);
        std::printf(" | %-35s", cell(f).c_str());
        std::fflush(stdout);
      }
      std::printf("\n%-10s %-28s", "", "");
      for (int n : opt.clients) std::printf(" | %-35s", failures(all[name][n]).c_str());
      std::printf("\n%-10s %-28s", "", "");
      for (int n : opt.clients)
        std::printf(" | %-35s", ("body " + std::to_string(all[name][n].bytes) + " bytes").c_str());
      std::printf("\n%-10s %-28s", "", "");
      for (int n : opt.clients) {
        char cpu[64] = "server CPU n/a";
        if (all[name][n].serverCpuMsPerRequest >= 0)
          std::snprintf(cpu, sizeof cpu, "server CPU %.3f ms/request",
                        all[name][n].serverCpuMsPerRequest);
        std::printf(" | %-35s", cpu);
      }
      std::printf("\n");
      std::fflush(stdout);
    }
    std::cout << "\n";
    if (all.count("page") && all.count("pdf")) {
      for (int n : opt.clients) {
        const auto& page = all["page"][n];
        const auto& pdf = all["pdf"][n];
        if (page.valid && pdf.valid)
          std::printf("N=%d: page / PDF of the same plan: %.2fx (goal: > 1)\n", n,
                      page.perSecond / pdf.perSecond);
      }
    }
    if (opt.clients.size() >= 2) {
      const int lo = opt.clients.front(), hi = opt.clients.back();
      for (const char* name : {"page", "api"}) {
        if (!all.count(name)) continue;
        const auto& a = all[name][lo];
        const auto& b = all[name][hi];
        if (a.valid && b.valid)
          std::printf("%s: N=%d / N=%d throughput %.2fx (goal: no fall, >= ~1)\n", name, hi, lo,
                      b.perSecond / a.perSecond);
      }
    }
    std::cout << "Failed requests (non-2xx or transport errors), all runs: " << failed << "\n";
    for (const auto& n : notes) std::cout << "  note: " << n << "\n";
  } catch (const std::exception& e) {
    std::cerr << "bench_pages: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
