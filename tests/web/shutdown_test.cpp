// SIGTERM under load, over the real binary: API writers on keep-alive connections and live
// editors are busy when the signal comes; the server exits 0 (no abort, no crash) within
// shutdown.grace, and after the restart every acknowledged write is there.
#include <Poco/Net/HTTPClientSession.h>
#include <Poco/Net/HTTPRequest.h>
#include <Poco/Net/HTTPResponse.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <mutex>
#include <thread>

#include "support/demo.h"
#include "support/live_client.h"

using sendflow::testing::containsAll;
using sendflow::testing::Demo;
using sendflow::testing::LiveClient;
using sendflow::testing::uniqueText;

namespace {

// PATCHes one pupil's preferred name "w<n>" with n = 1, 2, 3 … on one keep-alive connection
// until the server goes away, remembering the highest n acknowledged with a 2xx.
class PupilWriter {
 public:
  PupilWriter(std::int64_t pupil, std::map<std::string, std::string> cookies, std::string csrf)
      : pupil_(pupil), cookies_(std::move(cookies)), csrf_(std::move(csrf)) {}

  void start(int port) {
    stop_ = false;
    thread_ = std::thread([this, port] { run(port); });
  }
  void join() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  std::int64_t pupil() const { return pupil_; }
  int lastAcked() const { return lastAcked_; }
  int acked() const { return ackedCount_; }
  std::vector<int> serverErrors() {
    std::lock_guard lock(mutex_);
    return serverErrors_;
  }

 private:
  void run(int port) {
    Poco::Net::HTTPClientSession session("127.0.0.1", static_cast<Poco::UInt16>(port));
    session.setKeepAlive(true);
    session.setTimeout(Poco::Timespan(20, 0));
    while (!stop_) {
      const int n = ++next_;
      const std::string body = R"({"preferred_name":"w)" + std::to_string(n) + "\"}";
      Poco::Net::HTTPRequest req("PATCH", "/api/v1/pupils/" + std::to_string(pupil_),
                                 Poco::Net::HTTPMessage::HTTP_1_1);
      req.setKeepAlive(true);
      Poco::Net::NameValueCollection c;
      for (auto& [k, v] : cookies_) c.add(k, v);
      req.setCookies(c);
      req.set("X-CSRF-Token", csrf_);
      req.setContentType("application/json");
      req.setContentLength64(static_cast<Poco::UInt64>(body.size()));
      Poco::Net::HTTPResponse res;
      try {
        session.sendRequest(req) << body;
        std::string answer;
        Poco::StreamCopier::copyToString(session.receiveResponse(res), answer);
      } catch (const Poco::Exception&) {
        return;  // the server went away (or refused the reconnect): not acknowledged
      }
      const int status = static_cast<int>(res.getStatus());
      if (status >= 200 && status < 300) {
        lastAcked_ = n;
        ++ackedCount_;
      } else if (status >= 500 && status != 503) {
        std::lock_guard lock(mutex_);
        serverErrors_.push_back(status);
      }
    }
  }

  const std::int64_t pupil_;
  const std::map<std::string, std::string> cookies_;
  const std::string csrf_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> next_{0};  // carries on across rounds: values only grow
  std::atomic<int> lastAcked_{0};
  std::atomic<int> ackedCount_{0};
  std::mutex mutex_;
  std::vector<int> serverErrors_;
};

int preferredNumber(sendflow::testing::Client& c, std::int64_t pupil) {
  auto r = c.get("/api/v1/pupils/" + std::to_string(pupil));
  REQUIRE(r.status == 200);
  const auto name = r.json()->optValue<std::string>("preferred_name", "");
  return name.size() > 1 && name[0] == 'w' ? std::stoi(name.substr(1)) : 0;
}

