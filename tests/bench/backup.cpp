// Benchmark of `sendflow backup` (not a test: it never fails on speed).
//
// A demo trust padded to --size-mb (a filler table of random 4 KB rows: the copy's cost is its
// pages, whatever they hold) is served by the real `sendflow serve`. Timed, each in a fresh
// destination:
//   sendflow: `sendflow backup DEST` (VACUUM INTO in one read transaction, then the copy's
//             integrity check, audit chain and plan-version hashes) idle, then while --writers
//             clients PATCH pupils over the API as fast as they are answered;
//   peer:     the sqlite3 shell's `.backup DEST` (SQLite's online backup API, stepping 100 pages
//             at a time: the incremental copy sendflow used before, which starts again whenever
//             another connection writes) idle and under the same writers, stopped after
//             --peer-timeout seconds.
// The goal (issue 13): under load ≤ 2× idle. Writes acknowledged during each backup are counted.
//
// Usage: bench_backup [--size-mb=1024] [--writers=16] [--peer-timeout=SECONDS]
//                     [--sendflow=PATH] [--sqlite3=PATH]
#include <Poco/File.h>
#include <Poco/NullStream.h>
#include <Poco/Path.h>
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <functional>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "../support/temp_dir.h"
#include "bench_support.h"
#include "sendflow/storage/database.h"

namespace {

using SteadyClock = std::chrono::steady_clock;
using sendflow::bench::ChildServer;
using sendflow::bench::Credentials;
using sendflow::bench::Login;
using sendflow::testing::TempDir;

struct Options {
  long sizeMb = 1024;
  int writers = 16;
  double peerTimeoutSeconds = 0;  // 0: ten times the peer's idle time, at least 60 s
  std::string sendflowBinary;
  std::string sqlite3 = "/usr/bin/sqlite3";
};

double seconds(SteadyClock::duration d) { return std::chrono::duration<double>(d).count(); }

std::string exeDir() {
  std::vector<char> buf(4096);
  auto n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return ".";
  return Poco::Path(std::string(buf.data(), static_cast<size_t>(n))).parent().toString();
}

// Pads the database with random 4 KB rows until it holds `mb` megabytes.
void pad(const std::string& db, long mb) {
  sendflow::storage::Database d(db);
  d.exec("CREATE TABLE IF NOT EXISTS bench_filler(id INTEGER PRIMARY KEY, data BLOB NOT NULL)");
  const long rows = mb * 1024 * 1024 / 4096;
  for (long done = 0; done < rows; done += 10000) {
    d.exec("BEGIN");
    d.exec("WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < " +
           std::to_string(std::min(10000L, rows - done)) +
           ") INSERT INTO bench_filler(data) SELECT randomblob(4000) FROM n");
    d.exec("COMMIT");
  }
  d.exec("PRAGMA wal_checkpoint(TRUNCATE)");
}

// --writers clients PATCHing pupils until stopped; counts acknowledged writes.
class Writers {
 public:
  Writers(int port, const Login& login, int n) {
    for (int c = 0; c < n; ++c)
      threads_.emplace_back([this, port, &login, c] { write(port, login, c); });
  }
  ~Writers() { stop(); }
  long stop() {
    stopping_ = true;
    for (auto& t : threads_)
      if (t.joinable()) t.join();
    return acknowledged_;
  }
  long acknowledged() const { return acknowledged_; }
  long failed() const { return failed_; }

