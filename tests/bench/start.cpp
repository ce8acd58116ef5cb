// Issue 15 benchmark: idle memory of `sendflow serve` right after start (the demo trust seeded,
// /healthz answered, then 2 s idle): VmRSS, split into anonymous memory (heap, stacks) and
// file-backed pages (the binary and shared libraries, shared with other processes), PSS and the
// private pages (what the process costs beside others mapping the same libraries), and the
// thread count. Beside it, y-websocket's idle RSS when its node packages are installed
// ($BENCH_PEERS/live, as scripts/bench does). Goal (issue 15): <= 16 MB.
// Usage: bench_start --help
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>
#include <Poco/Net/ServerSocket.h>
#include <Poco/Process.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <thread>

#include "../support/temp_dir.h"
#include "bench_support.h"

namespace fs = std::filesystem;

namespace {

constexpr const char* kUsage =
    "usage: bench_start [--sendflow=PATH] [--help]\n"
    "  --sendflow=PATH   the sendflow binary (default: this build's)\n"
    "--duration=S and --warmup=S (BENCH_ARGS for the request benchmarks) are accepted and "
    "ignored.\n";

struct Memory {
  long rssKb = -1, anonKb = -1, fileKb = -1, threads = -1, pssKb = -1, privateKb = -1;
};

Memory memoryOf(long pid) {
  Memory m;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);) {
    auto value = [&](const char* key, long& into) {
      if (line.rfind(key, 0) == 0) into = std::atol(line.c_str() + std::string(key).size());
    };
    value("VmRSS:", m.rssKb);
    value("RssAnon:", m.anonKb);
    value("RssFile:", m.fileKb);
    value("Threads:", m.threads);
  }
  // PSS (each shared page divided among the processes mapping it) and the pages this process
  // alone holds (Private_Clean + Private_Dirty): file-backed RSS is mostly shared libraries
  // and the executable, resident in the page cache whoever maps them.
  std::ifstream rollup("/proc/" + std::to_string(pid) + "/smaps_rollup");
  long clean = -1, dirty = -1;
  for (std::string line; std::getline(rollup, line);) {
    auto value = [&](const char* key, long& into) {
      if (line.rfind(key, 0) == 0) into = std::atol(line.c_str() + std::string(key).size());
    };
    value("Pss:", m.pssKb);
    value("Private_Clean:", clean);
    value("Private_Dirty:", dirty);
  }
  if (clean >= 0 && dirty >= 0) m.privateKb = clean + dirty;
  return m;
}

bool healthy(int port) {
  try {
    Poco::Net::HTTPClientSession s("127.0.0.1", static_cast<Poco::UInt16>(port));
    Poco::Net::HTTPRequest req("GET", "/healthz", Poco::Net::HTTPMessage::HTTP_1_1);
    Poco::Net::HTTPResponse res;
    sendflow::bench::exchange(s, req, "", res);
    return res.getStatus() == Poco::Net::HTTPResponse::HTTP_OK;
  } catch (const std::exception&) {
    return false;
  }
}

void row(const char* name, const Memory& m) {
  auto mb = [](long kb) { return static_cast<double>(kb) / 1024.0; };
  std::printf("%-40s %9.1f %9.1f %9.1f %9.1f %9.1f %8ld\n", name, mb(m.rssKb), mb(m.anonKb),
              mb(m.fileKb), mb(m.pssKb), mb(m.privateKb), m.threads);
}

}  // namespace

int main(int argc, char** argv) try {
  std::string sendflow =
      (fs::canonical("/proc/self/exe").parent_path() / "../web/sendflow").lexically_normal();
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    }
    if (a.rfind("--sendflow=", 0) == 0) {
      sendflow = a.substr(11);
    } else if (a.rfind("--duration=", 0) != 0 && a.rfind("--warmup=", 0) != 0) {
      std::fprintf(stderr, "bench_start: unknown argument %s\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  sendflow::testing::TempDir home;
  const std::map<std::string, std::string> env{{"SENDFLOW_HOME", home.path()},
                                               {"SENDFLOW_PORT", "0"},
                                               {"SENDFLOW_LOG_FILE", home.file("server.log")}};
  auto demo = sendflow::bench::runCommand(sendflow, {"demo"}, env);
  if (demo.exitCode != 0) throw std::runtime_error("sendflow demo failed: " + demo.err);
  std::printf("idle memory after start: the demo trust, /healthz answered, then 2 s idle (MB)\n");
  std::printf("%-40s %9s %9s %9s %9s %9s %8s\n", "server", "VmRSS", "anon", "file", "PSS",
              "private", "threads");
  {
    sendflow::bench::ChildServer server(sendflow, {"serve"}, env, home.path());
    if (!healthy(server.port())) throw std::runtime_error("sendflow /healthz did not answer 200");
    std::this_thread::sleep_for(std::chrono::seconds(2));
    row("sendflow serve (goal: VmRSS <= 16 MB)", memoryOf(server.pid()));
  }
  const std::string peer = sendflow::bench::peerNodeModules("live", SENDFLOW_SOURCE_ROOT) +
                           "/y-websocket/bin/server.cjs";
  if (!fs::exists(peer)) {
    std::printf("%-40s (not installed: %s; scripts/bench installs it)\n", "y-websocket",
                peer.c_str());
    return 0;
  }
  int port = 0;
  {
    Poco::Net::ServerSocket probe(0);
    port = probe.address().port();
  }
  Poco::Process::Env penv{{"HOST", "127.0.0.1"}, {"PORT", std::to_string(port)}};
  auto handle = Poco::Process::launch("node", {peer}, home.path(), nullptr, nullptr, nullptr, penv);
  std::this_thread::sleep_for(std::chrono::seconds(3));
  row("y-websocket (node, idle)", memoryOf(handle.id()));
  Poco::Process::requestTermination(handle.id());
  handle.wait();
  return 0;
} catch (const std::exception& e) {
  std::fprintf(stderr, "bench_start: %s\n", e.what());
  return 1;
}