int countOf(const std::string& text, const std::string& what) {
  int n = 0;
  for (auto at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("20 SIGTERMs under API writers and live editors: exit 0 in time, nothing acked lost",
          "[web][operations][slow]") {
  Demo demo;
  auto drafts = demo.plans("", "draft", Demo::kOak);
  REQUIRE_FALSE(drafts.empty());
  const auto plan = drafts.front()->getValue<sendflow::engine::Id>("id");
  auto senco = demo.senco();
  std::vector<std::unique_ptr<PupilWriter>> writers;
  for (std::size_t i = 0; i < demo.ownPupils.size() && writers.size() < 4; ++i)
    writers.push_back(
        std::make_unique<PupilWriter>(demo.ownPupils[i], senco.cookies(), senco.csrf));
  REQUIRE(writers.size() >= 2);

  constexpr int kRounds = 20;
  constexpr int kEditors = 2;
  const auto grace = std::chrono::seconds(10);  // shutdown.grace's default
  std::mt19937 rng(13);
  char32_t next = 0x10000;
  std::vector<std::u32string> ackedInserts;  // every live insert acknowledged so far
  std::string field;
  int liveAcked = 0;
  for (int round = 0; round < kRounds; ++round) {
    INFO("round " << round);
    if (round > 0) demo.server.start();
    const int port = demo.server.port();
    auto check = demo.server.client();
    check.cookies() = senco.cookies();
    // What was acknowledged before the last SIGTERM is there.
    for (auto& w : writers) CHECK(preferredNumber(check, w->pupil()) >= w->lastAcked());
    LiveClient reader("check" + std::to_string(round), senco.cookies());
    REQUIRE(reader.connect(port, plan));
    reader.pump(3);
    if (field.empty()) field = reader.firstTextField();
    REQUIRE_FALSE(field.empty());
    for (const auto& t : ackedInserts) CHECK(containsAll(reader.text(field), t));
    reader.drop();

    // Load: writers on keep-alive connections, editors typing, then SIGTERM in the middle.
    for (auto& w : writers) w->start(port);
    std::vector<std::unique_ptr<LiveClient>> editors;
    for (int i = 0; i < kEditors; ++i) {
      editors.push_back(std::make_unique<LiveClient>(
          "r" + std::to_string(round) + "e" + std::to_string(i), senco.cookies()));
      REQUIRE(editors.back()->connect(port, plan));
      editors.back()->pump(2);
    }
    std::map<std::int64_t, std::u32string> sent[kEditors];
    for (int step = 0; step < 12; ++step) {
      for (int i = 0; i < kEditors; ++i) {
        editors[i]->insertUnique(field, rng, uniqueText(next, 1));
        editors[i]->pump();
      }
    }
    // SIGTERM while writers and editors are busy; the editors keep reading (and answer the
    // server's close, as a browser does) until the process has exited.
    const auto signalled = std::chrono::steady_clock::now();
    std::atomic<bool> exited{false};
    int code = -1;
    std::thread stopper([&] {
      code = demo.server.stop();
      exited = true;
    });
    while (!exited)
      for (auto& e : editors) e->pump();
    stopper.join();
    const auto took = std::chrono::steady_clock::now() - signalled;
    CHECK(code == 0);  // Poco reports death by a signal as 256 + signal number
    CHECK(took < grace + std::chrono::seconds(5));
    for (auto& w : writers) w->join();
    for (int i = 0; i < kEditors; ++i) {
      editors[i]->pump(2);  // acks still unread, then the close (1001)
      for (auto seq : editors[i]->acked) ackedInserts.push_back(editors[i]->inserted_[seq]);
      liveAcked += static_cast<int>(editors[i]->acked.size());
    }
  }
  demo.server.start();
  auto check = demo.server.client();
  check.cookies() = senco.cookies();
  int apiAcked = 0;
  for (auto& w : writers) {
    CHECK(preferredNumber(check, w->pupil()) >= w->lastAcked());
    CHECK(w->serverErrors().empty());
    apiAcked += w->acked();
  }
  LiveClient reader("final", senco.cookies());
  REQUIRE(reader.connect(demo.server.port(), plan));
  reader.pump(3);
  for (const auto& t : ackedInserts) CHECK(containsAll(reader.text(field), t));
  reader.drop();
  CHECK(apiAcked > kRounds);  // the load was real
  CHECK(liveAcked > kRounds);
  const std::string log = demo.server.log();
  CHECK(countOf(log, "stopped") >= kRounds);
  CHECK(log.find("passed while") == std::string::npos);  // no step was cut by the deadline
}