 private:
  void write(int port, const Login& login, int c) {
    const long pupil = login.pupilIds[static_cast<size_t>(c) % login.pupilIds.size()];
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    s.setKeepAlive(true);
    s.setTimeout(Poco::Timespan(30, 0));
    for (long seq = 0; !stopping_; ++seq) {
      const std::string body = "{\"preferred_name\":\"backup bench " + std::to_string(c) + "-" +
                               std::to_string(seq) + "\"}";
      try {
        Poco::Net::HTTPRequest req("PATCH", "/api/v1/pupils/" + std::to_string(pupil),
                                   Poco::Net::HTTPMessage::HTTP_1_1);
        req.setContentType("application/json");
        req.set("Cookie", login.cookie);
        req.set("X-CSRF-Token", login.csrf);
        Poco::Net::HTTPResponse res;
        sendflow::bench::exchange(s, req, body, res);
        (res.getStatus() / 100 == 2 ? acknowledged_ : failed_)++;
      } catch (const std::exception&) {
        ++failed_;
        s.reset();
      }
    }
  }
  std::atomic<bool> stopping_{false};
  std::atomic<long> acknowledged_{0}, failed_{0};
  std::vector<std::thread> threads_;
};

struct Timed {
  double seconds = 0;
  bool finished = false;
  std::string note;
};

// Runs a command, killing it after `timeout` seconds.
Timed timeCommand(const std::string& cmd, const std::vector<std::string>& args,
                  const std::map<std::string, std::string>& env, double timeout) {
  Poco::Pipe outPipe, errPipe;
  Poco::Process::Env e(env.begin(), env.end());
  const auto t0 = SteadyClock::now();
  auto handle = Poco::Process::launch(cmd, args, ".", nullptr, &outPipe, &errPipe, e);
  Timed t;
  std::optional<int> code;
  while (!code) {
    if (int c = handle.tryWait(); c != -1) {
      code = c;
      break;
    }
    if (seconds(SteadyClock::now() - t0) > timeout) {
      Poco::Process::kill(handle);
      handle.wait();
      t.seconds = seconds(SteadyClock::now() - t0);
      t.note = "did not finish; stopped after " + std::to_string(static_cast<int>(timeout)) + " s";
      return t;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  t.seconds = seconds(SteadyClock::now() - t0);
  Poco::PipeInputStream out(outPipe), err(errPipe);
  std::string o, er;
  Poco::StreamCopier::copyToString(out, o);
  Poco::StreamCopier::copyToString(err, er);
  t.finished = *code == 0;
  if (!t.finished) t.note = "exit " + std::to_string(*code) + ": " + er.substr(0, 200);
  return t;
}

std::string cell(const Timed& t) {
  char buf[96];
  if (!t.finished) return t.note;
  std::snprintf(buf, sizeof buf, "%.2f s", t.seconds);
  return buf;
}

constexpr const char* kUsage =
    "usage: bench_backup [--size-mb=1024] [--writers=16] [--peer-timeout=SECONDS]\n"
    "                    [--sendflow=PATH] [--sqlite3=PATH] [--help]\n"
    "  --size-mb=N          the demo trust padded to N MB\n"
    "  --writers=N          clients PATCHing pupils during the loaded backups\n"
    "  --peer-timeout=S     the sqlite3 .backup peer is stopped after S seconds\n"
    "  --sendflow=PATH      the sendflow binary (default: this build's)\n"
    "  --sqlite3=PATH       the sqlite3 shell\n"
    "--duration=S and --warmup=S (BENCH_ARGS for the request benchmarks) are accepted and "
    "ignored.\n";

// A mistake in the command line: exit code 2 and the usage, as every bench.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The whole text as a number, else a usage error ("3abc" and " 3" are not 3).
template <typename T>
T number(const std::string& text, const std::string& what,
         T (*convert)(const std::string&, std::size_t*)) {
  std::size_t used = 0;
  T v{};
  try {
    v = convert(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (text.empty() || used != text.size() || v <= 0 ||
      !std::isdigit(static_cast<unsigned char>(text.front())))
    throw UsageError(what + " must be a positive number, not '" + text + "'");
  return v;
}
long toLong(const std::string& s, std::size_t* used) { return std::stol(s, used); }
int toInt(const std::string& s, std::size_t* used) { return std::stoi(s, used); }
double toDouble(const std::string& s, std::size_t* used) { return std::stod(s, used); }

Options parse(int argc, char** argv) {
  Options o;
  o.sendflowBinary = exeDir() + "../web/sendflow";
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    auto value = [&](const std::string& key) -> std::optional<std::string> {
      if (a.rfind(key + "=", 0) == 0) return a.substr(key.size() + 1);
      return std::nullopt;
    };
    if (auto v = value("--size-mb"))
      o.sizeMb = number<long>(*v, "--size-mb", toLong);
    else if (auto v2 = value("--writers"))
      o.writers = number<int>(*v2, "--writers", toInt);
    else if (auto v3 = value("--peer-timeout"))
      o.peerTimeoutSeconds = number<double>(*v3, "--peer-timeout", toDouble);
    else if (auto v4 = value("--sendflow"))
      o.sendflowBinary = *v4;
    else if (auto v5 = value("--sqlite3"))
      o.sqlite3 = *v5;
    else if (a == "--duration" || a.rfind("--duration=", 0) == 0 || a.rfind("--warmup=", 0) == 0)
      continue;  // BENCH_ARGS meant for the request benchmarks
    else
      throw UsageError("unknown argument " + a);
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  const Options opt = parse(argc, argv);
  TempDir home, out;
  const std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()},
                                               {"SENDFLOW_PORT", "0"},
                                               {"SENDFLOW_LOG_FILE", home.file("server.log")}};
  auto demo = sendflow::bench::runCommand(opt.sendflowBinary, {"demo", "--json"}, env);
  if (demo.exitCode != 0) throw std::runtime_error("sendflow demo failed: " + demo.err);
  auto json = Poco::JSON::Parser().parse(demo.out).extract<Poco::JSON::Object::Ptr>();
  std::optional<Credentials> senco;
  auto accounts = json->getArray("accounts");
  for (size_t i = 0; i < accounts->size() && !senco; ++i) {
    auto a = accounts->getObject(static_cast<unsigned>(i));
    if (a->getValue<std::string>("role") == "senco")
      senco = Credentials{a->getValue<std::string>("email"), a->getValue<std::string>("password")};
  }
  const std::string db = home.file("sendflow.db");
  const auto padStart = SteadyClock::now();
  pad(db, opt.sizeMb);
  std::printf("backup: database %.0f MB (padded in %.0f s), %d writers\n",
              static_cast<double>(Poco::File(db).getSize()) / 1e6,
              seconds(SteadyClock::now() - padStart), opt.writers);

  ChildServer server(opt.sendflowBinary, {"serve"}, env, home.path());
  const Login login = sendflow::bench::signIn(server.port(), *senco);
  int n = 0;
  auto ours = [&](double timeout) {
    return timeCommand(opt.sendflowBinary,
                       {"backup", out.file("ours-" + std::to_string(++n) + ".db")}, env, timeout);
  };
  auto peer = [&](double timeout) {
    return timeCommand(opt.sqlite3,
                       {db, ".backup " + out.file("peer-" + std::to_string(++n) + ".db")}, env,
                       timeout);
  };
  auto underLoad = [&](const std::function<Timed()>& run, long& writes) {
    Writers w(server.port(), login, opt.writers);
    std::this_thread::sleep_for(std::chrono::seconds(1));  // the writers are going
    const long before = w.acknowledged();
    Timed t = run();
    writes = w.acknowledged() - before;
    w.stop();
    if (w.failed()) t.note += " (" + std::to_string(w.failed()) + " writes failed)";
    return t;
  };

  const Timed oursIdle = ours(3600);
  long oursWrites = 0;
  const Timed oursLoaded = underLoad([&] { return ours(3600); }, oursWrites);
  const Timed peerIdle = peer(3600);
  const double peerTimeout = opt.peerTimeoutSeconds > 0
                                 ? opt.peerTimeoutSeconds
                                 : std::max(60.0, 10 * (peerIdle.finished ? peerIdle.seconds : 6));
  long peerWrites = 0;
  const Timed peerLoaded = underLoad([&] { return peer(peerTimeout); }, peerWrites);

  std::printf("%-44s %14s %24s %16s\n", "", "idle", "under writers", "loaded / idle");
  auto row = [](const char* name, const Timed& idle, const Timed& loaded, long writes) {
    char ratio[32] = "n/a";
    if (idle.finished && loaded.finished)
      std::snprintf(ratio, sizeof ratio, "%.2fx", loaded.seconds / idle.seconds);
    std::printf("%-44s %14s %24s %16s   (%ld writes acknowledged meanwhile)\n", name,
                cell(idle).c_str(), cell(loaded).c_str(), ratio, writes);
  };
  row("sendflow backup (VACUUM INTO + checks)", oursIdle, oursLoaded, oursWrites);
  row("peer: sqlite3 .backup (online backup API)", peerIdle, peerLoaded, peerWrites);
  if (!oursLoaded.note.empty())
    std::printf("note: sendflow under load: %s\n", oursLoaded.note.c_str());
  return oursIdle.finished && oursLoaded.finished ? 0 : 1;
} catch (const UsageError& e) {
  std::fprintf(stderr, "bench_backup: %s\n%s", e.what(), kUsage);
  return 2;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_backup: %s\n", e.what());
  return 1;
}
